"""Mirror padding: the border of most generators here (it teaches no dark frame, unlike zeros)."""

import tensorflow as tf
from keras import ops

from tfstyle.ops.fused import fused_kernels_on


def mirror_pad(x, margin):
    """(B, H, W, C) mirrored by `margin` pixels (an int or a scalar tensor) at every
    side, without repeating the edge pixel; exported as MirrorPad / ONNX Pad reflect.
    Inside `fused_kernels` (Keras inference, training steps) an int margin takes
    `_sliced_mirror_pad`, the same values 2-3x faster."""
    if isinstance(margin, int) and margin > 0 and fused_kernels_on():
        return _sliced_mirror_pad(x, margin)
    return ops.pad(x, [[0, 0], [margin, margin], [margin, margin], [0, 0]], mode="reflect")


def _sliced_mirror_pad(x, margin):
    """The reflect pad as reversed edge slices and one concatenation per axis (TF's
    MirrorPad kernel is 2x slower in float32 and 3x in bfloat16 at 1024 px), with
    MirrorPadGrad as its gradient (slice gradients would cost full-size tensors)."""
    paddings = [[0, 0], [margin, margin], [margin, margin], [0, 0]]

    @tf.custom_gradient
    def pad(x):
        top, bottom = x[:, 1 : margin + 1], x[:, -margin - 1 : -1]
        y = tf.concat([tf.reverse(top, [1]), x, tf.reverse(bottom, [1])], axis=1)
        left, right = y[:, :, 1 : margin + 1], y[:, :, -margin - 1 : -1]
        y = tf.concat([tf.reverse(left, [2]), y, tf.reverse(right, [2])], axis=2)

        def grad(dy):
            return tf.raw_ops.MirrorPadGrad(input=dy, paddings=paddings, mode="REFLECT")

        return y, grad

    return pad(x)
