"""The conditional instance norm recipe: an N-style network, or a style added to one
(train_cin.py)."""

import dataclasses
import os

import keras
import numpy as np
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError
from tfstyle.models.cin.conditional_style_transfer import ConditionalStyleTransfer
from tfstyle.models.johnson.train import IDENTITY_KEYS as JOHNSON_KEYS
from tfstyle.models.johnson.train import JohnsonRecipe, JohnsonTrainConfig, perceptual_settings
from tfstyle.models.johnson.transformer_net import TransformerNet
from tfstyle.training.recipe import register_recipe
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
    "input_noise",
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
    config = {k: v for k, v in base.get_config().items() if k not in ("name", "dtype")}
    grown = TransformerNet.from_config({**config, "num_styles": num_styles})
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


def _inherit_base(config):
    """The style list of the `--from` run; its network and objective settings are
    copied into `config`. Reads only config.json (no TensorFlow op yet)."""
    previous = JohnsonRecipe.upgrade_run_config(read_run_config(config.base))
    if previous.get("family") != "cin":
        raise InvalidArgumentError(f"--from '{config.base}' is not a train_cin.py run")
    if not os.path.exists(os.path.join(config.base, "generator.keras")):
        raise InvalidArgumentError(f"--from '{config.base}' has no generator.keras (unfinished?)")
    for key in INHERITED:
        value = previous.get(key)
        setattr(config, key, tuple(value) if isinstance(value, list) else value)
    return list(previous["styles"])


@register_recipe("cin")
class CINRecipe(JohnsonRecipe):
    """N styles in one network, or one style added to a trained N-style network
    (only its new (gamma, beta) row trains). Batches: {"image", "style_index"}."""

    config_class = CINTrainConfig
    identity_keys = IDENTITY_KEYS

    def validate(self):
        self.base = None
        self.all_styles = list(self.config.styles)
        if self.config.add_style:
            self.config.validate()
            # The base run fixes the network and objective settings (before validation).
            self.all_styles = _inherit_base(self.config) + [self.config.add_style]
        super().validate()

    def prepare(self):
        if self.config.add_style:
            path = os.path.join(self.config.base, "generator.keras")
            self.base = keras.saving.load_model(path, compile=False)
        super().prepare()

    def style_names(self):
        return self.all_styles

    def record(self):
        return {
            "styles": self.all_styles,
            "style_paths": [path for path, _ in self.loaded],
            "base": os.path.abspath(self.config.base) if self.config.base else None,
        }

    def start_info(self):
        return {"styles": self.all_styles}

    def make_generator(self):
        if self.base is not None:
            return extend_generator(self.base, len(self.all_styles))
        return self.inference_network(self.run_config())

    def training_model(self, generator):
        model = ConditionalStyleTransfer(generator=generator, **perceptual_settings(self.config))
        if self.base is not None:
            model.freeze_for_new_style(len(self.all_styles) - 1)
        return model

    def dataset(self, start_step):
        c = self.config
        only = len(self.all_styles) - 1 if self.base is not None else None
        images = super().dataset(start_step)
        index = style_indices(len(self.all_styles), c.batch_size, c.seed, start_step, only)
        return tf.data.Dataset.zip(images, index).map(lambda x, i: {"image": x, "style_index": i})

    @classmethod
    def inference_network(cls, run_config):
        styles = len(run_config["styles"])
        net = TransformerNet.from_preset(
            run_config.get("preset", "paper"),
            normalization="conditional_instance",
            num_styles=styles,
        )
        net.build([(None, None, None, 3), (None, styles)])
        return net
