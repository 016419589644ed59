"""Networks shared by several families: GAN generators and discriminators.

Family-specific networks stay in their family's folder (e.g. Johnson's
`TransformerNet` in `tfstyle/models/johnson/`); the ones here serve several families
(pix2pix and CycleGAN, CartoonGAN and SRGAN later).
"""

from tfstyle.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from tfstyle.networks.multiscale_discriminator import MultiScaleDiscriminator
from tfstyle.networks.patch_discriminator import RECEPTIVE_FIELDS, PatchDiscriminator
from tfstyle.networks.resnet_generator import ResnetGenerator
from tfstyle.networks.unet_generator import UNetGenerator, pad_to_multiple

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MultiScaleDiscriminator",
    "PatchDiscriminator",
    "RECEPTIVE_FIELDS",
    "ResnetGenerator",
    "UNetGenerator",
    "pad_to_multiple",
]
