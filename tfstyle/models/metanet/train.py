"""The MetaNet training recipe (Algorithm 1 of Shen et al.), behind train_metanet.py."""

import dataclasses

import tensorflow as tf

from tfstyle.data import content_dataset
from tfstyle.errors import ImageError, InvalidArgumentError
from tfstyle.io import load_image
from tfstyle.models.johnson.fast_style_transfer import DEFAULT_WEIGHTS
from tfstyle.models.metanet.meta_style_transfer import (
    DEFAULT_STYLE_WEIGHT,
    FEATURE_STATISTICS_IMAGES,
    INPUT_NORMALIZATIONS,
    MetaNetStyleTransfer,
)
from tfstyle.models.metanet.transformer import PRESETS, MetaTransformerNet
from tfstyle.training import loop
from tfstyle.training.recipe import StyleFolderRecipe, TrainConfig, register_recipe

IDENTITY_KEYS = (
    "style_dir",
    "preset",
    "width_multiplier",
    "hidden_per_group",
    "input_normalization",
    "steps_per_style",
    "content_weight",
    "style_weight",
    "tv_weight",
)


@dataclasses.dataclass(kw_only=True)
class MetaNetTrainConfig(TrainConfig):
    """Algorithm 1's settings: batch 8 of 256 px content crops, a new style every 20
    steps, Adam 1e-3; the loss is the reference implementation's on VGG16."""

    style_dir: str
    preset: str = "reference"
    width_multiplier: float = 1.0
    hidden_per_group: int = 128
    input_normalization: str = "standardize"
    steps_per_style: int = 20
    batch_size: int = 8
    vgg: str = "vgg16"
    content_weight: float = DEFAULT_WEIGHTS["content_weight"]
    style_weight: float = DEFAULT_STYLE_WEIGHT
    tv_weight: float = DEFAULT_WEIGHTS["tv_weight"]

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(f"--preset must be one of {', '.join(PRESETS)}")
        if self.input_normalization not in INPUT_NORMALIZATIONS:
            raise InvalidArgumentError(
                f"--input_normalization must be one of {', '.join(INPUT_NORMALIZATIONS)}"
            )
        if self.steps_per_style < 1 or self.hidden_per_group < 1:
            raise InvalidArgumentError("--steps_per_style and --hidden_per_group must be >= 1")
        if self.preset == "paper" and self.image_size < 48:
            raise InvalidArgumentError("--preset paper needs --image_size of at least 48")
        super().validate()


def style_stream(styles, image_size, steps_per_style, seed, start_step):
    """One (1, S, S, 3) style crop per step, changing every `steps_per_style` steps, in
    a (seed, position) order, so a resume replays it."""
    first, offset = divmod(int(start_step), steps_per_style)
    crops = content_dataset(styles, image_size, 1, seed, first)
    repeated = crops.flat_map(lambda s: tf.data.Dataset.from_tensors(s).repeat(steps_per_style))
    return repeated.skip(offset)


def _readable(paths):
    """The images of `paths` one at a time (at most 2048 px), skipping any that fail
    to decode past their header."""
    for path in paths:
        try:
            yield load_image(path, max_side=2048)
        except ImageError:
            continue


@register_recipe("metanet")
class MetaNetRecipe(StyleFolderRecipe):
    """Algorithm 1: batches {"image": (B, ...) content crops, "style": (1, ...) the
    step's style}, a new style every `steps_per_style` steps. The style image is the
    same for every replica. The release (generator.keras) is the whole
    MetaNetStyleTransfer, VGG16 included."""

    config_class = MetaNetTrainConfig
    identity_keys = IDENTITY_KEYS
    replicated_inputs = ("style",)

    @staticmethod
    def upgrade_run_config(config):
        """Runs written before --input_normalization existed layer-normalised."""
        return {"input_normalization": "layer", **config}

    def make_model(self):
        c = self.config
        return MetaNetStyleTransfer(
            MetaTransformerNet(c.preset, c.width_multiplier),
            hidden_per_group=c.hidden_per_group,
            input_normalization=c.input_normalization,
            content_weight=c.content_weight,
            style_weight=c.style_weight,
            tv_weight=c.tv_weight,
            architecture=c.vgg,
            vgg_weights=c.vgg_weights,
        )

    def build(self):
        """The model, its meta network's input statistics taken from up to
        `FEATURE_STATISTICS_IMAGES` paintings of --style_dir, evenly spaced (not on a
        resume: its checkpoint holds them)."""
        model = super().build()
        resume = loop.latest_checkpoint(self.config.output_dir) is not None
        if self.config.input_normalization == "standardize" and not resume:
            paths = self.styles.paths
            step = max(1, len(paths) // FEATURE_STATISTICS_IMAGES)
            picked = paths[::step][:FEATURE_STATISTICS_IMAGES]
            self.notify(f"meta network input statistics from {len(picked)} paintings")
            model.set_feature_statistics(_readable(picked))
        return model

    def dataset(self, start_step):
        c = self.config
        images = content_dataset(self.source, c.image_size, c.batch_size, c.seed, start_step)
        style = style_stream(self.styles, c.image_size, c.steps_per_style, c.seed + 1, start_step)
        return tf.data.Dataset.zip(images, style).map(lambda c, s: {"image": c, "style": s})
