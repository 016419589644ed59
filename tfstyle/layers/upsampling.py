"""Nearest-neighbour upsampling that exports with dynamic height and width.

Resize-then-convolve instead of a transposed convolution avoids checkerboard artefacts
(Odena et al., "Deconvolution and Checkerboard Artifacts", Distill 2016).
`keras.layers.UpSampling2D` loses the static channel count when H and W are dynamic,
and the TFLite converter then fails on the next convolution; resizing to
`2 * shape[1:3]` keeps it.
"""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfstyle")
class NearestUpsampling2D(keras.layers.Layer):
    """Upsamples height and width by an integer factor with nearest-neighbour resizing."""

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = int(factor)

    def call(self, x):
        size = tf.shape(x)[1:3] * self.factor
        y = tf.image.resize(x, size, method="nearest")
        return tf.ensure_shape(tf.cast(y, x.dtype), [None, None, None, x.shape[-1]])

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n * self.factor
        return (b, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}
