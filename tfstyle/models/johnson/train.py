"""Training a Johnson network end to end: the library function behind train_johnson.py."""

import dataclasses
import math
import os

import keras
import numpy as np

from tfstyle.assets import resolve_photo, resolve_style
from tfstyle.data import ContentSource, content_dataset, scan_folder
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import load_image
from tfstyle.models.johnson.fast_style_transfer import DEFAULT_WEIGHTS, FastStyleTransfer
from tfstyle.models.johnson.transformer_net import PRESETS, TransformerNet
from tfstyle.ops.resize import resize_to_max_side
from tfstyle.training import train
from tfstyle.training.loop import save_release
from tfstyle.training.run_config import write_run_config

# Settings that define the network or its objective: a resume must not change them.
IDENTITY_KEYS = (
    "style",
    "preset",
    "vgg",
    "content_layers",
    "style_layers",
    "style_size",
    "content_weight",
    "style_weight",
    "tv_weight",
    "image_size",
    "batch_size",
    "seed",
)


@dataclasses.dataclass
class JohnsonTrainConfig:
    """Training settings; the defaults are the paper's (batch 4, 256 px, Adam 1e-3, 2 epochs)."""

    style: str
    output_dir: str
    content_dir: str | None = None
    dataset: str | None = "coco/2017"
    image_size: int = 256
    style_size: int | None = None
    batch_size: int = 4
    epochs: float = 2.0
    steps: int | None = None
    learning_rate: float = 1e-3
    content_weight: float = DEFAULT_WEIGHTS["content_weight"]
    style_weight: float = DEFAULT_WEIGHTS["style_weight"]
    tv_weight: float = DEFAULT_WEIGHTS["tv_weight"]
    content_layers: tuple | None = None
    style_layers: tuple | None = None
    preset: str = "paper"
    vgg: str = "vgg19"
    vgg_weights: object = "imagenet"
    checkpoint_every: int = 500
    sample_every: int = 500
    mixed_precision: bool = False
    jit_compile: bool = False
    seed: int = 0

    def validate(self):
        if self.preset not in PRESETS:
            raise InvalidArgumentError(
                f"--preset must be one of {', '.join(PRESETS)}, got '{self.preset}'"
            )
        for name in ("image_size", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise InvalidArgumentError(f"--{name} must be at least 1")
        if self.image_size % 4:
            raise InvalidArgumentError(
                f"--image_size must be a multiple of 4, got {self.image_size}"
            )
        if self.steps is None and self.epochs <= 0:
            raise InvalidArgumentError("--epochs must be positive (or give --steps)")


def _source(config):
    if config.content_dir:
        return scan_folder(config.content_dir)
    if config.dataset:
        return ContentSource(tfds_name=config.dataset)
    raise InvalidArgumentError("give --content_dir DIR or --dataset NAME")


def _total_steps(config, source):
    if config.steps:
        return int(config.steps)
    size = source.size
    if size is None:  # TFDS: the split size from its metadata
        import tensorflow_datasets as tfds

        size = tfds.builder(source.tfds_name).info.splits["train"].num_examples
    return max(1, math.ceil(config.epochs * size / config.batch_size))


def _layers(names):
    return {name: 1.0 for name in names} if names else None


def train_johnson(config, on_step=None, on_start=None):
    """Trains (or resumes) a Johnson network and writes its release weights.

    Args:
        config: a `JohnsonTrainConfig`.
        on_step: progress callback `on_step(TrainState)`.
        on_start: called once as `on_start(info)` with the resolved run facts
            (total_steps, start info, skipped files) before the first step.

    Returns:
        dict with the paths of the release files and the final step.
    """
    config.validate()
    style_path = resolve_style(config.style)
    style_image = load_image(style_path, max_side=config.style_size or 512)
    if config.style_size:
        style_image = resize_to_max_side(style_image, config.style_size).numpy()
    source = _source(config)
    total = _total_steps(config, source)
    if config.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.utils.set_random_seed(config.seed)
    generator = TransformerNet.from_preset(config.preset)
    model = FastStyleTransfer(
        generator,
        content_layers=_layers(config.content_layers),
        style_layers=_layers(config.style_layers),
        content_weight=config.content_weight,
        style_weight=config.style_weight,
        tv_weight=config.tv_weight,
        architecture=config.vgg,
        vgg_weights=config.vgg_weights,
    )
    model.build((None, config.image_size, config.image_size, 3))
    model.set_style(style_image)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    samples = _sample_images(source, config.image_size)
    # Written once everything above is known to be valid: bad input leaves no folder.
    record = {
        **dataclasses.asdict(config),
        "style_path": os.path.abspath(style_path),
        "total_steps": total,
        "content_images": source.size,
        "skipped_files": len(source.skipped),
    }
    resumed = write_run_config(config.output_dir, record, IDENTITY_KEYS)

    if on_start is not None:
        on_start(
            {
                "total_steps": total,
                "resumed": resumed,
                "skipped": source.skipped,
                "content_images": source.size,
            }
        )
    final = train(
        model,
        lambda start: content_dataset(
            source, config.image_size, config.batch_size, config.seed, start
        ),
        total,
        config.output_dir,
        checkpoint_every=config.checkpoint_every,
        sample_every=config.sample_every,
        sample_images=samples,
        jit_compile=config.jit_compile,
        on_step=on_step,
    )
    keras.mixed_precision.set_global_policy("float32")
    release = TransformerNet.from_preset(config.preset)
    release.build((None, None, None, 3))
    release.set_weights(model.generator.get_weights())
    paths = save_release(release, config.output_dir)
    return {"step": final, **paths}


def _sample_images(source, size):
    paths = list(source.paths[:2]) or [resolve_photo("amber")]
    images = []
    for path in paths:
        image = load_image(path, max_side=2 * size)
        h, w = image.shape[:2]
        top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
        crop = image[top : top + size, left : left + size]
        if crop.shape[:2] != (size, size):
            crop = resize_to_max_side(image, size).numpy()[:size, :size]
            crop = np.pad(
                crop, ((0, size - crop.shape[0]), (0, size - crop.shape[1]), (0, 0)), mode="edge"
            )
        images.append(crop)
    return np.stack(images).astype(np.float32)
