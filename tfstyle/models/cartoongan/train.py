"""The CartoonGAN training recipe (behind train_cartoongan.py)."""

import dataclasses
import math
import os

import tensorflow as tf

from tfstyle.data import content_dataset, paired_dataset, scan_folder
from tfstyle.data.cartoon import smoothed_cartoons
from tfstyle.data.paired import load_side
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import GAN_IDENTITY_KEYS, AdversarialRecipe, GANTrainConfig
from tfstyle.models.cartoongan.cartoongan import (
    PRESETS,
    CartoonDiscriminator,
    CartoonGAN,
    cartoon_generator,
)
from tfstyle.training.recipe import content_source, register_recipe, sample_images

IDENTITY_KEYS = GAN_IDENTITY_KEYS + (
    "cartoon_dir",
    "preset",
    "filters",
    "generator_blocks",
    "discriminator_filters",
    "content_weight",
    "init_epochs",
    "init_steps",
    "vgg",
    "vgg_weights",
)
CACHE_FOLDER = "smoothed_cartoons"


@dataclasses.dataclass(kw_only=True)
class CartoonGANTrainConfig(GANTrainConfig):
    """The paper's settings: 256 px, an initialisation stage of 10 epochs (content loss
    only), then the adversarial stage (BCE GAN loss, content weight 10), Adam 2e-4
    (beta1 0.5); batch 8 and 100 adversarial epochs as the public reimplementations.

    Photos come from `content_dir` (the script's --photo_dir) or a TFDS `dataset`;
    cartoons from `cartoon_dir`. An epoch is one pass over the photos; `epochs` counts
    the adversarial stage only, `steps` (if given) the whole run.
    """

    cartoon_dir: str | None = None
    preset: str = "paper"
    filters: int | None = None  # None: the preset's
    generator_blocks: int | None = None
    discriminator_filters: int | None = None
    content_weight: float = 10.0
    init_epochs: float = 10.0
    init_steps: int | None = None  # overrides init_epochs
    batch_size: int = 8
    epochs: float = 100.0
    gan_loss: str = "bce"
    decay_fraction: float = 0.0

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(
                f"--preset must be one of {', '.join(PRESETS)}, got '{self.preset}'"
            )
        for key, value in PRESETS[self.preset].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if not self.content_dir and not self.dataset:
            raise InvalidArgumentError("give --photo_dir (a folder of photos) or a TFDS --dataset")
        if not self.cartoon_dir:
            raise InvalidArgumentError("give --cartoon_dir (a folder of cartoon images)")
        if self.filters < 1 or self.generator_blocks < 0 or self.discriminator_filters < 1:
            raise InvalidArgumentError(
                "--filters >= 1, --generator_blocks >= 0, --discriminator_filters >= 1"
            )
        if self.content_weight < 0:
            raise InvalidArgumentError("--content_weight must be >= 0")
        if self.init_epochs < 0 or (self.init_steps is not None and self.init_steps < 0):
            raise InvalidArgumentError("--init_epochs and --init_steps must be >= 0")
        super().validate()


def _generator(config):
    return cartoon_generator(config["filters"], config["generator_blocks"])


@register_recipe("cartoongan")
class CartoonGANRecipe(AdversarialRecipe):
    """Photos and cartoon images (unpaired); the release is the generator."""

    config_class = CartoonGANTrainConfig
    identity_keys = IDENTITY_KEYS

    def prepare(self):
        c = self.config
        self.source = content_source(c, self.notify)
        self.styles = scan_folder(c.cartoon_dir, "cartoon_dir")

    def sources(self):
        return {"photos": self.source, "cartoons": self.styles}

    def init_steps(self):
        """Steps of the initialisation stage."""
        c = self.config
        if c.init_steps is not None:
            return int(c.init_steps)
        return int(math.ceil(c.init_epochs * self.source.size / c.batch_size))

    def total_steps(self):
        c = self.config
        if c.steps:
            return int(c.steps)
        return self.init_steps() + max(1, math.ceil(c.epochs * self.source.size / c.batch_size))

    def start_info(self):
        return {"initialization_steps": min(self.init_steps(), self.total_steps())}

    def make_model(self):
        c = self.config
        return CartoonGAN(
            _generator(dataclasses.asdict(c)),
            CartoonDiscriminator(c.discriminator_filters, name="discriminator"),
            image_size=c.image_size,
            gan_loss=c.gan_loss,
            content_weight=c.content_weight,
            architecture=c.vgg,
            vgg_weights=c.vgg_weights,
        )

    def sample_images(self):
        return sample_images(self.source, self.config.image_size)

    def dataset(self, start_step):
        """{"photo", "cartoon", "smoothed", "adversarial"} batches; "adversarial" is 0
        for the first `init_steps()` steps. Photos and cartoon pairs are pure functions
        of (seed, step), so a resume inside either stage continues it."""
        c = self.config
        init = self.init_steps()
        cartoons = smoothed_cartoons(
            c.cartoon_dir,
            os.path.join(c.output_dir, CACHE_FOLDER),
            c.image_size,
            notify=self.notify,
        )
        photos = content_dataset(
            self.source,
            c.image_size,
            c.batch_size,
            c.seed,
            start_step,
            load_side(c.image_size),
            flip=True,
        )
        pairs = paired_dataset(cartoons, c.image_size, c.batch_size, c.seed + 1, start_step)
        stages = tf.data.Dataset.counter(start_step).map(
            lambda step: tf.fill([c.batch_size], tf.cast(step >= init, tf.float32))
        )
        return tf.data.Dataset.zip(photos, pairs, stages).map(
            lambda p, pair, stage: {
                "photo": p,
                "cartoon": pair["a"],
                "smoothed": pair["b"],
                "adversarial": stage,
            }
        )

    @classmethod
    def inference_network(cls, run_config):
        generator = _generator(run_config)
        generator.build((None, 64, 64, 3))
        return generator
