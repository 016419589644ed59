"""CartoonGAN's data: cartoon images and the same cartoons with their edges smoothed.

The discriminator learns that a cartoon without clear edges is fake (the paper's
edge-promoting adversarial loss), so every cartoon image needs a smoothed twin. They
are computed once per run (`smoothed_cartoons`) into a cache folder with a manifest and
reused on resume; the cache holds side-by-side images (cartoon | smoothed), so the
paired pipeline crops and mirrors both at the same place.
"""

import dataclasses
import json
import os

import cv2
import numpy as np

from tfstyle.data.content import scan_folder
from tfstyle.data.paired import ab_folder_source, load_side
from tfstyle.errors import ImageError, InvalidArgumentError
from tfstyle.io import load_image, save_image
from tfstyle.io.images import atomic_write

# The paper's preprocessing as its public reimplementations run it: Canny with
# thresholds 100 / 200 on the gray image, edges dilated with a 5 x 5 kernel, a 5 x 5
# Gaussian (sigma from the size, ~1.1) applied inside the dilated region only.
CANNY_THRESHOLDS = (100, 200)
KERNEL_SIZE = 5
MANIFEST = "manifest.json"
_CACHE_VERSION = 1


def edge_region(image, kernel_size=KERNEL_SIZE, thresholds=CANNY_THRESHOLDS):
    """(H, W) bool: the Canny edges of `image` (float RGB in [0, 1]) dilated by a
    `kernel_size` square."""
    pixels = np.round(np.clip(np.asarray(image, np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)
    edges = cv2.Canny(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), *thresholds)
    return cv2.dilate(edges, np.ones((kernel_size, kernel_size), np.uint8)) > 0


def smooth_edges(image, kernel_size=KERNEL_SIZE, thresholds=CANNY_THRESHOLDS):
    """CartoonGAN's edge-smoothed cartoon: a Gaussian blur only where `edge_region` is.

    Args:
        image: (H, W, 3) float RGB in [0, 1].
        kernel_size: dilation and Gaussian size (odd).
        thresholds: Canny's low and high thresholds on the 0..255 scale.

    Returns:
        (H, W, 3) float32 in [0, 1]; pixels away from edges are unchanged.
    """
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise InvalidArgumentError(f"kernel_size must be odd and positive, got {kernel_size}")
    image = np.asarray(image, np.float32)
    blurred = cv2.GaussianBlur(
        image, (kernel_size, kernel_size), 0, borderType=cv2.BORDER_REFLECT_101
    )
    return np.where(edge_region(image, kernel_size, thresholds)[..., None], blurred, image)


def _fingerprint(paths):
    files = []
    for path in paths:
        stat = os.stat(path)
        files.append(
            {"path": os.path.abspath(path), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        )
    return files


def smoothed_cartoons(cartoon_dir, cache_dir, image_size=256, notify=None):
    """The cartoons of `cartoon_dir` paired with their smoothed twins, as a `PairedSource`.

    Each readable cartoon is resized to the training scale (shorter side 286 for 256,
    so edge widths match what the discriminator sees), smoothed, and written as one
    side-by-side PNG into `cache_dir`; `manifest.json` records the sources (path, size,
    modification time) and settings. A cache whose manifest matches is reused as is;
    otherwise it is rebuilt (the manifest is written last, so an interrupted build is
    redone).

    Args:
        cartoon_dir: folder of cartoon images (any size).
        cache_dir: where the pairs go (e.g. `<run>/smoothed_cartoons`).
        image_size: the training crop.
        notify: `notify(message)` before a (re)build.

    Returns:
        A side-by-side ("ab") `PairedSource`: A = cartoon, B = smoothed.
    """
    source = scan_folder(cartoon_dir, "cartoon_dir")
    side = load_side(image_size)
    expected = {
        "version": _CACHE_VERSION,
        "side": side,
        "canny": list(CANNY_THRESHOLDS),
        "kernel": KERNEL_SIZE,
        "sources": _fingerprint(source.paths),
    }
    manifest_path = os.path.join(cache_dir, MANIFEST)
    if _read_json(manifest_path) != expected:
        if notify:
            notify(f"smoothing the edges of {source.size} cartoon images into {cache_dir}")
        _build_cache(source.paths, cache_dir, side)
        with atomic_write(manifest_path, overwrite=True) as tmp:
            with open(tmp, "w") as f:
                json.dump(expected, f, indent=1)
    cached = ab_folder_source(cache_dir)
    return dataclasses.replace(cached, skipped=tuple(cached.skipped) + tuple(source.skipped))


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _build_cache(paths, cache_dir, side):
    """Writes one side-by-side PNG per decodable cartoon; stale PNGs are removed. Every
    write is atomic with a name fixed by the source, so workers building the same
    cache at once write the same files."""
    os.makedirs(cache_dir, exist_ok=True)
    names = {
        path: f"{index:05d}_{os.path.splitext(os.path.basename(path))[0]}.png"
        for index, path in enumerate(paths)
    }
    wanted = set(names.values())
    for name in os.listdir(cache_dir):
        if name.endswith(".png") and name not in wanted:
            os.remove(os.path.join(cache_dir, name))
    written = 0
    for path, name in names.items():
        try:
            image = load_image(path)
        except ImageError:  # corrupt past its header: left out of the cache
            if os.path.exists(os.path.join(cache_dir, name)):
                os.remove(os.path.join(cache_dir, name))
            continue
        h, w = image.shape[:2]
        scale = side / min(h, w)
        size = (max(side, int(round(w * scale))), max(side, int(round(h * scale))))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        image = np.clip(cv2.resize(image, size, interpolation=interpolation), 0.0, 1.0)
        pair = np.concatenate([image, smooth_edges(image)], axis=1)
        save_image(os.path.join(cache_dir, name), pair, overwrite=True)
        written += 1
    if not written:
        raise InvalidArgumentError("none of the cartoon images can be decoded")
