"""Running image-to-image networks on images of any size: padding to a multiple of 8,
tiling with feathered seams, outputs larger than the input (super-resolution).

Multiples of 8 suit every network of the zoo (Johnson's downsamples by 4, AdaIN's VGG
encoder by 8). A network whose output is `scale` times its input (an upscaler) is
tiled in input pixels; each tile's output lands at `scale` times its position, and the
overlap is blended over `scale` times as many output pixels."""

import numpy as np

from tfstyle.errors import InvalidArgumentError
from tfstyle.models import serving
from tfstyle.ops import preserve_color as keep_colors
from tfstyle.ops.resize import bicubic_upscale, resize_to_shape, scaled_size

# Above this many pixels an image is stylised in 512 px tiles: activation memory grows
# with H * W (a 4096 x 4096 photo peaks at 1.5 GB RSS with 512 px tiles, 5 GB with 1024).
AUTO_TILE_PIXELS = 1024 * 1024
# Smaller images are padded up to this side (MetaNet's paper network reflects 40 px).
MIN_SIDE = 64
# Longer side of the downscaled whole image whose instance-norm statistics the tiles share.
STATISTICS_SIDE = 1024
# Input tile of upscalers when tiling is automatic (x4: 1024 x 1024 outputs per tile).
UPSCALER_TILE = 256


def _pad_to(image, height, width):
    """Reflect-pads (H, W, 3) at the bottom/right to (height, width) (edge mode if tiny)."""
    h, w = image.shape[:2]
    pad = ((0, height - h), (0, width - w), (0, 0))
    mode = "reflect" if height - h < h and width - w < w else "edge"
    return np.pad(image, pad, mode=mode)


def padded_size(height, width, multiple=8):
    """The size an image is padded to before a network sees it (untiled)."""
    return tuple(max(MIN_SIDE, -(-d // multiple) * multiple) for d in (height, width))


def _run_padded(stylizer, image, multiple=8, size=None):
    """The network's output for (h, w, 3) `image`, padded for the network and cropped
    back to (scale h, scale w)."""
    h, w = image.shape[:2]
    if size is None:
        size = padded_size(h, w, multiple)
    out = stylizer(_pad_to(image, *size)[None])[0]
    scale = out.shape[0] // size[0]
    return out[: h * scale, : w * scale]


def network_scale(stylizer):
    """How many times larger than its input the network's output is (1 for stylisers,
    2-8 for upscalers): the stylizer's `scale`, else 1."""
    return int(getattr(stylizer, "scale", 1) or 1)


def upscale_input(image, scale):
    """`image` bicubically enlarged by `scale` (the input an upscaler's output is blended
    with for --strength and --preserve_color)."""
    return image if scale == 1 else bicubic_upscale(image, scale).numpy()


def _ramp(length, overlap, at_start, at_end):
    """1-D blending weights: linear ramps over `overlap` pixels at inner edges."""
    weights = np.ones(length, np.float32)
    if overlap > 0:
        ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        if not at_start:
            weights[:overlap] = ramp[: min(overlap, length)]
        if not at_end:
            weights[-overlap:] = np.minimum(weights[-overlap:], ramp[::-1])
    return weights


def _starts(length, tile, overlap):
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile, stride)) + [length - tile]
    return sorted(set(starts))


def stylize_image(
    stylizer,
    image,
    tile=None,
    overlap=64,
    strength=1.0,
    preserve_color=False,
    statistics_side=STATISTICS_SIDE,
):
    """Stylises one (H, W, 3) image in [0, 1] and returns it at the same size (times
    the network's scale for an upscaler).

    Args:
        stylizer: a `Stylizer` (or any callable on (1, H, W, 3) arrays).
        tile: tile side in input pixels; None picks tiling automatically for large
            images (and always for fixed-size models, whose input size is the tile).
        overlap: input pixels shared by neighbouring tiles, blended with linear ramps.
        strength: 1 is the full style; 0 returns the input; in between mixes them.
        preserve_color: keep the input's colours (luminance transfer).
        statistics_side: longer side of the downscaled whole image whose statistics
            the tiles share; the image's own size gives the untiled output's exact
            statistics (at the untiled pass's memory).
    """
    if not 0.0 <= strength <= 1.0:
        raise InvalidArgumentError(f"strength must be in [0, 1], got {strength}")
    image = np.asarray(image, np.float32)
    h, w = image.shape[:2]
    fixed = getattr(stylizer, "fixed_size", None)
    scale = network_scale(stylizer)
    if fixed is not None:
        tile = min(fixed)
    elif tile is None and h * w * scale * scale > AUTO_TILE_PIXELS:
        tile = 512 if scale == 1 else UPSCALER_TILE
    if tile is not None and tile <= 2 * overlap:
        raise InvalidArgumentError(
            f"tile ({tile}) must be larger than twice the overlap ({overlap})"
        )

    if tile is None or (h <= tile and w <= tile and fixed is None):
        out = _run_padded(stylizer, image)
    else:
        shared = with_image_statistics(stylizer, image, statistics_side) if scale == 1 else None
        out = _tiled(shared or stylizer, image, tile, overlap, fixed)
    if strength < 1.0 or preserve_color:
        image = upscale_input(image, out.shape[0] // h)
    if strength < 1.0:
        out = strength * out + (1.0 - strength) * image
    if preserve_color:
        out = keep_colors(out, image).numpy()
    return np.clip(out, 0.0, 1.0)


def with_image_statistics(stylizer, image, side=STATISTICS_SIDE):
    """`stylizer` bound to the instance-norm statistics of the whole `image`, so that
    every later call (the tiles of the image, the frames of a clip) is normalised with
    them instead of its own; None where the model has no statistics endpoints (see
    `tfstyle.models.serving.network_endpoints`: every format of a tfstyle export has
    them). The statistics come from `image` downscaled to at most `side` px (resized
    to the input size of a fixed-size model)."""
    names = getattr(stylizer, "statistics_endpoints", lambda: None)()
    if names is None:
        return None
    h, w = image.shape[:2]
    fixed = getattr(stylizer, "fixed_size", None)
    if fixed is not None:
        overview = resize_to_shape(image, tuple(fixed)).numpy()
    else:
        overview = np.asarray(resize_to_shape(image, scaled_size(h, w, min(max(h, w), side))))
        overview = _pad_to(overview, *padded_size(*overview.shape[:2]))
    inputs = {**stylizer.bound_inputs, serving.IMAGE: overview[None]}
    statistics = stylizer.run(names[0], **inputs)[serving.STATISTICS]
    return stylizer.bind(names[1], **{serving.STATISTICS: statistics})


def _tiled(run, image, tile, overlap, fixed):
    """Runs `run` on overlapping tiles and blends them with linear ramps; the output
    (and every position and overlap in it) is `scale` times the input's."""
    h, w = image.shape[:2]
    out = total = None
    ys, xs = _starts(h, tile, overlap), _starts(w, tile, overlap)
    size = tuple(fixed) if fixed is not None else None
    for y in ys:
        for x in xs:
            patch = image[y : y + tile, x : x + tile]
            styled = _run_padded(run, patch, size=size)
            s = styled.shape[0] // patch.shape[0]
            if out is None:
                out = np.zeros((h * s, w * s, 3), np.float32)
                total = np.zeros((h * s, w * s, 1), np.float32)
            ph, pw = styled.shape[:2]
            weight = np.outer(
                _ramp(ph, overlap * s, y == ys[0], y == ys[-1]),
                _ramp(pw, overlap * s, x == xs[0], x == xs[-1]),
            )[..., None]
            out[y * s : y * s + ph, x * s : x * s + pw] += styled * weight
            total[y * s : y * s + ph, x * s : x * s + pw] += weight
    return out / np.maximum(total, 1e-8)
