"""What every feed-forward training recipe shares: settings, data, samples and the run.

Johnson, conditional instance norm, AdaIN and MetaNet differ in their model and in what
a batch holds; the content photos, the step budget, mixed precision, the run folder's
config.json (refusing a resume with other settings), the resumable loop and the
release files are the same, and live here.
"""

import dataclasses
import math
import os

import keras
import numpy as np

from tfstyle.assets import resolve_photo, resolve_style
from tfstyle.data import ContentSource, scan_folder
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import load_image
from tfstyle.ops.resize import resize_to_max_side
from tfstyle.training.loop import train
from tfstyle.training.run_config import write_run_config

# Settings shared by every recipe that define the run: a resume must not change them.
COMMON_IDENTITY_KEYS = ("family", "vgg", "image_size", "batch_size", "seed")


@dataclasses.dataclass(kw_only=True)
class TrainConfig:
    """Settings common to every training script (the flags of train_johnson.py)."""

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
    mixed_precision: bool = False
    jit_compile: bool = False
    seed: int = 0

    def validate(self):
        for name in ("image_size", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise InvalidArgumentError(f"--{name} must be at least 1")
        if self.image_size % 4:
            raise InvalidArgumentError(
                f"--image_size must be a multiple of 4, got {self.image_size}"
            )
        if self.steps is None and self.epochs <= 0:
            raise InvalidArgumentError("--epochs must be positive (or give --steps)")
        if self.learning_rate <= 0:
            raise InvalidArgumentError("--learning_rate must be positive")


def content_source(config):
    """The content photos of a run: --content_dir, else the TFDS --dataset."""
    if config.content_dir:
        return scan_folder(config.content_dir)
    if config.dataset:
        return ContentSource(tfds_name=config.dataset)
    raise InvalidArgumentError("give --content_dir DIR or --dataset NAME")


def total_steps(config, source):
    """--steps, or --epochs passes over the content photos."""
    if config.steps:
        return int(config.steps)
    size = source.size
    if size is None:  # TFDS: the split size from its metadata
        import tensorflow_datasets as tfds

        size = tfds.builder(source.tfds_name).info.splits["train"].num_examples
    return max(1, math.ceil(config.epochs * size / config.batch_size))


def load_style(name_or_path, style_size=None, default_side=512):
    """(absolute path, (h, w, 3) image) of a bundled style name or an image path."""
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


def sample_images(source, size, count=2):
    """Centre crops of the first content photos (or the bundled one) for sample images."""
    paths = list(source.paths[:count]) or [resolve_photo("amber")]
    images = [center_crop(load_image(path, max_side=2 * size), size) for path in paths]
    return np.stack(images).astype(np.float32)


def begin(config):
    """Validates the settings and sets precision and seeds; call before building models."""
    config.validate()
    keras.mixed_precision.set_global_policy(
        "mixed_bfloat16" if config.mixed_precision else "float32"
    )
    keras.utils.set_random_seed(config.seed)


def run(
    config,
    model,
    source,
    record,
    identity_keys,
    make_dataset,
    total,
    on_step=None,
    on_start=None,
    styles=None,
    start_info=None,
):
    """Writes config.json (refusing changed identity settings), then trains.

    Args:
        config: the recipe's `TrainConfig`.
        model: the compiled training model.
        source: the content `ContentSource` (counts and samples come from it).
        record: extra facts for config.json (family, resolved style paths, ...).
        identity_keys: keys that must match an earlier run in the same folder.
        make_dataset: `make_dataset(start_step)`, see `tfstyle.training.train`.
        total: total steps.
        on_step, on_start: progress callbacks; `on_start(info)` gets total_steps,
            resumed, skipped files, content_images and `start_info`.
        styles: the style `ContentSource` of arbitrary-style recipes, if any.

    Returns:
        The final step. The global precision policy is float32 again afterwards.
    """
    skipped = source.skipped + (styles.skipped if styles else ())
    facts = {"content_images": source.size, "skipped_files": len(skipped)}
    if styles:
        facts["style_images"] = styles.size
    try:
        full = {**dataclasses.asdict(config), **facts, **record, "total_steps": total}
        # Written once everything before is known to be valid: bad input leaves no folder.
        resumed = write_run_config(
            config.output_dir, full, tuple(COMMON_IDENTITY_KEYS) + tuple(identity_keys)
        )
        if on_start is not None:
            on_start(
                {
                    "total_steps": total,
                    "resumed": resumed,
                    "skipped": skipped,
                    "content_images": source.size,
                    **(start_info or {}),
                }
            )
        return train(
            model,
            make_dataset,
            total,
            config.output_dir,
            checkpoint_every=config.checkpoint_every,
            sample_every=config.sample_every,
            sample_images=sample_images(source, config.image_size),
            jit_compile=config.jit_compile,
            on_step=on_step,
        )
    finally:
        keras.mixed_precision.set_global_policy("float32")
