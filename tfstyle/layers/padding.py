"""Reflection padding: avoids the dark borders that zero padding teaches a generator."""

import keras

from tfstyle.ops.pad import mirror_pad


@keras.saving.register_keras_serializable(package="tfstyle")
class ReflectionPadding2D(keras.layers.Layer):
    """Pads height and width by mirroring the image (exported as MirrorPad / ONNX Pad reflect).

    Args:
        padding: pixels added on each side (int).
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        return mirror_pad(x, self.padding)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        grow = lambda n: None if n is None else n + 2 * self.padding
        return (b, grow(h), grow(w), c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
