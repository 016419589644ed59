"""Video: a clip with known camera motion (a pan and zoom over a photo), stylised frame
by frame and with temporal blending; warping error and time per frame of each
(`python scripts/benchmark.py video`).
"""

import time

import numpy as np
import tensorflow as tf
from PIL import Image

from tfstyle.inference import stylize_image
from tfstyle.video import DISFlow, PairFlow, TemporalBlender, WarpingError


def pan_zoom_clip(photo, frames=24, size=(384, 512), zoom=1.25, pan=0.2):
    """Frames (H, W, 3) of a virtual camera over `photo`: it pans right by `pan` of the
    photo's width and zooms in by `zoom` over the clip (bilinear crops, streamed)."""
    photo = tf.convert_to_tensor(np.asarray(photo, np.float32)[None])
    h, w = size
    aspect = (w / h) * (photo.shape[1] / photo.shape[2])  # window width / height, normalised
    for t in range(frames):
        s = t / max(frames - 1, 1)
        height = 0.8 / (1.0 + (zoom - 1.0) * s)
        width = min(1.0, height * aspect)
        y0 = 0.5 - height / 2
        x0 = min(1.0 - width, 0.05 + pan * s)
        box = [[y0, x0, y0 + height, x0 + width]]
        yield tf.image.crop_and_resize(photo, box, [0], size)[0].numpy()


def measure(frames, stylize, weights=(0.0, 0.5), estimator=None):
    """{weight: {"warping_error", "seconds_per_frame", "network_seconds", "flow_seconds",
    "outputs"}}: each temporal weight over the same frames (the flow is computed once
    per pair and timed on its own)."""
    estimator = estimator or DISFlow()
    frames = list(frames)
    started = time.perf_counter()
    pairs = [None] + [
        PairFlow.between(estimator, a, b) for a, b in zip(frames, frames[1:], strict=False)
    ]
    flow_seconds = (time.perf_counter() - started) / max(len(frames) - 1, 1)
    stylize(frames[0])  # warm-up (tracing)
    started = time.perf_counter()
    stylized = [stylize(f) for f in frames]
    network_seconds = (time.perf_counter() - started) / len(frames)
    results = {}
    for weight in weights:
        blender, error = TemporalBlender(weight), WarpingError()
        started = time.perf_counter()
        outputs = []
        for out, pair in zip(stylized, pairs, strict=True):
            out = blender(out, pair)
            error.update(out, pair)
            outputs.append(out)
        blend_seconds = (time.perf_counter() - started) / len(frames)
        results[weight] = {
            "warping_error": error.result(),
            "network_seconds": network_seconds,
            "flow_seconds": flow_seconds if weight else 0.0,
            "seconds_per_frame": network_seconds
            + (flow_seconds if weight else 0.0)
            + blend_seconds,
            "outputs": outputs,
        }
    return results


def network(stylizer, **kwargs):
    """frame -> stylised frame with the shared inference path."""
    return lambda frame: stylize_image(stylizer, frame, **kwargs)


def frame_strip(rows, indices, tile=192):
    """A sheet of rows (label, frames) at the given frame indices, `tile` px high."""
    cells = []
    for _, frames in rows:
        row = []
        for i in indices:
            image = Image.fromarray((np.clip(frames[i], 0, 1) * 255 + 0.5).astype(np.uint8))
            width = round(image.width * tile / image.height)
            row.append(np.asarray(image.resize((width, tile), Image.LANCZOS)))
        gap = np.full((tile, 4, 3), 255, np.uint8)
        cells.append(np.concatenate(sum(([c, gap] for c in row), [])[:-1], axis=1))
    hgap = np.full((4, cells[0].shape[1], 3), 255, np.uint8)
    return Image.fromarray(np.concatenate(sum(([c, hgap] for c in cells), [])[:-1], axis=0))
