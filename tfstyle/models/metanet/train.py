"""Training a MetaNet (Algorithm 1 of Shen et al.): the library behind train_metanet.py."""

import dataclasses

import keras
import tensorflow as tf

from tfstyle.data import content_dataset, scan_folder
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.johnson.fast_style_transfer import DEFAULT_WEIGHTS
from tfstyle.models.metanet.meta_style_transfer import DEFAULT_STYLE_WEIGHT, MetaNetStyleTransfer
from tfstyle.models.metanet.transformer import PRESETS, MetaTransformerNet
from tfstyle.training import recipe
from tfstyle.training.loop import save_release

IDENTITY_KEYS = (
    "style_dir",
    "preset",
    "width_multiplier",
    "hidden_per_group",
    "steps_per_style",
    "content_weight",
    "style_weight",
    "tv_weight",
)


@dataclasses.dataclass(kw_only=True)
class MetaNetTrainConfig(recipe.TrainConfig):
    """Algorithm 1's settings: batch 8 of 256 px content crops, a new style every 20
    steps, Adam 1e-3; the loss is the reference implementation's on VGG16."""

    style_dir: str
    preset: str = "reference"
    width_multiplier: float = 1.0
    hidden_per_group: int = 128
    steps_per_style: int = 20
    batch_size: int = 8
    vgg: str = "vgg16"
    content_weight: float = DEFAULT_WEIGHTS["content_weight"]
    style_weight: float = DEFAULT_STYLE_WEIGHT
    tv_weight: float = DEFAULT_WEIGHTS["tv_weight"]

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(f"--preset must be one of {', '.join(PRESETS)}")
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


def train_metanet(config, on_step=None, on_start=None):
    """Trains (or resumes) a meta network; the release (generator.keras) is the whole
    MetaNetStyleTransfer, VGG16 included."""
    recipe.begin(config)
    styles = scan_folder(config.style_dir)
    source = recipe.content_source(config)
    total = recipe.total_steps(config, source)
    common = {
        "hidden_per_group": config.hidden_per_group,
        "content_weight": config.content_weight,
        "style_weight": config.style_weight,
        "tv_weight": config.tv_weight,
        "architecture": config.vgg,
        "vgg_weights": config.vgg_weights,
    }
    model = MetaNetStyleTransfer(
        MetaTransformerNet(config.preset, config.width_multiplier), **common
    )
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    model.sample_styles = recipe.sample_images(styles, config.image_size)

    def make_dataset(start):
        size = config.image_size
        images = content_dataset(source, size, config.batch_size, config.seed, start)
        style = style_stream(styles, size, config.steps_per_style, config.seed + 1, start)
        return tf.data.Dataset.zip(images, style).map(lambda c, s: {"image": c, "style": s})

    final = recipe.run(
        config,
        model,
        source,
        {"family": "metanet"},
        IDENTITY_KEYS,
        make_dataset,
        total,
        on_step,
        on_start,
        styles=styles,
    )
    release = MetaNetStyleTransfer(
        MetaTransformerNet(config.preset, config.width_multiplier), **common
    )
    release.build()
    release.set_weights(model.get_weights())
    paths = save_release(release, config.output_dir)
    return {"step": final, **paths}
