"""The DCGAN training recipe (behind train_dcgan.py)."""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from tfstyle.data import content_dataset, scan_folder, tfds_source
from tfstyle.data.synthetic import write_synthetic_digits
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import GAN_IDENTITY_KEYS, AdversarialRecipe, GANTrainConfig
from tfstyle.models.dcgan.dcgan import DCGAN
from tfstyle.networks import DCGANDiscriminator, DCGANGenerator
from tfstyle.training.recipe import register_recipe, sample_images

SYNTHETIC = "synthetic_digits"
IDENTITY_KEYS = GAN_IDENTITY_KEYS + (
    "data_dir",
    "latent_dim",
    "channels",
    "filters",
    "discriminator_filters",
    "spectral_norm",
)


@dataclasses.dataclass(kw_only=True)
class DCGANTrainConfig(GANTrainConfig):
    """The paper's settings: Adam 2e-4 (beta1 0.5), batch 128, z of 100, the
    original GAN loss; 32 x 32 images (MNIST's 28 resized), 25 epochs, constant rate.

    Data: `data_dir` (any images), or the TFDS `dataset` "mnist", or "synthetic_digits"
    (drawn once into the run folder: offline, MNIST-like printed digits).
    """

    dataset: str | None = "mnist"
    data_dir: str | None = None
    image_size: int = 32
    batch_size: int = 128
    epochs: float = 25.0
    gan_loss: str = "bce"
    decay_fraction: float = 0.0
    latent_dim: int = 100
    channels: int = 1
    filters: int = 64
    discriminator_filters: int = 64
    spectral_norm: bool = False
    synthetic_count: int = 20_000

    def validate(self):
        if self.channels not in (1, 3):
            raise InvalidArgumentError(f"--channels must be 1 or 3, got {self.channels}")
        if self.image_size < 8 or self.image_size & (self.image_size - 1):
            raise InvalidArgumentError(
                f"--image_size must be a power of 2 (8 ... 128), got {self.image_size}"
            )
        if self.latent_dim < 1:
            raise InvalidArgumentError("--latent_dim must be at least 1")
        if not self.data_dir and not self.dataset:
            raise InvalidArgumentError("give --data_dir DIR or --dataset mnist|synthetic_digits")
        super().validate()


def _generator(config):
    return DCGANGenerator(
        config["latent_dim"],
        config["image_size"],
        config["channels"],
        config["filters"],
        name="generator",
    )


@register_recipe("dcgan")
class DCGANRecipe(AdversarialRecipe):
    """Images only (no pairs, no conditions); the release is the generator, z -> image."""

    config_class = DCGANTrainConfig
    identity_keys = IDENTITY_KEYS

    def prepare(self):
        c = self.config
        if c.data_dir:
            self.source = scan_folder(c.data_dir, "data_dir")
        elif c.dataset == SYNTHETIC:
            self.notify(f"drawing {c.synthetic_count} synthetic digits (once)")
            folder = os.path.join(c.output_dir, SYNTHETIC)
            self.source = scan_folder(write_synthetic_digits(folder, c.synthetic_count, c.seed))
        else:
            self.source = tfds_source(c.dataset, notify=self.notify)

    def sources(self):
        return {"images": self.source}

    def make_model(self):
        c = self.config
        return DCGAN(
            _generator(dataclasses.asdict(c)),
            DCGANDiscriminator(
                c.image_size,
                c.channels,
                c.discriminator_filters,
                c.spectral_norm,
                name="discriminator",
            ),
            gan_loss=c.gan_loss,
            seed=c.seed,
        )

    def sample_images(self):
        return np.zeros((8, 1, 1, 1), np.float32)  # 8 columns of the fixed-z grid

    def eval_data(self, count):
        c = self.config
        z = np.random.default_rng(c.seed).standard_normal((count, c.latent_dim))
        real = sample_images(self.source, c.image_size, count)
        if c.channels == 1:
            real = np.asarray(tf.image.rgb_to_grayscale(real))
        return z.astype(np.float32), real

    def dataset(self, start_step):
        c = self.config
        images = content_dataset(
            self.source, c.image_size, c.batch_size, c.seed, start_step, c.image_size
        )
        if c.channels == 1:
            images = images.map(tf.image.rgb_to_grayscale)
        return images

    @classmethod
    def inference_network(cls, run_config):
        generator = _generator(run_config)
        generator.build()
        return generator
