"""Mirror padding: the border of most generators here (it teaches no dark frame, unlike zeros)."""

from keras import ops


def mirror_pad(x, margin):
    """(B, H, W, C) mirrored by `margin` pixels (an int or a scalar tensor) at every
    side, without repeating the edge pixel; exported as MirrorPad / ONNX Pad reflect."""
    return ops.pad(x, [[0, 0], [margin, margin], [margin, margin], [0, 0]], mode="reflect")
