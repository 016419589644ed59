"""Super-resolution: Johnson et al.'s perceptual x4/x8 networks, SRResNet and SRGAN."""

from tfstyle.models.super_resolution.networks import (
    SCALES,
    JohnsonSRNet,
    SRGANDiscriminator,
    SRResNet,
    make_upscaler,
)
from tfstyle.models.super_resolution.super_resolution import SRGAN, SuperResolution

__all__ = [
    "SCALES",
    "SRGAN",
    "JohnsonSRNet",
    "SRGANDiscriminator",
    "SRResNet",
    "SuperResolution",
    "make_upscaler",
]
