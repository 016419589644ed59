"""The GAN base shared by every adversarial family (DCGAN, pix2pix, CycleGAN, ...).

- `AdversarialModel`: several networks and optimisers, one `train_step` of phases.
- `AdversarialRecipe`, `GANTrainConfig`: the training recipe's shared part;
  `UnpairedRecipe`, `UnpairedTrainConfig`: two unpaired domains (CycleGAN, MUNIT).
- `ImagePool`: the checkpointed pool of past fakes (CycleGAN).
- `LinearDecay` (from `tfstyle.optimizers`): constant, then linear to 0 (pix2pix, CycleGAN).
- The losses are in `tfstyle.losses.adversarial`; the networks in `tfstyle.networks`.
"""

from tfstyle.gan.adversarial_model import AdversarialModel
from tfstyle.gan.image_pool import ImagePool
from tfstyle.gan.recipe import (
    GAN_IDENTITY_KEYS,
    AdversarialRecipe,
    GANTrainConfig,
    UnpairedRecipe,
    UnpairedTrainConfig,
)
from tfstyle.optimizers import LinearDecay

__all__ = [
    "GAN_IDENTITY_KEYS",
    "AdversarialModel",
    "AdversarialRecipe",
    "GANTrainConfig",
    "ImagePool",
    "LinearDecay",
    "UnpairedRecipe",
    "UnpairedTrainConfig",
]
