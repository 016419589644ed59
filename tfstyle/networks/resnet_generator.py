"""The ResNet generator of CycleGAN (Zhu et al., ICCV 2017; after Johnson et al., 2016)
and CartoonGAN (Chen et al., CVPR 2018)."""

import keras
from keras import ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock, ResidualBlock
from tfstyle.models import serving


@keras.saving.register_keras_serializable(package="tfstyle")
class ResnetGenerator(keras.Model):
    """c7s1-64, d128, d256, `num_blocks` x R256, u128, u64, c7s1-3 (the paper's
    appendix): reflection padding, instance norm, ReLU, tanh output.

    Images are RGB in [0, 1] in and out, (B, H, W, 3) with H and W multiples of
    2**num_downsampling ([-1, 1] inside, as the paper's code).

    Args:
        filters: width of the first conv (64).
        num_blocks: residual blocks: 9 for 256 px training, 6 for 128 px.
        num_downsampling: stride-2 convs (and as many x2 upsamplings).
        normalization: "instance" (default) or any of `layers.conv_block.NORMALIZATIONS`.
        upsampling: "transpose" (the paper's fractionally strided convs) or
            "resize_conv" (nearest x2 then conv: no checkerboard).
        padding: "reflect" or "zero".
        double_conv: CartoonGAN's steps: each down (up) step is a plain stride-2 conv
            (transposed conv) followed by a normalised 3x3 conv, instead of one
            normalised strided conv.

    Example:
        >>> g = ResnetGenerator(num_blocks=9)
        >>> zebras = g(horses)
    """

    def __init__(
        self,
        filters=64,
        num_blocks=9,
        num_downsampling=2,
        normalization="instance",
        upsampling="transpose",
        padding="reflect",
        double_conv=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if filters < 1 or num_blocks < 0 or num_downsampling < 0:
            raise InvalidArgumentError("filters >= 1, num_blocks >= 0, num_downsampling >= 0")
        self.filters, self.num_blocks = int(filters), int(num_blocks)
        self.num_downsampling = int(num_downsampling)
        self.normalization, self.upsampling, self.padding = normalization, upsampling, padding
        self.double_conv = bool(double_conv)
        common = {"padding": padding, "normalization": normalization}
        # CartoonGAN's strided convs are plain (no norm, no ReLU); a 3x3 conv follows.
        step = {"normalization": "none", "activation": "none"} if double_conv else {}
        self.conv_in = ConvBlock(filters, 7, name="conv_in", **common)
        self.downs = []
        for i in range(self.num_downsampling):
            width = filters * 2 ** (i + 1)
            self.downs.append(
                ConvBlock(width, 3, strides=2, name=f"down{i + 1}", **{**common, **step})
            )
            if double_conv:
                self.downs.append(ConvBlock(width, 3, name=f"down{i + 1}_conv", **common))
        width = filters * 2**self.num_downsampling
        self.blocks = [
            ResidualBlock(width, name=f"residual{i}", **common) for i in range(self.num_blocks)
        ]
        self.ups = []
        for i in range(self.num_downsampling):
            width = filters * 2 ** (self.num_downsampling - i - 1)
            self.ups.append(
                ConvBlock(
                    width,
                    3,
                    upsample=True,
                    upsampling=upsampling,
                    name=f"up{i + 1}",
                    **{**common, **step},
                )
            )
            if double_conv:
                self.ups.append(ConvBlock(width, 3, name=f"up{i + 1}_conv", **common))
        self.conv_out = ConvBlock(
            3,
            7,
            padding=padding,
            normalization="none",
            activation="none",
            even_input=self.num_downsampling > 0,  # after x2 upsampling: space-to-depth
            name="conv_out",
        )

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        return self.tail(self.body(self.head(images, training), training), training)

    def head(self, images, training=None):
        """Images in [0, 1] -> features at the coarsest resolution."""
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in [self.conv_in, *self.downs]:
            x = block(x, training=training)
        return x

    def body(self, x, training=None):
        """The residual blocks."""
        for block in self.blocks:
            x = block(x, training=training)
        return x

    def tail(self, x, training=None):
        """Features -> images in [0, 1]."""
        for block in [*self.ups, self.conv_out]:
            x = block(x, training=training)
        return (ops.tanh(ops.cast(x, "float32")) + 1.0) * 0.5

    @property
    def stages(self):
        """Head, body and tail (`serving.Stages`): exact tiles in every format."""
        return serving.Stages(self.head, self.body, self.tail)

    @property
    def size_multiple(self):
        return 2**self.num_downsampling

    def endpoints(self, fixed_size=None):
        return [serving.image_endpoint(self, fixed_size, self.stages)]

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_blocks": self.num_blocks,
            "num_downsampling": self.num_downsampling,
            "normalization": self.normalization,
            "upsampling": self.upsampling,
            "padding": self.padding,
            "double_conv": self.double_conv,
        }
