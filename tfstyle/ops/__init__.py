"""Image operations shared by several models and scripts (colour, resizing, blur, mirror padding)."""

from tfstyle.ops.blur import gaussian_blur
from tfstyle.ops.color import preserve_color
from tfstyle.ops.pad import mirror_pad
from tfstyle.ops.resize import resize_shorter_side, resize_to_max_side, resize_to_shape

__all__ = [
    "gaussian_blur",
    "mirror_pad",
    "preserve_color",
    "resize_shorter_side",
    "resize_to_max_side",
    "resize_to_shape",
]
