"""Running image-to-image networks on images of any size: padding to a multiple of 8,
exact tiles (networks with head / body / tail endpoints: the untiled output, tile by
tile), feathered tiles sharing the whole image's statistics (the others), outputs
larger than the input (super-resolution).

Multiples of 8 suit every network of the zoo (Johnson's downsamples by 4, AdaIN's VGG
encoder by 8). A network whose output is `scale` times its input (an upscaler) is
tiled in input pixels; each tile's output lands at `scale` times its position, and the
overlap is blended over `scale` times as many output pixels."""

import numpy as np

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers.normalization import moments_from_sums
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
    exact=True,
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
            the tiles share when they are not exact; the image's own size gives the
            untiled output's statistics (at the untiled pass's memory).
        exact: tiles reproduce the untiled output (`exact_tiles`: networks with head,
            body and tail endpoints, about twice the untiled time); False, or a
            network without them, shares the downscaled image's statistics (faster,
            21-25 dB from the untiled output at 2048 px).
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
        out = None
        if exact and scale == 1 and fixed is None:
            out = exact_tiles(stylizer, image, tile, overlap)
        if out is None:
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
    fixed = getattr(stylizer, "fixed_size", None)
    if fixed is not None:
        overview = resize_to_shape(image, tuple(fixed)).numpy()
    else:
        overview = _overview(image, side)
    statistics = _statistics_of(stylizer, overview[None])
    return stylizer.bind(names[1], **{serving.STATISTICS: statistics})


def _overview(image, side):
    """`image` downscaled to at most `side` px and padded for the network."""
    h, w = image.shape[:2]
    overview = np.asarray(resize_to_shape(image, scaled_size(h, w, min(max(h, w), side))))
    return _pad_to(overview, *padded_size(*overview.shape[:2]))


def _statistics_of(stylizer, images):
    """The image_statistics endpoint's (B, K) statistics of `images`."""
    name = stylizer.statistics_endpoints()[0]
    inputs = {**stylizer.bound_inputs, serving.IMAGE: images}
    return stylizer.run(name, **inputs)[serving.STATISTICS]


def exact_tiles(stylizer, image, tile=512, overlap=64):
    """The untiled output of `stylizer` on (H, W, 3) `image`, computed tile by tile from
    its head / body / tail endpoints (`serving.Stages`), or None where it has none.

    Instance-norm statistics are image-wide, so a tile cannot be normalised with its
    own, and a downscaled copy's differ from the full image's. Here each layer's are
    measured at full size: every round runs the head over the tiles with the statistics
    found so far and sums each layer's mean and variance over the tiles' cores (a
    partition of the image), which makes one more layer exact; then the head's features
    are stitched from the cores, the body runs on the whole map (a quarter of the
    image's side), and the tail is tiled like the head. Peak memory is the body's plus
    one tile's (4096 px, paper network: 4.2 GB against 1.8 GB for shared statistics);
    the time 2.6-3.6x the untiled pass's (the head runs once per normalisation layer
    plus once, the tail likewise, each tile with a margin)."""
    names = getattr(stylizer, "stage_endpoints", lambda: None)()
    if names is None:
        return None
    head, tail = _Stage(stylizer, names[0], True), _Stage(stylizer, names[2], False)
    h, w = image.shape[:2]
    padded = _pad_to(np.asarray(image, np.float32), *padded_size(h, w))
    # The whole network's statistics are the head's, the body's and the tail's in turn.
    noise = np.random.default_rng(0).uniform(size=(1, 128, 128, 3)).astype(np.float32)
    statistics = _statistics_of(stylizer, noise[:, :64, :64])
    head.start, tail.start = statistics[:, : head.width], statistics[:, -tail.width :]
    # Geometry: features are `down` times smaller than the input mirrored by `margin`
    # (the mobile network's edge padding).
    small, large = (head.run(noise[0, :s, :s], head.start, serving.WHOLE)[0] for s in (64, 128))
    down = 64 // (large.shape[0] - small.shape[0])
    margin = (down * small.shape[0] - 64) // 2
    if 64 % down or margin % down or margin < 0:
        return None
    inputs = {**stylizer.bound_inputs, serving.FEATURES: small[None]}
    head.probe = noise[0, :64, :64]
    tail.probe = stylizer.run(names[1], **inputs)[serving.BODY_FEATURES][0]
    head.layout, tail.layout = head.layers(), tail.layers()
    if head.layout is None or tail.layout is None:
        return None  # (shared statistics instead)
    # Start from the statistics of the whole image downscaled (any start is exact after
    # as many rounds as layers; a close one keeps the early rounds' tiles well scaled).
    statistics = _statistics_of(stylizer, _overview(padded, 256)[None])
    head.start, tail.start = statistics[:, : head.width], statistics[:, -tail.width :]
    # The margin of every tile, in feature cells: half the overlap, and at least the
    # receptive field of the stages (4 cells: 16 px, what CartoonGAN's double convs
    # need) beyond the network's own mirrored margin.
    halo = max(-(-overlap // (2 * down)), -(-margin // down) + 4)
    grid = _Grid(max(1, (tile - overlap) // down), halo, down, margin)

    features = grid.run(head, padded, head.exact_statistics(grid, padded))
    del padded  # (memory: the body's whole feature map is the peak)
    inputs = {**stylizer.bound_inputs, serving.FEATURES: features[None]}
    del features
    features = stylizer.run(names[1], **inputs)[serving.BODY_FEATURES][0]
    del inputs
    out = grid.run(tail, features, tail.exact_statistics(grid, features))
    return out[:h, :w]


class _Stage:
    """A head or tail endpoint of a stylizer, with its statistics' layer layout."""

    def __init__(self, stylizer, name, is_head):
        self.stylizer, self.name, self.is_head = stylizer, name, is_head
        self.width = stylizer.input_size(serving.STATISTICS, name)
        self.start = self.probe = self.layout = None

    def run(self, x, statistics, region):
        """(output, measured moments, their pixel counts per layer or None) of one
        (H, W, C) input."""
        key = serving.IMAGE if self.is_head else serving.FEATURES
        inputs = {serving.STATISTICS: statistics, serving.REGION: region, key: x[None]}
        out = self.stylizer.run(self.name, **self.stylizer.bound_inputs, **inputs)
        image = out.get(serving.FEATURES, out.get(serving.STYLIZED))
        return image[0], np.asarray(out[serving.MOMENTS]), out.get(serving.COUNTS)

    def layers(self):
        """[(start, stop)] of each layer's means then variances in the statistics,
        found on the probe input: changing the given statistics from a layer on changes
        what the layers after it measure, never what it or earlier ones do. None if a
        layer's span comes out odd (its first channel constant on the probe)."""
        reference = self.run(self.probe, self.start, serving.WHOLE)[1]
        bounds = [0]
        while bounds[-1] < self.width:
            changed = self.start.copy()
            changed[:, bounds[-1] :] = changed[:, bounds[-1] :] * 1.5 + 0.1
            moved = self.run(self.probe, changed, serving.WHOLE)[1]
            index = np.flatnonzero(~np.isclose(moved, reference, rtol=1e-4, atol=1e-7))
            index = index[index > bounds[-1]]
            bounds.append(int(index[0]) if index.size else self.width)
            if (bounds[-1] - bounds[-2]) % 2:
                return None  # a layer's first channel ignores the layers before it
        return list(zip(bounds[:-1], bounds[1:], strict=True))

    def exact_statistics(self, grid, x):
        """The whole input's statistics at full size: round k over the tiles makes the
        k-th layer's exact (its measurement depends on the layers before it only)."""
        statistics = self.start
        for _ in self.layout:
            statistics = grid.statistics(self, x, statistics, self.layout)
        return statistics


class _Grid:
    """Cores of `step` feature pixels that partition a stage's feature map, each run
    with `halo` feature pixels more on every side."""

    def __init__(self, step, halo, down, margin):
        self.step, self.halo, self.down, self.margin = step, halo, down, margin

    def _spans(self, stage, length):
        """Per core along one axis of the stage's input of `length`: (input slice,
        region fractions, output slice, slice of the tile's output, feature cells)."""
        down, margin, halo = self.down, self.margin, self.halo
        cells = (length + 2 * margin) // down if stage.is_head else length
        spans = []
        for a in range(0, cells, self.step):
            b = min(a + self.step, cells)
            if stage.is_head:  # image pixels in, feature cells out
                lo, hi = max(0, (a - halo) * down - margin), min(length, (b + halo) * down - margin)
                origin, extent = lo // down, (hi - lo + 2 * margin) // down
                out, local = slice(a, b), slice(a - origin, b - origin)
                spans.append(
                    (slice(lo, hi), (a - origin) / extent, (b - origin) / extent, out, local, b - a)
                )
            else:  # feature cells in, image pixels out
                lo, hi = max(0, a - halo), min(length, b + halo)
                size = length * down - 2 * margin
                first, last = max(0, a * down - margin), min(size, b * down - margin)
                out, local = slice(first, last), slice(first - lo * down, last - lo * down)
                spans.append(
                    (slice(lo, hi), (a - lo) / (hi - lo), (b - lo) / (hi - lo), out, local, b - a)
                )
        return spans

    def _tiles(self, stage, x):
        for rows in self._spans(stage, x.shape[0]):
            for cols in self._spans(stage, x.shape[1]):
                region = np.array([[rows[1], cols[1], rows[2], cols[2]]], np.float32)
                area = rows[5] * cols[5]  # in feature cells: the margin counts, as untiled
                yield x[rows[0], cols[0]], region, rows, cols, area

    def statistics(self, stage, x, statistics, layers):
        """Each layer's mean and variance over the whole input, given `statistics`: from
        the tiles' moments weighted by area, or from the sums of their integer sums and
        counts (`integer_moments`: full-int8 files), which reproduce the untiled pass's
        statistics to the last bit."""
        firsts, seconds, total = 0, 0, 0
        for patch, region, _, _, area in self._tiles(stage, x):
            _, measured, counts = stage.run(patch, statistics, region)
            first, second = _halves(measured, layers)
            if counts is None:  # means and variances
                first = first.astype(np.float64)
                first, second = area * first, area * (second + first * first)
            else:  # (the layers' own pixels: they differ in resolution)
                area = np.repeat(counts[0], [(b - a) // 2 for a, b in layers])
            firsts, seconds, total = firsts + first, seconds + second, total + area
        if counts is not None:
            return _statistics(*moments_from_sums(firsts, seconds, total, in_numpy=True), layers)
        mean = firsts / total
        return _statistics(mean, np.maximum(seconds / total - mean * mean, 0.0), layers)

    def run(self, stage, x, statistics):
        """The stage's output over the whole input, each core from its own tile."""
        out = None
        for patch, region, rows, cols, _ in self._tiles(stage, x):
            tile_out = stage.run(patch, statistics, region)[0]
            if out is None:
                size = [self._spans(stage, n)[-1][3].stop for n in x.shape[:2]]
                out = np.zeros((*size, tile_out.shape[-1]), np.float32)
            out[rows[3], cols[3]] = tile_out[rows[4], cols[4]]
        return out


def _halves(statistics, layers):
    """The first and second halves of every layer's span of a flat (1, K) row (means
    and variances, or `integer_moments`' sums), each (K / 2,)."""
    firsts = np.concatenate([statistics[0, a : (a + b) // 2] for a, b in layers])
    seconds = np.concatenate([statistics[0, (a + b) // 2 : b] for a, b in layers])
    return firsts, seconds


def _statistics(means, variances, layers):
    """The flat (1, K) float32 row of every layer's means and variances."""
    parts, offset = [], 0
    for a, b in layers:
        half = (b - a) // 2
        parts += [means[offset : offset + half], variances[offset : offset + half]]
        offset += half
    return np.concatenate(parts)[None].astype(np.float32)


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
