"""Instance normalisation and its conditional (N styles) variant, from plain ops.

Built from mean / variance / rsqrt so that they convert to TFLite builtins and stay
float under integer quantisation. Statistics are computed in float32 even when the
layer runs in bfloat16 or float16, and can be recorded on one image and given to
another (`recorded_statistics`, `given_statistics`: seamless tiles), or given and
measured over a region at once (`measured_statistics`: exact tiles). Keras inference
and training steps run instance norm as one fused batch-norm kernel per image instead
(`tfstyle.ops.fused.fused_kernels`; the gradient is the kernel's own): 2.5-5x faster
than the plain ops on the CPU. A batch of static size is split into its images and
joined again; a batch of unknown size keeps the plain ops unless it holds one image.
"""

import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfstyle.ops.fused import fused_kernels_on

_statistics = None  # the `_Statistics` of an open `recorded_statistics`/`given_statistics`
_integer = False  # inside `integer_moments`
# `integer_moments`: inputs are clipped to +-INTEGER_LIMIT (the equalised networks the
# full-int8 files convert from have unit deviations), rounded to multiples of
# INTEGER_STEP (integers up to 2**18) and summed as int64, which cannot overflow below
# 2**26 pixels per layer (8192 x 8192).
INTEGER_STEP = 2.0**-10
INTEGER_LIMIT = 2.0**8


class _Statistics:
    """The per-image normalisation statistics of one forward pass, as one flat stream.

    Every normalisation layer that takes statistics from its input (instance, layer,
    conditional instance norm and AdaIN's content side) appends its per-channel mean
    and variance, in call order, while recording; while replaying, each takes its
    slice from the same place of a given (B, K) tensor. The order of calls in a
    network's forward pass is fixed, so a stream recorded on one image (a downscaled
    whole photo) can normalise another (a tile of it), in any format the pass was
    traced into: Keras, SavedModel, TFLite, ONNX.
    """

    def __init__(self, given=None, region=None):
        self.recorded, self.given, self.region, self.offset = [], given, region, 0
        self.counts = []  # (B, 1) int64 per layer: pixels of its integer region sums

    def take(self, width):
        """(mean, variance) of the next layer: (B, 1, 1, width) each. After the last
        layer the stream starts again: every pass inside the block reuses it."""
        if self.offset >= int(self.given.shape[-1]):
            self.offset = 0
        start, self.offset = self.offset, self.offset + 2 * width
        chunk = ops.cast(self.given[:, start : self.offset], "float32")
        shape = (-1, 1, 1, width)
        return ops.reshape(chunk[:, :width], shape), ops.reshape(chunk[:, width:], shape)

    def record(self, mean, variance):
        width = int(mean.shape[-1])
        self.recorded += [ops.reshape(mean, (-1, width)), ops.reshape(variance, (-1, width))]

    def flat_counts(self):
        """(B, layers) int64 pixel counts of `integer_moments`' region sums, or None."""
        return ops.concatenate(self.counts, axis=1) if self.counts else None

    def flat(self):
        """(B, K) float32: every recorded mean and variance, in call order."""
        if not self.recorded:
            return None
        return ops.concatenate(self.recorded, axis=1)


@contextlib.contextmanager
def _statistics_mode(state):
    global _statistics
    outer, _statistics = _statistics, state
    try:
        yield state
    finally:
        _statistics = outer


def recorded_statistics():
    """Context manager: records the statistics of the forward passes run inside it.

    Yields an object whose `flat()` is the (B, K) float32 tensor of every per-image
    mean and variance, in call order (None for a network without such layers), which
    `given_statistics` replays. Works eagerly and under tracing.
    """
    return _statistics_mode(_Statistics())


def given_statistics(statistics):
    """Context manager: every normalisation layer inside uses its slice of
    `statistics` (from `recorded_statistics` on another image of the same network)
    instead of its input's own statistics.

    Tiled inference of a large image records the statistics of a downscaled copy of
    the whole image, then runs each tile with them: without this, every tile gets its
    own contrast and tone, and the seams show. A video can reuse one frame's.
    """
    return _statistics_mode(_Statistics(given=statistics))


def measured_statistics(statistics, region):
    """Context manager: like `given_statistics`, and records each layer's own mean and
    variance over `region` ((B, 4) fractions top, left, bottom, right of the image) of
    its input, normalised upstream with `statistics`. Averaged by area over the regions
    of a partition of a large image (one region per tile), they are the whole image's
    statistics at full size, exact one layer deeper with each round, from any start
    (`tfstyle.inference.tiling.exact_tiles`)."""
    return _statistics_mode(_Statistics(given=statistics, region=region))


@contextlib.contextmanager
def integer_moments():
    """Context manager: normalisation layers traced inside take their input's mean and
    variance from exact int64 sums (`moments_from_sums`), and record region moments
    (`measured_statistics`) as those sums: the (B, K) row holds each layer's sum of the
    rounded input where its means go and the sum of its squares where its variances go.

    Float sums depend on their order, so a whole image's statistics summed from its
    tiles differ from the untiled pass's in the last bits, which a full-int8 network
    turns into 20 dB (a new draw of its roundings); integer sums do not. The input is
    rounded to multiples of INTEGER_STEP first (a variance bias of INTEGER_STEP**2 / 12
    = 8e-8): full-int8 exports with --int8_exact_tiles trace their networks inside."""
    global _integer
    outer, _integer = _integer, True
    try:
        yield
    finally:
        _integer = outer


def _integer_sums(x, axes, mask=None):
    """int64 sums of `x` rounded to multiples of INTEGER_STEP, and of their squares."""
    bound = INTEGER_LIMIT / INTEGER_STEP
    q = tf.cast(tf.round(tf.clip_by_value(x * (1.0 / INTEGER_STEP), -bound, bound)), tf.int64)
    if mask is not None:
        q = q * tf.cast(mask, tf.int64)
    return tf.reduce_sum(q, axes, keepdims=True), tf.reduce_sum(q * q, axes, keepdims=True)


def moments_from_sums(first, second, count, in_numpy=False):
    """float32 (mean, variance) from `integer_moments`' sums over `count` pixels. The
    same float32 operations in the graph and in NumPy (`in_numpy`: exact tiles add up
    the tiles' sums) give bit-identical statistics."""
    if in_numpy:
        f32, maximum = (lambda v: np.asarray(v, np.float32)), np.maximum
    else:
        f32, maximum = (lambda v: tf.cast(v, tf.float32)), tf.maximum
    first, second, count = f32(first), f32(second), f32(count)
    mean = first * f32(INTEGER_STEP) / count
    square = second * f32(INTEGER_STEP * INTEGER_STEP) / count
    return mean, maximum(square - mean * mean, f32(0.0))


def _instance_norm(x, epsilon, gamma, beta, dtype):
    """Instance norm of `x` with float32 gamma / beta ((C,), per image (B, 1, 1, C), or
    None), in `dtype`: one FusedBatchNormV3 per image inside `fused_kernels` (no
    statistics being recorded or given), `_normalize` otherwise."""

    def plain():
        return ops.cast(_normalize(x, epsilon, gamma, beta), dtype)

    if not fused_kernels_on() or _statistics is not None or _integer or _symbolic():
        return plain()
    if x.shape[0] is not None:
        return _fused_per_image(x, epsilon, gamma, beta, dtype, x.shape[0])
    return tf.cond(
        tf.shape(x)[0] == 1, lambda: _fused_per_image(x, epsilon, gamma, beta, dtype, 1), plain
    )


def _fused_per_image(x, epsilon, gamma, beta, dtype, images):
    """`_instance_norm` of the `images` images of `x` as one FusedBatchNormV3 each."""
    channels = x.shape[-1]

    def rows(parameter, default):  # one (C,) row per image
        if parameter is None:
            return [tf.fill([channels], default)] * images
        table = tf.reshape(parameter, [-1, channels])  # (1, C) shared or (B, C) per image
        return [table[0] if table.shape[0] == 1 else table[i] for i in range(images)]

    parts = tf.split(ops.cast(x, dtype), images, axis=0) if images > 1 else [ops.cast(x, dtype)]
    outputs = [
        tf.raw_ops.FusedBatchNormV3(
            x=part,
            scale=scale,
            offset=offset,
            mean=tf.zeros([0]),
            variance=tf.zeros([0]),
            epsilon=epsilon,
            data_format="NHWC",
            is_training=True,
        )[0]
        for part, scale, offset in zip(parts, rows(gamma, 1.0), rows(beta, 0.0), strict=True)
    ]
    y = tf.concat(outputs, axis=0) if images > 1 else outputs[0]
    return tf.ensure_shape(y, x.shape)


def _region_moments(x, axes, region):
    """Per-image mean and variance of `x` over `region`: (B, 4) fractions (top, left,
    bottom, right) of the image; a pixel counts when its centre lies inside. Inside
    `integer_moments`: (sum, sum of squares, (B,) pixel count) instead. (Built from
    expand_dims, not `[:, None]`: TFLite has no strided slice that adds axes.)"""
    region = ops.cast(region, "float32")

    def inside(size, start, stop):  # (B, size) 0 / 1
        centres = (ops.cast(ops.arange(size), "float32") + 0.5) / ops.cast(size, "float32")
        centres = ops.expand_dims(centres, 0)
        start, stop = ops.expand_dims(start, 1), ops.expand_dims(stop, 1)
        return ops.cast(ops.logical_and(centres >= start, centres < stop), "float32")

    shape = ops.shape(x)
    rows = ops.expand_dims(ops.expand_dims(inside(shape[1], region[:, 0], region[:, 2]), 2), 3)
    cols = ops.expand_dims(ops.expand_dims(inside(shape[2], region[:, 1], region[:, 3]), 1), 3)
    mask = rows * cols
    if _integer:
        count = tf.cast(ops.sum(mask, axis=(1, 2, 3)), tf.int64)
        if 3 in axes:
            count = count * tf.cast(shape[3], tf.int64)
        return (*_integer_sums(x, axes, mask), count)
    count = ops.sum(mask, axis=(1, 2), keepdims=True)
    if 3 in axes:
        count = count * ops.cast(shape[3], "float32")
    mean = ops.sum(x * mask, axis=axes, keepdims=True) / count
    deviation = (x - mean) * mask
    return mean, ops.sum(deviation * deviation, axis=axes, keepdims=True) / count


def _symbolic():
    """True while Keras infers shapes (a layer built inside a recording): such a pass
    must neither record nor take statistics."""
    from keras.src.backend.common.symbolic_scope import in_symbolic_scope

    return in_symbolic_scope()


def _normalize(x, epsilon, gamma=None, beta=None, axes=(1, 2)):
    """(x - mean) / sqrt(variance + epsilon) * gamma + beta per image and channel, in
    float32, applied as one multiply-add: x * scale + (beta - mean * scale). `axes`
    (1, 2, 3) takes one mean and variance per image instead (layer norm).

    The variance is taken around a stop-gradient copy of the mean: its derivative
    through the mean is exactly zero (the deviations sum to zero), so the gradient is
    unchanged and the backward pass skips that branch. Together with the single
    multiply-add this makes the layer about 1.5x faster to train than the textbook
    chain of subtract, divide, scale and shift.
    """
    x32 = ops.cast(x, "float32")
    statistics = _statistics if _statistics is not None and not _symbolic() else None
    if statistics is not None and statistics.given is not None:
        mean, variance = statistics.take(1 if 3 in axes else int(x.shape[-1]))
        if statistics.region is not None:
            moments = _region_moments(x32, axes, statistics.region)
            statistics.record(*moments[:2])
            statistics.counts += [ops.reshape(m, (-1, 1)) for m in moments[2:]]
    else:
        if _integer:
            count = tf.reduce_prod(tf.gather(tf.shape(x32), list(axes)))
            mean, variance = moments_from_sums(*_integer_sums(x32, axes), count)
        else:
            mean = ops.mean(x32, axis=axes, keepdims=True)
            deviation = x32 - ops.stop_gradient(mean)
            variance = ops.mean(deviation * deviation, axis=axes, keepdims=True)
        if statistics is not None:
            statistics.record(mean, variance)
    scale = ops.rsqrt(variance + epsilon)
    if gamma is not None:
        scale = scale * gamma
    shift = -mean * scale
    if beta is not None:
        shift = shift + beta
    return x32 * scale + shift


@keras.saving.register_keras_serializable(package="tfstyle")
class InstanceNormalization(keras.layers.Layer):
    """Normalises each channel of each image over space (Ulyanov et al., 2016).

    Args:
        epsilon: added to the variance.
        center, scale: learn a per-channel beta / gamma.
    """

    def __init__(self, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = (
            self.add_weight(shape=(channels,), initializer="ones", name="gamma")
            if self.scale
            else None
        )
        self.beta = (
            self.add_weight(shape=(channels,), initializer="zeros", name="beta")
            if self.center
            else None
        )

    def call(self, x):
        gamma = None if self.gamma is None else ops.cast(self.gamma, "float32")
        beta = None if self.beta is None else ops.cast(self.beta, "float32")
        return _instance_norm(x, self.epsilon, gamma, beta, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class ImageLayerNormalization(keras.layers.Layer):
    """Normalises each image over height, width and channels together, then scales and
    shifts each channel (Ba et al., 2016, as MUNIT's decoder applies it to feature
    maps: one mean and variance per image, a per-channel gamma and beta, so any image
    size works, unlike `keras.layers.LayerNormalization(axis=(1, 2, 3))`).

    Args:
        epsilon: added to the variance.
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, x):
        gamma, beta = ops.cast(self.gamma, "float32"), ops.cast(self.beta, "float32")
        out = _normalize(x, self.epsilon, gamma, beta, axes=(1, 2, 3))
        return ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="tfstyle")
class ConditionalInstanceNormalization(keras.layers.Layer):
    """Instance norm with one (gamma, beta) pair per style (Dumoulin et al., ICLR 2017).

    Called on `[x, style_weights]` where `style_weights` is (B, num_styles): a one-hot
    row picks a style, any other non-negative row blends the styles' parameters.

    Setting `frozen_styles = k` stops the gradient of rows 0..k-1, so training changes
    only the rows after them (adding a style to a trained network); with Adam, which
    moves nothing on a zero gradient, the frozen rows stay bit-identical.

    Args:
        num_styles: number of (gamma, beta) rows.
        epsilon: added to the variance.
    """

    def __init__(self, num_styles, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_styles = int(num_styles)
        self.epsilon = float(epsilon)
        self.frozen_styles = 0

    def build(self, input_shape):
        channels = input_shape[0][-1]
        self.gamma = self.add_weight(
            shape=(self.num_styles, channels), initializer="ones", name="gamma"
        )
        self.beta = self.add_weight(
            shape=(self.num_styles, channels), initializer="zeros", name="beta"
        )

    def call(self, inputs):
        x, style_weights = inputs
        weights = ops.cast(style_weights, "float32")
        gamma, beta = ops.cast(self.gamma, "float32"), ops.cast(self.beta, "float32")
        if self.frozen_styles:
            k = self.frozen_styles
            gamma = ops.concatenate([ops.stop_gradient(gamma[:k]), gamma[k:]], axis=0)
            beta = ops.concatenate([ops.stop_gradient(beta[:k]), beta[k:]], axis=0)
        gamma = ops.matmul(weights, gamma)[:, None, None, :]
        beta = ops.matmul(weights, beta)[:, None, None, :]
        return _instance_norm(x, self.epsilon, gamma, beta, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "num_styles": self.num_styles, "epsilon": self.epsilon}
