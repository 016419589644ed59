"""Exporting a trained run to every format, and verifying each artefact against Keras."""

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Callable

import numpy as np

from tfstyle.errors import InvalidArgumentError, OutputExistsError
from tfstyle.inference import load_stylizer
from tfstyle.inference.runners import ModelError
from tfstyle.metrics import psnr
from tfstyle.models.serving import network_endpoints
from tfstyle.quiet import quiet_stderr

FORMATS = ("saved_model", "tflite", "onnx")
# Written only when asked for: a SavedModel computing in bfloat16, for networks that
# declare `bfloat16_inference` (Johnson, CIN), served on CPUs with native bfloat16.
OPTIONAL_FORMATS = ("saved_model_bfloat16",)
FIXED_SIZE = (384, 384)
# Parity goals (PSNR in dB against the Keras model) per artefact precision. Full int8
# depends on how well the calibration images cover the activations: its goal is an aim
# that is reported, not a gate.
PSNR_GOALS = {
    "float32": 50.0,
    "bfloat16": 35.0,
    "float16": 40.0,
    "dynamic_int8": 30.0,
    "int8": 25.0,
}
REQUIRED_PRECISIONS = ("float32", "bfloat16", "float16", "dynamic_int8")
MANIFEST = "manifest.json"
# Without calibration photos, full int8 calibrates on crops of this fraction of the
# bundled photo's side (`representative_images`); exports before 2026-12-06 took
# crops of the calibration size itself (None), which `verify` repeats for them.
CROP_FRACTION = 0.75


@dataclasses.dataclass(frozen=True)
class _Options:
    """What `export_model` was asked for, handed down to the steps that write files."""

    content_dir: str | None  # calibration photos (None: crops of the bundled photo)
    statistics: bool  # also the tiling endpoints
    int8_exact: bool  # full-int8 statistics from integer sums
    say: Callable[[str], None]  # called with each file written


def load_generator(model_path):
    """The Keras network of a training run folder or .keras file, ready to export."""
    import keras

    from tfstyle.assets import resolve_model
    from tfstyle.inference.runners import detect_model_kind
    from tfstyle.models.families import import_all

    import_all()
    model_path = resolve_model(model_path)
    kind = detect_model_kind(model_path)
    if kind == "run":
        model_path = os.path.join(model_path, "generator.keras")
    elif kind != "keras":
        raise ModelError(f"export needs a training run folder or a .keras file, got a {kind} model")
    try:
        model = keras.saving.load_model(model_path, compile=False)
    except Exception as e:  # noqa: BLE001
        raise ModelError(f"cannot load '{model_path}': {str(e).splitlines()[0][:200]}") from None
    if not hasattr(model, "endpoints"):
        raise ModelError(f"'{model_path}' is a {type(model).__name__}, not a tfstyle network")
    if getattr(model, "export_command", None):
        raise ModelError(f"'{model_path}' is a {type(model).__name__}: {model.export_command}")
    return model


def fixed_export_size(generator):
    """The input size of the fixed-size TFLite files: the network's own choice (256 x 256
    for upscalers) or FIXED_SIZE."""
    return tuple(getattr(generator, "fixed_export_size", FIXED_SIZE))


def _size_key(size):
    return f"{size[0]}x{size[1]}"


def parity_images(fixed_size=FIXED_SIZE):
    """Real photos (the bundled one) at two sizes and batch sizes, multiples of 4, and
    at the fixed export size."""
    from tfstyle.assets import resolve_photo
    from tfstyle.io import load_image
    from tfstyle.ops.resize import resize_to_shape

    photo = load_image(resolve_photo("amber"))
    return {
        "256x256": resize_to_shape(photo, (256, 256)).numpy()[None],
        "192x320": np.stack(
            [
                resize_to_shape(photo, (192, 320)).numpy(),
                resize_to_shape(photo[::-1], (192, 320)).numpy(),
            ]
        ),
        _size_key(fixed_size): resize_to_shape(photo, fixed_size).numpy()[None],
    }


def representative_images(content_dir=None, count=16, size=256, crop_fraction=CROP_FRACTION):
    """Calibration images for full int8: content photos (or crops of the bundled one,
    `crop_fraction` of its side resized to `size`; None: `size` px crops unresized)."""
    from tfstyle.assets import resolve_photo
    from tfstyle.io import list_images, load_image
    from tfstyle.ops.resize import resize_to_shape

    paths = list_images(content_dir)[:count] if content_dir else []
    images = [
        resize_to_shape(load_image(p, max_side=2 * size), (size, size)).numpy() for p in paths
    ]
    if not images:
        # Crops of 3/4 of the photo's side, resized to `size`: about the scale at which
        # a photo is stylised whole. Crops at 256 px of the 512 px photo (twice that
        # scale, smoother) widened full int8's ranges: 3.4 dB lower on six held-out
        # photos (README, "Full-int8 calibration").
        photo = load_image(resolve_photo("amber"))
        side = int(min(photo.shape[:2]) * crop_fraction) if crop_fraction else size
        rng = np.random.default_rng(0)
        for _ in range(count):
            y, x = rng.integers(0, photo.shape[0] - side), rng.integers(0, photo.shape[1] - side)
            crop = photo[y : y + side, x : x + side]
            images.append(crop if side == size else resize_to_shape(crop, (size, size)).numpy())
    return images


def artefact_names(endpoint_name, variant=None, suffix=""):
    """File names: the main endpoint is model_<variant>.tflite / model.onnx, the others
    <endpoint>_<variant>.tflite / <endpoint>.onnx."""
    from tfstyle.models import serving

    stem = "model" if endpoint_name == serving.MAIN else endpoint_name
    return f"tflite/{stem}_{variant}{suffix}.tflite", f"{stem}.onnx"


def _examples(endpoint, images):
    """Input dicts for `endpoint` built from photos, one image per dict."""
    return [inputs for image in images for inputs in endpoint.examples(np.asarray(image)[None])]


def export_model(
    model_path,
    output_dir,
    formats=FORMATS,
    content_dir=None,
    overwrite=False,
    on_progress=None,
    generator=None,
    statistics=True,
    int8_exact_tiles=False,
):
    """Exports a trained network; returns the manifest (also written as manifest.json).

    Layout (one TFLite and ONNX file per endpoint; the main one is "model"):
        saved_model/1/                      TF Serving (every endpoint; serve_bytes)
        tflite/model_<variant>.tflite       dynamic H x W; <variant>_384x384 fixed
                                            (<variant>_256x256 for upscalers)
        tflite/<endpoint>_<variant>.tflite  the network's other endpoints
        model.onnx, <endpoint>.onnx         opset 17, dynamic H x W
        manifest.json                       sizes, inputs/outputs, parity figures

    Args:
        generator: an already built Keras network to export instead of loading
            `model_path` (which is then only recorded as the source).
        statistics: also export each image endpoint's image_statistics /
            with_image_statistics endpoints (`tfstyle.models.serving.network_endpoints`),
            with which every format tiles large images without seams, and (networks
            with `serving.Stages`) the head / body / tail endpoints of exact tiles.
            Several times the export time of a one-endpoint network.
        int8_exact_tiles: full-int8 files take their statistics from integer sums
            (`tfstyle.layers.normalization.integer_moments`): exact tiles reproduce the
            untiled pass bit for bit instead of 20-22 dB apart, at 1.4-2.1x the time.
    """
    known = FORMATS + OPTIONAL_FORMATS
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise InvalidArgumentError(f"unknown formats {unknown}; choose from {', '.join(known)}")
    if os.path.exists(output_dir) and os.listdir(output_dir) and not overwrite:
        raise OutputExistsError(
            f"output folder '{output_dir}' is not empty; pass --overwrite to replace it"
        )
    generator = generator if generator is not None else load_generator(model_path)
    if "saved_model_bfloat16" in formats and not getattr(generator, "bfloat16_inference", False):
        raise InvalidArgumentError(
            f"saved_model_bfloat16 is for networks that compute in bfloat16 (Johnson and "
            f"CIN with 64 or more residual channels); '{model_path}' is not one"
        )
    options = _Options(
        content_dir=content_dir,
        statistics=statistics,
        int8_exact=bool(int8_exact_tiles),
        say=on_progress or (lambda message: None),
    )
    with quiet_stderr():
        return _export(generator, model_path, output_dir, formats, options)


@contextlib.contextmanager
def equalized_for_int8(generator, content_dir, crop_fraction=CROP_FRACTION):
    """Inside the block, `generator` is the copy its full-int8 files convert from: its
    instance-normalised channels equalised (`export/equalize.py`) over 8 calibration
    photos. Only full int8 gains from it (the trained paper network: 20.5 -> 26.7 dB;
    dynamic int8 did not change on trained networks and lost 0.1 dB on a random one),
    so every other file keeps the weights as trained. The same photos give the same
    copy, which is what the int8 files' statistics and moments are measured in: they
    are exchanged only between full-int8 files. Yields the number of convolutions
    equalised."""
    from export.equalize import equalized

    main = network_endpoints(generator, None, statistics=False)[0]
    photos = representative_images(content_dir, count=8, crop_fraction=crop_fraction)

    def run():
        for inputs in _examples(main, photos):
            main.fn(**inputs)

    with equalized(generator, run) as count:
        yield count


@contextlib.contextmanager
def _int8_statistics(exact):
    """The block traces or runs networks as the full-int8 files compute their
    statistics: from integer sums where `exact` (`--int8_exact_tiles`)."""
    from tfstyle.layers.normalization import integer_moments

    with integer_moments() if exact else contextlib.nullcontext():
        yield


def _int8_source(generator, path, size, options):
    """Writes the SavedModel the full-int8 files convert from (`equalized_for_int8`);
    returns (the number of convolutions equalised, {endpoint name: calibration inputs
    from the representative photos at `size`}), the inputs taken from the equalised
    network too (the statistics and stage endpoints' inputs depend on it)."""
    from export import saved_model
    from tfstyle.ops.pad import tf_pads

    photos = representative_images(options.content_dir, size=size[0] if size else 256)
    with equalized_for_int8(generator, options.content_dir) as count:
        with _int8_statistics(options.int8_exact), tf_pads():
            saved_model.write_saved_model(
                generator, path, size, with_bytes=False, statistics=options.statistics
            )
        endpoints = network_endpoints(generator, size, options.statistics)
        calibration = {e.name: _examples(e, photos) for e in endpoints}
    return count, calibration


def _write_tflite(generator, staging, serving_dir, options):
    """Every TFLite file under `staging/tflite`: each endpoint in each of the network's
    variants, converted from the any-size SavedModel and (for networks that have one)
    from a fixed-size one; full int8 from the equalised SavedModel (`_int8_source`).
    Returns the manifest rows."""
    from export import saved_model, tflite

    statistics = options.statistics
    variants = getattr(generator, "tflite_variants", tflite.VARIANTS)
    sources = [(serving_dir, None)]
    if getattr(generator, "fixed_size_export", True):
        fixed_size = fixed_export_size(generator)
        fixed_dir = os.path.join(staging, ".fixed")
        saved_model.write_saved_model(
            generator, fixed_dir, fixed_size, with_bytes=False, statistics=statistics
        )
        sources.append((fixed_dir, fixed_size))
    os.makedirs(os.path.join(staging, "tflite"))
    artefacts = []
    for source, size in sources:
        suffix = f"_{size[0]}x{size[1]}" if size else ""
        int8_dir = os.path.join(staging, ".int8")
        equalized_convs, int8_calibration = (
            _int8_source(generator, int8_dir, size, options) if "int8" in variants else (None, {})
        )
        for endpoint in network_endpoints(generator, size, statistics):
            for variant in variants:
                extra = {"equalized_convs": equalized_convs} if variant == "int8" else {}
                data = tflite.convert(
                    int8_dir if variant == "int8" else source,
                    variant,
                    int8_calibration.get(endpoint.name),
                    endpoint.name,
                )
                ops = tflite.op_names(data)
                flex = [op for op in ops if op.startswith("Flex")]
                if flex:
                    raise RuntimeError(f"TFLite {variant} needs Flex ops {flex}")
                rel = artefact_names(endpoint.name, variant, suffix)[0]
                with open(os.path.join(staging, rel), "wb") as f:
                    f.write(data)
                artefacts.append(
                    {
                        "path": rel,
                        "format": "tflite",
                        "endpoint": endpoint.name,
                        "precision": variant,
                        "fixed_size": list(size) if size else None,
                        "ops": ops,
                        **extra,
                    }
                )
                options.say(rel)
        if equalized_convs is not None:
            shutil.rmtree(int8_dir)
    if len(sources) > 1:
        shutil.rmtree(sources[1][0])
    return artefacts


def _export(generator, model_path, output_dir, formats, options):
    from export import onnx as onnx_export
    from export import saved_model
    from tfstyle.ops.pad import tf_pads

    say, statistics = options.say, options.statistics
    try:
        staging = tempfile.mkdtemp(
            prefix=".export-", dir=os.path.dirname(os.path.abspath(output_dir)) or "."
        )
    except OSError as e:  # named by the output folder, not by our staging folder
        raise OSError(e.errno, e.strerror, output_dir) from None
    try:
        artefacts = []
        serving_dir = os.path.join(staging, "saved_model", "1")
        saved_model.write_saved_model(generator, serving_dir, statistics=statistics)
        saved_model.write_warmup(serving_dir, generator, statistics=statistics)
        if "saved_model" in formats:
            artefacts.append(
                {"path": "saved_model/1", "format": "saved_model", "precision": "float32"}
            )
            say("saved_model/1")
        if "saved_model_bfloat16" in formats:
            rel = os.path.join("saved_model_bfloat16", "1")
            saved_model.write_bfloat16_saved_model(
                generator, os.path.join(staging, rel), statistics=statistics
            )
            artefacts.append({"path": rel, "format": "saved_model", "precision": "bfloat16"})
            say(rel)
        if "tflite" in formats:
            artefacts += _write_tflite(generator, staging, serving_dir, options)
        if "onnx" in formats:
            # Traced apart, with one Pad per mirror pad (`tf_pads`): ONNX Runtime runs it
            # faster than the slices that serve TF and TFLite.
            onnx_source = os.path.join(staging, ".onnx")
            with tf_pads():
                saved_model.write_saved_model(
                    generator, onnx_source, with_bytes=False, statistics=statistics
                )
            for endpoint in network_endpoints(generator, statistics=statistics):
                rel = artefact_names(endpoint.name)[1]
                onnx_export.convert(
                    onnx_source, os.path.join(staging, rel), signature=endpoint.name
                )
                artefacts.append(
                    {
                        "path": rel,
                        "format": "onnx",
                        "endpoint": endpoint.name,
                        "precision": "float32",
                        "opset": onnx_export.OPSET,
                    }
                )
                say(rel)
            shutil.rmtree(onnx_source)
        if "saved_model" not in formats:
            shutil.rmtree(os.path.join(staging, "saved_model"))
        manifest = {
            "source": os.path.abspath(model_path),
            "model": type(generator).__name__,
            "generator": generator.get_config(),
            "endpoints": {
                e.name: list(e.inputs) for e in network_endpoints(generator, None, statistics)
            },
            "artefacts": artefacts,
            # The photos full int8 was calibrated and equalised on (None: crops of the
            # bundled photo): `verify` rebuilds the equalised network from them.
            "int8_calibration": (
                os.path.abspath(options.content_dir) if options.content_dir else None
            ),
            # Full int8 with statistics from integer sums (`--int8_exact_tiles`).
            "int8_exact_tiles": options.int8_exact,
            "int8_crop_fraction": CROP_FRACTION,
        }
        manifest["artefacts"] = _measure(
            staging, artefacts, generator, options.content_dir, options.int8_exact
        )
        with open(os.path.join(staging, MANIFEST), "w") as f:
            json.dump(manifest, f, indent=2)
        if os.path.exists(output_dir):
            shutil.rmtree(output_dir)
        os.replace(staging, output_dir)
        return manifest
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging)


def _size(path):
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)
    return os.path.getsize(path)


def _psnr_output(name, endpoint, reference, test):
    """PSNR of an image output (peak 1), or of a feature output against its own peak."""
    if name in endpoint.image_outputs:
        return psnr(reference, test)
    peak = float(np.max(np.abs(reference))) or 1.0
    return psnr(np.asarray(reference) / peak, np.asarray(test) / peak)


def _batch_of(inputs):
    return len(next(iter(inputs.values())))


def _measure(
    root, artefacts, generator, content_dir=None, int8_exact=False, crop_fraction=CROP_FRACTION
):
    """Adds size, input/output description and parity figures to each artefact; full
    int8 is compared with the equalised network it converts from (`equalized_for_int8`
    on the same photos: its statistics and moments are that network's, from integer
    sums where `int8_exact`)."""
    rows = {}
    plain = [a for a in artefacts if a["precision"] != "int8"]
    rows.update(zip(map(id, plain), _measure_each(root, plain, generator), strict=True))
    full_int8 = [a for a in artefacts if a["precision"] == "int8"]
    if full_int8:
        equalized = equalized_for_int8(generator, content_dir, crop_fraction)
        with equalized, _int8_statistics(int8_exact):
            rows.update(
                zip(map(id, full_int8), _measure_each(root, full_int8, generator), strict=True)
            )
    return [rows[id(a)] for a in artefacts]


def _measure_each(root, artefacts, generator):
    import tensorflow as tf

    images = parity_images(fixed_export_size(generator))
    measured = []
    for artefact in artefacts:
        path = os.path.join(root, artefact["path"])
        stylizer = load_stylizer(path)
        size = tuple(artefact["fixed_size"]) if artefact.get("fixed_size") else None
        names = [artefact["endpoint"]] if "endpoint" in artefact else list(stylizer.endpoints)
        parity, described = {}, {}
        for endpoint in network_endpoints(generator, size):
            if endpoint.name not in names:
                continue
            described[endpoint.name] = {
                "inputs": {
                    n: [-1 if d is None else d for d in s] for n, s in endpoint.inputs.items()
                }
            }
            for key, batch in images.items():
                if size and key != _size_key(size):
                    continue
                for inputs in endpoint.examples(batch):
                    reference = {
                        k: np.asarray(v)
                        for k, v in endpoint.fn(
                            **{n: tf.constant(x) for n, x in inputs.items()}
                        ).items()
                    }
                    if stylizer.kind == "tflite":  # one image per invoke, as on a phone
                        parts = [
                            stylizer.run(
                                endpoint.name, **{n: x[i : i + 1] for n, x in inputs.items()}
                            )
                            for i in range(_batch_of(inputs))
                        ]
                        out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
                    else:
                        out = stylizer.run(endpoint.name, **inputs)
                    for name, value in reference.items():
                        label = f"{key}x{len(batch)}" + (
                            "" if endpoint.name == "serving_default" else f"/{endpoint.name}"
                        )
                        label += "" if len(reference) == 1 else f"/{name}"
                        parity[label] = {
                            "max_abs_error": float(np.max(np.abs(out[name] - value))),
                            "psnr_db": _psnr_output(name, endpoint, value, out[name]),
                        }
        worst = min(p["psnr_db"] for p in parity.values())
        goal = PSNR_GOALS.get(artefact["precision"], 50.0)
        measured.append(
            {
                **artefact,
                "bytes": _size(path),
                "endpoints": described,
                "parity": parity,
                "psnr_db_min": worst,
                "psnr_goal_db": goal,
                "meets_goal": bool(worst >= goal),
                "goal_required": artefact["precision"] in REQUIRED_PRECISIONS,
            }
        )
    return measured


def verify_export(export_dir, model_path=None):
    """Re-runs every artefact of an export against the Keras model; returns rows of figures."""
    manifest_path = os.path.join(export_dir, MANIFEST)
    if not os.path.exists(manifest_path):
        raise InvalidArgumentError(f"'{export_dir}' is not an export folder (no {MANIFEST})")
    with open(manifest_path) as f:
        manifest = json.load(f)
    source = model_path or manifest["source"]
    if model_path is None and os.path.exists(os.path.join(export_dir, "generator.keras")):
        source = os.path.join(export_dir, "generator.keras")  # a generated MetaNet network
    calibration = manifest.get("int8_calibration")
    full_int8 = any(a["precision"] == "int8" for a in manifest["artefacts"])
    if full_int8 and calibration and not os.path.isdir(calibration):
        raise InvalidArgumentError(
            f"'{calibration}', the photos this export's full int8 was calibrated on, is "
            "gone: verify needs them to rebuild the network the int8 files were made from"
        )
    generator = load_generator(source)
    with quiet_stderr():
        return _verify_rows(export_dir, manifest, generator, calibration)


def _verify_rows(export_dir, manifest, generator, content_dir=None):
    rows = []
    exact = manifest.get("int8_exact_tiles", False)
    crops = manifest.get("int8_crop_fraction")  # None: an export from before the key
    measured = _measure(
        export_dir, manifest["artefacts"], generator, content_dir, exact, crop_fraction=crops
    )
    for artefact in measured:
        rows.append(
            {
                "path": artefact["path"],
                "precision": artefact["precision"],
                "psnr_db_min": artefact["psnr_db_min"],
                "max_abs_error": max(p["max_abs_error"] for p in artefact["parity"].values()),
                "goal_db": artefact["psnr_goal_db"],
                "meets_goal": artefact["meets_goal"],
                "goal_required": artefact["precision"] in REQUIRED_PRECISIONS,
            }
        )
    return rows
