"""Training a Johnson network end to end: the library function behind train_johnson.py."""

import dataclasses

import keras

from tfstyle.data import content_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.johnson.fast_style_transfer import DEFAULT_WEIGHTS, FastStyleTransfer
from tfstyle.models.johnson.transformer_net import PRESETS, TransformerNet
from tfstyle.training import recipe
from tfstyle.training.loop import save_release

# Settings that define the network or its objective: a resume must not change them.
IDENTITY_KEYS = (
    "style",
    "preset",
    "content_layers",
    "style_layers",
    "style_size",
    "content_weight",
    "style_weight",
    "tv_weight",
)


@dataclasses.dataclass(kw_only=True)
class JohnsonTrainConfig(recipe.TrainConfig):
    """Training settings; the defaults are the paper's (batch 4, 256 px, Adam 1e-3, 2 epochs)."""

    style: str
    style_size: int | None = None
    content_weight: float = DEFAULT_WEIGHTS["content_weight"]
    style_weight: float = DEFAULT_WEIGHTS["style_weight"]
    tv_weight: float = DEFAULT_WEIGHTS["tv_weight"]
    content_layers: tuple | None = None
    style_layers: tuple | None = None
    preset: str = "paper"

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(
                f"--preset must be one of {', '.join(PRESETS)}, got '{self.preset}'"
            )
        super().validate()


def layer_weights(names):
    """{layer: 1.0} for the layer names of a flag, or None for the defaults."""
    return {name: 1.0 for name in names} if names else None


def perceptual_settings(config):
    """The FastStyleTransfer objective arguments of a Johnson-like config."""
    return {
        "content_layers": layer_weights(config.content_layers),
        "style_layers": layer_weights(config.style_layers),
        "content_weight": config.content_weight,
        "style_weight": config.style_weight,
        "tv_weight": config.tv_weight,
        "architecture": config.vgg,
        "vgg_weights": config.vgg_weights,
    }


def train_johnson(config, on_step=None, on_start=None):
    """Trains (or resumes) a Johnson network and writes its release weights.

    Args:
        config: a `JohnsonTrainConfig`.
        on_step: progress callback `on_step(TrainState)`.
        on_start: called once as `on_start(info)` with the resolved run facts
            (total_steps, resumed, skipped files, content_images) before the first step.

    Returns:
        dict with the paths of the release files and the final step.
    """
    recipe.begin(config)
    style_path, style_image = recipe.load_style(config.style, config.style_size)
    source = recipe.content_source(config)
    total = recipe.total_steps(config, source)
    model = FastStyleTransfer(
        TransformerNet.from_preset(config.preset), **perceptual_settings(config)
    )
    model.build((None, config.image_size, config.image_size, 3))
    model.set_style(style_image)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    final = recipe.run(
        config,
        model,
        source,
        {"family": "johnson", "style_path": style_path},
        IDENTITY_KEYS,
        lambda start: content_dataset(
            source, config.image_size, config.batch_size, config.seed, start
        ),
        total,
        on_step,
        on_start,
    )
    release = TransformerNet.from_preset(config.preset)
    release.build((None, None, None, 3))
    release.set_weights(model.generator.get_weights())
    paths = save_release(release, config.output_dir)
    return {"step": final, **paths}
