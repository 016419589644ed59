"""A convolution whose weights can come from another network (MetaNet's generated layers)."""

import keras
import tensorflow as tf
from keras import ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers.padding import ReflectionPadding2D
from tfstyle.layers.upsampling import NearestUpsampling2D

PADDINGS = ("reflect", "zero", "valid")
UPSAMPLINGS = (None, "nearest", "transpose")


@keras.saving.register_keras_serializable(package="tfstyle")
class GeneratedConv2D(keras.layers.Layer):
    """A 2-D convolution that runs with its own kernel and bias, or with a flat
    parameter vector given at call time (kernel values first, then the bias).

    With `generated=True` the own variables are not trained: they hold the last
    generated weights, so a network whose weights a meta network produced is an
    ordinary Keras network that saves and exports like any other (Shen et al.). With
    `generated=False` the layer is a plain trainable convolution shared by all styles.

    Args:
        filters, kernel_size, strides: of the convolution.
        padding: "reflect" (mirror, output size = input / strides), "zero" or "valid".
        upsample: None, "nearest" (x2 then conv) or "transpose" (stride-2 transposed).
        generated: whether the weights come from outside.
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        strides=1,
        padding="reflect",
        upsample=None,
        generated=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if padding not in PADDINGS or upsample not in UPSAMPLINGS:
            raise InvalidArgumentError(
                f"padding must be one of {PADDINGS} and upsample one of {UPSAMPLINGS}"
            )
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.padding, self.upsample, self.generated = padding, upsample, bool(generated)
        self.resize = NearestUpsampling2D(2, name="upsample") if upsample == "nearest" else None
        self.pad = (
            ReflectionPadding2D(kernel_size // 2, name="pad")
            if padding == "reflect" and upsample != "transpose"
            else None
        )

    def build(self, input_shape):
        self.in_channels = int(input_shape[-1])
        self.kernel = self.add_weight(
            shape=self.kernel_shape,
            initializer="glorot_uniform",
            trainable=not self.generated,
            name="kernel",
        )
        self.bias = self.add_weight(
            shape=(self.filters,), initializer="zeros", trainable=not self.generated, name="bias"
        )

    @property
    def kernel_shape(self):
        k = self.kernel_size
        if self.upsample == "transpose":  # (k, k, out, in), as tf.nn.conv2d_transpose wants
            return (k, k, self.filters, self.in_channels)
        return (k, k, self.in_channels, self.filters)

    @property
    def param_count(self):
        """Length of the flat parameter vector: kernel values then bias (after build)."""
        k = self.kernel_size
        return k * k * self.in_channels * self.filters + self.filters

    def split(self, params):
        """(kernel, bias) from a flat (param_count,) vector."""
        size = self.param_count - self.filters
        return ops.reshape(params[:size], self.kernel_shape), params[size:]

    def assign(self, params):
        """Stores a generated flat vector in the layer's own variables."""
        kernel, bias = self.split(ops.convert_to_tensor(params, "float32"))
        self.kernel.assign(kernel)
        self.bias.assign(bias)

    def call(self, x, params=None):
        if params is not None and self.generated:
            kernel, bias = self.split(params)
        else:
            kernel, bias = self.kernel, self.bias
        kernel = ops.cast(kernel, self.compute_dtype)
        bias = ops.cast(bias, self.compute_dtype)
        if self.resize is not None:
            x = self.resize(x)
        if self.pad is not None:
            x = self.pad(x)
        if self.upsample == "transpose":
            shape = tf.shape(x)
            out_shape = tf.stack([shape[0], shape[1] * 2, shape[2] * 2, self.filters])
            y = tf.nn.conv2d_transpose(x, kernel, out_shape, strides=2, padding="SAME")
        else:
            mode = "SAME" if self.padding == "zero" else "VALID"
            y = tf.nn.conv2d(x, kernel, strides=self.strides, padding=mode)
        return y + bias

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape

        def size(n):
            if n is None:
                return None
            if self.upsample:
                return 2 * n
            if self.padding == "valid":
                return (n - self.kernel_size) // self.strides + 1
            return -(-n // self.strides)

        return (b, size(h), size(w), self.filters)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "upsample": self.upsample,
            "generated": self.generated,
        }
