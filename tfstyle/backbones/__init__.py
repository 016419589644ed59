"""Frozen feature extractors used as loss networks and encoders."""

from tfstyle.backbones.vgg_features import (
    TORCHVISION_FEATURE_SCALE,
    VGG_LAYERS,
    CaffePreprocess,
    VGGFeatures,
    resolve_layer_name,
)

__all__ = [
    "TORCHVISION_FEATURE_SCALE",
    "VGG_LAYERS",
    "CaffePreprocess",
    "VGGFeatures",
    "resolve_layer_name",
]
