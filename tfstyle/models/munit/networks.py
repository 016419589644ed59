"""MUNIT's per-domain auto-encoder (Huang, Liu, Belongie & Kautz, ECCV 2018): a content
encoder, a style encoder, and a decoder whose residual blocks are AdaIN-normalised with
parameters an MLP makes from the style code (the authors' `AdaINGen`)."""

import keras
from keras import layers, ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import AdaptiveInstanceNormalization, ConvBlock, ResidualBlock

STYLE_DIM = 8


@keras.saving.register_keras_serializable(package="tfstyle")
class ContentEncoder(keras.Model):
    """c7s1-64, `num_downsampling` x d (4 x 4, stride 2, doubling), `num_blocks`
    residual blocks; instance norm, ReLU, reflection padding. Images in [0, 1] ->
    content codes (B, H / 4, W / 4, 256) with the defaults, float32."""

    def __init__(self, filters=64, num_downsampling=2, num_blocks=4, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.num_downsampling = int(filters), int(num_downsampling)
        self.num_blocks = int(num_blocks)
        self.blocks = [ConvBlock(filters, 7, name="conv_in")]
        for i in range(self.num_downsampling):
            self.blocks.append(ConvBlock(filters * 2 ** (i + 1), 4, strides=2, name=f"down{i + 1}"))
        self.blocks += [
            ResidualBlock(self.channels, name=f"residual{i}") for i in range(self.num_blocks)
        ]

    @property
    def channels(self):
        return self.filters * 2**self.num_downsampling

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in self.blocks:
            x = block(x, training=training)
        return ops.cast(x, "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_downsampling": self.num_downsampling,
            "num_blocks": self.num_blocks,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class StyleEncoder(keras.Model):
    """c7s1-64, d128, d256, then d256 until `num_downsampling` (4 x 4, stride 2), no
    normalisation (it would remove the style), global average pooling, a linear map to
    the style code (B, style_dim), float32."""

    def __init__(self, filters=64, num_downsampling=4, style_dim=STYLE_DIM, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.num_downsampling = int(filters), int(num_downsampling)
        self.style_dim = int(style_dim)
        plain = {"normalization": "none"}
        self.blocks = [ConvBlock(filters, 7, name="conv_in", **plain)]
        for i in range(self.num_downsampling):
            width = filters * 2 ** min(i + 1, 2)
            self.blocks.append(ConvBlock(width, 4, strides=2, name=f"down{i + 1}", **plain))
        self.code = layers.Dense(self.style_dim, name="code")

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in self.blocks:
            x = block(x, training=training)
        return ops.cast(self.code(ops.mean(x, axis=(1, 2))), "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_downsampling": self.num_downsampling,
            "style_dim": self.style_dim,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class AdaINResidualBlock(keras.layers.Layer):
    """conv 3x3 -> AdaIN -> ReLU -> conv 3x3 -> AdaIN, plus the input. Called on
    `[x, params]` with params (B, 4 * C): this block's own slice of the MLP output,
    laid out as (mean_a, std_a, mean_b, std_b)."""

    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        plain = {"normalization": "none", "activation": "none"}
        self.conv_a = ConvBlock(filters, 3, name="a", **plain)
        self.conv_b = ConvBlock(filters, 3, name="b", **plain)
        self.adain_a = AdaptiveInstanceNormalization(name="adain_a")
        self.adain_b = AdaptiveInstanceNormalization(name="adain_b")

    @property
    def num_params(self):
        return 4 * self.filters

    def build(self, input_shape):
        shape = input_shape[0]
        self.conv_a.build(shape)
        self.conv_b.build(shape)

    def call(self, inputs, training=None):
        x, params = inputs
        mean_a, std_a, mean_b, std_b = ops.split(params, 4, axis=-1)
        y = self.adain_a([self.conv_a(x), mean_a, std_a])
        y = ops.relu(ops.cast(y, self.compute_dtype))
        y = self.adain_b([self.conv_b(y), mean_b, std_b])
        return x + ops.cast(y, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


@keras.saving.register_keras_serializable(package="tfstyle")
class Decoder(keras.Model):
    """`num_blocks` AdaIN residual blocks, `num_upsampling` x (nearest x2, 5 x 5 conv
    halving the width, layer norm, ReLU), c7s1-3 with tanh; images in [0, 1].

    The AdaIN parameters come from an MLP (style_dim -> mlp_dim -> mlp_dim -> all
    parameters, ReLU between): each AdaIN layer reads its own slice of the output
    (`adain_slices`), so no two blocks share parameters.

    Called on `[content_code, style_code]`.
    """

    def __init__(
        self,
        channels=256,
        num_blocks=4,
        num_upsampling=2,
        style_dim=STYLE_DIM,
        mlp_dim=256,
        mlp_layers=3,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if mlp_layers < 1:
            raise InvalidArgumentError(f"mlp_layers must be >= 1, got {mlp_layers}")
        self.channels, self.num_blocks = int(channels), int(num_blocks)
        self.num_upsampling, self.style_dim = int(num_upsampling), int(style_dim)
        self.mlp_dim, self.mlp_layers = int(mlp_dim), int(mlp_layers)
        self.blocks = [
            AdaINResidualBlock(self.channels, name=f"residual{i}") for i in range(self.num_blocks)
        ]
        hidden = [
            layers.Dense(self.mlp_dim, activation="relu", name=f"mlp{i}")
            for i in range(self.mlp_layers - 1)
        ]
        self.mlp = hidden + [layers.Dense(self.num_adain_params, name=f"mlp{self.mlp_layers - 1}")]
        self.ups = [
            ConvBlock(
                self.channels // 2 ** (i + 1),
                5,
                upsample=True,
                normalization="layer",
                name=f"up{i + 1}",
            )
            for i in range(self.num_upsampling)
        ]
        self.conv_out = ConvBlock(
            3,
            7,
            normalization="none",
            activation="none",
            even_input=self.num_upsampling > 0,  # after x2 upsampling: space-to-depth
            name="conv_out",
        )

    @property
    def num_adain_params(self):
        return sum(block.num_params for block in self.blocks)

    def adain_slices(self):
        """[(start, stop)] of each residual block's parameters in the MLP output."""
        slices, start = [], 0
        for block in self.blocks:
            slices.append((start, start + block.num_params))
            start += block.num_params
        return slices

    def adain_params(self, style_code):
        """The MLP output (B, num_adain_params), float32."""
        x = ops.cast(style_code, self.compute_dtype)
        for dense in self.mlp:
            x = dense(x)
        return ops.cast(x, "float32")

    def build(self, input_shape):
        content_shape, style_shape = input_shape
        self.call([keras.KerasTensor(tuple(content_shape)), keras.KerasTensor(tuple(style_shape))])
        self.built = True

    def call(self, inputs, training=None):
        content, style = inputs
        params = self.adain_params(style)
        x = ops.cast(content, self.compute_dtype)
        for block, (start, stop) in zip(self.blocks, self.adain_slices(), strict=True):
            x = block([x, params[:, start:stop]], training=training)
        for block in self.ups:
            x = block(x, training=training)
        x = self.conv_out(x, training=training)
        return (ops.tanh(ops.cast(x, "float32")) + 1.0) * 0.5

    def get_config(self):
        return {
            **super().get_config(),
            "channels": self.channels,
            "num_blocks": self.num_blocks,
            "num_upsampling": self.num_upsampling,
            "style_dim": self.style_dim,
            "mlp_dim": self.mlp_dim,
            "mlp_layers": self.mlp_layers,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class MUNITAutoEncoder(keras.Model):
    """One domain's networks: `encode_content`, `encode_style`, `decode`. `call` is the
    reconstruction decode(encode_content(x), encode_style(x)) the image
    reconstruction loss sees.

    Args:
        filters: width of the first conv of both encoders (64).
        num_downsampling: the content encoder's stride-2 convs (and the decoder's x2
            upsamplings); images must be multiples of 2**num_downsampling.
        style_downsampling: the style encoder's stride-2 convs (4).
        num_blocks: residual blocks in the content encoder and in the decoder (4).
        style_dim: length of the style code (8).
        mlp_dim, mlp_layers: the MLP that makes the AdaIN parameters (256, 3).

    Example:
        >>> domain = MUNITAutoEncoder()
        >>> content, style = domain.encode_content(photos), domain.encode_style(photos)
        >>> again = domain.decode(content, style)
    """

    def __init__(
        self,
        filters=64,
        num_downsampling=2,
        style_downsampling=4,
        num_blocks=4,
        style_dim=STYLE_DIM,
        mlp_dim=256,
        mlp_layers=3,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.filters, self.num_downsampling = int(filters), int(num_downsampling)
        self.style_downsampling, self.num_blocks = int(style_downsampling), int(num_blocks)
        self.style_dim, self.mlp_dim, self.mlp_layers = (
            int(style_dim),
            int(mlp_dim),
            int(mlp_layers),
        )
        self.content_encoder = ContentEncoder(
            filters, num_downsampling, num_blocks, name="content_encoder"
        )
        self.style_encoder = StyleEncoder(
            filters, style_downsampling, style_dim, name="style_encoder"
        )
        self.decoder = Decoder(
            self.content_encoder.channels,
            num_blocks,
            num_downsampling,
            style_dim,
            mlp_dim,
            mlp_layers,
            name="decoder",
        )

    @property
    def size_multiple(self):
        return 2**self.num_downsampling

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self.content_encoder.build(input_shape)
        self.style_encoder.build(input_shape)
        h, w = (None if d is None else d // self.size_multiple for d in input_shape[1:3])
        self.decoder.build(
            [
                (input_shape[0], h, w, self.content_encoder.channels),
                (input_shape[0], self.style_dim),
            ]
        )
        self.built = True

    def encode_content(self, images, training=None):
        return self.content_encoder(images, training=training)

    def encode_style(self, images, training=None):
        return self.style_encoder(images, training=training)

    def decode(self, content, style, training=None):
        return self.decoder([content, style], training=training)

    def call(self, images, training=None):
        content = self.encode_content(images, training=training)
        return self.decode(content, self.encode_style(images, training=training), training)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_downsampling": self.num_downsampling,
            "style_downsampling": self.style_downsampling,
            "num_blocks": self.num_blocks,
            "style_dim": self.style_dim,
            "mlp_dim": self.mlp_dim,
            "mlp_layers": self.mlp_layers,
        }
