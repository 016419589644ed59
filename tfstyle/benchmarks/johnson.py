"""Johnson benchmark: training step cost against a plain-TF reference, inference latency."""

import os
import subprocess
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfstyle.benchmarks.common import time_call
from tfstyle.benchmarks.reference import PlainJohnsonStep
from tfstyle.models.johnson import FastStyleTransfer, TransformerNet
from tfstyle.optimizers import Adam
from tfstyle.training.loop import train_step_function


def _batch(size=256, batch=4, seed=0):
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 1, (batch, size // 16, size // 16, 3)).astype(np.float32)
    return tf.clip_by_value(tf.image.resize(small, (size, size), method="bicubic"), 0, 1)


def _model(vgg_weights, mixed=False, preset="paper", size=256, architecture="vgg19"):
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    keras.utils.set_random_seed(0)
    model = FastStyleTransfer(
        TransformerNet.from_preset(preset), vgg_weights=vgg_weights, architecture=architecture
    )
    model.build((None, size, size, 3))
    style = np.asarray(_batch(256, 1, seed=1))[0]
    model.set_style(style)
    model.compile(optimizer=Adam(1e-3))
    return model


def reference_step_seconds(vgg_weights, repeats=3, batch=4, size=256):
    """The plain-TF reference step (`tfstyle.benchmarks.reference`), float32."""
    keras.mixed_precision.set_global_policy("float32")
    keras.utils.set_random_seed(0)
    step = PlainJohnsonStep(vgg_weights, np.asarray(_batch(256, 1, seed=1))[0], size).step
    data = _batch(size, batch)
    return time_call(lambda: step(data), repeats=repeats, warmup=2)


def train_step_seconds(
    vgg_weights, mixed=False, jit_compile=False, repeats=3, batch=4, size=256, architecture="vgg19"
):
    """tfstyle's Johnson paper-network step on a fixed in-memory batch (no input
    pipeline); also the baseline of the other families' steps."""
    model = _model(vgg_weights, mixed, size=size, architecture=architecture)
    step = train_step_function(model, jit_compile)
    data = _batch(size, batch)
    seconds = time_call(lambda: step(data), repeats=repeats, warmup=2)
    keras.mixed_precision.set_global_policy("float32")
    return seconds


def loss_after(vgg_weights, steps, mixed=False, jit_compile=False, batch=4, size=256):
    """Mean loss of the last 10 of `steps` training steps on a fixed set of batches."""
    model = _model(vgg_weights, mixed)
    step = train_step_function(model, jit_compile)
    batches = [_batch(size, batch, seed=i) for i in range(8)]
    losses = []
    for i in range(steps):
        logs = step(batches[i % len(batches)])
        losses.append(float(logs["loss"]))
        model.reset_metrics()
    keras.mixed_precision.set_global_policy("float32")
    return float(np.mean(losses[-10:]))


def export_network(net, name, root, formats=("saved_model", "tflite", "onnx")):
    """Saves `net` as a fake run folder and exports it; returns (run, export folder)."""
    from export.pipeline import export_model

    run = os.path.join(root, f"run_{name}")
    os.makedirs(run, exist_ok=True)
    net.save(os.path.join(run, "generator.keras"))
    folder = os.path.join(root, f"export_{name}")
    export_model(run, folder, formats=formats, overwrite=True)
    return run, folder


def export_presets(presets, vgg_weights_unused=None, root=None):
    """Exports random-weight networks of each preset (with the bfloat16 SavedModel where
    the CPU has native bfloat16 and the network computes in it); returns {preset: export folder}."""
    from tfstyle.precision import native_bf16_cpu

    root = root or tempfile.mkdtemp(prefix="tfstyle-bench-")
    folders = {}
    for preset in presets:
        keras.utils.set_random_seed(0)
        net = TransformerNet.from_preset(preset)
        net.build((None, None, None, 3))
        formats = ("saved_model", "tflite", "onnx")
        if native_bf16_cpu() and net.bfloat16_inference:  # not the mobile preset
            formats += ("saved_model_bfloat16",)
        folders[preset] = export_network(net, preset, root, formats)[1]
    return folders


def inference_latency(
    export_dir, run_dir, sizes=(256, 512, 1024), repeats=3, bind=None, endpoint="serving_default"
):
    """Seconds per image for every artefact of an export (and Keras), per size.

    Args:
        bind: `bind(stylizer)` -> the stylizer with its extra inputs bound (style
            weights, style statistics), or None to skip an artefact.
        endpoint: the endpoint timed: the files of that endpoint (TFLite and ONNX write
            one file per endpoint), the SavedModel and Keras (which hold them all).
    """
    import json

    from tfstyle.inference import load_stylizer
    from tfstyle.metrics import psnr as psnr_db
    from tfstyle.precision import native_bf16_cpu

    with open(os.path.join(export_dir, "manifest.json")) as f:
        manifest = json.load(f)
    threads = os.cpu_count()
    # Keras in float32, and in bfloat16 where load_stylizer's "auto" would choose it
    # (its PSNR is against Keras float32 on a probe image).
    exact = load_stylizer(run_dir, num_threads=threads)
    targets = [("keras", run_dir, "float32", None, exact)]
    if native_bf16_cpu() and getattr(exact.model, "bfloat16_inference", False):
        fast = load_stylizer(run_dir, num_threads=threads, precision="bfloat16")
        targets.append(("keras", run_dir, "bfloat16", None, fast))
    targets += [
        (
            a["format"],
            os.path.join(export_dir, a["path"]),
            a["precision"],
            a.get("psnr_db_min"),
            None,
        )
        for a in manifest["artefacts"]
        if not a.get("fixed_size") and a.get("endpoint") in (None, endpoint)
    ]
    probe = np.asarray(_batch(256, 1))
    rows = []
    for kind, path, precision, psnr, stylizer in targets:
        if stylizer is None:
            stylizer = load_stylizer(path, num_threads=threads)
        if bind is not None:
            stylizer = bind(stylizer)
            if stylizer is None:
                continue
        if kind == "keras" and precision == "float32":
            reference = stylizer(probe)
        elif kind == "keras":
            psnr = psnr_db(stylizer(probe), reference)
        row = {
            "format": kind,
            "path": os.path.relpath(path, export_dir) if kind != "keras" else f"keras {precision}",
            "precision": precision,
            "psnr_db": psnr,
        }
        for size in sizes:
            image = np.asarray(_batch(size, 1))
            try:
                row[f"{size}px_s"] = time_call(
                    lambda image=image, s=stylizer: s(image), repeats=repeats
                )
            except Exception as e:  # noqa: BLE001 - report runtimes that cannot run a size
                row[f"{size}px_s"] = None
                row[f"{size}px_error"] = str(e).splitlines()[0][:120]
        rows.append(row)
    return rows


def seams(export_dir, run_dir, size=2048, tile=512, overlap=64):
    """Tiled against untiled stylisation of the bundled photo at size x size, for Keras
    and every dynamic-size file of an export: PSNR of exact tiles (the head / body /
    tail endpoints, the default), of tiles sharing the whole image's statistics (the
    image_statistics endpoints; taken at 1024 px and at full size) and of tiles with
    their own, and the seconds of each; and the untiled and exact-tiled outputs against
    the Keras network's untiled one (float32): a quantised file's tiles cannot repeat
    its untiled pass's rounding, but should come no further from float32 than it."""
    import json
    import time

    from tfstyle.assets import resolve_photo
    from tfstyle.inference import load_stylizer, stylize_image
    from tfstyle.io import load_image
    from tfstyle.metrics import psnr
    from tfstyle.ops.resize import resize_to_shape

    if size <= tile:
        raise ValueError(f"a {size} px photo fits one {tile} px tile: nothing to compare")
    photo = resize_to_shape(load_image(resolve_photo("amber")), (size, size)).numpy()
    with open(os.path.join(export_dir, "manifest.json")) as f:
        manifest = json.load(f)
    targets = [("keras", run_dir, "float32")] + [
        (a["format"], os.path.join(export_dir, a["path"]), a["precision"])
        for a in manifest["artefacts"]
        if not a.get("fixed_size") and a.get("endpoint", "serving_default") == "serving_default"
    ]
    rows, tiles, reference = [], {"tile": tile, "overlap": overlap}, None
    for kind, path, precision in targets:
        stylizer = load_stylizer(path, num_threads=os.cpu_count())

        def timed(fn):
            start = time.perf_counter()
            out = fn()
            return out, time.perf_counter() - start

        whole, whole_s = timed(lambda s=stylizer: stylize_image(s, photo, tile=2 * size))
        exact, exact_s = timed(lambda s=stylizer: stylize_image(s, photo, **tiles))
        shared, shared_s = timed(lambda s=stylizer: stylize_image(s, photo, **tiles, exact=False))
        full = stylize_image(stylizer, photo, **tiles, exact=False, statistics_side=size)
        own, own_s = timed(lambda s=stylizer: stylize_image(lambda x: s(x), photo, **tiles))
        if kind == "keras":  # the first target: what every file is compared with
            reference = whole
        rows.append(
            {
                "format": kind,
                "path": os.path.relpath(path, export_dir) if kind != "keras" else "keras",
                "precision": precision,
                "shares_statistics": stylizer.statistics_endpoints() is not None,
                "exact_tiles": stylizer.stage_endpoints() is not None,
                "psnr_exact_db": psnr(whole, exact),
                "psnr_shared_db": psnr(whole, shared),
                "psnr_shared_full_size_db": psnr(whole, full),
                "psnr_own_db": psnr(whole, own),
                "psnr_untiled_vs_keras_db": psnr(reference, whole),
                "psnr_exact_vs_keras_db": psnr(reference, exact),
                "untiled_s": whole_s,
                "tiled_exact_s": exact_s,
                "tiled_shared_s": shared_s,
                "tiled_own_s": own_s,
            }
        )
    return rows


def tiled_peak_rss_mb(run_dir, size=4096, tile=512, exact=True):
    """Seconds and peak RSS (MB) of a fresh process stylising a size x size photo in
    tiles: exact tiles (the default) or tiles sharing downscaled statistics."""
    script = (
        "import resource, numpy as np, sys;"
        "from tfstyle.inference import load_stylizer, stylize_image;"
        f"s = load_stylizer({run_dir!r});"
        f"img = np.random.default_rng(0).uniform(size=({size}, {size}, 3)).astype('float32');"
        "t = __import__('time').perf_counter();"
        f"out = stylize_image(s, img, tile={tile}, exact={exact});"
        "print(__import__('time').perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    seconds, rss = (float(v) for v in result.stdout.split()[-2:])
    return {"size": size, "tile": tile, "exact": exact, "seconds": seconds, "peak_rss_mb": rss}
