"""pix2pix's U-Net generator (Isola et al., CVPR 2017; Ronneberger et al., 2015)."""

import keras
import tensorflow as tf
from keras import ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock
from tfstyle.models import serving


def pad_to_multiple(images, multiple):
    """Edge-replicates (B, H, W, C) images up to multiples of `multiple`; returns the
    padded images and (H, W). Any amount of padding works (a reflection cannot pad
    more than the image) and it exports as a Gather to TFLite and ONNX."""
    shape = tf.shape(images)
    h, w = shape[1], shape[2]
    # Ceil division of positive numbers: TFLite and ONNX truncate a negative modulo.
    rows = tf.minimum(tf.range((h + multiple - 1) // multiple * multiple), h - 1)
    cols = tf.minimum(tf.range((w + multiple - 1) // multiple * multiple), w - 1)
    return tf.gather(tf.gather(images, rows, axis=1), cols, axis=2), h, w


@keras.saving.register_keras_serializable(package="tfstyle")
class UNetGenerator(keras.Model):
    """Encoder C64-C128-C256-C512-C512-C512-C512-C512 (4x4 convs, stride 2, LeakyReLU
    0.2, no norm on the first and the innermost), decoder of transposed convs with skip
    connections to the mirrored encoder layer, ReLU, dropout 0.5 in the three innermost
    decoder layers, tanh output (`unet_256` of the paper's code for num_downs=8).

    The normalisation is instance norm by default: the paper uses batch norm with batch
    size 1 and test-batch statistics, which is instance norm (their words). The
    decoder's dropout is the paper's noise source; at inference it is off unless
    `inference_dropout=True` (the paper keeps it on; exports keep it off, so that every
    format gives the same output, see the README).

    Images are RGB in [0, 1], (B, H, W, 3); H and W multiples of 2**num_downs in
    training. `endpoints()` accept any size (edge-padded, then cropped back).

    Args:
        num_downs: stride-2 encoder layers (8 for 256 px: a 1 x 1 bottleneck).
        filters: width of the first layer (64).
        dropout: the decoder's dropout rate.
        normalization: "instance", "batch", "sync_batch" or "none".
        inference_dropout: keep dropout on when not training.

    Example:
        >>> g = UNetGenerator()            # unet_256, 54M parameters
        >>> photos = g(edges)
    """

    def __init__(
        self,
        num_downs=8,
        filters=64,
        dropout=0.5,
        normalization="instance",
        inference_dropout=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_downs < 2 or filters < 1:
            raise InvalidArgumentError("num_downs must be >= 2 and filters >= 1")
        self.num_downs, self.filters = int(num_downs), int(filters)
        self.dropout, self.normalization = float(dropout), normalization
        self.inference_dropout = bool(inference_dropout)
        widths = [filters * min(2**i, 8) for i in range(self.num_downs)]
        # No norm on the first layer (as DCGAN) nor on the 1 x 1 innermost one (instance
        # norm would zero it); a conv followed by a norm needs no bias.
        norms = [
            "none" if i in (0, self.num_downs - 1) else normalization for i in range(self.num_downs)
        ]
        self.downs = [
            ConvBlock(
                width,
                4,
                strides=2,
                padding="zero",
                normalization=norm,
                activation="leaky_relu",
                use_bias=norm == "none",
                name=f"down{i + 1}",
            )
            for i, (width, norm) in enumerate(zip(widths, norms, strict=True))
        ]
        self.ups = [
            ConvBlock(
                width,
                upsample=True,
                upsampling="transpose",
                normalization=normalization,
                dropout=self.dropout if i < 3 else 0.0,
                kernel_size=4,
                padding="zero",
                use_bias=normalization == "none",
                name=f"up{i + 1}",
            )
            for i, width in enumerate(reversed(widths[:-1]))
        ]
        self.conv_out = ConvBlock(
            3,
            4,
            upsample=True,
            upsampling="transpose",
            padding="zero",
            normalization="none",
            activation="none",
            name="conv_out",
        )

    @property
    def size_multiple(self):
        return 2**self.num_downs

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        noisy = True if self.inference_dropout else training
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        skips = []
        for block in self.downs:
            x = block(x, training=training)
            skips.append(x)
        for block, skip in zip(self.ups, reversed(skips[:-1]), strict=True):
            x = block(x, training=noisy)
            x = ops.concatenate([x, skip], axis=-1)
        x = self.conv_out(x, training=training)
        return (ops.tanh(ops.cast(x, "float32")) + 1.0) * 0.5

    def endpoints(self, fixed_size=None):
        """Images of any size -> translated images of the same size."""

        def fn(image):
            padded, h, w = pad_to_multiple(image, self.size_multiple)
            return {serving.STYLIZED: self(padded, training=False)[:, :h, :w, :]}

        return [
            serving.Endpoint(
                serving.MAIN,
                {serving.IMAGE: serving.image_shape(fixed_size)},
                fn,
                lambda images: [{serving.IMAGE: images}],
            )
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "num_downs": self.num_downs,
            "filters": self.filters,
            "dropout": self.dropout,
            "normalization": self.normalization,
            "inference_dropout": self.inference_dropout,
        }
