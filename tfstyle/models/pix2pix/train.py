"""The pix2pix training recipe (behind train_pix2pix.py)."""

import dataclasses

from tfstyle.data import ab_folder_source, derived_source, matched_folders_source, paired_dataset
from tfstyle.data.paired import DERIVATIONS, DIRECTIONS, paired_samples
from tfstyle.errors import InvalidArgumentError
from tfstyle.gan import GAN_IDENTITY_KEYS, AdversarialRecipe, GANTrainConfig
from tfstyle.models.pix2pix.pix2pix import Pix2Pix
from tfstyle.networks import RECEPTIVE_FIELDS, PatchDiscriminator, UNetGenerator
from tfstyle.training.recipe import register_recipe

IDENTITY_KEYS = GAN_IDENTITY_KEYS + (
    "data_dir",
    "a_dir",
    "b_dir",
    "pairs_from",
    "direction",
    "num_downs",
    "filters",
    "discriminator_filters",
    "receptive_field",
    "l1_weight",
)


@dataclasses.dataclass(kw_only=True)
class Pix2PixTrainConfig(GANTrainConfig):
    """The paper's settings: U-Net 256 (8 downsamplings), 70 x 70 PatchGAN, the
    original GAN loss plus L1 (100), Adam 2e-4 (beta1 0.5), batch 1, random jitter
    (286 -> 256) and mirroring; 200 epochs, the last 100 decaying linearly to 0.

    Data (one of): `data_dir` of side-by-side AB images; `a_dir` and `b_dir` with the
    same file names; `pairs_from` ("edges", "gray", "blur") with `content_dir` photos.
    """

    data_dir: str | None = None
    a_dir: str | None = None
    b_dir: str | None = None
    pairs_from: str | None = None
    direction: str = "AtoB"
    gan_loss: str = "bce"
    num_downs: int = 8
    filters: int = 64
    discriminator_filters: int = 64
    receptive_field: int = 70
    l1_weight: float = 100.0

    def validate(self):
        given = [
            name
            for name, value in (
                ("--data_dir", self.data_dir),
                ("--a_dir/--b_dir", self.a_dir or self.b_dir),
                ("--pairs_from", self.pairs_from),
            )
            if value
        ]
        if len(given) != 1:
            raise InvalidArgumentError(
                "give one source of pairs: --data_dir (AB images), --a_dir and --b_dir, or "
                f"--pairs_from {'|'.join(DERIVATIONS)} with --content_dir"
                + (f" (got {' and '.join(given)})" if given else "")
            )
        if (self.a_dir or self.b_dir) and not (self.a_dir and self.b_dir):
            raise InvalidArgumentError("give both --a_dir and --b_dir")
        if self.pairs_from and not self.content_dir:
            raise InvalidArgumentError("--pairs_from needs --content_dir (a folder of photos)")
        if self.pairs_from and self.pairs_from not in DERIVATIONS:
            raise InvalidArgumentError(
                f"--pairs_from must be one of {', '.join(DERIVATIONS)}, got '{self.pairs_from}'"
            )
        if self.direction not in DIRECTIONS:
            raise InvalidArgumentError(f"--direction must be AtoB or BtoA, got '{self.direction}'")
        if self.receptive_field not in RECEPTIVE_FIELDS:
            raise InvalidArgumentError(
                f"--receptive_field must be one of {', '.join(map(str, RECEPTIVE_FIELDS))}"
            )
        if self.num_downs < 2 or self.image_size % 2**self.num_downs:
            raise InvalidArgumentError(
                f"--image_size ({self.image_size}) must be a multiple of 2^--num_downs "
                f"({2 ** max(self.num_downs, 0)}); the paper's 256 with 8"
            )
        super().validate()


def _generator(config):
    return UNetGenerator(config["num_downs"], config["filters"], name="generator")


@register_recipe("pix2pix")
class Pix2PixRecipe(AdversarialRecipe):
    """Pairs of images; the release is the U-Net generator (dropout off at inference)."""

    config_class = Pix2PixTrainConfig
    identity_keys = IDENTITY_KEYS

    def prepare(self):
        c = self.config
        if c.data_dir:
            self.source = ab_folder_source(c.data_dir)
        elif c.a_dir:
            self.source = matched_folders_source(c.a_dir, c.b_dir)
        else:
            self.source = derived_source(c.content_dir, c.pairs_from)

    def sources(self):
        return {"pairs": self.source}

    def make_model(self):
        c = self.config
        return Pix2Pix(
            _generator(dataclasses.asdict(c)),
            PatchDiscriminator(c.receptive_field, c.discriminator_filters, name="discriminator"),
            image_size=c.image_size,
            gan_loss=c.gan_loss,
            l1_weight=c.l1_weight,
        )

    def build(self):
        model = super().build()
        model.sample_targets = self._samples[1]
        return model

    @property
    def _samples(self):
        c = self.config
        return paired_samples(self.source, c.image_size, direction=c.direction)

    def sample_images(self):
        return self._samples[0]

    def eval_data(self, count):
        c = self.config
        return paired_samples(self.source, c.image_size, count, direction=c.direction)

    def dataset(self, start_step):
        c = self.config
        return paired_dataset(
            self.source, c.image_size, c.batch_size, c.seed, start_step, c.direction
        )

    @classmethod
    def inference_network(cls, run_config):
        generator = _generator(run_config)
        size = 2 ** run_config["num_downs"]
        generator.build((None, size, size, 3))
        return generator
