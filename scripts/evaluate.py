r"""Quality metrics of a folder of outputs: PSNR / SSIM and the content distance against
references of the same file name, FID / KID between the two folders as sets, the
style distance to a painting, and the blob area (flat black or white patches).

Examples:
    # an upscaler's outputs against the HR photos (SR protocol: Y channel, 4 px border)
    python scripts/evaluate.py --outputs out/ --references hr/ --metrics psnr,ssim --border 4
    # a translation network's outputs against real images of the target domain
    python scripts/evaluate.py --outputs fakes/ --references real/ --metrics fid,kid \
        --features inception --feature_weights inception_v3_notop.h5 --json scores.json
    # a stylised clip against its input: the warping error (flow on the input frames)
    python scripts/evaluate.py --outputs styled.mp4 --references clip.mp4
    # offline: FID/KID on the zoo's VGG, style/content on the yardstick VGG16
    python scripts/evaluate.py --outputs stylized/ --references photos/ --style starry_night \
        --metrics fid,kid,style,content --features vgg --feature_weights vgg19.weights.h5 \
        --vgg_weights vgg16_imagenet_notop.weights.h5

FID/KID with InceptionV3 follow the papers' definitions but use Keras' ImageNet
InceptionV3, not the TF-1 FID graph: compare these scores with each other, not with
published tables.
"""

import json
import os
import sys

from absl import flags

from tfstyle import cli
from tfstyle.errors import InvalidArgumentError
from tfstyle.io import atomic_write, check_output_path, list_images, load_image
from tfstyle.metrics.feature_networks import FEATURE_NETWORKS
from tfstyle.metrics.folders import METRICS, PAIRED, PER_OUTPUT, SETS, check_metrics

_OUTPUTS = flags.DEFINE_string(
    "outputs", None, "Folder (or one image) of images to judge, or a stylised video."
)
_REFERENCES = flags.DEFINE_string(
    "references",
    None,
    "Folder (or one image) of references: paired by file name, and a set; for a video "
    "output, the input clip (a video or a folder of frames).",
)
_STYLE = flags.DEFINE_string("style", None, "Painting for the style distance (name or path).")
_METRICS = flags.DEFINE_list(
    "metrics",
    None,
    f"Metrics ({', '.join(METRICS)}; warping for a video); default: all the inputs allow.",
)
_FEATURES = flags.DEFINE_enum(
    "features", "inception", FEATURE_NETWORKS, "Feature network of FID and KID."
)
_FEATURE_WEIGHTS = flags.DEFINE_string(
    "feature_weights", "imagenet", "Weights of the feature network: imagenet, a path, or none."
)
_VGG_WEIGHTS = flags.DEFINE_string(
    "vgg_weights", "imagenet", "VGG16 weights of the style/content distance (imagenet|none|PATH)."
)
_BORDER = flags.DEFINE_integer(
    "border", 0, "Pixels shaved off each side before PSNR/SSIM (the SR scale).", lower_bound=0
)
_KID_SUBSETS = flags.DEFINE_integer("kid_subsets", 100, "KID: subsets averaged.", lower_bound=1)
_KID_SUBSET_SIZE = flags.DEFINE_integer(
    "kid_subset_size", 1000, "KID: images per subset (fewer when a set is smaller).", lower_bound=2
)
_JSON = flags.DEFINE_string("json", None, "Also write the results here as JSON.")
_OVERWRITE = flags.DEFINE_bool("overwrite", False, "Replace an existing --json file.")

flags.mark_flags_as_required(["outputs"])

_LABELS = {
    "psnr": ("PSNR (Y)", "dB"),
    "ssim": ("SSIM (Y)", ""),
    "content": ("content distance", ""),
    "style": ("style distance", ""),
    "blobs": ("blob area (fraction in flat black or white patches)", ""),
    "fid": (None, ""),
    "kid": (None, ""),
}


def _images(path, flag):
    if os.path.isfile(path):
        return [path]
    if not os.path.exists(path):
        raise InvalidArgumentError(f"--{flag} '{path}' does not exist")
    found = list_images(path)
    if not found:
        raise InvalidArgumentError(f"--{flag} '{path}' has no .jpg/.jpeg/.png images")
    return found


def evaluate_video():
    """The warping error of a stylised clip against its input clip."""
    from tfstyle.io.video import probe, read_frames
    from tfstyle.video import warping_error

    if not _REFERENCES.value:
        raise InvalidArgumentError("the warping error of a video needs --references (its input)")
    if _METRICS.value and set(_METRICS.value) != {"warping"}:
        raise InvalidArgumentError("a video output is judged by its warping error only")
    probe(_OUTPUTS.value), probe(_REFERENCES.value)  # one clear error for a broken file
    error, frames = warping_error(read_frames(_OUTPUTS.value), read_frames(_REFERENCES.value))
    if error is None:
        raise InvalidArgumentError("the warping error needs at least two frames")
    print(f"{frames} frames")
    print(f"warping error {error:.6f} (DIS flow on the input frames)")
    return {"frames": frames, "warping_error": error}


def main(argv):
    from tfstyle.assets import resolve_style
    from tfstyle.io.video import is_video_path
    from tfstyle.metrics import StyleContentDistance, make_feature_network
    from tfstyle.metrics.folders import evaluate_folders

    if _JSON.value:
        check_output_path(_JSON.value, _OVERWRITE.value, extensions=(".json",))
    if is_video_path(_OUTPUTS.value) or (_METRICS.value or []) == ["warping"]:
        _write_json(evaluate_video())
        return
    outputs = _images(_OUTPUTS.value, "outputs")
    references = _images(_REFERENCES.value, "references") if _REFERENCES.value else None
    metrics = _METRICS.value or [
        m
        for m in METRICS
        if (m in PAIRED + SETS and references) or (m in PER_OUTPUT and _STYLE.value)
    ]
    if not metrics:
        raise InvalidArgumentError("nothing to compute: give --references and/or --style")
    check_metrics(metrics, bool(references), bool(_STYLE.value))
    style = load_image(resolve_style(_STYLE.value)) if _STYLE.value else None
    features = yardstick = None
    if any(m in SETS for m in metrics):
        features = make_feature_network(
            _FEATURES.value, cli.vgg_weights_flag(_FEATURE_WEIGHTS.value)
        )
    if "style" in metrics or "content" in metrics:
        yardstick = StyleContentDistance(cli.vgg_weights_flag(_VGG_WEIGHTS.value))
    progress = cli.Progress(len(outputs), label="evaluate ", stream=sys.stderr)
    result = evaluate_folders(
        outputs,
        references,
        metrics,
        features=features,
        yardstick=yardstick,
        style=style,
        border=_BORDER.value,
        kid_subsets=_KID_SUBSETS.value,
        kid_subset_size=_KID_SUBSET_SIZE.value,
        on_image=lambda i, n: progress.update(i),
    )
    counts = f"{result['images']} outputs"
    if "pairs" in result:
        counts += f", {result['pairs']} paired with a reference"
    if "reference_images" in result:
        counts += f", {result['reference_images']} references"
    print(counts)
    for name in metrics:
        if name == "fid":
            print(f"FID ({features.name}) {result['fid']:.4f}")
        elif name == "kid":
            print(f"KID ({features.name}) {result['kid']:.6f} +- {result['kid_std']:.6f}")
        else:
            label, unit = _LABELS[name]
            print(f"{label} {result[name]:.4f}{' ' + unit if unit else ''}")
    if features is not None:
        result["features"] = features.name
    _write_json(result)


def _write_json(result):
    if _JSON.value:
        with atomic_write(_JSON.value, _OVERWRITE.value) as tmp, open(tmp, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    cli.run(main)
