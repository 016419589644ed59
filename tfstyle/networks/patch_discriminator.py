"""The PatchGAN discriminator of pix2pix and CycleGAN (Isola et al., 2017)."""

import keras
from keras import ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock

# Receptive field -> number of stride-2 layers of `NLayerDiscriminator` in the papers'
# code: 1 is PixelGAN (1 x 1 convs), 16 / 70 / 286 are 1 / 3 / 5 layers.
RECEPTIVE_FIELDS = {1: 0, 16: 1, 70: 3, 286: 5}


@keras.saving.register_keras_serializable(package="tfstyle")
class PatchDiscriminator(keras.Model):
    """Classifies each N x N patch as real or fake; outputs a map of logits.

    C64 (4x4, stride 2, no norm) - C128 - C256 (stride 2) - C512 (stride 1) - C1, with
    LeakyReLU 0.2: the 70 x 70 PatchGAN. `receptive_field` picks the depth (1, 16, 70,
    286 as in the pix2pix paper's comparison).

    Inputs are images in [0, 1] (B, H, W, C); pix2pix's conditional discriminator takes
    the input and the output concatenated on channels (C = 6).

    Args:
        receptive_field: 1, 16, 70 or 286.
        filters: width of the first layer.
        normalization: "instance" (default), "batch", "sync_batch" or "none".
        spectral_norm: spectral normalisation on every conv (Miyato et al., 2018).

    Example:
        >>> d = PatchDiscriminator(70)
        >>> logits = d(images)            # (B, H/8, W/8, 1): one logit per 70 x 70 patch
    """

    def __init__(
        self,
        receptive_field=70,
        filters=64,
        normalization="instance",
        spectral_norm=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if receptive_field not in RECEPTIVE_FIELDS:
            raise InvalidArgumentError(
                f"receptive_field must be one of {', '.join(map(str, RECEPTIVE_FIELDS))}, "
                f"got {receptive_field}"
            )
        self.receptive_field, self.filters = int(receptive_field), int(filters)
        self.normalization, self.spectral_norm = normalization, bool(spectral_norm)
        common = {"padding": "zero", "activation": "leaky_relu", "spectral_norm": spectral_norm}
        n = RECEPTIVE_FIELDS[self.receptive_field]
        if n == 0:  # PixelGAN
            self.blocks = [
                ConvBlock(filters, 1, normalization="none", name="conv1", **common),
                ConvBlock(filters * 2, 1, normalization=normalization, name="conv2", **common),
            ]
            kernel = 1
        else:
            self.blocks = [
                ConvBlock(filters, 4, strides=2, normalization="none", name="conv1", **common)
            ]
            for i in range(1, n + 1):
                self.blocks.append(
                    ConvBlock(
                        filters * min(2**i, 8),
                        4,
                        strides=2 if i < n else 1,
                        normalization=normalization,
                        use_bias=normalization == "none",
                        name=f"conv{i + 1}",
                        **common,
                    )
                )
            kernel = 4
        self.conv_out = ConvBlock(
            1,
            kernel,
            padding="zero",
            normalization="none",
            activation="none",
            spectral_norm=spectral_norm,
            name="logits",
        )

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in self.blocks:
            x = block(x, training=training)
        return ops.cast(self.conv_out(x, training=training), "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "receptive_field": self.receptive_field,
            "filters": self.filters,
            "normalization": self.normalization,
            "spectral_norm": self.spectral_norm,
        }
