r"""Stylise images with a trained feed-forward network in any format.

Examples:
    python scripts/stylize.py --model runs/johnson_mosaic --input photo.jpg --output out.jpg
    python scripts/stylize.py --model exported/johnson_mosaic/tflite/model_float16.tflite \
        --input photos/ --output stylized/ --strength 0.8
    python scripts/stylize.py --model exported/johnson_mosaic/model.onnx --input big.jpg \
        --output big_mosaic.jpg --tile 512 --overlap 64 --preserve_color
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer, stylize_image
from tfstyle.io import check_output_path, list_images, load_image, save_image

_MODEL = flags.DEFINE_string(
    "model", None, "Run folder, .keras, .weights.h5, SavedModel, .tflite or .onnx."
)
_INPUT = flags.DEFINE_string("input", None, "Image file or folder of images.")
_OUTPUT = flags.DEFINE_string("output", None, "Output file (or folder when --input is a folder).")
_MAX_SIZE = flags.DEFINE_integer(
    "max_size", None, "Downscale inputs whose longer side is larger.", lower_bound=16
)
_TILE = flags.DEFINE_integer(
    "tile", None, "Tile side for large images (auto above 1024x1024).", lower_bound=32
)
_OVERLAP = flags.DEFINE_integer("overlap", 64, "Tile overlap in pixels.", lower_bound=0)
_STRENGTH = flags.DEFINE_float(
    "strength", 1.0, "Style strength in [0, 1].", lower_bound=0.0, upper_bound=1.0
)
_PRESERVE_COLOR = flags.DEFINE_bool("preserve_color", False, "Keep the input's colours.")
_THREADS = flags.DEFINE_integer(
    "threads", None, "Threads for TFLite / ONNX Runtime.", lower_bound=1
)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")

flags.mark_flags_as_required(["model", "input", "output"])


def plan(input_path, output_path, overwrite):
    """[(input, output)] pairs, all checked before any work is done."""
    if os.path.isdir(input_path):
        inputs = list_images(input_path)
        if not inputs:
            raise InvalidArgumentError(f"no .jpg/.png images in '{input_path}'")
        if os.path.splitext(output_path)[1]:
            raise InvalidArgumentError(
                f"--input is a folder, so --output must be a folder, got '{output_path}'"
            )
        pairs = [(p, os.path.join(output_path, os.path.relpath(p, input_path))) for p in inputs]
    else:
        if not os.path.exists(input_path):
            raise InvalidArgumentError(f"input '{input_path}' does not exist")
        if os.path.isdir(output_path):
            output_path = os.path.join(output_path, os.path.basename(input_path))
        pairs = [(input_path, output_path)]
    for _, out in pairs:
        check_output_path(out, overwrite)
    return pairs


def main(argv):
    pairs = plan(_INPUT.value, _OUTPUT.value, _OVERWRITE.value)
    stylizer = load_stylizer(_MODEL.value, num_threads=_THREADS.value)
    for source, target in pairs:
        image = load_image(source, max_side=_MAX_SIZE.value)
        result = stylize_image(
            stylizer,
            image,
            tile=_TILE.value,
            overlap=_OVERLAP.value,
            strength=_STRENGTH.value,
            preserve_color=_PRESERVE_COLOR.value,
        )
        save_image(target, result, overwrite=_OVERWRITE.value)
        print(f"wrote {target} ({result.shape[1]}x{result.shape[0]}, {stylizer.kind})")


if __name__ == "__main__":
    cli.run(main)
