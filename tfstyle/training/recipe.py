"""The training recipe contract, the registry of recipes, and what recipes share.

A family trains by registering one `Recipe` subclass (in its own folder, e.g.
`tfstyle/models/johnson/train.py`) and listing that module in
`tfstyle/models/families.py`. The recipe says what is particular to the family (its
settings, its networks and optimisers, its batches, its samples and its release
files); `tfstyle.training.driver.run` does everything else the same way for all of
them: run folder, config.json, tf.distribute, resume, checkpoints, TensorBoard,
progress, release.
"""

import dataclasses
import math
import os

import numpy as np

from tfstyle.assets import resolve_photo, resolve_style
from tfstyle.data import scan_folder, tfds_source
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import load_image
from tfstyle.ops.resize import resize_to_max_side
from tfstyle.optimizers import Adam
from tfstyle.registry import Registry
from tfstyle.training import loop

RECIPES = Registry("training recipe")

# Settings shared by every recipe that define the run: a resume must not change them.
# The replica count is not one of them: a run may resume on 1 or N replicas.
COMMON_IDENTITY_KEYS = ("family", "vgg", "image_size", "batch_size", "seed")


def register_recipe(name):
    """Class decorator: registers a `Recipe` subclass as the family `name`."""

    def add(cls):
        cls.name = name
        return RECIPES.register(name)(cls)

    return add


def get_recipe(name):
    """The `Recipe` class of family `name` (every family's module is imported first)."""
    from tfstyle.models import families

    families.import_all()
    return RECIPES.get(name)


@dataclasses.dataclass(kw_only=True)
class TrainConfig:
    """Settings common to every training script (the flags of train_johnson.py).

    `batch_size` is the global batch: with N replicas each trains on batch_size / N.
    """

    output_dir: str
    content_dir: str | None = None
    dataset: str | None = "coco/2017"
    image_size: int = 256
    batch_size: int = 4
    epochs: float = 2.0
    steps: int | None = None
    learning_rate: float = 1e-3
    vgg: str = "vgg19"
    vgg_weights: object = "imagenet"
    checkpoint_every: int = 500
    sample_every: int = 500
    eval_every: int = 0
    mixed_precision: str = "auto"  # auto | bf16 | fp16 | float32 (tfstyle.precision)
    jit_compile: bool = False
    distribute: str = "auto"
    seed: int = 0

    def validate(self):
        for name in ("image_size", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise InvalidArgumentError(f"--{name} must be at least 1")
        if self.image_size % 4:
            raise InvalidArgumentError(
                f"--image_size must be a multiple of 4, got {self.image_size}"
            )
        if self.steps is None and (self.epochs is None or self.epochs <= 0):
            raise InvalidArgumentError("--epochs must be positive (or give --steps)")
        if self.learning_rate <= 0:
            raise InvalidArgumentError("--learning_rate must be positive")


class Recipe:
    """How one family trains; `tfstyle.training.driver.run(recipe)` runs it.

    Subclasses set `config_class` and `identity_keys`, and implement `build`, `dataset`
    and `release`; the other methods have defaults that suit a single-network,
    single-optimiser model trained on content photos.

    Call order (the driver's): `prepare()` (read and check inputs; nothing written
    yet), `build()` inside `strategy.scope()`, `optimizers/networks/extra_state(model)`
    for the checkpoint, `dataset(start_step)` for the batches, `sample_images()`,
    `evaluate(model, step)` now and then, `release(model)` at the end.

    Attributes:
        name: the family name (set by `register_recipe`).
        config_class: the family's `TrainConfig` subclass.
        identity_keys: config keys that must not change when a run resumes.
        replicated_inputs: batch keys every replica gets whole instead of a slice.
        config: the run's settings.
        source: the content photos (`ContentSource`) after `prepare()`.
        styles: a `ContentSource` of style images, for arbitrary-style families.
    """

    name = None
    config_class = TrainConfig
    identity_keys = ()
    replicated_inputs = ()

    def __init__(self, config):
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} takes a {self.config_class.__name__}")
        self.config = config
        self.source = None
        self.styles = None
        self.notify = lambda message: None  # the driver's on_note

    # Before anything is written --------------------------------------------------------

    def validate(self):
        """Checks the settings (no file is read yet)."""
        self.config.validate()

    def prepare(self):
        """Reads and checks the inputs (photos, styles); raise here on bad input.
        `self.notify(message)` tells the user of slow work ahead (a download)."""
        self.source = content_source(self.config, self.notify)

    def sources(self):
        """{name: source} of the run's images, counted in config.json as `<name>`;
        a noise-fed family has none."""
        return {"content_images": self.source, "style_images": self.styles}

    def record(self):
        """Facts for config.json beyond the settings (resolved style paths, ...)."""
        return {}

    def run_config(self):
        """The settings and recorded facts of the run, as config.json holds them
        (what `inference_network` reads)."""
        return {**dataclasses.asdict(self.config), **self.record()}

    def start_info(self):
        """Facts for the program's start message."""
        return {}

    @staticmethod
    def upgrade_run_config(config):
        """An earlier run's config.json as this version would write it (what keys it
        lacks or holds as null meant then), so a resume compares like with like."""
        return config

    def total_steps(self):
        return total_steps(self.config, self.source)

    def learning_rate(self):
        """The optimisers' rate: the config's constant; a family with a schedule
        overrides this (Johnson's final drop, the GANs' linear decay)."""
        return self.config.learning_rate

    # Inside strategy.scope() -----------------------------------------------------------

    def build(self):
        """The training model, built and (for one optimiser) compiled."""
        raise NotImplementedError

    def optimizers(self, model):
        """{name: (optimizer, variables)} to build and checkpoint."""
        return loop.default_optimizers(model)

    def networks(self, model):
        """{name: network} to checkpoint."""
        return loop.default_networks(model)

    def extra_state(self, model):
        """{name: trackable} checkpointed beyond networks and optimisers (pools, EMA)."""
        return {}

    # Training --------------------------------------------------------------------------

    def dataset(self, start_step):
        """A dataset of global batches starting at `start_step` (a pure function of it)."""
        raise NotImplementedError

    def sample_images(self):
        """(N, H, W, 3) images for the sample grid (`model.render_samples`)."""
        return sample_images(self.source, self.config.image_size)

    def evaluate(self, model, step):
        """Optional evaluation (e.g. FID/KID): {name: scalar}, or None."""
        return None

    def release(self, model):
        """{name: inference network} written as `<name>.keras` and `<name>.weights.h5`."""
        raise NotImplementedError

    @classmethod
    def inference_network(cls, run_config):
        """The built, untrained release network of a run (to load its .weights.h5),
        or None when only the .keras file describes it."""
        return None


class StyleFolderRecipe(Recipe):
    """Arbitrary-style families (AdaIN, MetaNet): content photos and a folder of style
    images (`config.style_dir`); one model holding everything, one Adam optimiser;
    samples show a row per sample style; the release is a float32 copy of the model.

    Subclasses implement `make_model()` (an unbuilt model from the config) and `dataset`.
    """

    def prepare(self):
        self.styles = scan_folder(self.config.style_dir, "style_dir")
        super().prepare()

    def make_model(self):
        raise NotImplementedError

    def build(self):
        model = self.make_model()
        model.build()
        model.compile(optimizer=Adam(self.learning_rate()))
        model.sample_styles = sample_images(self.styles, self.config.image_size)
        return model

    def release(self, model):
        release = self.make_model()
        release.build()
        release.set_weights(model.get_weights())
        release.compile()  # no optimizer state in the file
        return {"generator": release}


def content_source(config, notify=None):
    """The content photos of a run: --content_dir, else the TFDS --dataset (prepared
    once, or a one-line error when it cannot be downloaded)."""
    if config.content_dir:
        return scan_folder(config.content_dir)
    if config.dataset:
        return tfds_source(config.dataset, notify=notify)
    raise InvalidArgumentError("give --content_dir DIR or --dataset NAME")


def total_steps(config, source):
    """--steps, or --epochs passes over the content photos."""
    if config.steps:
        return int(config.steps)
    return max(1, math.ceil(config.epochs * source.size / config.batch_size))


def load_style(name_or_path, style_size=None, default_side=512):
    """(absolute path, (h, w, 3) image) of a bundled style name or an image path,
    resized to `style_size` on its longer side (0 or None: its own size, at most
    `default_side`)."""
    path = resolve_style(name_or_path)
    image = load_image(path, max_side=style_size or default_side)
    if style_size:
        image = resize_to_max_side(image, style_size).numpy()
    return os.path.abspath(path), image


def center_crop(image, size):
    """A (size, size, 3) centre crop, resizing first when the image is smaller."""
    h, w = image.shape[:2]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    crop = image[top : top + size, left : left + size]
    if crop.shape[:2] != (size, size):
        crop = resize_to_max_side(image, size).numpy()[:size, :size]
        crop = np.pad(
            crop, ((0, size - crop.shape[0]), (0, size - crop.shape[1]), (0, 0)), mode="edge"
        )
    return crop


def sample_images(source, size, count=2, native_resolution=False):
    """Centre crops of the first content photos (or the bundled one) for sample images;
    `native_resolution` crops without downscaling first (super-resolution's HR)."""
    paths = list(source.paths[:count]) or [resolve_photo("amber")]
    max_side = None if native_resolution else 2 * size
    images = [center_crop(load_image(path, max_side=max_side), size) for path in paths]
    return np.stack(images).astype(np.float32)
