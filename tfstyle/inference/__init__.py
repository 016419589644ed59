"""Running trained networks from any format, on images of any size."""

from tfstyle.inference.runners import MODEL_KINDS, Stylizer, detect_model_kind, load_stylizer
from tfstyle.inference.tiling import stylize_image

__all__ = ["MODEL_KINDS", "Stylizer", "detect_model_kind", "load_stylizer", "stylize_image"]
