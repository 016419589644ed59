"""DCGAN (Radford et al., ICLR 2016): images from noise, the smallest GAN family."""

from tfstyle.models.dcgan.dcgan import DCGAN

__all__ = ["DCGAN"]
