r"""Gatys et al. style transfer, texture synthesis or feature inversion of one image.

Examples:
    python scripts/stylize_gatys.py --content photo.jpg --style starry_night --output out.png
    python scripts/stylize_gatys.py --content photo.jpg --style wave,candy \
        --style_weights 0.7,0.3 --output blend.png --preserve_color
    python scripts/stylize_gatys.py --mode texture --style mosaic --output texture.png
    python scripts/stylize_gatys.py --mode invert --content photo.jpg --layer relu3_1 \
        --output inverted.png
    # a video (or a folder of frames), temporally consistent (Ruder et al.)
    python scripts/stylize_gatys.py --content clip.mp4 --style starry_night --output out.mp4 \
        --image_size 256 --steps 200 --later_steps 100
"""

import os

from absl import flags

from tfstyle import cli
from tfstyle.assets import resolve_photo, resolve_style
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import check_output_path, load_image, save_image
from tfstyle.io.video import FrameWriter, check_video_output, is_video_path, probe, read_frames
from tfstyle.models.gatys import (
    RUDER_TEMPORAL_WEIGHT,
    GatysRunConfig,
    run_gatys,
    run_gatys_video,
    size_schedule,
)

_CONTENT = flags.DEFINE_string("content", None, "Content photo: a path or a bundled photo name.")
_STYLE = flags.DEFINE_list("style", [], "Style image(s): bundled names or paths, comma-separated.")
_STYLE_WEIGHTS = flags.DEFINE_string("style_weights", "", "Blend weights, e.g. 0.7,0.3.")
_OUTPUT = flags.DEFINE_string(
    "output", None, "Output image (.png or .jpg); a video or a folder for a video --content."
)
_MODE = flags.DEFINE_enum("mode", "stylize", ["stylize", "texture", "invert"], "What to optimise.")
_LAYER = flags.DEFINE_string("layer", "block4_conv2", "Layer whose features --mode invert matches.")
_IMAGE_SIZE = flags.DEFINE_integer("image_size", 512, "Longer side of the output.", lower_bound=32)
_STEPS = flags.DEFINE_integer(
    "steps", 500, "Optimisation steps (at the first size).", lower_bound=1
)
_OPTIMIZER = flags.DEFINE_enum("optimizer", "lbfgs", ["lbfgs", "adam"], "Optimiser.")
_LEARNING_RATE = flags.DEFINE_float("learning_rate", 0.02, "Adam learning rate.", lower_bound=0)
_CONTENT_WEIGHT = flags.DEFINE_float(
    "content_weight", GatysRunConfig.content_weight, "Content weight (alpha).", lower_bound=0
)
_STYLE_WEIGHT = flags.DEFINE_float(
    "style_weight", GatysRunConfig.style_weight, "Style weight (beta).", lower_bound=0
)
_NORMALIZATION = flags.DEFINE_enum(
    "normalization",
    "mean",
    ["mean", "gatys"],
    "Loss normalisation: mean (neural-style, same look at every size) or gatys (paper sums).",
)
_TV_WEIGHT = flags.DEFINE_float("tv_weight", 0.0, "Total variation weight.", lower_bound=0)
_STYLE_SCALE = flags.DEFINE_float("style_scale", 1.0, "Style image size relative to output.")
_INIT = flags.DEFINE_string(
    "init", None, "content | noise | PATH (default: content; noise for texture and invert)."
)
_PRESERVE_COLOR = flags.DEFINE_bool("preserve_color", False, "Keep the content's colours.")
_COARSE_TO_FINE = flags.DEFINE_bool(
    "coarse_to_fine", True, "Optimise from 512 px upwards for large outputs."
)
_VGG = flags.DEFINE_enum("vgg", "vgg19", ["vgg19", "vgg16"], "Loss network.")
_VGG_WEIGHTS = flags.DEFINE_string("vgg_weights", "imagenet", "imagenet | none | PATH.")
_POOLING = flags.DEFINE_enum("pooling", "avg", ["avg", "max"], "VGG pooling (Gatys: avg).")
_SAVE_EVERY = flags.DEFINE_integer(
    "save_every", 0, "Also save the image every N steps.", lower_bound=0
)
_SEED = flags.DEFINE_integer("seed", None, "Random seed.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace existing output files.")
_JIT = flags.DEFINE_bool("jit_compile", False, "Compile the step with XLA.")
_TEMPORAL_WEIGHT = flags.DEFINE_float(
    "temporal_weight",
    RUDER_TEMPORAL_WEIGHT,
    "Video: weight of Ruder et al.'s temporal loss (default: the paper's 200, converted).",
    lower_bound=0,
)
_LATER_STEPS = flags.DEFINE_integer(
    "later_steps",
    None,
    "Video: steps for every frame after the first (default: half).",
    lower_bound=1,
)
_MAX_FRAMES = flags.DEFINE_integer(
    "max_frames", None, "Video: stop after this many frames.", lower_bound=1
)

flags.mark_flag_as_required("output")


def snapshot_path(output, stage, step):
    stem, ext = os.path.splitext(output)
    return f"{stem}.stage{stage}.step{step:05d}{ext}"


def main(argv):
    mode = _MODE.value
    if mode != "texture" and not _CONTENT.value:
        raise InvalidArgumentError(f"--content is required for --mode {mode}")
    if mode != "invert" and not _STYLE.value:
        raise InvalidArgumentError(f"--style is required for --mode {mode}")
    video = bool(_CONTENT.value) and (
        os.path.isdir(_CONTENT.value) or is_video_path(_CONTENT.value)
    )
    if video:
        check_video_output(_OUTPUT.value, _OVERWRITE.value)
        if mode != "stylize":
            raise InvalidArgumentError("a video --content is stylised in --mode stylize only")
        output = _OUTPUT.value
    else:
        output = check_output_path(_OUTPUT.value, overwrite=_OVERWRITE.value)
    init = _INIT.value
    config = GatysRunConfig(
        mode=mode,
        image_size=_IMAGE_SIZE.value,
        steps=_STEPS.value,
        optimizer=_OPTIMIZER.value,
        learning_rate=_LEARNING_RATE.value,
        content_weight=_CONTENT_WEIGHT.value,
        style_weight=_STYLE_WEIGHT.value,
        tv_weight=_TV_WEIGHT.value,
        invert_layer=_LAYER.value,
        style_weights=cli.parse_weights(_STYLE_WEIGHTS.value, len(_STYLE.value), "style_weights"),
        style_scale=_STYLE_SCALE.value,
        init=init if init in (None, "content", "noise") else load_image(init),
        preserve_color=_PRESERVE_COLOR.value,
        coarse_to_fine=_COARSE_TO_FINE.value,
        architecture=_VGG.value,
        vgg_weights=cli.vgg_weights_flag(_VGG_WEIGHTS.value),
        pooling=_POOLING.value,
        normalization=_NORMALIZATION.value,
        seed=_SEED.value,
        jit_compile=_JIT.value,
    )
    config.validate()
    if video:
        return stylize_video(config, output)
    stages = size_schedule(config.image_size, config.coarse_to_fine)
    if _SAVE_EVERY.value:
        for stage in range(len(stages)):
            steps = config.steps if stage == 0 else max(1, config.steps // 2)
            for step in range(_SAVE_EVERY.value, steps + 1, _SAVE_EVERY.value):
                check_output_path(snapshot_path(output, stage, step), _OVERWRITE.value)

    # Long sides are capped at twice the output: more pixels add nothing but time.
    max_side = 2 * config.image_size
    content = (
        load_image(resolve_photo(_CONTENT.value), max_side=max_side) if _CONTENT.value else None
    )
    styles = (
        [load_image(resolve_style(s), max_side=max_side) for s in _STYLE.value]
        if mode != "invert"
        else []
    )

    bar = {}

    def progress(p):
        if p["step"] == 1:
            print(
                f"stage {p['stage'] + 1}/{p['stages']}: {p['size'][1]}x{p['size'][0]} px, "
                f"{p['steps']} steps ({config.optimizer})"
            )
            bar["bar"] = cli.Progress(p["steps"], initial=1)
        shown = {k: v for k, v in p["logs"].items() if not k.startswith("style/")}
        bar["bar"].update(p["step"], shown)
        if _SAVE_EVERY.value and p["step"] % _SAVE_EVERY.value == 0:
            save_image(snapshot_path(output, p["stage"], p["step"]), p["image"](), _OVERWRITE.value)

    image = run_gatys(content, styles, config, callback=progress)
    save_image(output, image, overwrite=_OVERWRITE.value)
    print(f"wrote {output}")


def stylize_video(config, output):
    """Frames stream in, are optimised one after another, and stream out."""
    info = probe(_CONTENT.value)
    styles = [load_image(resolve_style(s), max_side=2 * config.image_size) for s in _STYLE.value]
    total = min(info.frames or 1, _MAX_FRAMES.value or 10**9)
    frames = read_frames(_CONTENT.value, max_side=2 * config.image_size)
    bar = cli.Progress(total, label="frames ", unit="frame")
    results = run_gatys_video(
        frames,
        styles,
        config,
        temporal_weight=_TEMPORAL_WEIGHT.value,
        later_steps=_LATER_STEPS.value,
    )
    source = _CONTENT.value if is_video_path(_CONTENT.value) else None
    count = 0
    with FrameWriter(output, fps=info.fps, audio_from=source, overwrite=_OVERWRITE.value) as out:
        for image in results:
            out.write(image)
            count += 1
            bar.update(count)
            if _MAX_FRAMES.value and count >= _MAX_FRAMES.value:
                break
    print(f"wrote {output} ({count} frames)")


if __name__ == "__main__":
    cli.run(main)
