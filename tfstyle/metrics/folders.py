"""Every metric of `tfstyle.metrics` over folders of images: what `scripts/evaluate.py`
reports for a folder of outputs against a folder of references (and a painting).

Paired metrics (PSNR, SSIM, content distance) compare an output with the reference of
the same file stem ("tubingen.png" with "tubingen.jpg"); set metrics (FID, KID) compare
the two folders as sets; the style distance compares every output with one painting;
the blob area (`tfstyle.metrics.artifacts`) needs nothing but the outputs.
Images stream: the set metrics keep feature sums and a bounded sample, never the images.
"""

import os

import numpy as np

from tfstyle.errors import InvalidArgumentError
from tfstyle.io import load_image
from tfstyle.metrics.artifacts import blob_area
from tfstyle.metrics.distribution import FeatureStatistics, fid, kid
from tfstyle.metrics.image_quality import luma, psnr, shave, ssim

PAIRED = ("psnr", "ssim", "content")
SETS = ("fid", "kid")
# Judged on each output alone (the style distance against the one painting).
PER_OUTPUT = ("style", "blobs")
METRICS = PAIRED + SETS + PER_OUTPUT
# Style, content and blobs are judged with the longer side at most this many pixels.
JUDGE_SIDE = 512


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def pair_by_stem(outputs, references):
    """[(output, reference)] of equal file stems, in the outputs' order."""
    by_stem = {}
    for path in references:
        by_stem.setdefault(_stem(path), path)
    return [(p, by_stem[_stem(p)]) for p in outputs if _stem(p) in by_stem]


def check_metrics(metrics, have_references, have_style):
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise InvalidArgumentError(
            f"unknown metrics {', '.join(unknown)}; choose from {', '.join(METRICS)}"
        )
    if not have_references and any(m in PAIRED + SETS for m in metrics):
        need = [m for m in metrics if m in PAIRED + SETS]
        raise InvalidArgumentError(f"{', '.join(need)} need --references")
    if "style" in metrics and not have_style:
        raise InvalidArgumentError("the style distance needs --style (a painting)")


def evaluate_folders(
    outputs,
    references=None,
    metrics=("psnr", "ssim", "fid", "kid"),
    features=None,
    yardstick=None,
    style=None,
    border=0,
    kid_subsets=100,
    kid_subset_size=1000,
    batch_size=16,
    on_image=None,
):
    """{metric: value} over image files.

    Args:
        outputs, references: lists of image paths.
        metrics: names from METRICS.
        features: a feature network (`make_feature_network`) for FID/KID.
        yardstick: a `StyleContentDistance` for "style" and "content".
        style: the painting (H, W, 3) for "style".
        border: pixels shaved off every side before PSNR/SSIM (the SR scale).
        on_image: called with (index, total) after each output (progress).

    Returns:
        {"pairs": n, "images": n, "psnr": mean dB, "ssim": mean, "content": mean,
        "style": mean, "blobs": mean fraction of the image in flat black or white
        patches, "fid": value, "kid": mean, "kid_std": std} for the metrics asked.
    """
    metrics = tuple(dict.fromkeys(metrics))
    check_metrics(metrics, bool(references), style is not None)
    if not outputs:
        raise InvalidArgumentError("no output images to evaluate")
    result = {"images": len(outputs)}
    paired = [m for m in metrics if m in PAIRED]
    pairs = pair_by_stem(outputs, references or [])
    if paired:
        if not pairs:
            raise InvalidArgumentError(
                "no output has a reference of the same file name (stem); paired metrics "
                f"({', '.join(paired)}) compare 'x.png' with 'x.jpg'"
            )
        result["pairs"] = len(pairs)
    sums = {m: 0.0 for m in paired + [m for m in PER_OUTPUT if m in metrics]}
    want_sets = any(m in SETS for m in metrics)
    if want_sets and features is None:
        raise InvalidArgumentError("FID/KID need a feature network")
    keep = kid_subset_size if "kid" in metrics else 0
    stats = {"outputs": FeatureStatistics(keep), "references": FeatureStatistics(keep)}
    reference_of = dict(pairs)
    style_targets = None
    pending = {"outputs": [], "references": []}

    def flush(kind, final=False):
        if pending[kind] and (final or len(pending[kind]) >= batch_size):
            stats[kind].update(features(pending[kind]))
            pending[kind] = []

    counted = set()  # references already in the set statistics (each decoded once)
    for i, path in enumerate(outputs):
        image = load_image(path)
        judged = _judged(image) if yardstick is not None or "blobs" in metrics else None
        if want_sets:
            pending["outputs"].append(image)
            flush("outputs")
        reference_path = reference_of.get(path)
        if reference_path is not None and paired:
            reference = load_image(reference_path)
            if want_sets and reference_path not in counted:
                counted.add(reference_path)
                pending["references"].append(reference)
                flush("references")
            if reference.shape != image.shape:
                raise InvalidArgumentError(
                    f"'{path}' is {image.shape[1]}x{image.shape[0]} but its reference "
                    f"'{reference_path}' is {reference.shape[1]}x{reference.shape[0]}"
                )
            if "psnr" in paired or "ssim" in paired:
                y_ref, y_out = shave(luma(reference), border), shave(luma(image), border)
                if "psnr" in paired:
                    sums["psnr"] += psnr(y_ref, y_out, 255.0)
                if "ssim" in paired:
                    sums["ssim"] += ssim(y_ref, y_out, 255.0)
            if "content" in paired:
                sums["content"] += yardstick.content_distance(judged, _judged(reference))
        if "style" in metrics:
            if style_targets is None:
                style_targets = yardstick.targets(judged, _judged(style))
            sums["style"] += yardstick(judged, targets=style_targets)["style_loss"]
        if "blobs" in metrics:
            sums["blobs"] += sum(blob_area(judged))
        if on_image is not None:
            on_image(i + 1, len(outputs))
    if want_sets:
        flush("outputs", final=True)
        for path in references:
            if path not in counted:
                pending["references"].append(load_image(path))
                flush("references")
        flush("references", final=True)
        result["reference_images"] = len(references)
        if "fid" in metrics:
            result["fid"] = fid(stats["outputs"], stats["references"])
        if "kid" in metrics:
            result["kid"], result["kid_std"] = kid(
                stats["outputs"], stats["references"], kid_subsets, kid_subset_size
            )
    for name in paired:
        result[name] = sums[name] / len(pairs)
    for name in PER_OUTPUT:
        if name in metrics:
            result[name] = sums[name] / len(outputs)
    return result


def _judged(image):
    """The image with its longer side at most JUDGE_SIDE (area resize)."""
    h, w = image.shape[:2]
    if max(h, w) <= JUDGE_SIDE:
        return image
    import tensorflow as tf

    scale = JUDGE_SIDE / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    return np.asarray(tf.image.resize(image, size, method="area"), np.float32)
