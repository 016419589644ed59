"""The CycleGAN training recipe (behind train_cyclegan.py)."""

import dataclasses

from tfstyle.data import unpaired_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import GAN_IDENTITY_KEYS, UnpairedRecipe, UnpairedTrainConfig
from tfstyle.models.cyclegan.cyclegan import CycleGAN, CycleGANTranslator
from tfstyle.networks import PatchDiscriminator, ResnetGenerator
from tfstyle.training.recipe import register_recipe

IDENTITY_KEYS = GAN_IDENTITY_KEYS + (
    "a_dir",
    "b_dir",
    "generator_blocks",
    "filters",
    "discriminator_filters",
    "receptive_field",
    "upsampling",
    "cycle_weight",
    "identity_weight",
    "pool_size",
)


@dataclasses.dataclass(kw_only=True)
class CycleGANTrainConfig(UnpairedTrainConfig):
    """The paper's settings: 256 px crops of 286 px images, batch 1, 9 residual blocks,
    70 x 70 PatchGANs, LSGAN, cycle 10, identity 0.5, pool 50, Adam 2e-4 (beta1 0.5)
    for 100 epochs then linearly to 0 over 100 more.

    Data: `a_dir` and `b_dir`, or a TFDS `dataset` such as "cycle_gan/horse2zebra"
    (splits trainA and trainB). An epoch is max(|A|, |B|) images.
    """

    generator_blocks: int = 9
    filters: int = 64
    discriminator_filters: int = 64
    receptive_field: int = 70
    upsampling: str = "transpose"
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    pool_size: int = 50

    def validate(self):
        if self.generator_blocks < 0 or self.filters < 1 or self.pool_size < 0:
            raise InvalidArgumentError(
                "--generator_blocks >= 0, --filters >= 1 and --pool_size >= 0"
            )
        if self.cycle_weight < 0 or self.identity_weight < 0:
            raise InvalidArgumentError("--cycle_weight and --identity_weight must be >= 0")
        super().validate()


def _generator(config, name):
    return ResnetGenerator(
        config["filters"],
        config["generator_blocks"],
        upsampling=config["upsampling"],
        name=name,
    )


@register_recipe("cyclegan")
class CycleGANRecipe(UnpairedRecipe):
    """Two domains of images (A and B folders, or TFDS cycle_gan/<name>); the release
    is a `CycleGANTranslator` with both directions."""

    config_class = CycleGANTrainConfig
    identity_keys = IDENTITY_KEYS

    def make_model(self):
        c = self.config
        settings = dataclasses.asdict(c)
        return CycleGAN(
            _generator(settings, "generator_ab"),
            _generator(settings, "generator_ba"),
            PatchDiscriminator(c.receptive_field, c.discriminator_filters, name="discriminator_a"),
            PatchDiscriminator(c.receptive_field, c.discriminator_filters, name="discriminator_b"),
            image_size=c.image_size,
            gan_loss=c.gan_loss,
            cycle_weight=c.cycle_weight,
            identity_weight=c.identity_weight,
            pool_size=c.pool_size,
            seed=c.seed,
        )

    def dataset(self, start_step):
        c = self.config
        return unpaired_dataset(
            self.source, self.styles, c.image_size, c.batch_size, c.seed, start_step
        )

    def release(self, model):
        release = self.inference_network(self.run_config())
        release.generator_ab.set_weights(model.generator_ab.get_weights())
        release.generator_ba.set_weights(model.generator_ba.get_weights())
        return {"generator": release}

    @classmethod
    def inference_network(cls, run_config):
        translator = CycleGANTranslator(
            _generator(run_config, "generator_ab"), _generator(run_config, "generator_ba")
        )
        translator.build((None, None, None, 3))
        return translator
