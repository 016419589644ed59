r"""Draw images from a trained noise-to-image generator (DCGAN) in any format.

Examples:
    python scripts/generate.py --model runs/dcgan_mnist --output digits.png
    python scripts/generate.py --model exported/dcgan/tflite/model_float16.tflite \
        --count 100 --columns 10 --seed 3 --output grid.png
    python scripts/generate.py --model runs/dcgan_mnist --output samples/ --count 16

One grid image when --output is a file, one image per sample when it is a folder.
"""

import os

import numpy as np
from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer
from tfstyle.io import check_output_path, save_image
from tfstyle.models import serving
from tfstyle.networks.dcgan import LATENT

_MODEL = flags.DEFINE_string("model", None, "Run folder, .keras, SavedModel, .tflite or .onnx.")
_OUTPUT = flags.DEFINE_string("output", None, "Grid image file, or a folder for single images.")
_COUNT = flags.DEFINE_integer("count", 64, "Images to draw.", lower_bound=1, upper_bound=10_000)
_COLUMNS = flags.DEFINE_integer("columns", 8, "Columns of the grid.", lower_bound=1)
_SEED = flags.DEFINE_integer("seed", 0, "Seed of the noise.")
_SCALE = flags.DEFINE_integer("scale", 2, "Grid pixels per image pixel.", lower_bound=1)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")

flags.mark_flags_as_required(["model", "output"])


def main(argv):
    folder = not os.path.splitext(_OUTPUT.value)[1]
    targets = (
        [os.path.join(_OUTPUT.value, f"{i:05d}.png") for i in range(_COUNT.value)]
        if folder
        else [_OUTPUT.value]
    )
    for target in targets:
        check_output_path(target, _OVERWRITE.value)
    generator = load_stylizer(_MODEL.value)
    names = generator.endpoints.get(serving.MAIN, ())
    if LATENT not in names:
        raise InvalidArgumentError(
            f"'{_MODEL.value}' is not a noise-to-image generator (it takes {', '.join(names)}); "
            "image-to-image networks run with scripts/stylize.py"
        )
    latent = generator.input_size(LATENT)
    z = np.random.default_rng(_SEED.value).standard_normal((_COUNT.value, latent))
    # One z per call: fixed-batch formats (TFLite) and big counts alike.
    images = np.concatenate(
        [generator.run(z=z[i : i + 1].astype(np.float32))[serving.IMAGE] for i in range(len(z))]
    )
    images = np.clip(images, 0.0, 1.0)
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    if folder:
        for image, target in zip(images, targets, strict=True):
            save_image(target, image, overwrite=_OVERWRITE.value)
        print(f"wrote {len(images)} images to {_OUTPUT.value}")
        return
    columns = min(_COLUMNS.value, len(images))
    rows = -(-len(images) // columns)
    pad = rows * columns - len(images)
    images = np.concatenate([images, np.zeros((pad,) + images.shape[1:], images.dtype)])
    h, w = images.shape[1:3]
    grid = (
        images.reshape(rows, columns, h, w, 3)
        .transpose(0, 2, 1, 3, 4)
        .reshape(rows * h, columns * w, 3)
    )
    grid = np.repeat(np.repeat(grid, _SCALE.value, axis=0), _SCALE.value, axis=1)
    save_image(_OUTPUT.value, grid, overwrite=_OVERWRITE.value)
    print(f"wrote {_OUTPUT.value} ({rows} x {columns} images of {w}x{h})")


if __name__ == "__main__":
    cli.run(main)
