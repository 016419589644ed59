"""CartoonGAN (Chen, Lai & Liu, CVPR 2018): photos to cartoons, learnt from unpaired
photos and cartoon images with an edge-promoting adversarial loss."""

from tfstyle.models.cartoongan.cartoongan import CartoonDiscriminator, CartoonGAN, cartoon_generator

__all__ = ["CartoonDiscriminator", "CartoonGAN", "cartoon_generator"]
