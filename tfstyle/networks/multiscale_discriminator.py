"""The multi-scale discriminator of MUNIT (Huang et al., 2018; after pix2pixHD)."""

import keras
from keras import layers, ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock


@keras.saving.register_keras_serializable(package="tfstyle")
class MultiScaleDiscriminator(keras.Model):
    """`num_scales` fully convolutional discriminators, each on the image average-pooled
    once more than the last (3 x 3, stride 2, padding not counted), so the coarse ones
    judge global structure and the fine one texture.

    Each scale (MUNIT's `MsImageDis`): `num_layers` 4 x 4 stride-2 convs (64, 128, 256,
    512 wide), reflection padding, LeakyReLU 0.2, no normalisation by default, then a
    1 x 1 conv to one logit per position.

    Inputs are images in [0, 1] (B, H, W, C); `call` returns a list of logit maps, one
    per scale, finest first; the adversarial losses sum their means over the scales.

    Args:
        num_scales: discriminators (3).
        num_layers: stride-2 convs per scale (4).
        filters: width of the first conv (64).
        normalization: "none" (MUNIT's default) or any `layers.conv_block.NORMALIZATIONS`.
        spectral_norm: spectral normalisation on every conv.

    Example:
        >>> d = MultiScaleDiscriminator()
        >>> logits = d(images)            # [(B, H/16, W/16, 1), (B, H/32, ...), (B, H/64, ...)]
    """

    def __init__(
        self,
        num_scales=3,
        num_layers=4,
        filters=64,
        normalization="none",
        spectral_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_scales < 1 or num_layers < 1 or filters < 1:
            raise InvalidArgumentError("num_scales, num_layers and filters must be >= 1")
        self.num_scales, self.num_layers, self.filters = (
            int(num_scales),
            int(num_layers),
            int(filters),
        )
        self.normalization, self.spectral_norm = normalization, bool(spectral_norm)
        common = {"activation": "leaky_relu", "spectral_norm": spectral_norm}
        self.scales = []
        for s in range(self.num_scales):
            blocks = [
                ConvBlock(
                    filters * 2**i,
                    4,
                    strides=2,
                    normalization="none" if i == 0 else normalization,
                    name=f"scale{s}_conv{i + 1}",
                    **common,
                )
                for i in range(self.num_layers)
            ]
            blocks.append(
                ConvBlock(
                    1,
                    1,
                    normalization="none",
                    activation="none",
                    spectral_norm=spectral_norm,
                    name=f"scale{s}_logits",
                )
            )
            self.scales.append(blocks)
        self.downsample = layers.AveragePooling2D(3, strides=2, padding="same", name="downsample")

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        outputs = []
        for s, blocks in enumerate(self.scales):
            y = x
            for block in blocks:
                y = block(y, training=training)
            outputs.append(ops.cast(y, "float32"))
            if s + 1 < self.num_scales:
                x = self.downsample(x)
        return outputs

    def get_config(self):
        return {
            **super().get_config(),
            "num_scales": self.num_scales,
            "num_layers": self.num_layers,
            "filters": self.filters,
            "normalization": self.normalization,
            "spectral_norm": self.spectral_norm,
        }
