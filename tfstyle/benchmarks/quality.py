"""Quality on one yardstick: every family's output next to Gatys', with losses and a
contact sheet (`python scripts/benchmark.py quality`).

The yardstick is fixed and independent of every model's own training loss: VGG16
(the ImageNet conv weights of `make_vgg_imagenet.py`), style = the sum over relu1_2,
relu2_2, relu3_3 and relu4_3 of the mean squared difference of Gram matrices
normalised by C*H*W (Johnson's), content = the mean squared difference of relu3_3
activations. Every output is judged at the same size: a square centre crop of the
photo, `size` px, against the painting resized to `size` px on its longer side.
Each output's blob area (`tfstyle.metrics.artifacts.blob_area`: flat black or white
patches, which the Gram losses barely see) is reported beside the losses.
"""

import dataclasses
import hashlib
import os
import time

import numpy as np

from tfstyle.benchmarks.common import parse_models  # noqa: F401 - re-exported
from tfstyle.metrics.artifacts import blob_area
from tfstyle.metrics.style_distance import CONTENT_LAYER, STYLE_LAYERS, StyleContentDistance

# The yardstick lives with the metrics (scripts/evaluate.py reports it too).
Yardstick = StyleContentDistance
YARDSTICK_STYLE_LAYERS, YARDSTICK_CONTENT_LAYER = STYLE_LAYERS, CONTENT_LAYER


@dataclasses.dataclass
class Pair:
    photo: str  # name (file stem)
    style: str
    content: np.ndarray  # (size, size, 3)
    painting: np.ndarray  # longer side `size`


def load_pairs(photos, styles, size):
    """Every (photo, painting) pair: photos as square centre crops; paintings scaled to
    `size` on the longer side exactly as training scales its style image (`load_style`),
    so that Gatys and the trained networks answer to the same Gram targets."""
    from tfstyle.assets import resolve_photo
    from tfstyle.io import load_image
    from tfstyle.ops.resize import resize_to_shape
    from tfstyle.training.recipe import load_style

    def crop(path):
        image = load_image(path, max_side=4 * size)
        h, w = image.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = image[top : top + side, left : left + side]
        return resize_to_shape(square, (size, size)).numpy()

    contents = [(_stem(p), crop(resolve_photo(p))) for p in photos]
    paintings = [(_stem(s), load_style(s, size)[1]) for s in styles]
    return [Pair(pn, sn, c, s) for pn, c in contents for sn, s in paintings]


def _stem(name_or_path):
    return os.path.splitext(os.path.basename(str(name_or_path)))[0]


class FeedForward:
    """A trained network (any family, any format `load_stylizer` reads) as a column of
    the sheet; `applies(pair)` says whether it can render that pair's style."""

    def __init__(self, label, path):
        from tfstyle.inference.runners import load_stylizer

        self.label, self.path = label, path
        self.stylizer = load_stylizer(path)
        config = self.stylizer.run_config
        inputs = self.stylizer.inputs
        if "style_weights" in inputs:
            self.kind = "n_styles"
            self.styles = [_stem(s) for s in config.get("styles") or ()]
        elif "style" in inputs:
            self.kind = "any_style"
            self.styles = None
        else:
            self.kind = "one_style"
            style_path = config.get("style_path") or config.get("style")
            self.styles = [_stem(style_path)] if style_path else []

    def applies(self, pair):
        return self.styles is None or pair.style in self.styles

    def render(self, pair):
        bound = self.stylizer
        if self.kind == "n_styles":
            weights = np.zeros((1, len(self.styles)), np.float32)
            weights[0, self.styles.index(pair.style)] = 1.0
            bound = bound.bind(style_weights=weights)
        elif self.kind == "any_style":
            extra = {"alpha": np.ones(1, np.float32)} if "alpha" in bound.inputs else {}
            bound = bound.bind(style=pair.painting[None], **extra)
        return bound(pair.content[None])[0]


def gatys_render(pair, steps, vgg_weights, architecture="vgg19"):
    """Gatys with the library defaults (L-BFGS), at the pair's size."""
    from tfstyle.models.gatys import run_gatys

    return run_gatys(
        pair.content, [pair.painting], _gatys_config(pair, steps, vgg_weights, architecture)
    )


def _gatys_config(pair, steps, vgg_weights, architecture):
    from tfstyle.models.gatys import GatysRunConfig

    return GatysRunConfig(
        image_size=pair.content.shape[0],
        steps=steps,
        vgg_weights=vgg_weights,
        architecture=architecture,
        seed=0,
    )


class GatysCache:
    """Gatys renders kept in `folder` (one `.npz` per pair: the image and the seconds it
    took), so a second benchmark run with the same photos, paintings, size, iterations,
    weights file and Gatys defaults reuses them instead of optimising again.

    The key hashes the pixels of the pair, the whole `GatysRunConfig` (so a change of a
    library default is a new key) and the bytes of the weights file. Weights not given
    as a file (random, or Keras' "imagenet" download) are never cached.
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)
        self._file_digests = {}

    def path(self, pair, steps, vgg_weights, architecture="vgg19"):
        if not (isinstance(vgg_weights, (str, os.PathLike)) and os.path.isfile(vgg_weights)):
            return None
        digest = hashlib.sha256()
        for array in (pair.content, pair.painting):
            digest.update(repr((array.shape, str(array.dtype))).encode())
            digest.update(np.ascontiguousarray(array).tobytes())
        config = _gatys_config(pair, steps, vgg_weights, architecture)
        digest.update(repr(dataclasses.replace(config, vgg_weights=None)).encode())
        digest.update(self._file_digest(vgg_weights).encode())
        name = f"{pair.photo}_{pair.style}_{steps}_{digest.hexdigest()[:20]}.npz"
        return os.path.join(self.folder, name)

    def _file_digest(self, path):
        stat = os.stat(path)
        key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._file_digests:
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 22), b""):
                    digest.update(block)
            self._file_digests[key] = digest.hexdigest()
        return self._file_digests[key]

    def load(self, path):
        """(image, seconds) or None when `path` is absent or unreadable."""
        if not os.path.exists(path):
            return None
        try:
            with np.load(path) as stored:
                return stored["image"], float(stored["seconds"])
        except (OSError, ValueError, KeyError, EOFError):
            return None  # a damaged entry is rendered again and replaced

    def store(self, path, image, seconds):
        from tfstyle.io import atomic_write

        with atomic_write(path, overwrite=True) as tmp, open(tmp, "wb") as f:
            np.savez(f, image=np.asarray(image, np.float32), seconds=np.float64(seconds))


def _reference(pair, gatys_steps, gatys_weights, cache):
    """(Gatys' image, seconds, from_cache) for `pair`, or None without a Gatys column."""
    if not gatys_steps:
        return None
    path = cache.path(pair, gatys_steps, gatys_weights) if cache is not None else None
    stored = cache.load(path) if path else None
    if stored is not None:
        return (*stored, True)
    start = time.perf_counter()
    image = np.asarray(gatys_render(pair, gatys_steps, gatys_weights))
    seconds = time.perf_counter() - start
    if path:
        cache.store(path, image, seconds)
    return image, seconds, False


def evaluate(pairs, models, yardstick, gatys_steps, gatys_weights, on_result=None, cache=None):
    """Renders every pair with Gatys and each model that applies; returns (rows, images).

    rows: one dict per (pair, method) with style, content, the ratios to Gatys', the
    blob area (dark, light) and the seconds it took (Gatys' row: the seconds of the
    render, `cached` when `cache`, a `GatysCache`, had it); images: {(photo, style,
    method): image}.
    """
    rows, images = [], {}
    for pair in pairs:
        reference = _reference(pair, gatys_steps, gatys_weights, cache)
        rendered = {}
        if reference is not None:
            rendered["gatys"] = reference
        for model in models:
            if model.applies(pair):
                start = time.perf_counter()
                rendered[model.label] = (model.render(pair), time.perf_counter() - start, False)
        targets = yardstick.targets(pair.content, pair.painting)
        base = yardstick(reference[0], targets=targets) if reference is not None else None
        for method, (image, seconds, cached) in rendered.items():
            losses = base if method == "gatys" else yardstick(image, targets=targets)
            dark, light = blob_area(image)
            row = {
                "photo": pair.photo,
                "style": pair.style,
                "method": method,
                "seconds": seconds,
                **({"cached": True} if cached else {}),
                **losses,
                "style_over_gatys": losses["style_loss"] / base["style_loss"] if base else None,
                "content_over_gatys": (
                    losses["content_loss"] / base["content_loss"] if base else None
                ),
                "blob_area_dark": dark,
                "blob_area_light": light,
            }
            rows.append(row)
            images[(pair.photo, pair.style, method)] = image
            if on_result is not None:
                on_result(row)
    return rows, images


def contact_sheet(pairs, methods, images, tile=160):
    """A PIL image: one row per pair, columns content | style | each method."""
    from PIL import Image, ImageDraw

    columns = ["content", "style", *methods]
    label_h = 14
    sheet = Image.new("RGB", (tile * len(columns), label_h + tile * len(pairs)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(columns):
        draw.text((c * tile + 4, 1), name, fill="black")
    for r, pair in enumerate(pairs):
        cells = [pair.content, pair.painting] + [
            images.get((pair.photo, pair.style, m)) for m in methods
        ]
        for c, cell in enumerate(cells):
            x, y = c * tile, label_h + r * tile
            if cell is None:
                draw.rectangle([x, y, x + tile - 1, y + tile - 1], fill=(235, 235, 235))
                draw.text((x + tile // 2 - 8, y + tile // 2 - 6), "n/a", fill="gray")
                continue
            pixels = Image.fromarray((np.clip(cell, 0, 1) * 255 + 0.5).astype(np.uint8))
            pixels.thumbnail((tile, tile), Image.LANCZOS)
            sheet.paste(pixels, (x + (tile - pixels.width) // 2, y + (tile - pixels.height) // 2))
    return sheet


def summary(rows):
    """{method: {style_over_gatys, content_over_gatys, blob_area, pairs}}: geometric
    means of the ratios, the mean blob area (dark + light)."""
    out = {}
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method and r["style_over_gatys"]]
        if mine:
            out[method] = {
                "style_over_gatys": _geometric_mean([r["style_over_gatys"] for r in mine]),
                "content_over_gatys": _geometric_mean([r["content_over_gatys"] for r in mine]),
                "blob_area": float(
                    np.mean([r["blob_area_dark"] + r["blob_area_light"] for r in mine])
                ),
                "pairs": len(mine),
            }
    return out


def _geometric_mean(values):
    return float(np.exp(np.mean(np.log(values))))
