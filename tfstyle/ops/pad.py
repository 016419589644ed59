"""Mirror padding: the border of most generators here (it teaches no dark frame, unlike zeros)."""

import contextlib

import keras
import tensorflow as tf
from keras import ops

_tf_pads = False  # inside `tf_pads`


@contextlib.contextmanager
def tf_pads():
    """Context manager: the pads traced inside are one `tf.pad` each (MirrorPad, ONNX
    Pad), not `edge_pad`'s slices. Exports trace two sources inside: the ONNX files'
    (ONNX Runtime runs its Pad faster than the slices: the lite network at 1024 px
    took 1.27x as long with them, on a busy machine) and the full-int8 files'
    (quantised, the slices' concatenations get ranges of their own, and a tile through
    the stage files no longer reproduces the main file: 29 dB against bit-identical on
    the export test's network)."""
    global _tf_pads
    outer, _tf_pads = _tf_pads, True
    try:
        yield
    finally:
        _tf_pads = outer


def mirror_pad(x, margin):
    """(B, H, W, C) mirrored by `margin` pixels (an int or a scalar tensor) at every
    side, without repeating the edge pixel. An int margin takes `edge_pad`: the same
    values as TF's MirrorPad, 2-3x faster in TF and 5-8x in TFLite, whose MIRROR_PAD
    is a reference kernel outside XNNPACK (it cost the lite network a third of its
    TFLite time at 1024 px)."""
    if isinstance(margin, int) and margin > 0:
        return edge_pad(x, margin, "REFLECT")
    return ops.pad(x, [[0, 0], [margin, margin], [margin, margin], [0, 0]], mode="reflect")


def edge_pad(x, margin, mode):
    """`tf.pad(x, ..., mode)` of height and width by an int `margin`, for the modes
    "REFLECT" (the edge pixel not repeated) and "SYMMETRIC" (repeated): edge slices,
    reversed, and one concatenation per axis (slices and concatenations run in
    XNNPACK; a one-pixel margin needs no reversal), with MirrorPadGrad as gradient
    (the slices' own gradients would cost full-size tensors)."""
    paddings = [[0, 0], [margin, margin], [margin, margin], [0, 0]]
    if _tf_pads or isinstance(x, keras.KerasTensor):  # or Keras inferring shapes
        return ops.pad(x, paddings, mode=mode.lower())
    skip = 1 if mode == "REFLECT" else 0

    @tf.custom_gradient
    def pad(x):
        y = x
        for axis in (1, 2):
            head = [slice(None)] * 4
            tail = [slice(None)] * 4
            head[axis] = slice(skip, skip + margin)
            tail[axis] = slice(-margin - skip, -skip or None)
            edges = [y[tuple(head)], y[tuple(tail)]]
            if margin > 1:
                edges = [tf.reverse(e, [axis]) for e in edges]
            y = tf.concat([edges[0], y, edges[1]], axis=axis)

        def grad(dy):
            return tf.raw_ops.MirrorPadGrad(input=dy, paddings=paddings, mode=mode)

        return y, grad

    return pad(x)
