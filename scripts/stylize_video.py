r"""Stylise a video (or a folder of frames) with any feed-forward network of the zoo, in
any format, with temporal consistency.

Every frame goes through the network as `stylize.py` runs an image (same model flags:
--style, --style_weights, --alpha, --direction, --strength, --preserve_color, --tile);
then the previous output, carried along the optical flow (OpenCV DIS) between the
input frames, is blended in where the flow is reliable (--temporal_weight; 0 =
frame by frame). Keras networks normalise every frame with the instance-norm
statistics of the clip's first frame (--share_statistics), so the tone does not
flicker. Frames stream: memory does not grow with the clip. The audio track is kept.

Examples:
    python scripts/stylize_video.py --model runs/johnson_mosaic --input clip.mp4 --output out.mp4
    python scripts/stylize_video.py --model exported/johnson_mosaic/model.onnx --input clip.mp4 \
        --output out.mp4 --max_size 512 --temporal_weight 0.6 --report
    # frames in and out; a killed run (video or frames) continues where it stopped
    python scripts/stylize_video.py --model runs/adain --style wave --input frames/ --output styled/
"""

import os

import stylize as image_program  # the image program's model flags and binding
from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer, stylize_image
from tfstyle.inference.tiling import with_image_statistics
from tfstyle.io.video import (
    FrameWriter,
    check_video_output,
    is_video_path,
    probe,
    read_frames,
)

_TEMPORAL_WEIGHT = flags.DEFINE_float(
    "temporal_weight",
    0.5,
    "Weight of the previous output, warped along the flow, where the flow is reliable "
    "(0: frame by frame).",
    lower_bound=0.0,
    upper_bound=0.95,
)
_FLOW_PRESET = flags.DEFINE_enum(
    "flow_preset", "medium", ["ultrafast", "fast", "medium"], "OpenCV DIS optical flow preset."
)
_SHARE_STATISTICS = flags.DEFINE_bool(
    "share_statistics",
    True,
    "Normalise every frame with the first frame's instance-norm statistics (every format).",
)
_REPORT = flags.DEFINE_bool(
    "report", False, "Print the warping error of the output (Lai et al. 2018) at the end."
)
_MAX_FRAMES = flags.DEFINE_integer(
    "max_frames", None, "Stop after this many frames.", lower_bound=1
)

P = image_program


def _check_paths():
    source, target = P._INPUT.value, P._OUTPUT.value
    if not os.path.exists(source):
        raise InvalidArgumentError(f"input '{source}' does not exist")
    if not os.path.isdir(source) and not is_video_path(source):
        raise InvalidArgumentError(
            f"input '{source}' is not a video ({', '.join(('.mp4', '.mov', '.mkv', '...'))}) "
            "or a folder of frames; images go through scripts/stylize.py"
        )
    check_video_output(target, P._OVERWRITE.value)
    return source, target


def _frame_function(stylizer):
    def run(frame):
        return stylize_image(
            stylizer,
            frame,
            tile=P._TILE.value,
            overlap=P._OVERLAP.value,
            strength=P._STRENGTH.value,
            preserve_color=P._PRESERVE_COLOR.value,
        )

    return run


def main(argv):
    from tfstyle.video import DISFlow, stylize_frames

    if P._MASKS.value:
        raise InvalidArgumentError("--masks is for images (scripts/stylize.py)")
    source, target = _check_paths()
    info = probe(source)
    stylizer = load_stylizer(
        P._MODEL.value, num_threads=P._THREADS.value, precision=P._PRECISION.value
    )
    stylizer, _ = P.configure(P.choose_direction(stylizer))
    P.check_scale(stylizer)
    total = min(info.frames or 0, _MAX_FRAMES.value or 10**9) or None
    share = _SHARE_STATISTICS.value and stylizer.scale == 1
    with FrameWriter(
        target,
        fps=info.fps,
        audio_from=source if is_video_path(source) else None,
        overwrite=P._OVERWRITE.value,
    ) as writer:
        start = writer.count  # frames a killed run finished (0 for a new output)
        if start and total and start >= total:
            print(f"{target}: {start} frames were done; finishing")
        frames = read_frames(source, max_side=P._MAX_SIZE.value, start=max(start - 1, 0))
        seed = None
        if start:  # resume: the last written output and its input frame seed the blending
            seed = (next(frames), writer.last_frame())
            print(f"resuming {target} at frame {start}")
        progress = cli.Progress(total or 1, initial=start, label="frames ", unit="frame")
        written = start
        run = _frame_function(stylizer)
        if share:
            # The clip's first frame's statistics, taken once, normalise every frame.
            first = next(read_frames(source, max_side=P._MAX_SIZE.value))
            shared = with_image_statistics(stylizer, first, P._STATISTICS_SIDE.value)
            run = _frame_function(shared or stylizer)
        outputs = stylize_frames(
            frames,
            run,
            weight=_TEMPORAL_WEIGHT.value,
            estimator=DISFlow(_FLOW_PRESET.value),
            measure=_REPORT.value,
            seed=seed,
        )
        error, out = None, None
        for out, error_so_far in outputs:
            writer.write(out)
            error = error_so_far
            written += 1
            progress.update(written)
            if _MAX_FRAMES.value and written >= _MAX_FRAMES.value:
                break
    size = f", {out.shape[1]}x{out.shape[0]}" if out is not None else ""
    print(f"wrote {target} ({written} frames{size}, {stylizer.kind})")
    if _REPORT.value:
        value = "n/a (fewer than two frames)" if error is None else f"{error:.6f}"
        print(f"warping error {value} (DIS {_FLOW_PRESET.value} flow on the input frames)")


if __name__ == "__main__":
    cli.run(main)
