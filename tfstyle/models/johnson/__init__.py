"""Johnson et al. fast style transfer: the transformer network and its training model."""

from tfstyle.models.johnson.fast_style_transfer import (
    DEFAULT_LAYERS,
    DEFAULT_WEIGHTS,
    FastStyleTransfer,
)
from tfstyle.models.johnson.transformer_net import PRESETS, TransformerNet

__all__ = ["DEFAULT_LAYERS", "DEFAULT_WEIGHTS", "PRESETS", "FastStyleTransfer", "TransformerNet"]
