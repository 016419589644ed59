"""The Johnson training recipe (behind train_johnson.py)."""

import dataclasses

from tfstyle.data import content_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.johnson.fast_style_transfer import DEFAULT_WEIGHTS, FastStyleTransfer
from tfstyle.models.johnson.transformer_net import PRESETS, TransformerNet
from tfstyle.optimizers import Adam, final_drop
from tfstyle.training.recipe import Recipe, TrainConfig, load_style, register_recipe

# The painting's longer side: fast-neural-style's -style_image_size (256, the size of its
# crops). The style Grams describe the painting at that scale, so strokes come out at the
# painting's proportions in 256 px images, the size the quality yardstick (and Gatys at
# 256 px) judges them at. 0: the painting's own size, up to 512 px.
STYLE_SIZE = 256
# Gaussian noise on the photos the generator sees in training (FastStyleTransfer's
# input_noise); 0: none, as in the paper.
INPUT_NOISE = 0.0
# The last fraction of the steps at a tenth of the rate; 0: the paper's constant rate.
# A drop for the last quarter of 2,000 steps helped the paper network and not the
# narrow ones (README "A rate drop for the last quarter"): the default stays the paper's.
LR_DROP_FRACTION = 0.0

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
    "input_noise",
    # A schedule's optimiser checkpoints no rate variable, a constant rate's does.
    "lr_drop_fraction",
)


@dataclasses.dataclass(kw_only=True)
class JohnsonTrainConfig(TrainConfig):
    """Training settings; the defaults are the paper's (batch 4, 256 px, Adam 1e-3, 2
    epochs, a constant rate; `lr_drop_fraction` trains the last fraction of the steps
    at a tenth of it)."""

    style: str
    style_size: int = STYLE_SIZE
    content_weight: float = DEFAULT_WEIGHTS["content_weight"]
    style_weight: float = DEFAULT_WEIGHTS["style_weight"]
    tv_weight: float = DEFAULT_WEIGHTS["tv_weight"]
    content_layers: tuple | None = None
    style_layers: tuple | None = None
    preset: str = "paper"
    input_noise: float = INPUT_NOISE
    lr_drop_fraction: float = LR_DROP_FRACTION

    def validate(self):
        if not 0.0 <= self.lr_drop_fraction < 1.0:
            raise InvalidArgumentError(
                f"--lr_drop_fraction must be in [0, 1), got {self.lr_drop_fraction}"
            )
        if self.preset not in PRESETS:
            raise InvalidArgumentError(
                f"--preset must be one of {', '.join(PRESETS)}, got '{self.preset}'"
            )
        if self.style_size and self.style_size < 32:
            raise InvalidArgumentError(
                f"--style_size must be 0 (the painting's own size) or at least 32, "
                f"got {self.style_size}"
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
        "input_noise": config.input_noise,
        "architecture": config.vgg,
        "vgg_weights": config.vgg_weights,
    }


@register_recipe("johnson")
class JohnsonRecipe(Recipe):
    """One style, one `TransformerNet` (Johnson et al., ECCV 2016); batches are content
    crops. Subclasses (conditional instance norm) change the generator and the styles.
    """

    config_class = JohnsonTrainConfig
    identity_keys = IDENTITY_KEYS

    def style_names(self):
        return [self.config.style]

    @staticmethod
    def upgrade_run_config(config):
        """Runs written before --style_size defaulted to 256 recorded null for "the
        painting's own size", which is 0 now; runs written before --input_noise
        existed trained without noise, and those before --lr_drop_fraction at a
        constant rate. A CIN run adding a style inherits the upgraded values."""
        config = {"input_noise": 0.0, "lr_drop_fraction": 0.0, **config}
        if "style_size" in config and config["style_size"] is None:
            return {**config, "style_size": 0}
        return config

    def prepare(self):
        super().prepare()
        self.loaded = [load_style(s, self.config.style_size) for s in self.style_names()]

    def record(self):
        return {"style_path": self.loaded[0][0]}

    def make_generator(self):
        return TransformerNet.from_preset(self.config.preset)

    def training_model(self, generator):
        return FastStyleTransfer(generator, **perceptual_settings(self.config))

    def build(self):
        config = self.config
        model = self.training_model(self.make_generator())
        model.build((None, config.image_size, config.image_size, 3))
        model.set_styles([image for _, image in self.loaded])
        model.compile(optimizer=Adam(self.learning_rate()))
        return model

    def learning_rate(self):
        c = self.config
        return final_drop(c.learning_rate, self.total_steps(), c.lr_drop_fraction)

    def dataset(self, start_step):
        c = self.config
        return content_dataset(self.source, c.image_size, c.batch_size, c.seed, start_step)

    def release(self, model):
        """A fresh float32 generator (whatever the training precision) with the weights."""
        release = self.inference_network(self.run_config())
        release.set_weights(model.generator.get_weights())
        return {"generator": release}

    @classmethod
    def inference_network(cls, run_config):
        net = TransformerNet.from_preset(run_config.get("preset", "paper"))
        net.build((None, None, None, 3))
        return net
