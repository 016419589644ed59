"""Content-image pipelines with a resumable position.

The order of images is a pure function of (seed, epoch), so a run resumed at step S
continues with exactly the batch it would have seen: the pipeline starts at image
S * batch_size. That keeps the checkpoint small (a step counter, not an iterator with
a shuffle buffer of decoded images) and works for folders and TFDS alike.
"""

import contextlib
import dataclasses
import logging
import os

import numpy as np
import tensorflow as tf
from PIL import Image, UnidentifiedImageError

from tfstyle.errors import DatasetUnavailableError, ImageError, InvalidArgumentError
from tfstyle.io import list_images


@dataclasses.dataclass
class ContentSource:
    """Where content images come from: a folder (`paths`) or a TFDS dataset (`tfds_name`)."""

    paths: tuple = ()
    skipped: tuple = ()
    tfds_name: str | None = None
    tfds_split: str = "train"
    data_dir: str | None = None
    tfds_size: int | None = None  # examples in the split, once prepared
    tfds_image_key: str = "image"  # the feature holding the image ("hr" in div2k)

    @property
    def size(self):
        return len(self.paths) if self.paths else self.tfds_size


def scan_folder(folder, flag="content_dir"):
    """Lists the readable images under `folder`; unreadable ones are skipped and counted.

    Only headers are read (fast even for large folders); a file that is corrupt past
    its header is replaced in the pipeline by the next readable file of the list, at
    the same position, so a resume still counts positions exactly.

    Args:
        flag: the command-line flag the folder came from, named in the errors.
    """
    if not os.path.isdir(folder):
        raise InvalidArgumentError(f"--{flag} '{folder}' is not a folder")
    good, bad = [], []
    for path in list_images(folder):
        try:
            with Image.open(path) as img:
                width, height = img.size
            (good if width > 0 and height > 0 else bad).append(path)
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
            bad.append(path)
    if not good:
        raise InvalidArgumentError(
            f"no readable .jpg/.png images under --{flag} '{folder}' ({len(bad)} unreadable)"
        )
    return ContentSource(paths=tuple(good), skipped=tuple(bad))


def _epoch_order(count, seed, epoch):
    return np.random.default_rng([seed, epoch]).permutation(count)


def _path_stream(paths, seed, start):
    """Yields (index into paths) in the (seed, epoch) order from global position
    `start`, forever."""
    count = len(paths)
    epoch, offset = divmod(start, count)
    while True:
        order = _epoch_order(count, seed, epoch)
        yield from order[offset:]
        epoch, offset = epoch + 1, 0


def _image_stream(paths, seed, start):
    """Decoded images (H, W, 3) float32, one per global position from `start`.

    A file that cannot be decoded is replaced by the next readable one in list order,
    so position p is always the p-th image of the stream: a run resumed at step S sees
    the batch step S of a fresh run saw, however many files failed before (dropping
    failures used to shift every later position by their count). Decoding with Pillow
    also applies EXIF rotation and handles CMYK, 16-bit and palette images.
    """
    from tfstyle.io import load_image

    bad = set()
    for index in _path_stream(paths, seed, start):
        for k in range(len(paths)):
            candidate = (int(index) + k) % len(paths)
            if candidate in bad:
                continue
            try:
                yield load_image(paths[candidate])
                break
            except ImageError:
                bad.add(candidate)
        else:
            raise ImageError(f"none of the {len(paths)} content images can be decoded")


def random_crop(image, image_size, seed, resize_side, flip=False):
    """Resize the shorter side to `resize_side`, then a random square crop of
    `image_size` (of every channel: stack paired images on channels to crop them
    alike), mirrored left-right with probability 1/2 when `flip`; [0, 1] float.
    `resize_side=None` crops at the native resolution (images whose shorter side is
    below `image_size` are enlarged to it), as super-resolution needs."""
    image = tf.image.convert_image_dtype(image, tf.float32)
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    if resize_side is None:
        scale = tf.maximum(1.0, float(image_size) / tf.reduce_min(shape))
    else:
        scale = tf.cast(resize_side, tf.float32) / tf.reduce_min(shape)
    new_size = tf.cast(tf.math.ceil(shape * scale), tf.int32)
    image = tf.cond(
        scale == 1.0,
        lambda: image,
        lambda: tf.image.resize(image, new_size, method="bilinear", antialias=True),
    )
    channels = image.shape[-1] or 3
    image = tf.image.stateless_random_crop(image, (image_size, image_size, channels), seed=seed)
    if flip:
        image = tf.image.stateless_random_flip_left_right(image, seed[::-1])
    return tf.clip_by_value(image, 0.0, 1.0)


def _decode(data):
    image = tf.io.decode_image(data, channels=3, expand_animations=False)
    return tf.ensure_shape(image, [None, None, 3])


def content_dataset(
    source,
    image_size=256,
    batch_size=4,
    seed=0,
    start_step=0,
    resize_side=None,
    flip=False,
    native_resolution=False,
):
    """An infinite dataset of (batch, image_size, image_size, 3) crops in [0, 1].

    Args:
        source: a `ContentSource`.
        image_size: crop size.
        resize_side: the shorter side images are resized to before the random crop
            (default `image_size`: the crop spans the whole shorter side; AdaIN's paper
            resizes to 512 and crops 256, CycleGAN's 286 and 256).
        flip: random left-right mirroring (CycleGAN, pix2pix).
        native_resolution: crop without resizing (super-resolution's HR patches).
        batch_size: images per batch.
        seed: fixes the order and the crops.
        start_step: resume position: the first batch is the one step `start_step` of a
            fresh run would see.
    """
    start = int(start_step) * int(batch_size)
    if source.tfds_name:
        images = _tfds_images(source, seed, start)
    else:
        paths = list(source.paths)
        images = tf.data.Dataset.from_generator(
            lambda: _image_stream(paths, seed, start),
            output_signature=tf.TensorSpec((None, None, 3), tf.float32),
        )
    # Crop seeds depend on the global position, so a resumed run crops the same way.
    positions = tf.data.Dataset.counter(start)
    crops = tf.data.Dataset.zip(images, positions).map(
        lambda image, i: random_crop(
            image,
            image_size,
            tf.stack([tf.cast(seed, tf.int64), i]),
            None if native_resolution else resize_side or image_size,
            flip,
        ),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
    return crops.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


@contextlib.contextmanager
def _quiet_absl():
    """TFDS logs absl warnings (e.g. a missing dataset_info.json) a user cannot act on."""
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reachable(url, timeout=10.0):
    """Whether `url` answers a HEAD request (through the proxies the download would
    use). TFDS retries a failed download for minutes; this says no at once offline."""
    import requests

    try:
        requests.head(url, timeout=timeout, allow_redirects=True)
        return True
    except requests.RequestException:
        return False


def _size(num_bytes):
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if num_bytes < 1024 or unit == "TiB":
            return f"{num_bytes:.1f} {unit}" if unit != "B" else f"{num_bytes} B"
        num_bytes /= 1024


def tfds_source(name, split="train", data_dir=None, notify=None):
    """A `ContentSource` for a TFDS dataset, downloaded and prepared once if needed.

    Args:
        name: e.g. "coco/2017", "div2k", "cycle_gan/horse2zebra", "mnist".
        split: the split to read.
        data_dir: TFDS's data folder (default: TFDS_DATA_DIR or ~/tensorflow_datasets).
        notify: `notify(message)` before a download starts (its size and where it goes).

    Raises:
        InvalidArgumentError: unknown name or split, or the dataset is not prepared and
            cannot be downloaded from here (checked before anything is written).
    """
    import tensorflow_datasets as tfds

    with _quiet_absl():
        try:
            builder = tfds.builder(name, data_dir=data_dir)
        except Exception as e:  # noqa: BLE001 - TFDS raises many kinds
            first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
            raise InvalidArgumentError(f"unknown TFDS dataset '{name}': {first}") from None
        root = builder.data_dir.split(os.sep + name.split("/")[0] + os.sep)[0]
        if not builder.is_prepared():
            urls = {url: info.size for url, info in (builder.url_infos or {}).items()}
            advice = (
                f"pass --content_dir DIR with your own photos, or prepare it with "
                f"'tfds build {name}' where you have internet"
            )
            if urls and not _reachable(next(iter(urls))):
                raise DatasetUnavailableError(
                    f"{name} is not prepared in {root} and cannot be downloaded here "
                    f"({next(iter(urls)).split('/')[2]} is unreachable); {advice}"
                )
            if notify is not None:
                size = _size(sum(urls.values())) if urls else "an unknown amount"
                notify(f"{name} is not prepared: downloading {size} into {root} (once)")
            try:
                builder.download_and_prepare()
            except Exception as e:  # noqa: BLE001 - TFDS raises many kinds
                first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
                raise DatasetUnavailableError(
                    f"could not prepare {name} in {root} ({first}); {advice}"
                ) from None
        splits = builder.info.splits
        features = set(builder.info.features.keys())
    image_key = next((k for k in ("image", "hr") if k in features), None)
    if image_key is None:
        raise InvalidArgumentError(
            f"{name} has no 'image' feature (it has {', '.join(sorted(features))})"
        )
    if split not in splits:
        raise InvalidArgumentError(
            f"{name} has no '{split}' split (it has {', '.join(splits) or 'none'})"
        )
    return ContentSource(
        tfds_name=name,
        tfds_split=split,
        data_dir=data_dir,
        tfds_size=splits[split].num_examples,
        tfds_image_key=image_key,
    )


def _tfds_images(source, seed, start):
    import tensorflow_datasets as tfds

    key = source.tfds_image_key
    with _quiet_absl():
        builder = tfds.builder(source.tfds_name, data_dir=source.data_dir)
    dataset = builder.as_dataset(
        split=source.tfds_split,
        shuffle_files=True,
        read_config=tfds.ReadConfig(shuffle_seed=seed),
        decoders=tfds.decode.PartialDecoding(
            {key: True}, decoders={key: tfds.decode.SkipDecoding()}
        ),
    )
    # TFDS fixes the file order by seed; skipping the still-encoded records reproduces
    # the position on resume without decoding what is skipped. Grayscale images become
    # RGB (dropping them would shift every later position).
    dataset = dataset.map(lambda example: example[key]).repeat().skip(start)
    return dataset.map(_decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
