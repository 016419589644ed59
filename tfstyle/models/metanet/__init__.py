"""MetaNet: a meta network that generates a style transfer network from a style image
(Shen, Yan & Zeng, CVPR 2018)."""

from tfstyle.models.metanet.meta_style_transfer import (
    INPUT_NORMALIZATIONS,
    MetaNetStyleTransfer,
    MetaNetwork,
)
from tfstyle.models.metanet.transformer import PRESETS, MetaTransformerNet

__all__ = [
    "INPUT_NORMALIZATIONS",
    "PRESETS",
    "MetaNetStyleTransfer",
    "MetaNetwork",
    "MetaTransformerNet",
]
