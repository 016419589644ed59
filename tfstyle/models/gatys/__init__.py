"""Gatys et al. optimisation-based style transfer, texture synthesis and feature inversion."""

from tfstyle.models.gatys.gatys_style_transfer import (
    DEFAULT_CONTENT_LAYERS,
    DEFAULT_STYLE_LAYERS,
    GatysStyleTransfer,
)
from tfstyle.models.gatys.run import GatysRunConfig, run_gatys, size_schedule

__all__ = [
    "DEFAULT_CONTENT_LAYERS",
    "DEFAULT_STYLE_LAYERS",
    "GatysRunConfig",
    "GatysStyleTransfer",
    "run_gatys",
    "size_schedule",
]
