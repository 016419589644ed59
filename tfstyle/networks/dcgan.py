"""DCGAN's generator and discriminator (Radford, Metz & Chintala, ICLR 2016)."""

import math

import keras
from keras import layers, ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock
from tfstyle.models import serving

LATENT = serving.NOISE


def _check_size(image_size):
    if image_size < 8 or 2 ** int(math.log2(image_size)) != image_size:
        raise InvalidArgumentError(f"image_size must be a power of 2 >= 8, got {image_size}")
    return int(math.log2(image_size)) - 2  # stride-2 layers between 4 x 4 and the image


@keras.saving.register_keras_serializable(package="tfstyle")
class DCGANGenerator(keras.Model):
    """z -> image: a projection to 4 x 4 x (filters * 2^k), then stride-2 transposed
    convs (batch norm, ReLU) halving the width up to `image_size`, tanh output.

    The DCGAN rules: no pooling, batch norm (synchronised across replicas) except at
    the output, ReLU in the generator. Images come out in [0, 1].

    Args:
        latent_dim: size of z (100 in the paper).
        image_size: output side, a power of 2 (32 for MNIST padded, 64 in the paper).
        channels: 1 (digits) or 3.
        filters: width of the last hidden layer (64 in the paper; the first is
            filters * image_size / 8).

    Example:
        >>> g = DCGANGenerator(latent_dim=100, image_size=32, channels=1)
        >>> digits = g(keras.random.normal((16, 100)))
    """

    fixed_size_export = False  # its input is z, not an image

    def __init__(self, latent_dim=100, image_size=32, channels=1, filters=64, **kwargs):
        super().__init__(**kwargs)
        ups = _check_size(image_size)
        self.latent_dim, self.image_size = int(latent_dim), int(image_size)
        self.channels, self.filters = int(channels), int(filters)
        width = filters * 2 ** (ups - 1)
        self.project = layers.Dense(4 * 4 * width, use_bias=False, name="project")
        self.reshape = layers.Reshape((4, 4, width), name="to_4x4")
        self.project_norm = layers.BatchNormalization(synchronized=True, name="project_norm")
        self.ups = [
            ConvBlock(
                filters * 2 ** (ups - 2 - i),
                4,
                upsample=True,
                upsampling="transpose",
                padding="zero",
                normalization="sync_batch",
                use_bias=False,
                name=f"up{i + 1}",
            )
            for i in range(ups - 1)
        ]
        self.conv_out = ConvBlock(
            channels,
            4,
            upsample=True,
            upsampling="transpose",
            padding="zero",
            normalization="none",
            activation="none",
            name="conv_out",
        )

    def build(self, input_shape=None):
        self.call(keras.KerasTensor((None, self.latent_dim)))
        self.built = True

    def call(self, z, training=None):
        x = self.reshape(self.project(ops.cast(z, self.compute_dtype)))
        x = ops.relu(self.project_norm(x, training=training))
        for block in [*self.ups, self.conv_out]:
            x = block(x, training=training)
        return (ops.tanh(ops.cast(x, "float32")) + 1.0) * 0.5

    def endpoints(self, fixed_size=None):
        """z (B, latent_dim) -> {"image": (B, image_size, image_size, channels)}."""
        import numpy as np

        return [
            serving.Endpoint(
                serving.MAIN,
                {LATENT: (None, self.latent_dim)},
                lambda z: {serving.IMAGE: self(z, training=False)},
                lambda images: [
                    {
                        LATENT: np.random.default_rng(len(images))
                        .standard_normal((len(images), self.latent_dim))
                        .astype(np.float32)
                    }
                ],
                image_outputs=(serving.IMAGE,),
            )
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "image_size": self.image_size,
            "channels": self.channels,
            "filters": self.filters,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class DCGANDiscriminator(keras.Model):
    """image -> one logit: stride-2 4x4 convs doubling the width from `filters`,
    batch norm (not on the first), LeakyReLU 0.2, a final 4 x 4 conv to one logit.

    Args:
        image_size: input side, a power of 2.
        channels: input channels.
        filters: width of the first layer.
        spectral_norm: spectral normalisation instead of batch norm (SN-GAN).
    """

    def __init__(self, image_size=32, channels=1, filters=64, spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        downs = _check_size(image_size)
        self.image_size, self.channels = int(image_size), int(channels)
        self.filters, self.spectral_norm = int(filters), bool(spectral_norm)
        norm = "none" if spectral_norm else "sync_batch"
        self.blocks = [
            ConvBlock(
                filters * 2**i,
                4,
                strides=2,
                padding="zero",
                normalization="none" if i == 0 else norm,
                activation="leaky_relu",
                spectral_norm=spectral_norm,
                name=f"down{i + 1}",
            )
            for i in range(downs)
        ]
        self.flatten = layers.Flatten(name="flatten")
        self.logit = layers.Dense(1, name="logit")

    def build(self, input_shape=None):
        self.call(keras.KerasTensor((None, self.image_size, self.image_size, self.channels)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in self.blocks:
            x = block(x, training=training)
        return ops.cast(self.logit(self.flatten(x)), "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "image_size": self.image_size,
            "channels": self.channels,
            "filters": self.filters,
            "spectral_norm": self.spectral_norm,
        }
