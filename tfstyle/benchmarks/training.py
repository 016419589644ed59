"""Training throughput through the path the train_*.py scripts take.

`driver_step_seconds` runs a family's recipe with `tfstyle.training.driver.run`, the
function behind every training script: JPEG photos decoded and cropped by the input
pipeline on the same cores as the step, the distributed step, metrics read back every
step, TensorBoard scalars every 10 steps. Only the progress bar is left out.
"""

import os
import tempfile
import time

import numpy as np
from PIL import Image

from tfstyle.assets import available_styles, resolve_photo, resolve_style
from tfstyle.errors import InvalidArgumentError
from tfstyle.training import driver
from tfstyle.training.recipe import get_recipe

# The steps a timing skips (tracing, the first pipeline fill) and the steps it times:
# a multiple of the 10-step TensorBoard interval, so the writes are counted fairly.
WARMUP_STEPS, TIMED_STEPS = 2, 10
FAMILIES = ("johnson", "cin", "adain", "metanet")


def check_families(families, content_dir=None):
    """Fails in one line, before any timing, on an unknown family or a missing folder."""
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise InvalidArgumentError(
            f"--train_families: unknown {', '.join(unknown)}; choose from {', '.join(FAMILIES)}"
        )
    if content_dir is not None and not os.path.isdir(content_dir):
        raise InvalidArgumentError(f"--content_dir '{content_dir}' is not a folder")


def write_photos(folder, count=24, size=(640, 480), seed=0):
    """Writes `count` COCO-sized JPEGs (random crops, flips and tints of the bundled
    photo) for a benchmark that needs a photo folder; returns the folder."""
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    with Image.open(resolve_photo("amber")) as photo:
        source = photo.convert("RGB")
    width, height = source.size
    for i in range(count):
        side = int(rng.integers(min(width, height) // 2, min(width, height)))
        x, y = int(rng.integers(0, width - side + 1)), int(rng.integers(0, height - side + 1))
        crop = source.crop((x, y, x + side, y + side * 3 // 4)).resize(size, Image.BICUBIC)
        if rng.random() < 0.5:
            crop = crop.transpose(Image.FLIP_LEFT_RIGHT)
        tint = rng.uniform(0.8, 1.2, 3)
        pixels = np.clip(np.asarray(crop, np.float32) * tint, 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"photo_{i:03d}.jpg"), quality=90)
    return folder


def write_styles(folder):
    """The bundled paintings as a style folder (AdaIN, MetaNet); returns the folder."""
    os.makedirs(folder, exist_ok=True)
    for name in available_styles():
        target = os.path.join(folder, os.path.basename(resolve_style(name)))
        if not os.path.exists(target):
            os.symlink(resolve_style(name), target)
    return folder


def family_recipe(family, photos, styles, output_dir, precision, vgg_weights, **overrides):
    """The recipe of `family` as its script builds it with default settings (or
    `overrides`), on `photos` (and the `styles` folder), for WARMUP_STEPS +
    TIMED_STEPS steps."""
    common = {
        "output_dir": output_dir,
        "content_dir": photos,
        "steps": WARMUP_STEPS + TIMED_STEPS,
        "vgg_weights": vgg_weights,
        "mixed_precision": precision,
        **overrides,
    }
    own = {
        "johnson": {"style": "mosaic"},
        "cin": {"styles": tuple(available_styles()[:4])},
        "adain": {"style_dir": styles},
        "metanet": {"style_dir": styles},
    }
    check_families([family])
    recipe = get_recipe(family)
    return recipe(recipe.config_class(**own[family], **common))


def driver_step_seconds(recipe):
    """Seconds per step of `driver.run(recipe)` over its last TIMED_STEPS steps, and
    the run's batch size and precision policy."""
    stamps = []
    facts = {}
    result = driver.run(
        recipe,
        on_start=lambda info: facts.update(precision=info["precision"]),
        on_step=lambda state: stamps.append(time.perf_counter()),
    )
    if len(stamps) < WARMUP_STEPS + 2:
        raise RuntimeError(f"the run made {len(stamps)} steps (step {result['step']})")
    seconds = (stamps[-1] - stamps[WARMUP_STEPS - 1]) / (len(stamps) - WARMUP_STEPS)
    return {
        "seconds": seconds,
        "batch": recipe.config.batch_size,
        "images_per_s": recipe.config.batch_size / seconds,
        "precision": facts.get("precision"),
    }


def workdir():
    return tempfile.mkdtemp(prefix="tfstyle-bench-train-")
