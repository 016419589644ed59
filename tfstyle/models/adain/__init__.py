"""AdaIN: arbitrary style transfer in real time (Huang & Belongie, ICCV 2017)."""

from tfstyle.models.adain.adain_style_transfer import (
    AdaINDecoder,
    AdaINStyleTransfer,
    blend_statistics,
    region_statistics,
)

__all__ = ["AdaINDecoder", "AdaINStyleTransfer", "blend_statistics", "region_statistics"]
