"""The super-resolution networks: Johnson et al.'s perceptual SR network, SRResNet, and
SRGAN's discriminator.

Every upscaler takes low-resolution RGB images in [0, 1], (B, h, w, 3) of any size,
and returns (B, scale * h, scale * w, 3); `endpoints()` describes it for export and
inference like every other network of the zoo (the output is named "stylized" there,
the one image output name of every image-to-image network).
"""

import math

import keras
from keras import layers, ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock, PixelShuffle, ResidualBlock, make_normalization
from tfstyle.models import serving

SCALES = (2, 4, 8)


def check_scale(scale):
    if int(scale) not in SCALES:
        raise InvalidArgumentError(
            f"--scale must be one of {', '.join(map(str, SCALES))}, got {scale}"
        )
    return int(scale)


class Upscaler(keras.Model):
    """What the upscalers share: the scale, building from a symbolic pass, endpoints."""

    # Full int8 TFLite has no place in SR (the residual sums saturate); float and
    # dynamic-range variants are exported.
    tflite_variants = ("float32", "float16", "dynamic_int8")
    # The fixed-size TFLite takes 256 x 256 inputs: the phone-class case of 256^2 -> 1024^2.
    fixed_export_size = (256, 256)

    def __init__(self, scale=4, **kwargs):
        super().__init__(**kwargs)
        self.scale = check_scale(scale)
        self.upsampling_steps = int(math.log2(self.scale))

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def endpoints(self, fixed_size=None):
        """images (B, h, w, 3) -> {"stylized": (B, scale h, scale w, 3)} in [0, 1]."""

        def fn(image):
            return {serving.STYLIZED: ops.clip(self(image, training=False), 0.0, 1.0)}

        return [
            serving.Endpoint(
                serving.MAIN,
                {serving.IMAGE: serving.image_shape(fixed_size)},
                fn,
                lambda images: [{serving.IMAGE: images.astype("float32")}],
            )
        ]

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="tfstyle")
class JohnsonSRNet(Upscaler):
    """The super-resolution network of Johnson, Alahi & Fei-Fei (ECCV 2016, Section 4 and
    the supplementary material): 9x9 conv (64), 4 residual blocks (64), log2(scale)
    x2 upsampling convs (64), 9x9 conv to RGB; batch norm and ReLU, scaled tanh output.

    Args:
        scale: 2, 4 or 8 (the paper trains x4 and x8).
        filters: 64 in the paper.
        num_residual_blocks: 4 in the paper.
        normalization: "sync_batch" (the paper's batch norm, its statistics taken over
            the global batch of every replica), "batch" (per replica) or "none".
        upsampling: "resize_conv" (nearest x2 then conv; no checkerboard) or "transpose"
            (the paper's stride-1/2 convs).
    """

    def __init__(
        self,
        scale=4,
        filters=64,
        num_residual_blocks=4,
        normalization="sync_batch",
        upsampling="resize_conv",
        output_kernel=9,
        **kwargs,
    ):
        super().__init__(scale, **kwargs)
        self.filters, self.num_residual_blocks = int(filters), int(num_residual_blocks)
        self.normalization, self.upsampling = normalization, upsampling
        self.output_kernel = int(output_kernel)
        common = {"normalization": normalization, "padding": "reflect"}
        self.conv_in = ConvBlock(filters, 9, name="conv_in", **common)
        self.blocks = [
            ResidualBlock(filters, name=f"residual{i}", **common)
            for i in range(self.num_residual_blocks)
        ]
        self.ups = [
            ConvBlock(filters, 3, upsample=True, upsampling=upsampling, name=f"up{i + 1}", **common)
            for i in range(self.upsampling_steps)
        ]
        self.conv_out = ConvBlock(
            3,
            self.output_kernel,
            normalization="none",
            activation="none",
            even_input=self.upsampling_steps > 0,  # after x2 upsampling: space-to-depth
            name="conv_out",
        )

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in [self.conv_in, *self.blocks, *self.ups, self.conv_out]:
            x = block(x, training=training)
        return (ops.tanh(ops.cast(x, "float32")) + 1.0) * 0.5

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_residual_blocks": self.num_residual_blocks,
            "normalization": self.normalization,
            "upsampling": self.upsampling,
            "output_kernel": self.output_kernel,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class SRResidualBlock(keras.layers.Layer):
    """SRResNet's block: conv3x3 -> BN -> PReLU -> conv3x3 -> BN, plus the input."""

    def __init__(self, filters=64, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.conv_a = layers.Conv2D(filters, 3, padding="same", name="conv_a")
        self.bn_a = make_normalization("sync_batch", name="bn_a")
        self.prelu = layers.PReLU(shared_axes=[1, 2], name="prelu")
        self.conv_b = layers.Conv2D(filters, 3, padding="same", name="conv_b")
        self.bn_b = make_normalization("sync_batch", name="bn_b")

    def build(self, input_shape):
        self.conv_a.build(input_shape)
        shape = self.conv_a.compute_output_shape(input_shape)
        self.bn_a.build(shape)
        self.prelu.build(shape)
        self.conv_b.build(shape)
        self.bn_b.build(shape)

    def call(self, x, training=None):
        y = self.prelu(self.bn_a(self.conv_a(x), training=training))
        return x + self.bn_b(self.conv_b(y), training=training)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


@keras.saving.register_keras_serializable(package="tfstyle")
class SRResNet(Upscaler):
    """SRResNet, the generator of SRGAN (Ledig et al., CVPR 2017, Figure 4): 9x9 conv
    (64) + PReLU, 16 residual blocks, 3x3 conv + BN and a skip over the blocks,
    log2(scale) x [3x3 conv to 256, pixel shuffle x2, PReLU], 9x9 conv to RGB
    (linear; clipped to [0, 1] at the endpoints).

    Args:
        scale: 2, 4 (the paper) or 8.
        filters: 64 in the paper.
        num_residual_blocks: 16 in the paper.
        output_kernel: 9 in the paper (3 in the phone-class preset).
    """

    def __init__(self, scale=4, filters=64, num_residual_blocks=16, output_kernel=9, **kwargs):
        super().__init__(scale, **kwargs)
        self.filters, self.num_residual_blocks = int(filters), int(num_residual_blocks)
        self.output_kernel = int(output_kernel)
        self.conv_in = layers.Conv2D(filters, 9, padding="same", name="conv_in")
        self.prelu_in = layers.PReLU(shared_axes=[1, 2], name="prelu_in")
        self.blocks = [
            SRResidualBlock(filters, name=f"residual{i}") for i in range(self.num_residual_blocks)
        ]
        self.conv_mid = layers.Conv2D(filters, 3, padding="same", name="conv_mid")
        self.bn_mid = make_normalization("sync_batch", name="bn_mid")
        self.ups = []
        for i in range(self.upsampling_steps):
            self.ups += [
                layers.Conv2D(4 * filters, 3, padding="same", name=f"up{i + 1}_conv"),
                PixelShuffle(2, name=f"up{i + 1}_shuffle"),
                layers.PReLU(shared_axes=[1, 2], name=f"up{i + 1}_prelu"),
            ]
        self.conv_out = layers.Conv2D(3, self.output_kernel, padding="same", name="conv_out")

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        skip = x = self.prelu_in(self.conv_in(x))
        for block in self.blocks:
            x = block(x, training=training)
        x = skip + self.bn_mid(self.conv_mid(x), training=training)
        for layer in self.ups:
            x = layer(x)
        return (ops.cast(self.conv_out(x), "float32") + 1.0) * 0.5

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "num_residual_blocks": self.num_residual_blocks,
            "output_kernel": self.output_kernel,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class SRGANDiscriminator(keras.Model):
    """SRGAN's discriminator (Figure 4): 3x3 conv (64) + LeakyReLU, seven 3x3 conv +
    BN + LeakyReLU blocks (64 s2, 128, 128 s2, 256, 256 s2, 512, 512 s2), dense 1024,
    LeakyReLU, dense 1 (a logit). The dense layers fix the input size: the HR patch.

    Args:
        filters: 64 in the paper (doubled every other block).
    """

    def __init__(self, filters=64, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        lrelu = {"activation": "leaky_relu", "padding": "zero"}
        self.convs = [ConvBlock(filters, 3, normalization="none", name="conv0", **lrelu)]
        for i, (mult, stride) in enumerate(
            ((1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2))
        ):
            self.convs.append(
                ConvBlock(
                    filters * mult,
                    3,
                    strides=stride,
                    normalization="sync_batch",
                    name=f"conv{i + 1}",
                    **lrelu,
                )
            )
        self.flatten = layers.Flatten(name="flatten")
        self.dense = layers.Dense(16 * filters, name="dense")
        self.logit = layers.Dense(1, name="logit")

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in self.convs:
            x = block(x, training=training)
        x = ops.leaky_relu(self.dense(self.flatten(x)), 0.2)
        return ops.cast(self.logit(x), "float32")

    def get_config(self):
        return {**super().get_config(), "filters": self.filters}


# Network presets: "paper" is each paper's network; "lite" the phone-class x4 upscaler
# (32 filters, 4 blocks, 3x3 output conv: ~10x fewer multiply-adds at 256 -> 1024).
PRESETS = {
    "johnson": {
        "paper": {"filters": 64, "num_residual_blocks": 4},
        "lite": {"filters": 32, "num_residual_blocks": 4, "output_kernel": 3},
    },
    "srresnet": {
        "paper": {"filters": 64, "num_residual_blocks": 16},
        "lite": {"filters": 32, "num_residual_blocks": 4, "output_kernel": 3},
    },
}
ARCHITECTURES = {"johnson": JohnsonSRNet, "srresnet": SRResNet}


def make_upscaler(architecture, scale, preset="paper", **overrides):
    """`make_upscaler("srresnet", 4, "lite")`: an unbuilt upscaler of a preset."""
    if architecture not in ARCHITECTURES:
        raise InvalidArgumentError(
            f"unknown SR network '{architecture}'; choose one of {', '.join(ARCHITECTURES)}"
        )
    if preset not in PRESETS[architecture]:
        raise InvalidArgumentError(
            f"--preset must be one of {', '.join(PRESETS[architecture])}, got '{preset}'"
        )
    kwargs = {**PRESETS[architecture][preset], **overrides}
    return ARCHITECTURES[architecture](scale=scale, name="generator", **kwargs)
