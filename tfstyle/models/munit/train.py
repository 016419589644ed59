"""The MUNIT training recipe (behind train_munit.py)."""

import dataclasses

import keras
import tensorflow as tf

from tfstyle.data import unpaired_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import GAN_IDENTITY_KEYS, UnpairedRecipe, UnpairedTrainConfig
from tfstyle.models.munit.munit import MUNIT, MUNITTranslator
from tfstyle.models.munit.networks import MUNITAutoEncoder
from tfstyle.networks import MultiScaleDiscriminator
from tfstyle.training.recipe import register_recipe

PAPER_STEPS = 1_000_000  # the authors' max_iter
ARCHITECTURE_KEYS = (
    "filters",
    "num_blocks",
    "style_dim",
    "mlp_dim",
    "discriminator_filters",
    "discriminator_scales",
    "discriminator_layers",
)
IDENTITY_KEYS = (
    GAN_IDENTITY_KEYS
    + ARCHITECTURE_KEYS
    + (
        "a_dir",
        "b_dir",
        "lr_step",
        "lr_gamma",
        "weight_decay",
        "gan_weight",
        "reconstruction_weight",
        "style_weight",
        "content_weight",
        "cycle_weight",
        "perceptual_weight",
    )
)


@dataclasses.dataclass(kw_only=True)
class MUNITTrainConfig(UnpairedTrainConfig):
    """The authors' settings (configs/*.yaml): images resized to 256 on the shorter
    side, 256 px random crops, mirrored; batch 1; networks 64 wide, 4 residual blocks,
    style codes of 8, a 256-wide MLP; 3-scale LSGAN discriminators of 4 layers; weights
    gan 1, image reconstruction 10, style 1, content 1, explicit cycle 10 (the authors'
    advice for example-guided translation), perceptual 0; Adam 1e-4, betas (0.5, 0.999),
    weight decay 1e-4, the rate halved every 100k steps, 1M steps.

    `weight_decay` is Keras' decoupled decay (AdamW's; the authors' PyTorch Adam adds
    it to the gradient); at 1e-4 x lr both are tiny.
    """

    epochs: float | None = None  # None (with steps None): PAPER_STEPS
    learning_rate: float = 1e-4
    decay_fraction: float = 0.0  # MUNIT decays in steps (lr_step, lr_gamma)
    lr_step: int = 100_000
    lr_gamma: float = 0.5
    weight_decay: float = 1e-4
    filters: int = 64
    num_blocks: int = 4
    style_dim: int = 8
    mlp_dim: int = 256
    discriminator_filters: int = 64
    discriminator_scales: int = 3
    discriminator_layers: int = 4
    gan_weight: float = 1.0
    reconstruction_weight: float = 10.0
    style_weight: float = 1.0
    content_weight: float = 1.0
    cycle_weight: float = 10.0
    perceptual_weight: float = 0.0

    def validate(self):
        if self.steps is None and self.epochs is None:
            self.steps = PAPER_STEPS
        for name in ARCHITECTURE_KEYS + ("lr_step",):
            if getattr(self, name) < 1:
                raise InvalidArgumentError(f"--{name} must be at least 1")
        weights = (
            "gan_weight",
            "reconstruction_weight",
            "style_weight",
            "content_weight",
            "cycle_weight",
            "perceptual_weight",
            "weight_decay",
        )
        for name in weights:
            if getattr(self, name) < 0:
                raise InvalidArgumentError(f"--{name} must be >= 0")
        if not 0.0 < self.lr_gamma <= 1.0:
            raise InvalidArgumentError(f"--lr_gamma must be in (0, 1], got {self.lr_gamma}")
        minimum = 2 ** (self.discriminator_layers + self.discriminator_scales - 1)
        if self.image_size < minimum:
            raise InvalidArgumentError(
                f"--image_size must be at least {minimum} for {self.discriminator_scales} "
                f"discriminator scales of {self.discriminator_layers} layers"
            )
        super().validate()


def _auto_encoder(config, name):
    return MUNITAutoEncoder(
        filters=config["filters"],
        num_blocks=config["num_blocks"],
        style_dim=config["style_dim"],
        mlp_dim=config["mlp_dim"],
        name=name,
    )


def style_codes(batch_size, style_dim, seed, start_step):
    """An infinite dataset of {"style_a", "style_b"}: (batch_size, style_dim) codes from
    N(0, I), a pure function of the seed and the step (resumes and replicas agree)."""

    def draw(step):
        codes = tf.random.stateless_normal(
            [2, batch_size, style_dim], tf.stack([tf.constant(seed, tf.int64), step])
        )
        return {"style_a": codes[0], "style_b": codes[1]}

    return tf.data.Dataset.counter(start_step).map(draw)


@register_recipe("munit")
class MUNITRecipe(UnpairedRecipe):
    """Two domains of images (A and B folders, or TFDS cycle_gan/<name>); the release
    is a `MUNITTranslator` (encoders and decoders of both domains)."""

    config_class = MUNITTrainConfig
    identity_keys = IDENTITY_KEYS

    def make_model(self):
        c = self.config
        settings = dataclasses.asdict(c)
        discriminator = lambda name: MultiScaleDiscriminator(
            c.discriminator_scales, c.discriminator_layers, c.discriminator_filters, name=name
        )
        return MUNIT(
            _auto_encoder(settings, "generator_a"),
            _auto_encoder(settings, "generator_b"),
            discriminator("discriminator_a"),
            discriminator("discriminator_b"),
            image_size=c.image_size,
            gan_loss=c.gan_loss,
            gan_weight=c.gan_weight,
            reconstruction_weight=c.reconstruction_weight,
            style_weight=c.style_weight,
            content_weight=c.content_weight,
            cycle_weight=c.cycle_weight,
            perceptual_weight=c.perceptual_weight,
            architecture=c.vgg,
            vgg_weights=c.vgg_weights,
        )

    def learning_rate(self):
        c = self.config
        return keras.optimizers.schedules.ExponentialDecay(
            c.learning_rate, c.lr_step, c.lr_gamma, staircase=True
        )

    def dataset(self, start_step):
        c = self.config
        images = unpaired_dataset(
            self.source,
            self.styles,
            c.image_size,
            c.batch_size,
            c.seed,
            start_step,
            resize_side=c.image_size,
        )
        codes = style_codes(c.batch_size, c.style_dim, c.seed, start_step)
        return tf.data.Dataset.zip(images, codes).map(lambda x, s: {**x, **s})

    def release(self, model):
        release = self.inference_network(self.run_config())
        release.generator_a.set_weights(model.generator_a.get_weights())
        release.generator_b.set_weights(model.generator_b.get_weights())
        return {"generator": release}

    @classmethod
    def inference_network(cls, run_config):
        translator = MUNITTranslator(
            _auto_encoder(run_config, "generator_a"), _auto_encoder(run_config, "generator_b")
        )
        translator.build((None, None, None, 3))
        return translator
