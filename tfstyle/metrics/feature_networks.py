"""Feature networks for the set distances (FID, KID): images in [0, 1] -> one vector each.

- `InceptionFeatures`: Keras' InceptionV3, 2048-d average-pooled features at 299 x 299,
  the network FID and KID are defined on. Scores are not comparable with papers that
  use the TF-1 FID Inception graph (`pt_inception-2015-12-05`): its weights and resize
  differ from Keras' ImageNet InceptionV3. Compare tfstyle numbers with tfstyle numbers.
- `VGGPooledFeatures`: the zoo's frozen VGG (any weights file, so it works offline),
  spatial mean of one layer's activations.

A feature network is any callable `images (B, H, W, 3) in [0, 1] -> (B, D) float32`
with a `name`; `FeatureStatistics.update` takes its output.
"""

import os

import keras
import numpy as np
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError, WeightsError


class _Batched:
    """Calls `self._features` on batches of at most `batch_size` resized images."""

    size = 224
    batch_size = 16

    def __call__(self, images):
        """(B, D) features of a (B, H, W, 3) array or a list of (H, W, 3) images of
        any sizes (each resized to `size` x `size`)."""
        if not isinstance(images, (list, tuple)):
            images = np.asarray(images, np.float32)
            if images.ndim != 4:
                raise InvalidArgumentError(f"expected (B, H, W, 3) images, got {images.shape}")
        out = []
        for i in range(0, len(images), self.batch_size):
            batch = tf.stack(
                [
                    tf.image.resize(_rgb(x), (self.size, self.size))
                    for x in images[i : i + self.batch_size]
                ]
            )
            out.append(np.asarray(self._features(batch), np.float32))
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


def _rgb(image):
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise InvalidArgumentError(f"expected (H, W, 3) images, got shape {image.shape}")
    return image


class InceptionFeatures(_Batched):
    """InceptionV3 pool3 features (2048-d) at 299 x 299, bilinear resize.

    Args:
        weights: "imagenet" (Keras downloads it once into ~/.keras/models), a path to
            InceptionV3 weights without the top, or None (random; for tests only).
    """

    name = "inception"
    size = 299
    dim = 2048

    def __init__(self, weights="imagenet"):
        if weights not in (None, "imagenet") and not os.path.isfile(os.fspath(weights)):
            raise WeightsError(f"Inception weights file '{weights}' does not exist")
        try:
            self.network = keras.applications.InceptionV3(
                include_top=False, weights=weights, pooling="avg", input_shape=(299, 299, 3)
            )
        except Exception as e:  # noqa: BLE001 - Keras raises bare Exception on fetch failure
            first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
            if weights == "imagenet":
                raise WeightsError(
                    f"could not download the ImageNet InceptionV3 weights ({first}); pass a "
                    "path to inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5, or use "
                    "the VGG features (evaluate.py --features vgg; training: --eval_features vgg)"
                ) from None
            raise WeightsError(f"could not load InceptionV3 weights '{weights}': {first}") from None
        self.network.trainable = False
        self._fn = tf.function(lambda x: self.network(x * 2.0 - 1.0, training=False))

    def _features(self, batch):
        return self._fn(batch)


class VGGPooledFeatures(_Batched):
    """The spatial mean of one VGG layer's activations (relu5_4 of VGG19 by default:
    512-d; the layer's channels) at `size` x `size`: a set distance that needs no download.

    Args:
        weights: as `tfstyle.backbones.VGGFeatures` ("imagenet", a path, or None).
        architecture: "vgg19" or "vgg16".
        layer: the tap (default: the last conv of the architecture).
        size: the side images are resized to.
    """

    name = "vgg"

    def __init__(self, weights="imagenet", architecture="vgg19", layer=None, size=224):
        from tfstyle.backbones import VGGFeatures

        layer = layer or ("relu5_4" if architecture == "vgg19" else "relu5_3")
        self.backbone = VGGFeatures([layer], architecture, weights=weights)
        self.layer, self.size = self.backbone.layer_names[0], int(size)
        self.dim = (64, 128, 256, 512, 512)[int(self.layer[len("block")]) - 1]
        self._fn = tf.function(
            lambda x: tf.reduce_mean(tf.cast(self.backbone(x)[self.layer], tf.float32), axis=(1, 2))
        )

    def _features(self, batch):
        return self._fn(batch)


FEATURE_NETWORKS = ("inception", "vgg")


def make_feature_network(kind, weights="imagenet", **kwargs):
    """ "inception" or "vgg" with its weights (a path, "imagenet" or None)."""
    if kind == "inception":
        return InceptionFeatures(weights)
    if kind == "vgg":
        return VGGPooledFeatures(weights, **kwargs)
    raise InvalidArgumentError(
        f"--features must be one of {', '.join(FEATURE_NETWORKS)}, got '{kind}'"
    )
