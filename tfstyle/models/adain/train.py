"""Training an AdaIN decoder on content photos and style paintings (train_adain.py)."""

import dataclasses

import keras
import tensorflow as tf

from tfstyle.data import content_dataset, scan_folder
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.adain.adain_style_transfer import AdaINDecoder, AdaINStyleTransfer
from tfstyle.training import recipe
from tfstyle.training.loop import save_release

# The papers' settings: Adam 1e-4, batch 8, 256 px crops, style weight 10, 160k steps.
# "reference" adds the inverse-time learning-rate decay (5e-5 per step) of the
# authors' Torch code and its PyTorch port; "paper" keeps the rate constant.
PRESETS = {
    "paper": {"learning_rate": 1e-4, "batch_size": 8, "style_weight": 10.0, "lr_decay": 0.0},
    "reference": {"learning_rate": 1e-4, "batch_size": 8, "style_weight": 10.0, "lr_decay": 5e-5},
}
IDENTITY_KEYS = ("style_dir", "content_weight", "style_weight", "decoder_width", "preset")


@dataclasses.dataclass(kw_only=True)
class AdaINTrainConfig(recipe.TrainConfig):
    style_dir: str
    preset: str = "reference"
    batch_size: int = 8
    learning_rate: float = 1e-4
    lr_decay: float = 5e-5
    epochs: float = 2.0
    content_weight: float = 1.0
    style_weight: float = 10.0
    decoder_width: float = 1.0

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(f"--preset must be one of {', '.join(PRESETS)}")
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


def train_adain(config, on_step=None, on_start=None):
    """Trains (or resumes) an AdaIN decoder; the release is the whole network (encoder
    weights included), so it loads without the VGG download."""
    recipe.begin(config)
    styles = scan_folder(config.style_dir)
    source = recipe.content_source(config)
    total = recipe.total_steps(config, source)
    model = AdaINStyleTransfer(
        AdaINDecoder(config.decoder_width),
        content_weight=config.content_weight,
        style_weight=config.style_weight,
        vgg_weights=config.vgg_weights,
    )
    model.build()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate(config)))
    model.sample_styles = recipe.sample_images(styles, config.image_size)

    def make_dataset(start):
        size, batch = config.image_size, config.batch_size
        content = content_dataset(source, size, batch, config.seed, start)
        style = content_dataset(styles, size, batch, config.seed + 1, start)
        return tf.data.Dataset.zip(content, style).map(lambda c, s: {"image": c, "style": s})

    final = recipe.run(
        config,
        model,
        source,
        {"family": "adain"},
        IDENTITY_KEYS,
        make_dataset,
        total,
        on_step,
        on_start,
        styles=styles,
    )
    release = AdaINStyleTransfer(AdaINDecoder(config.decoder_width), vgg_weights=config.vgg_weights)
    release.build()
    release.decoder.set_weights(model.decoder.get_weights())
    release.encoder.set_weights(model.encoder.get_weights())
    release.compile()  # no optimizer state in the file
    paths = save_release(release, config.output_dir)
    return {"step": final, **paths}
