"""Convolution blocks of the feed-forward and adversarial networks, normalisation injected.

As in magenta's image_stylization, the normalisation is a constructor choice, so the
same network serves plain (instance / batch norm) and N-style (conditional instance
norm) models; the activation, dropout and spectral normalisation are choices too, so
the GAN networks (U-Net, PatchGAN, DCGAN) are built from the same block.
"""

import keras
import tensorflow as tf
from keras import layers, ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers.normalization import (
    ConditionalInstanceNormalization,
    ImageLayerNormalization,
    InstanceNormalization,
)
from tfstyle.layers.padding import ReflectionPadding2D
from tfstyle.layers.upsampling import NearestUpsampling2D
from tfstyle.ops.conv import space_to_depth_conv2d, upsample_conv2d

NORMALIZATIONS = ("instance", "batch", "sync_batch", "conditional_instance", "layer", "none")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "none")
LEAKY_SLOPE = 0.2  # DCGAN's, pix2pix's and CycleGAN's discriminators


def make_normalization(kind, num_styles=1, name=None):
    """The normalisation layer for `kind` (None for "none"). "sync_batch" is batch norm
    whose statistics are taken over the global batch of every replica; "layer" is one
    mean and variance per image (`ImageLayerNormalization`, MUNIT's decoder)."""
    if kind == "instance":
        return InstanceNormalization(name=name)
    if kind == "batch":
        return layers.BatchNormalization(name=name)
    if kind == "sync_batch":
        return layers.BatchNormalization(synchronized=True, name=name)
    if kind == "conditional_instance":
        return ConditionalInstanceNormalization(num_styles, name=name)
    if kind == "layer":
        return ImageLayerNormalization(name=name)
    if kind == "none":
        return None
    raise InvalidArgumentError(
        f"normalization must be one of {', '.join(NORMALIZATIONS)}, got '{kind}'"
    )


def _activation_name(activation):
    """True / False (the original boolean flag) or a name from ACTIVATIONS."""
    if activation is True:
        return "relu"
    if activation is False or activation is None:
        return "none"
    if activation not in ACTIVATIONS:
        raise InvalidArgumentError(
            f"activation must be one of {', '.join(ACTIVATIONS)}, got '{activation}'"
        )
    return activation


def apply_activation(x, name):
    if name == "relu":
        return ops.relu(x)
    if name == "leaky_relu":
        return ops.leaky_relu(x, LEAKY_SLOPE)
    if name == "tanh":
        return ops.tanh(x)
    return x


@keras.saving.register_keras_serializable(package="tfstyle")
class ConvBlock(keras.layers.Layer):
    """[upsample x2] -> pad -> conv -> [norm] -> [dropout] -> [activation].

    Args:
        filters, kernel_size, strides: of the convolution.
        upsample: double H and W first: nearest resize then conv ("resize_conv"), or a
            stride-2 transposed conv ("transpose").
        upsampling: "resize_conv" or "transpose".
        padding: "reflect" or "zero".
        normalization: one of NORMALIZATIONS.
        num_styles: for conditional instance norm.
        activation: "relu" (or True), "leaky_relu" (slope 0.2), "tanh", "none" (or False).
        dropout: dropout rate after the normalisation (pix2pix's decoder: 0.5).
        spectral_norm: wrap the convolution in `keras.layers.SpectralNormalization`.
        separable: a depthwise-separable convolution (MobileNet's: a K x K depthwise
            convolution, then a 1 x 1 one to `filters`; about K*K times fewer
            multiply-adds for wide layers).
        use_bias: the convolution's bias (redundant before a normalisation).
        even_input: the input's height and width are always even (an output conv
            after x2 upsampling): a large kernel to <= 4 channels then takes the
            space-to-depth path with dynamic sizes too (exported graphs); otherwise
            only when the static size is even.
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        strides=1,
        upsample=False,
        upsampling="resize_conv",
        padding="reflect",
        normalization="instance",
        num_styles=1,
        activation=True,
        dropout=0.0,
        spectral_norm=False,
        separable=False,
        use_bias=True,
        even_input=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if separable and (spectral_norm or (upsample and upsampling == "transpose")):
            raise InvalidArgumentError(
                "separable convolutions take neither spectral_norm nor transposed upsampling"
            )
        if padding not in ("reflect", "zero"):
            raise InvalidArgumentError(f"padding must be 'reflect' or 'zero', got '{padding}'")
        if upsampling not in ("resize_conv", "transpose"):
            raise InvalidArgumentError(
                f"upsampling must be 'resize_conv' or 'transpose', got '{upsampling}'"
            )
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.upsample, self.upsampling, self.padding = bool(upsample), upsampling, padding
        self.normalization, self.num_styles = normalization, int(num_styles)
        self.activation = _activation_name(activation)
        self.dropout_rate, self.spectral_norm = float(dropout), bool(spectral_norm)
        self.use_bias, self.even_input = bool(use_bias), bool(even_input)
        self.separable = bool(separable)
        self.resize = self.pad = None
        if self.upsample and upsampling == "transpose":
            self.conv = layers.Conv2DTranspose(
                filters, kernel_size, strides=2, padding="same", use_bias=use_bias, name="conv"
            )
        else:
            if self.upsample:
                self.resize = NearestUpsampling2D(2, name="upsample")
            if padding == "reflect":
                # k // 2 for odd kernels; 1 for 4 x 4 stride-2 convs (MUNIT's), which
                # then halve the size exactly as PyTorch's padding=1 does.
                self.pad = ReflectionPadding2D((kernel_size - 1) // 2, name="pad")
            self.conv = (layers.SeparableConv2D if self.separable else layers.Conv2D)(
                filters,
                kernel_size,
                strides=strides,
                padding="valid" if padding == "reflect" else "same",
                use_bias=use_bias,
                name="conv",
            )
        if self.spectral_norm:
            self.conv = layers.SpectralNormalization(self.conv, name="spectral_norm")
        self.norm = make_normalization(normalization, num_styles, name="norm")
        self.dropout = layers.Dropout(self.dropout_rate, name="dropout") if dropout else None
        # A large kernel to a few channels (the RGB output convs) runs at a fraction of
        # the CPU's peak; on the space-to-depth view it is the same sum, 2.5x faster.
        self.rearranged = (
            not self.upsample
            and self.strides == 1
            and not self.spectral_norm
            and not self.separable
            and self.kernel_size >= 5
            and self.kernel_size % 2 == 1
            and self.filters <= 4
        )
        # Nearest x2 then a 3 x 3 conv (the decoders' resize-convolutions) computed on the
        # input's grid: the same sum with 4/9 of the multiply-adds, 1.7-2x faster.
        self.subpixel = (
            self.resize is not None
            and self.kernel_size == 3
            and self.strides == 1
            and not self.spectral_norm
            and not self.separable
        )

    def build(self, input_shape):
        shape = list(input_shape)
        if self.resize is not None:
            shape = list(self.resize.compute_output_shape(shape))
        if self.pad is not None:
            shape = list(self.pad.compute_output_shape(shape))
        self.conv.build(shape)
        out = list(self.conv.compute_output_shape(shape))
        if self.norm is not None:
            if self.normalization == "conditional_instance":
                self.norm.build([out, (None, self.num_styles)])
            else:
                self.norm.build(out)

    def call(self, x, style_weights=None, training=None):
        if self.subpixel:
            x = self._upsample_conv(x)
        else:
            x = self._pad_and_conv(x, training)
        if self.normalization == "conditional_instance":
            x = self.norm([x, style_weights])
        elif self.normalization in ("batch", "sync_batch"):
            x = self.norm(x, training=training)
        elif self.norm is not None:
            x = self.norm(x)
        if self.dropout is not None:
            x = self.dropout(x, training=training)
        return apply_activation(x, self.activation)

    def _pad_and_conv(self, x, training):
        if self.resize is not None:
            x = self.resize(x)
        if self.pad is not None:
            x = self.pad(x)
        if self._rearrange(x):
            return self._conv_space_to_depth(x)
        if self.spectral_norm:  # its power iteration runs only when training
            return self.conv(x, training=training)
        return self.conv(x)

    def _kernel_and_bias(self, dtype):
        kernel = tf.cast(self.conv.kernel, dtype)
        return kernel, tf.cast(self.conv.bias, dtype) if self.use_bias else None

    def _upsample_conv(self, x):
        return upsample_conv2d(x, *self._kernel_and_bias(x.dtype), self.padding)

    def _rearrange(self, x):
        """Whether this call takes the space-to-depth path: a static height and width
        that are even once padded, or dynamic ones (exported graphs) with `even_input`."""
        if not self.rearranged:
            return False
        h, w = x.shape[1:3]
        if h is None or w is None:
            return self.even_input
        if self.pad is None:
            h, w = h + self.kernel_size - 1, w + self.kernel_size - 1
        return h % 2 == 0 and w % 2 == 0

    def _conv_space_to_depth(self, x):
        if self.pad is None:  # "same" zero padding, made explicit
            p = self.kernel_size // 2
            x = tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]])
        return space_to_depth_conv2d(x, *self._kernel_and_bias(x.dtype))

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "upsample": self.upsample,
            "upsampling": self.upsampling,
            "padding": self.padding,
            "normalization": self.normalization,
            "num_styles": self.num_styles,
            "activation": self.activation,
            "dropout": self.dropout_rate,
            "spectral_norm": self.spectral_norm,
            "separable": self.separable,
            "use_bias": self.use_bias,
            "even_input": self.even_input,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class ResidualBlock(keras.layers.Layer):
    """Two 3x3 ConvBlocks with an identity shortcut (no ReLU after the sum), as in
    Gross & Wilber's residual blocks used by Johnson et al.; `separable` makes both
    convolutions depthwise-separable (the phone-class network's blocks)."""

    def __init__(
        self,
        filters,
        padding="reflect",
        normalization="instance",
        num_styles=1,
        separable=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters, self.padding = int(filters), padding
        self.normalization, self.num_styles = normalization, int(num_styles)
        self.separable = bool(separable)
        common = {
            "padding": padding,
            "normalization": normalization,
            "num_styles": num_styles,
            "separable": self.separable,
        }
        self.block_a = ConvBlock(filters, 3, name="a", **common)
        self.block_b = ConvBlock(filters, 3, activation=False, name="b", **common)

    def build(self, input_shape):
        self.block_a.build(input_shape)
        self.block_b.build(input_shape)

    def call(self, x, style_weights=None, training=None):
        y = self.block_a(x, style_weights=style_weights, training=training)
        return x + self.block_b(y, style_weights=style_weights, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "padding": self.padding,
            "normalization": self.normalization,
            "num_styles": self.num_styles,
            "separable": self.separable,
        }
