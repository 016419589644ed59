"""Nearest-neighbour upsampling that exports with dynamic height and width.

Resize-then-convolve instead of a transposed convolution avoids checkerboard artefacts
(Odena et al., "Deconvolution and Checkerboard Artifacts", Distill 2016).
`keras.layers.UpSampling2D` loses the static channel count when H and W are dynamic,
and the TFLite converter then fails on the next convolution; resizing to
`2 * shape[1:3]` keeps it.
"""

import keras
import tensorflow as tf


def _upsample_nearest(x, factor):
    """Nearest resize whose gradient is a sum-pool: XLA on CPU has no kernel for
    ResizeNearestNeighborGrad, and the sum over each factor x factor block is exact."""

    @tf.custom_gradient
    def upsample(x):
        y = tf.image.resize(x, tf.shape(x)[1:3] * factor, method="nearest")

        def grad(dy):
            pooled = tf.nn.avg_pool2d(tf.cast(dy, tf.float32), factor, factor, "VALID")
            return tf.cast(pooled * float(factor * factor), dy.dtype)

        return y, grad

    return upsample(x)


@keras.saving.register_keras_serializable(package="tfstyle")
class NearestUpsampling2D(keras.layers.Layer):
    """Upsamples height and width by an integer factor with nearest-neighbour resizing."""

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, x):
        y = _upsample_nearest(x, self.factor)
        return tf.ensure_shape(tf.cast(y, x.dtype), [None, None, None, x.shape[-1]])

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n * self.factor
        return (b, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="tfstyle")
class PixelShuffle(keras.layers.Layer):
    """Sub-pixel upsampling (Shi et al., CVPR 2016): (B, H, W, C * r^2) ->
    (B, r H, r W, C) with `tf.nn.depth_to_space`, which TFLite (DEPTH_TO_SPACE) and
    ONNX (DepthToSpace) run natively with dynamic H and W."""

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, x):
        channels = x.shape[-1] // (self.factor * self.factor)
        y = tf.nn.depth_to_space(x, self.factor)
        return tf.ensure_shape(y, [None, None, None, channels])

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n * self.factor
        return (b, grow(h), grow(w), c // (self.factor * self.factor))

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
