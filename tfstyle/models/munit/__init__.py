"""MUNIT (Huang et al., ECCV 2018): multimodal unpaired translation with content and
style codes and an AdaIN decoder."""

from tfstyle.models.munit.munit import MUNIT, MUNITTranslator, random_style_codes
from tfstyle.models.munit.networks import (
    ContentEncoder,
    Decoder,
    MUNITAutoEncoder,
    StyleEncoder,
)

__all__ = [
    "MUNIT",
    "ContentEncoder",
    "Decoder",
    "MUNITAutoEncoder",
    "MUNITTranslator",
    "StyleEncoder",
    "random_style_codes",
]
