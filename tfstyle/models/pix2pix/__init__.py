"""pix2pix (Isola et al., CVPR 2017): paired translation with a conditional GAN."""

from tfstyle.models.pix2pix.pix2pix import Pix2Pix

__all__ = ["Pix2Pix"]
