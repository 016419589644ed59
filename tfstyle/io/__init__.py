"""Reading and writing images safely: any mode in, float32 RGB [0, 1] out."""

from tfstyle.io.images import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,
    atomic_write,
    check_output_path,
    list_images,
    load_image,
    save_image,
)

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "atomic_write",
    "check_output_path",
    "list_images",
    "load_image",
    "save_image",
]
