"""Frozen feature extractors used as loss networks and encoders."""

from tfstyle.backbones.vgg_features import (
    VGG_LAYERS,
    CaffePreprocess,
    VGGFeatures,
    resolve_layer_name,
)

__all__ = ["VGG_LAYERS", "CaffePreprocess", "VGGFeatures", "resolve_layer_name"]
