"""The AdaIN training recipe: a decoder for any content and any style (train_adain.py)."""

import dataclasses

import keras
import tensorflow as tf

from tfstyle.data import content_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.adain.adain_style_transfer import AdaINDecoder, AdaINStyleTransfer
from tfstyle.training.recipe import StyleFolderRecipe, TrainConfig, register_recipe

# The papers' settings: Adam 1e-4, batch 8, 256 px crops of images whose shorter side
# was resized to 512, style weight 10, 160k steps.
# "reference" adds the inverse-time learning-rate decay (5e-5 per step) of the
# authors' Torch code and its PyTorch port; "paper" keeps the rate constant.
PRESETS = {
    "paper": {"learning_rate": 1e-4, "batch_size": 8, "style_weight": 10.0, "lr_decay": 0.0},
    "reference": {"learning_rate": 1e-4, "batch_size": 8, "style_weight": 10.0, "lr_decay": 5e-5},
}
IDENTITY_KEYS = (
    "style_dir",
    "content_weight",
    "style_weight",
    "decoder_width",
    "preset",
    "resize_side",
)
PAPER_STEPS = 160_000


@dataclasses.dataclass(kw_only=True)
class AdaINTrainConfig(TrainConfig):
    style_dir: str
    preset: str = "reference"
    batch_size: int = 8
    learning_rate: float = 1e-4
    lr_decay: float | None = None  # None: the preset's
    epochs: float | None = None  # None with steps None: the paper's PAPER_STEPS
    resize_side: int | None = None  # None: 2 x image_size (the paper's 512 for 256)
    content_weight: float = 1.0
    style_weight: float | None = None  # None: the preset's
    decoder_width: float = 1.0

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(f"--preset must be one of {', '.join(PRESETS)}")
        # The preset fills what was not given, in the library as in train_adain.py.
        for key in ("lr_decay", "style_weight"):
            if getattr(self, key) is None:
                setattr(self, key, PRESETS[self.preset][key])
        if self.steps is None and self.epochs is None:
            self.steps = PAPER_STEPS
        if self.resize_side is None:
            self.resize_side = 2 * self.image_size
        if self.resize_side < self.image_size:
            raise InvalidArgumentError(
                f"--resize_side ({self.resize_side}) must be at least --image_size "
                f"({self.image_size})"
            )
        if self.vgg != "vgg19":
            raise InvalidArgumentError("AdaIN's encoder is VGG19 up to relu4_1: use --vgg vgg19")
        if self.image_size % 8:
            raise InvalidArgumentError(
                f"--image_size must be a multiple of 8 for AdaIN, got {self.image_size}"
            )
        super().validate()


def learning_rate(config):
    if not config.lr_decay:
        return config.learning_rate
    return keras.optimizers.schedules.InverseTimeDecay(config.learning_rate, 1, config.lr_decay)


@register_recipe("adain")
class AdaINRecipe(StyleFolderRecipe):
    """An AdaIN decoder trained on content photos and style paintings; batches are
    {"image", "style"} crops. The release is the whole network (encoder weights
    included), so it loads without the VGG download."""

    config_class = AdaINTrainConfig
    identity_keys = IDENTITY_KEYS

    def make_model(self):
        c = self.config
        return AdaINStyleTransfer(
            AdaINDecoder(c.decoder_width),
            content_weight=c.content_weight,
            style_weight=c.style_weight,
            vgg_weights=c.vgg_weights,
        )

    def learning_rate(self):
        return learning_rate(self.config)

    def dataset(self, start_step):
        c = self.config
        content = content_dataset(
            self.source, c.image_size, c.batch_size, c.seed, start_step, c.resize_side
        )
        style = content_dataset(
            self.styles, c.image_size, c.batch_size, c.seed + 1, start_step, c.resize_side
        )
        return tf.data.Dataset.zip(content, style).map(lambda c, s: {"image": c, "style": s})
