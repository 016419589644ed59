r"""Stylise images with a trained feed-forward network in any format.

Serves every model of the zoo: one-style (Johnson), N-style (conditional instance
norm: --style_weights), arbitrary-style (AdaIN, MetaNet: --style, --alpha, --masks).

Serves the image-to-image GANs too: pix2pix, CycleGAN in either direction
(--direction a_to_b | b_to_a), MUNIT with random styles (--style random --samples N
--seed S: a grid) or the style of a reference image (--style PATH); and the
super-resolution networks, whose output is --scale times the input (tiles are taken
in input pixels).

Examples:
    # the network bundled with the package (no training, no VGG weights)
    python scripts/stylize.py --model pretrained:mosaic --input photo.jpg --output out.jpg
    python scripts/stylize.py --model runs/johnson_mosaic --input photo.jpg --output out.jpg
    python scripts/stylize.py --model exported/johnson_mosaic/tflite/model_float16.tflite \
        --input photos/ --output stylized/ --strength 0.8
    python scripts/stylize.py --model exported/johnson_mosaic/model.onnx --input big.jpg \
        --output big_mosaic.jpg --tile 512 --overlap 64 --preserve_color
    # N styles: one of them, or a blend (indices, or names for a run folder)
    python scripts/stylize.py --model runs/cin_4styles --style_weights 0:0.5,3:0.5 \
        --input photo.jpg --output blend.jpg
    # Any style (AdaIN or MetaNet run): several styles with weights, alpha, masks
    python scripts/stylize.py --model runs/adain --input photo.jpg --style starry_night \
        --alpha 0.6 --output out.jpg
    python scripts/stylize.py --model runs/adain --input photo.jpg --style wave,candy \
        --masks sky.png,ground.png --output regions.jpg
    # CycleGAN: paintings -> photos with the second generator
    python scripts/stylize.py --model runs/cyclegan --direction b_to_a --input art.jpg \
        --output photo.jpg
    # MUNIT: four random styles of one photo in a grid (input | 4 styles | reference)
    python scripts/stylize.py --model runs/munit --input photo.jpg --output grid.png \
        --direction a_to_b --style random --samples 4 --seed 0
    python scripts/stylize.py --model runs/munit --input photo.jpg --output out.png \
        --style starry_night
    # Super-resolution: x4 with the exported TFLite upscaler (refused if it is not x4)
    python scripts/stylize.py --model exported/srresnet_x4/tflite/model_float16.tflite \
        --scale 4 --input small.jpg --output large.png
"""

import os

import numpy as np
from absl import flags

from tfstyle import cli
from tfstyle.assets import resolve_style
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer, stylize_image
from tfstyle.inference.tiling import padded_size
from tfstyle.io import check_output_path, list_images, load_image, save_image
from tfstyle.io.images import DEFAULT_MAX_PIXELS

_MODEL = flags.DEFINE_string(
    "model",
    None,
    "Run folder, .keras, .weights.h5, SavedModel, .tflite, .onnx, or a bundled network: "
    "pretrained:NAME.",
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
_STATISTICS_SIDE = flags.DEFINE_integer(
    "statistics_side",
    1024,
    "With --noexact_tiles, tiles share the instance-norm statistics of the whole image "
    "downscaled to this longer side; the image's own side matches the untiled output "
    "(more memory).",
    lower_bound=64,
)
_EXACT_TILES = flags.DEFINE_bool(
    "exact_tiles",
    True,
    "Tiles reproduce the untiled output where the model has head / body / tail "
    "endpoints (statistics measured tile by tile at full size: about three times the "
    "untiled time); --noexact_tiles shares those of the image downscaled to "
    "--statistics_side instead (faster, not exact).",
)
_STRENGTH = flags.DEFINE_float(
    "strength", 1.0, "Style strength in [0, 1].", lower_bound=0.0, upper_bound=1.0
)
_PRESERVE_COLOR = flags.DEFINE_bool("preserve_color", False, "Keep the input's colours.")
_THREADS = flags.DEFINE_integer(
    "threads", None, "Threads for TFLite / ONNX Runtime.", lower_bound=1
)
_PRECISION = flags.DEFINE_enum(
    "precision",
    "auto",
    ["auto", "float32", "bfloat16"],
    "Keras networks' compute: auto = bfloat16 where the CPU has it natively (Johnson/CIN).",
)
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")
_STYLE = flags.DEFINE_list(
    "style",
    None,
    "Arbitrary-style models: style image(s), bundled names or paths. MUNIT: 'random' "
    "(default) or one reference image of the target domain.",
)
_SAMPLES = flags.DEFINE_integer(
    "samples",
    1,
    "MUNIT: random styles per input; above 1 the output is a grid "
    "(input | styles | the --style reference, if one).",
    lower_bound=1,
    upper_bound=16,
)
_SEED = flags.DEFINE_integer("seed", None, "MUNIT: seed of the random style codes (default 0).")
_STYLE_WEIGHTS = flags.DEFINE_string(
    "style_weights",
    None,
    "Weights over styles, 'i:w,j:w' (or one index): the rows of an N-style network "
    "(indices or its style names) or the --style images.",
)
_STYLE_SIZE = flags.DEFINE_integer(
    "style_size", 512, "Longer side the style images are resized to.", lower_bound=32
)
_ALPHA = flags.DEFINE_float(
    "alpha", 1.0, "AdaIN style strength in feature space.", lower_bound=0.0, upper_bound=1.0
)
_DIRECTION = flags.DEFINE_enum(
    "direction",
    None,
    ["a_to_b", "b_to_a"],
    "Two-way networks (CycleGAN): which generator translates (default a_to_b).",
)
_SCALE = flags.DEFINE_integer(
    "scale",
    None,
    "Upscalers: the factor expected; a network of another scale is refused.",
    lower_bound=1,
)
_MASKS = flags.DEFINE_list(
    "masks", None, "One mask image per --style (white = that style); Keras AdaIN models."
)

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


def parse_style_weights(text, count, names=()):
    """'0:0.5,3:0.5' (or '2', or 'mosaic:1') -> a vector of `count` weights."""
    weights = np.zeros(count, np.float32)
    for part in text.split(","):
        key, _, value = part.strip().partition(":")
        if key in names:
            index = list(names).index(key)
        else:
            try:
                index = int(key)
            except ValueError:
                known = f" ({', '.join(names)})" if names else ""
                raise InvalidArgumentError(
                    f"--style_weights: '{key}' is not a style index or name{known}"
                ) from None
        try:
            weight = float(value) if value else 1.0
        except ValueError:
            raise InvalidArgumentError(f"--style_weights: '{value}' is not a number") from None
        if not 0 <= index < count:
            raise InvalidArgumentError(
                f"--style_weights: index {index} is out of range for {count} styles"
            )
        if weight < 0:
            raise InvalidArgumentError("--style_weights must be non-negative")
        weights[index] += weight
    if weights.sum() <= 0:
        raise InvalidArgumentError("--style_weights must have a positive weight")
    return weights


def _load_styles():
    if not _STYLE.value:
        raise InvalidArgumentError("this model stylises with any style: pass --style IMAGE")
    return [load_image(resolve_style(s), max_side=_STYLE_SIZE.value) for s in _STYLE.value]


def _load_masks(count):
    if len(_MASKS.value) != count:
        raise InvalidArgumentError(f"--masks has {len(_MASKS.value)} images for {count} styles")
    return [load_image(path, max_side=1024).mean(axis=-1) for path in _MASKS.value]


def choose_direction(stylizer):
    """Binds the endpoint of --direction on a two-way network (CycleGAN, MUNIT)."""
    from tfstyle.models.cyclegan.cyclegan import A_TO_B, B_TO_A, DIRECTION_ENDPOINTS
    from tfstyle.models.serving import MAIN

    endpoints = stylizer.endpoints
    if B_TO_A in endpoints and MAIN not in endpoints:  # e.g. b_to_a.onnx
        if _DIRECTION.value == A_TO_B:
            raise InvalidArgumentError(
                f"'{_MODEL.value}' translates b_to_a only; the a_to_b network is the "
                "export's model file (model.onnx, tflite/model_*.tflite)"
            )
        return stylizer.bind(B_TO_A)
    if _DIRECTION.value is None:
        return stylizer
    if B_TO_A not in endpoints:
        if _DIRECTION.value == A_TO_B:
            return stylizer
        raise InvalidArgumentError(
            "--direction b_to_a needs a two-way network (a CycleGAN or MUNIT run, its "
            f"SavedModel or b_to_a file); '{_MODEL.value}' translates one way"
        )
    return stylizer.bind(DIRECTION_ENDPOINTS[_DIRECTION.value])


def multimodal_styles(stylizer):
    """MUNIT: one stylizer per output, each bound to a style code: --samples codes drawn
    from N(0, I) with --seed, then (with --style PATH) the reference image's code."""
    from tfstyle.models.munit.munit import STYLE_CODE, random_style_codes

    if _STYLE_WEIGHTS.value or _MASKS.value:
        raise InvalidArgumentError(
            "--style_weights and --masks do not apply to MUNIT: pass --style random or "
            "--style IMAGE"
        )
    styles = _STYLE.value or ["random"]
    if len(styles) > 1:
        raise InvalidArgumentError(
            f"MUNIT takes one --style (random or a reference image), got {len(styles)}"
        )
    reference = None if styles[0] == "random" else styles[0]
    dim = stylizer.input_size(STYLE_CODE, stylizer.endpoint)
    count = _SAMPLES.value if reference is None or _SAMPLES.value > 1 else 0
    codes = random_style_codes(count, dim, 0 if _SEED.value is None else _SEED.value)
    if reference is not None:
        codes = np.concatenate([codes, reference_style_code(stylizer, reference)])
    return [stylizer.bind(stylizer.endpoint, style_code=code[None]) for code in codes]


def reference_style_code(stylizer, reference):
    """The style code of a reference image, by the target domain's style encoder."""
    from tfstyle.models.munit.munit import B_TO_A, STYLE_CODE

    target = "a" if stylizer.endpoint == B_TO_A else "b"
    encoder = f"encode_style_{target}"
    if encoder not in stylizer.endpoints:
        raise InvalidArgumentError(
            f"'{_MODEL.value}' holds the translation only; a reference --style needs the "
            f"{encoder} endpoint: pass the run folder, the .keras file or the SavedModel "
            "(or --style random)"
        )
    image = load_image(resolve_style(reference), max_side=_STYLE_SIZE.value)
    return stylizer.run(encoder, image=image[None])[STYLE_CODE]


def check_unimodal(stylizer):
    if _SAMPLES.value > 1 or _SEED.value is not None:
        raise InvalidArgumentError(
            "--samples and --seed draw random styles of multimodal networks (MUNIT); "
            f"'{_MODEL.value}' is not one"
        )
    if _STYLE.value == ["random"]:
        raise InvalidArgumentError(
            f"--style random is for multimodal networks (MUNIT); '{_MODEL.value}' is not one"
        )


def configure(stylizer):
    """Binds the style inputs the model needs; returns (stylizer, per-image hook or None).

    The hook maps an input image to a stylizer (masks depend on the image size)."""
    inputs, endpoints = stylizer.inputs, stylizer.endpoints
    if "image" not in inputs:
        raise InvalidArgumentError(
            f"'{_MODEL.value}' makes images from {', '.join(inputs)}, not from an image: "
            "draw samples with scripts/generate.py"
        )
    if "style_weights" in inputs:  # N-style network
        count = stylizer.input_size("style_weights")
        names = tuple(stylizer.run_config.get("styles") or ())
        if not _STYLE_WEIGHTS.value:
            listed = ", ".join(f"{i}:{n}" for i, n in enumerate(names)) or f"0..{count - 1}"
            raise InvalidArgumentError(
                f"this network has {count} styles ({listed}): pass --style_weights, e.g. 0 or 0:0.5,1:0.5"
            )
        weights = parse_style_weights(_STYLE_WEIGHTS.value, count, names)
        return stylizer.bind(style_weights=(weights / weights.sum())[None]), None
    if "style" not in inputs:  # one-style network
        if _STYLE.value or _STYLE_WEIGHTS.value or _MASKS.value:
            raise InvalidArgumentError(
                "this network has one fixed style: --style, --style_weights and --masks do not apply"
            )
        return stylizer, None
    styles = _load_styles()
    weights = (
        parse_style_weights(_STYLE_WEIGHTS.value, len(styles))
        if _STYLE_WEIGHTS.value
        else np.ones(len(styles), np.float32)
    )
    alpha = {"alpha": np.array([_ALPHA.value], np.float32)} if "alpha" in inputs else {}
    if "style_statistics" not in endpoints or "stylize_with_statistics" not in endpoints:
        if len(styles) > 1 or _MASKS.value:
            raise InvalidArgumentError(
                "this model file takes one style image; several styles and --masks need "
                "the Keras model (run folder) or the SavedModel"
            )
        return stylizer.bind(style=styles[0][None], **alpha), None
    from tfstyle.models.adain import blend_statistics, region_statistics

    stats = [stylizer.run("style_statistics", style=s[None]) for s in styles]
    if not _MASKS.value:
        blended = blend_statistics(stats, weights)
        return stylizer.bind("stylize_with_statistics", **blended, **alpha), None
    if stylizer.model is None:
        raise InvalidArgumentError("--masks needs the Keras model (a run folder or .keras file)")
    masks = [m * w for m, w in zip(_load_masks(len(styles)), weights, strict=True)]

    def for_image(image):
        # Masks cover the image; the padding the network adds repeats their edges.
        h, w = (-(-d // 8) for d in image.shape[:2])
        ph, pw = (d // 8 for d in padded_size(*image.shape[:2]))
        maps = {
            k: np.pad(v, ((0, 0), (0, ph - h), (0, pw - w), (0, 0)), mode="edge")
            for k, v in region_statistics(stats, masks, (h, w)).items()
        }
        return stylizer.bind("stylize_with_statistics", **maps, **alpha)

    return stylizer, for_image


# Outputs above this many pixels are refused, as inputs are (10000 x 10000 float32 RGB
# is 1.2 GB).
MAX_OUTPUT_PIXELS = DEFAULT_MAX_PIXELS


def check_scale(stylizer):
    """Refuses a network whose scale is not --scale (when given)."""
    if _SCALE.value is None or stylizer.scale == _SCALE.value:
        return
    kind = f"upscales x{stylizer.scale}" if stylizer.scale > 1 else "does not upscale"
    raise InvalidArgumentError(f"'{_MODEL.value}' {kind}, not x{_SCALE.value} (--scale)")


def check_output_size(image, scale, source):
    h, w = image.shape[:2]
    if h * w * scale * scale > MAX_OUTPUT_PIXELS:
        raise InvalidArgumentError(
            f"'{source}' would give a {w * scale}x{h * scale} output (over "
            f"{MAX_OUTPUT_PIXELS // 1_000_000} megapixels); downscale it with --max_size"
        )


def main(argv):
    pairs = plan(_INPUT.value, _OUTPUT.value, _OVERWRITE.value)
    if _MASKS.value and _TILE.value:
        raise InvalidArgumentError("--masks stylises whole images: drop --tile")
    stylizer = choose_direction(
        load_stylizer(_MODEL.value, num_threads=_THREADS.value, precision=_PRECISION.value)
    )
    if "style_code" in stylizer.inputs:
        stylizers, for_image = multimodal_styles(stylizer), None
    else:
        check_unimodal(stylizer)
        stylizer, for_image = configure(stylizer)
        stylizers = [stylizer]
    check_scale(stylizers[0])
    for source, target in pairs:
        image = load_image(source, max_side=_MAX_SIZE.value)
        check_output_size(image, stylizers[0].scale, source)
        tile = _TILE.value
        if for_image is not None:
            stylizers, tile = [for_image(image)], max(image.shape[:2]) + 2 * _OVERLAP.value
        results = [
            stylize_image(
                s,
                image,
                tile=tile,
                overlap=_OVERLAP.value,
                strength=_STRENGTH.value,
                preserve_color=_PRESERVE_COLOR.value,
                statistics_side=_STATISTICS_SIDE.value,
                exact=_EXACT_TILES.value,
            )
            for s in stylizers
        ]
        # Several styles of one input (MUNIT --samples): input | styles, side by side.
        result = results[0] if len(results) == 1 else np.concatenate([image, *results], axis=1)
        save_image(target, result, overwrite=_OVERWRITE.value)
        print(f"wrote {target} ({result.shape[1]}x{result.shape[0]}, {stylizer.kind})")


if __name__ == "__main__":
    cli.run(main)
