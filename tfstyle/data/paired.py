"""Pipelines of image pairs (pix2pix) and of two unpaired domains (CycleGAN).

Same contract as `content_dataset`: the stream is a pure function of (seed, position),
so a run resumed at step S sees exactly the batches a fresh run saw at S.

Paired sources, each a `PairedSource`:
- `ab_folder_source(dir)`: pix2pix's data sets, one image per pair with A on the left
  half and B on the right (facades, maps, edges2shoes...);
- `matched_folders_source(a_dir, b_dir)`: two folders with the same file names;
- `derived_source(content_dir, "edges" | "gray" | "blur")`: B is any photo and A is
  derived from it (edges -> photo, colourisation, deblurring), so pix2pix trains offline
  on any folder of photos.
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from tfstyle.data.content import _path_stream, content_dataset, random_crop, scan_folder
from tfstyle.errors import ImageError, InvalidArgumentError
from tfstyle.io import list_images, load_image
from tfstyle.ops.blur import gaussian_blur

DERIVATIONS = ("edges", "gray", "blur")
DIRECTIONS = ("AtoB", "BtoA")
# pix2pix and CycleGAN resize 256 px images to 286 before the random 256 crop.
JITTER_RATIO = 286 / 256


def load_side(image_size):
    """The side images are resized to before the random crop (286 for 256)."""
    return int(round(image_size * JITTER_RATIO))


@dataclasses.dataclass
class PairedSource:
    """Where (A, B) pairs come from.

    Attributes:
        kind: "ab" (side-by-side images), "matched" (two folders) or "derived".
        paths: the AB images, the B images of "matched", or the photos of "derived".
        paths_a: the A images of "matched" (same order as `paths`).
        derive: for "derived": how A is made from the photo (one of DERIVATIONS).
        skipped: unreadable files.
    """

    kind: str
    paths: tuple
    paths_a: tuple = ()
    derive: str | None = None
    skipped: tuple = ()

    @property
    def size(self):
        return len(self.paths)


def ab_folder_source(folder, flag="data_dir"):
    """Side-by-side AB images (A left, B right) under `folder` (from --`flag`)."""
    source = scan_folder(folder, flag)
    return PairedSource("ab", source.paths, skipped=source.skipped)


def matched_folders_source(a_dir, b_dir):
    """Pairs of files with the same name (without extension) in `a_dir` and `b_dir`."""
    for flag, folder in (("a_dir", a_dir), ("b_dir", b_dir)):
        if not os.path.isdir(folder):
            raise InvalidArgumentError(f"--{flag} '{folder}' is not a folder")

    def by_name(folder):
        return {os.path.splitext(os.path.relpath(p, folder))[0]: p for p in list_images(folder)}

    a, b = by_name(a_dir), by_name(b_dir)
    names = sorted(set(a) & set(b))
    if not names:
        raise InvalidArgumentError(
            f"no file names in common between --a_dir '{a_dir}' ({len(a)} images) and "
            f"--b_dir '{b_dir}' ({len(b)} images); pairs are matched by name"
        )
    good_a = set(scan_folder(a_dir, "a_dir").paths)
    good_b = set(scan_folder(b_dir, "b_dir").paths)
    keep = [n for n in names if a[n] in good_a and b[n] in good_b]
    skipped = tuple(p for n in names if n not in keep for p in (a[n], b[n]))
    if not keep:
        raise InvalidArgumentError("none of the matched pairs is readable")
    return PairedSource(
        "matched",
        tuple(b[n] for n in keep),
        paths_a=tuple(a[n] for n in keep),
        skipped=skipped,
    )


def derived_source(content_dir, derive):
    """Photos under `content_dir`, each paired with its `derive`d version as input A."""
    if derive not in DERIVATIONS:
        raise InvalidArgumentError(
            f"--pairs_from must be one of {', '.join(DERIVATIONS)}, got '{derive}'"
        )
    source = scan_folder(content_dir)
    return PairedSource("derived", source.paths, derive=derive, skipped=source.skipped)


def _load_pair(source, index):
    """(A, B) of pair `index`, same size, float32 in [0, 1] (A is derived later)."""
    if source.kind == "ab":
        image = load_image(source.paths[index])
        half = image.shape[1] // 2
        if half < 1:
            raise ImageError(f"'{source.paths[index]}' is too narrow for an AB pair")
        return image[:, :half], image[:, half : 2 * half]
    b = load_image(source.paths[index])
    if source.kind == "derived":
        return b, b
    a = load_image(source.paths_a[index])
    if a.shape[:2] != b.shape[:2]:
        a = tf.image.resize(a, b.shape[:2], antialias=True).numpy()
    return a, b


def _pair_stream(source, seed, start):
    """One (A, B) per global position from `start`; a pair that cannot be decoded is
    replaced by the next readable one (positions stay exact on resume)."""
    bad = set()
    count = len(source.paths)
    for index in _path_stream(source.paths, seed, start):
        for k in range(count):
            candidate = (int(index) + k) % count
            if candidate in bad:
                continue
            try:
                a, b = _load_pair(source, candidate)
                yield np.concatenate([a, b], axis=-1)
                break
            except ImageError:
                bad.add(candidate)
        else:
            raise ImageError(f"none of the {count} image pairs can be decoded")


def derive_input(photo, derive):
    """The pix2pix input made from a (H, W, 3) photo in [0, 1]:
    "edges": dark lines on white where the smoothed luminance changes fast (Sobel
    magnitude above its 90th percentile, the density of HED/Canny edge maps);
    "gray": the luminance on three channels (colourisation);
    "blur": a Gaussian blur with sigma = side / 128 (deblurring)."""
    if derive == "gray":
        return tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(photo))
    if derive == "blur":
        return gaussian_blur(photo, max(1.0, (photo.shape[0] or 256) / 128))
    gray = gaussian_blur(tf.image.rgb_to_grayscale(photo), 1.0)
    sobel = tf.image.sobel_edges(gray[None])[0, :, :, 0, :]
    magnitude = tf.sqrt(tf.reduce_sum(tf.square(sobel), axis=-1))
    flat = tf.sort(tf.reshape(magnitude, [-1]))
    threshold = flat[tf.cast(0.9 * tf.cast(tf.size(flat) - 1, tf.float32), tf.int32)]
    edges = tf.cast(magnitude > tf.maximum(threshold, 1e-3), tf.float32)
    return tf.image.grayscale_to_rgb(1.0 - edges[..., None])


def paired_dataset(
    source, image_size=256, batch_size=1, seed=0, start_step=0, direction="AtoB", jitter=True
):
    """An infinite dataset of {"a": inputs, "b": targets}, each (batch, size, size, 3).

    Random jitter as pix2pix: resize to 286 (for 256) and crop the pair at one random
    place, mirror both with probability 1/2; `jitter=False` crops at the image size.

    Args:
        source: a `PairedSource`.
        direction: "AtoB" (translate A into B) or "BtoA".
    """
    if direction not in DIRECTIONS:
        raise InvalidArgumentError(f"--direction must be AtoB or BtoA, got '{direction}'")
    start = int(start_step) * int(batch_size)
    pairs = tf.data.Dataset.from_generator(
        lambda: _pair_stream(source, seed, start),
        output_signature=tf.TensorSpec((None, None, 6), tf.float32),
    )
    resize_side = load_side(image_size) if jitter else image_size

    def prepare(pair, position):
        position_seed = tf.stack([tf.cast(seed, tf.int64), position])
        crop = random_crop(pair, image_size, position_seed, resize_side, flip=jitter)
        a, b = crop[..., :3], crop[..., 3:]
        if source.derive:
            a = tf.ensure_shape(derive_input(b, source.derive), (image_size, image_size, 3))
        if direction == "BtoA":
            a, b = b, a
        return {"a": a, "b": b}

    batches = tf.data.Dataset.zip(pairs, tf.data.Dataset.counter(start)).map(
        prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    return batches.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def paired_samples(source, image_size, count=2, direction="AtoB"):
    """(inputs, targets): centre crops of the first pairs, for sample grids."""
    inputs, targets = [], []
    for index in range(min(count, source.size)):
        a, b = _load_pair(source, index)
        pair = tf.image.resize_with_crop_or_pad(
            _resize_shorter(np.concatenate([a, b], axis=-1), image_size), image_size, image_size
        )
        a, b = pair[..., :3], pair[..., 3:]
        if source.derive:
            a = derive_input(b, source.derive)
        if direction == "BtoA":
            a, b = b, a
        inputs.append(np.asarray(a))
        targets.append(np.asarray(b))
    return np.stack(inputs).astype(np.float32), np.stack(targets).astype(np.float32)


def _resize_shorter(image, side):
    h, w = image.shape[:2]
    scale = side / min(h, w)
    size = (max(side, int(np.ceil(h * scale))), max(side, int(np.ceil(w * scale))))
    return tf.image.resize(image, size, antialias=True)


def unpaired_dataset(
    source_a, source_b, image_size=256, batch_size=1, seed=0, start_step=0, resize_side=None
):
    """An infinite dataset of {"a", "b"} batches from two independent domains: each
    image resized to `resize_side` on its shorter side (default 286 for 256, CycleGAN's;
    MUNIT resizes to the crop size), cropped at random and mirrored."""
    side = resize_side or load_side(image_size)
    a = content_dataset(source_a, image_size, batch_size, seed, start_step, side, flip=True)
    b = content_dataset(source_b, image_size, batch_size, seed + 1, start_step, side, flip=True)
    return tf.data.Dataset.zip(a, b).map(lambda a, b: {"a": a, "b": b})
