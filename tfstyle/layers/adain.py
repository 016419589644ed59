"""Adaptive instance normalisation (Huang & Belongie, ICCV 2017)."""

import keras
from keras import ops

from tfstyle.layers.normalization import _normalize


def _as_map(statistic):
    """(B, C) statistics broadcast over space; (B, H, W, C) maps (masks) pass through."""
    statistic = ops.cast(statistic, "float32")
    return statistic[:, None, None, :] if len(statistic.shape) == 2 else statistic


@keras.saving.register_keras_serializable(package="tfstyle")
class AdaptiveInstanceNormalization(keras.layers.Layer):
    """`AdaIN(x, y) = sigma(y) * (x - mu(x)) / sigma(x) + mu(y)`, per channel over space.

    Called on `[content_features, style_mean, style_std]`. The style statistics are
    (B, C), or (B, H, W, C) maps at the features' resolution, so that regions of one
    image take different styles (spatial control with masks). The content statistics
    are float32 and, like those of instance norm, can be recorded on one image and
    given to another (`layers.normalization.given_statistics`: the tiles of a photo).

    Args:
        epsilon: added to the content variance (the style std carries its own).
    """

    def __init__(self, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        content, style_mean, style_std = inputs
        out = _normalize(content, self.epsilon, _as_map(style_std), _as_map(style_mean))
        return ops.cast(out, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}
