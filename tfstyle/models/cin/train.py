"""Training an N-style network, or adding a style to a trained one (train_cin.py)."""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

from tfstyle.data import content_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.cin.conditional_style_transfer import ConditionalStyleTransfer
from tfstyle.models.johnson.train import IDENTITY_KEYS as JOHNSON_KEYS
from tfstyle.models.johnson.train import JohnsonTrainConfig, perceptual_settings
from tfstyle.models.johnson.transformer_net import TransformerNet
from tfstyle.training import recipe
from tfstyle.training.loop import save_release
from tfstyle.training.run_config import read_run_config

IDENTITY_KEYS = tuple(k for k in JOHNSON_KEYS if k != "style") + ("styles", "add_style", "base")
# What a run that adds a style inherits from the run it starts from.
INHERITED = (
    "style_size",
    "preset",
    "vgg",
    "content_layers",
    "style_layers",
    "content_weight",
    "style_weight",
    "tv_weight",
)


@dataclasses.dataclass(kw_only=True)
class CINTrainConfig(JohnsonTrainConfig):
    """Johnson's settings with N styles (names or paths), or one style added to `base`.

    Attributes:
        styles: the styles of a new network, in row order.
        add_style: a style to add as row N of the network trained in `base`; only that
            row of (gamma, beta) pairs is trained.
        base: the run folder of the N-style network `add_style` extends.
    """

    style: str | None = None
    styles: tuple = ()
    add_style: str | None = None
    base: str | None = None

    def validate(self):
        if self.add_style and not self.base:
            raise InvalidArgumentError("--add_style needs --from RUN_DIR (the N-style network)")
        if self.base and not self.add_style:
            raise InvalidArgumentError("--from needs --add_style NAME|PATH")
        if not self.add_style and len(self.styles) < 1:
            raise InvalidArgumentError("give --styles a,b,... (or --add_style with --from)")
        if self.add_style and self.styles:
            raise InvalidArgumentError("--styles comes from the --from run; do not pass both")
        super().validate()


def style_indices(num_styles, batch_size, seed, start_step, only=None):
    """An infinite dataset of (batch_size,) style indices: uniform per example, a pure
    function of (seed, step) so a resume replays them; `only` fixes every index."""

    def indices(step):
        if only is not None:
            return tf.fill([batch_size], tf.constant(only, tf.int32))
        return tf.random.stateless_uniform(
            [batch_size],
            seed=tf.stack([tf.cast(seed, tf.int64), step]),
            maxval=num_styles,
            dtype=tf.int32,
        )

    return tf.data.Dataset.counter(start_step).map(indices)


def extend_generator(base, num_styles):
    """A copy of the conditional network `base` with `num_styles` rows: existing rows
    and convolutions copied, new rows starting at the mean of the existing ones."""
    grown = TransformerNet(
        width_multiplier=base.width_multiplier,
        num_residual_blocks=base.num_residual_blocks,
        normalization="conditional_instance",
        num_styles=num_styles,
        upsampling=base.upsampling,
        padding=base.padding,
    )
    grown.build([(None, None, None, 3), (None, num_styles)])
    values = []
    for old, new in zip(base.weights, grown.weights, strict=True):
        value = old.numpy()
        if value.shape != tuple(new.shape):  # a (rows, channels) gamma or beta
            extra = np.repeat(value.mean(axis=0, keepdims=True), new.shape[0] - len(value), 0)
            value = np.concatenate([value, extra])
        values.append(value)
    grown.set_weights(values)
    return grown


def _load_base(config):
    previous = read_run_config(config.base)
    if previous.get("family") != "cin":
        raise InvalidArgumentError(f"--from '{config.base}' is not a train_cin.py run")
    path = os.path.join(config.base, "generator.keras")
    if not os.path.exists(path):
        raise InvalidArgumentError(f"--from '{config.base}' has no generator.keras (unfinished?)")
    base = keras.saving.load_model(path, compile=False)
    for key in INHERITED:
        value = previous.get(key)
        setattr(config, key, tuple(value) if isinstance(value, list) else value)
    return base, list(previous["styles"])


def train_cin(config, on_step=None, on_start=None):
    """Trains (or resumes) an N-style network, or adds `config.add_style` to one.

    Returns:
        dict with the paths of the release files, the final step and the style list.
    """
    base, styles = None, list(config.styles)
    if config.add_style:
        config.validate()
        base, styles = _load_base(config)
        styles.append(config.add_style)
    recipe.begin(config)
    loaded = [recipe.load_style(style, config.style_size) for style in styles]
    source = recipe.content_source(config)
    total = recipe.total_steps(config, source)
    if base is not None:
        generator = extend_generator(base, len(styles))
        model = ConditionalStyleTransfer(generator=generator, **perceptual_settings(config))
        model.freeze_for_new_style(len(styles) - 1)
        only = len(styles) - 1
    else:
        generator = TransformerNet.from_preset(
            config.preset, normalization="conditional_instance", num_styles=len(styles)
        )
        model = ConditionalStyleTransfer(generator=generator, **perceptual_settings(config))
        only = None
    model.build((None, config.image_size, config.image_size, 3))
    model.set_styles([image for _, image in loaded])
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))

    def make_dataset(start):
        images = content_dataset(source, config.image_size, config.batch_size, config.seed, start)
        index = style_indices(len(styles), config.batch_size, config.seed, start, only)
        return tf.data.Dataset.zip(images, index).map(lambda x, i: {"image": x, "style_index": i})

    final = recipe.run(
        config,
        model,
        source,
        {
            "family": "cin",
            "styles": styles,
            "style_paths": [path for path, _ in loaded],
            "base": os.path.abspath(config.base) if config.base else None,
        },
        IDENTITY_KEYS,
        make_dataset,
        total,
        on_step,
        on_start,
        start_info={"styles": styles},
    )
    release = TransformerNet.from_preset(
        config.preset, normalization="conditional_instance", num_styles=len(styles)
    )
    release.build([(None, None, None, 3), (None, len(styles))])
    release.set_weights(model.generator.get_weights())
    paths = save_release(release, config.output_dir)
    return {"step": final, "styles": styles, **paths}
