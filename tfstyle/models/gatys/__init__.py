"""Gatys et al. optimisation-based style transfer, texture synthesis and feature inversion."""

from tfstyle.models.gatys.gatys_style_transfer import (
    DEFAULT_CONTENT_LAYERS,
    DEFAULT_STYLE_LAYERS,
    GatysStyleTransfer,
)
from tfstyle.models.gatys.run import (
    RUDER_TEMPORAL_WEIGHT,
    GatysRunConfig,
    run_gatys,
    run_gatys_video,
    size_schedule,
)

__all__ = [
    "DEFAULT_CONTENT_LAYERS",
    "DEFAULT_STYLE_LAYERS",
    "GatysRunConfig",
    "GatysStyleTransfer",
    "RUDER_TEMPORAL_WEIGHT",
    "run_gatys",
    "run_gatys_video",
    "size_schedule",
]
