"""Layers shared by the feed-forward models: padding, upsampling (nearest, sub-pixel),
normalisation."""

from tfstyle.layers.adain import AdaptiveInstanceNormalization
from tfstyle.layers.conv_block import ConvBlock, ResidualBlock, make_normalization
from tfstyle.layers.normalization import (
    ConditionalInstanceNormalization,
    ImageLayerNormalization,
    InstanceNormalization,
)
from tfstyle.layers.padding import ReflectionPadding2D
from tfstyle.layers.upsampling import NearestUpsampling2D, PixelShuffle

__all__ = [
    "AdaptiveInstanceNormalization",
    "ConvBlock",
    "ResidualBlock",
    "make_normalization",
    "ConditionalInstanceNormalization",
    "ImageLayerNormalization",
    "InstanceNormalization",
    "NearestUpsampling2D",
    "PixelShuffle",
    "ReflectionPadding2D",
]
