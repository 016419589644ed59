"""One interface over every format a feed-forward network ships in.

`load_stylizer(path)` detects the kind of `path` (a training run folder, .keras,
.weights.h5, SavedModel folder, .tflite, .onnx, or a bundled `pretrained:NAME`) and
returns a `Stylizer`: a callable mapping (1, H, W, 3) float32 images in [0, 1] to
stylised images of the same shape.
"""

import json
import os
import re

import numpy as np

from tfstyle.assets import resolve_model
from tfstyle.errors import InvalidArgumentError, TfstyleError
from tfstyle.models import serving

MODEL_KINDS = ("run", "keras", "weights", "saved_model", "tflite", "onnx")
KERAS_KINDS = ("run", "keras", "weights")
# Compute precision of Keras networks: "auto" is bfloat16 where the CPU has it natively
# (AVX512_BF16 / AMX) and the network allows it (`bfloat16_inference`), else float32.
PRECISIONS = ("auto", "float32", "bfloat16")
# What the export appends to a TFLite file's endpoint name: precision, fixed size.
_VARIANT_SUFFIX = r"_(float32|float16|dynamic_int8|int8)(_\d+x\d+)?$"
# The side of the blank image that finds an exported network's output scale.
PROBE_SIDE = 64


class ModelError(TfstyleError, OSError):
    """A model file is missing, of an unknown kind, or not a tfstyle network."""


class Stylizer:
    """A loaded network in any format, called by endpoint and input names.

    `stylizer(images)` runs the main endpoint on (1, H, W, 3) float32 images in [0, 1]
    (with the extra inputs given to `bind`) and returns stylised images of the same
    shape; `stylizer.run(endpoint, **inputs)` runs any endpoint and returns its outputs.
    Endpoint and input names are those of the network's `endpoints()`
    (`tfstyle.models.serving`), the same in every format.

    Attributes:
        kind: one of MODEL_KINDS.
        path: where it was loaded from.
        endpoints: {endpoint name: tuple of input names}.
        fixed_size: (H, W) for models with a static input size (fixed TFLite), else None.
        model: the Keras network for Keras kinds, else None.
    """

    def __init__(self, kind, path, runners, fixed_size=None, model=None, shapes=None):
        self.kind, self.path, self.fixed_size, self.model = kind, path, fixed_size, model
        self.shapes = shapes or {}  # {endpoint: {input: shape, None for dynamic}}
        self._runners = runners  # {name: (input names, fn(**inputs) -> dict)}
        self._bound, self._endpoint = {}, serving.MAIN
        self._scale = None
        if serving.MAIN not in runners:  # e.g. b_to_a.onnx (and its statistics files)
            self._endpoint = next(iter(runners))

    @property
    def endpoints(self):
        return {name: tuple(names) for name, (names, _) in self._runners.items()}

    @property
    def run_config(self):
        """The training run's config.json (style names, preset, ...) when loaded from a
        run folder (or `pretrained:NAME`), else {}."""
        path = os.path.join(self.path, "config.json")
        if self.kind != "run" or not os.path.exists(path):
            return {}
        with open(path) as f:
            return json.load(f)

    @property
    def endpoint(self):
        """The endpoint `stylizer(images)` calls."""
        return self._endpoint

    @property
    def inputs(self):
        """Input names of the endpoint `stylizer(images)` calls: the main one unless
        bound to another, or the only one of a file such as b_to_a.onnx."""
        return self.endpoints[self._endpoint]

    def input_size(self, name, endpoint=serving.MAIN):
        """The static last dimension of an input (e.g. the number of styles), or None."""
        shape = self.shapes.get(endpoint, {}).get(name)
        return int(shape[-1]) if shape and shape[-1] not in (None, -1) else None

    @property
    def scale(self):
        """How many times larger than the input the output image is: 1 for stylisers,
        2-8 for upscalers (a Keras network's `scale`; other formats are probed once
        with a small image)."""
        if self._scale is None:
            self._scale = 1
            if self.model is not None:
                self._scale = int(getattr(self.model, "scale", 1))
            elif set(self.inputs) - set(self._bound) == {serving.IMAGE}:
                h, w = self.fixed_size or (PROBE_SIDE, PROBE_SIDE)
                out = self(np.zeros((1, h, w, 3), np.float32))
                self._scale = max(1, int(out.shape[1]) // h)
        return self._scale

    @property
    def bound_inputs(self):
        """The extra inputs given to `bind` (e.g. style_weights)."""
        return dict(self._bound)

    def statistics_endpoints(self):
        """(statistics endpoint, stylise-with-statistics endpoint) of the endpoint
        `stylizer(images)` calls, where this model has both (see
        `tfstyle.models.serving.network_endpoints`), else None."""
        names = serving.statistics_names(self._endpoint)
        return names if all(n in self._runners for n in names) else None

    def stage_endpoints(self):
        """(head, body, tail) endpoints of the endpoint `stylizer(images)` calls, where
        this model has all three (exact tiles: `tfstyle.inference.tiling`), else None."""
        names = serving.stage_names(self._endpoint)
        return names if all(n in self._runners for n in names) else None

    def bind(self, endpoint=serving.MAIN, **inputs):
        """A copy whose `stylizer(images)` calls `endpoint` with these extra inputs
        (e.g. style_weights, or AdaIN's cached style statistics)."""
        if endpoint not in self._runners:
            raise ModelError(
                f"'{self.path}' has no '{endpoint}' endpoint (it has {', '.join(self._runners)})"
            )
        bound = Stylizer(
            self.kind, self.path, self._runners, self.fixed_size, self.model, self.shapes
        )
        bound._bound, bound._endpoint = {**self._bound, **inputs}, endpoint
        bound._scale = self._scale
        return bound

    def run(self, endpoint=serving.MAIN, **inputs):
        """Runs `endpoint` on float32 arrays; returns {output name: array}."""
        return self._call(self._runners, endpoint, inputs)

    def _call(self, runners, endpoint, inputs):
        if endpoint not in runners:
            raise ModelError(
                f"'{self.path}' has no '{endpoint}' endpoint (it has {', '.join(runners)})"
            )
        names, fn = runners[endpoint]
        missing = [n for n in names if n not in inputs]
        if missing:
            raise ModelError(f"'{self.path}' needs the input(s) {', '.join(missing)}")
        arrays = {n: np.ascontiguousarray(inputs[n], np.float32) for n in names}
        return {k: np.asarray(v) for k, v in fn(**arrays).items()}

    def __call__(self, images):
        out = self._call(self._runners, self._endpoint, {**self._bound, serving.IMAGE: images})
        return np.clip(np.asarray(out[serving.STYLIZED], np.float32), 0.0, 1.0)


def detect_model_kind(path):
    """The kind of model at `path`, or a `ModelError` that says what was expected."""
    path = os.fspath(path)
    expected = (
        "expected a training run folder, a .keras or .weights.h5 file, a SavedModel "
        "folder, a .tflite or an .onnx file"
    )
    if not os.path.exists(path):
        raise ModelError(f"model '{path}' does not exist; {expected}")
    if os.path.isdir(path):
        if os.path.exists(os.path.join(path, "generator.keras")):
            return "run"
        if _saved_model_dir(path):
            return "saved_model"
        raise ModelError(f"folder '{path}' holds no tfstyle model; {expected}")
    lower = path.lower()
    for suffix, kind in (
        (".weights.h5", "weights"),
        (".keras", "keras"),
        (".tflite", "tflite"),
        (".onnx", "onnx"),
    ):
        if lower.endswith(suffix):
            return kind
    raise ModelError(f"'{path}' is not a model file; {expected}")


def _saved_model_dir(path):
    """`path` itself, or its TF Serving version folder `saved_model/<n>/`, if it holds one."""
    if os.path.exists(os.path.join(path, "saved_model.pb")):
        return path
    for root in (path, os.path.join(path, "saved_model")):
        if os.path.isdir(root):
            versions = sorted((d for d in os.listdir(root) if d.isdigit()), key=int)
            for version in reversed(versions):
                candidate = os.path.join(root, version)
                if os.path.exists(os.path.join(candidate, "saved_model.pb")):
                    return candidate
    return None


def load_stylizer(path, num_threads=None, precision="float32"):
    """Loads the network at `path` (any of MODEL_KINDS, or `pretrained:NAME`) as a
    `Stylizer`.

    Args:
        precision: one of PRECISIONS, for Keras networks (run folders, .keras,
            .weights.h5): "bfloat16" computes the convolutions in bfloat16 (float32
            weights, statistics and output); exported files carry their own precision.
    """
    if precision not in PRECISIONS:
        raise InvalidArgumentError(
            f"precision must be one of {', '.join(PRECISIONS)}, got '{precision}'"
        )
    path = resolve_model(path)
    kind = detect_model_kind(path)
    if precision == "bfloat16" and kind not in KERAS_KINDS:
        raise InvalidArgumentError(
            f"bfloat16 compute is for Keras networks (run folders, .keras); '{path}' is a "
            f"{kind} export, whose precision was chosen when it was exported"
        )
    loader = {
        "run": _load_run,
        "keras": _load_keras,
        "weights": _load_weights,
        "saved_model": _load_saved_model,
        "tflite": _load_tflite,
        "onnx": _load_onnx,
    }[kind]
    try:
        stylizer = loader(os.fspath(path), num_threads)
        if kind in KERAS_KINDS and _wants_bfloat16(stylizer.model, precision):
            stylizer = _keras_stylizer(kind, stylizer.path, in_bfloat16(stylizer.model))
        return stylizer
    except TfstyleError:
        raise
    except Exception as e:  # noqa: BLE001 - every runtime raises its own kinds
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise ModelError(f"cannot load '{path}' as a {kind} model: {first}") from None


def _wants_bfloat16(model, precision):
    if precision == "auto":
        from tfstyle.precision import native_bf16_cpu

        return getattr(model, "bfloat16_inference", False) and native_bf16_cpu()
    return precision == "bfloat16"


def in_bfloat16(model):
    """The same network built under the mixed_bfloat16 policy (sublayers take the
    global policy when they are made) with the same weights."""
    import keras

    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        fast = model.__class__.from_config(model.get_config())
        fast.build_from_config(model.get_build_config())
    finally:
        keras.mixed_precision.set_global_policy(previous)
    fast.set_weights(model.get_weights())
    return fast


def keras_endpoints(model):
    """{name: (input names, fn)} for a Keras network's endpoints (with the image-wide
    statistics ones: `serving.network_endpoints`)."""
    import tensorflow as tf

    from tfstyle.ops.fused import fused_kernels

    runners = {}
    for endpoint in serving.network_endpoints(model):
        names = tuple(endpoint.inputs)

        # Derived endpoints (statistics, exact-tile stages) keep the plain ops: the ones
        # that record or take statistics do anyway, and the body of exact tiles holds a
        # whole feature map, whose fused kernels' temporaries take 1.7x the memory.
        def fused(*args, plain=endpoint.fn, names=names, fast=not endpoint.statistics):
            inputs = dict(zip(names, args, strict=True))
            if not fast:
                return plain(**inputs)
            with fused_kernels():
                return plain(**inputs)

        if endpoint.name == serving.MAIN:  # traced for the first image's own shape
            fn = tf.function(fused, reduce_retracing=True)
        else:  # called on tiles of many sizes (exact tiles): one trace, any size
            specs = [tf.TensorSpec(endpoint.inputs[n], tf.float32) for n in names]
            fn = tf.function(fused, input_signature=specs)

        def call(fn=fn, names=names, **inputs):
            return {k: v.numpy() for k, v in fn(*(tf.constant(inputs[n]) for n in names)).items()}

        runners[endpoint.name] = (names, call)
    return runners


def _keras_stylizer(kind, path, model):
    if not hasattr(model, "endpoints"):
        raise ModelError(f"'{path}' is a {type(model).__name__}, not a tfstyle network")
    return Stylizer(
        kind,
        path,
        keras_endpoints(model),
        model=model,
        shapes={e.name: dict(e.inputs) for e in serving.network_endpoints(model)},
    )


def _load_keras(path, num_threads=None):
    import keras

    from tfstyle.models.families import import_all

    import_all()
    return _keras_stylizer("keras", path, keras.saving.load_model(path, compile=False))


def _load_run(path, num_threads=None):
    stylizer = _load_keras(os.path.join(path, "generator.keras"))
    stylizer.kind, stylizer.path = "run", path
    return stylizer


def _load_weights(path, num_threads=None):
    from tfstyle.training.recipe import get_recipe

    config_path = os.path.join(os.path.dirname(os.path.abspath(path)), "config.json")
    if not os.path.exists(config_path):
        raise ModelError(
            f"'{path}' holds weights only; its run's config.json (for the preset) "
            f"must be beside it, or pass the .keras file"
        )
    with open(config_path) as f:
        config = json.load(f)
    family = config.get("family", "johnson")
    model = get_recipe(family).inference_network(config)
    if model is None:
        raise ModelError(f"'{path}' is a {family} run: pass its folder or generator.keras")
    model.load_weights(path)
    return _keras_stylizer("weights", path, model)


def _load_saved_model(path, num_threads=None):
    import tensorflow as tf

    loaded = tf.saved_model.load(_saved_model_dir(path))
    if serving.MAIN not in loaded.signatures:
        raise ModelError(f"SavedModel '{path}' has no serving_default signature")
    runners, shapes = {}, {}
    for name, signature in loaded.signatures.items():
        specs = signature.structured_input_signature[1]
        names = tuple(specs)
        shapes[name] = {n: tuple(spec.shape.as_list()) for n, spec in specs.items()}

        def call(signature=signature, **inputs):
            return {
                k: v.numpy()
                for k, v in signature(**{n: tf.constant(x) for n, x in inputs.items()}).items()
            }

        runners[name] = (names, call)
    if not {serving.IMAGE, serving.NOISE} & set(runners[serving.MAIN][0]):
        raise ModelError(
            f"SavedModel '{path}' takes neither an 'image' nor a 'z' input: not a tfstyle export"
        )
    runners.pop("serve_bytes", None)  # encoded images, for TF Serving clients
    return Stylizer("saved_model", path, runners, shapes=shapes)


def _load_tflite(path, num_threads=None):
    return _with_companions("tflite", path, num_threads, _tflite_parts)


def _load_onnx(path, num_threads=None):
    return _with_companions("onnx", path, num_threads, _onnx_parts)


def _with_companions(kind, path, num_threads, parts):
    """A one-endpoint-per-file model (TFLite, ONNX) with the image-wide statistics and
    stage endpoints of its endpoint, read from the files the export writes beside it
    (model_float16.tflite: image_statistics_float16.tflite,
    with_image_statistics_float16.tflite, head_float16.tflite, ...; model.onnx:
    image_statistics.onnx, ...)."""
    runners, shapes, fixed = parts(path, num_threads)
    for companion_path in _companions(path, next(iter(runners))):
        more, more_shapes, _ = parts(companion_path, num_threads)
        runners.update(more)
        shapes.update(more_shapes)
    return Stylizer(kind, path, runners, fixed_size=fixed, shapes=shapes)


def _companions(path, endpoint):
    folder, name = os.path.split(path)
    stem, extension = os.path.splitext(name)
    variant = re.search(_VARIANT_SUFFIX, stem)
    suffix = variant.group(0) if variant else ""
    found = []
    for names in (serving.statistics_names(endpoint), serving.stage_names(endpoint)):
        candidates = [os.path.join(folder, name + suffix + extension) for name in names]
        if all(os.path.exists(c) for c in candidates):
            found += candidates
    return found


def _tflite_parts(path, num_threads):
    """({endpoint: runner}, {endpoint: input shapes}, fixed (H, W) or None) of a file."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path, num_threads=num_threads or os.cpu_count())
    runners, fixed, shapes = {}, None, {}
    for name in interpreter.get_signature_list():
        runner = interpreter.get_signature_runner(name)
        details = runner.get_input_details()
        shapes[name] = {n: tuple(int(v) for v in d["shape_signature"]) for n, d in details.items()}
        if serving.IMAGE in details:
            static = details[serving.IMAGE]["shape_signature"]
            fixed = tuple(int(v) for v in static[1:3]) if min(static[1:3]) > 0 else None
        runners[name] = (tuple(details), _quietly(runner))
    if not runners:
        raise ModelError(f"'{path}' has no signatures: not a tfstyle export")
    if len(runners) == 1:  # one endpoint per file: named by the file, as for ONNX
        name = _endpoint_from_file(path)
        runners = {name: next(iter(runners.values()))}
        shapes = {name: next(iter(shapes.values()))}
    return runners, shapes, fixed


def _quietly(runner):
    """A TFLite signature runner whose native chatter on fd 2 is silenced (LiteRT
    announces its XNNPACK delegate at the first invoke of each size)."""
    from tfstyle.quiet import quiet_stderr

    def call(**inputs):
        with quiet_stderr():
            return runner(**inputs)

    return call


def _endpoint_from_file(path):
    """model_float16.tflite / model.onnx -> serving_default; style_statistics_float16.tflite
    -> style_statistics (the export's naming)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    stem = re.sub(_VARIANT_SUFFIX, "", stem)
    return serving.MAIN if stem == "model" or not stem else stem


def _onnx_parts(path, num_threads):
    import onnxruntime as ort

    options = ort.SessionOptions()
    ort.set_default_logger_severity(3)  # errors only: its warnings are not actionable for users
    options.log_severity_level = 3
    if num_threads:
        options.intra_op_num_threads = num_threads
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    inputs = {i.name.split(":")[0]: i.name for i in session.get_inputs()}
    outputs = [o.name for o in session.get_outputs()]

    def call(**arrays):
        values = session.run(outputs, {inputs[k]: v for k, v in arrays.items()})
        return {name.split(":")[0]: value for name, value in zip(outputs, values, strict=True)}

    # One graph per file: model.onnx is the main endpoint, <endpoint>.onnx the others.
    name = _endpoint_from_file(path)
    shapes = {
        i.name.split(":")[0]: tuple(d if isinstance(d, int) else None for d in i.shape)
        for i in session.get_inputs()
    }
    return {name: (tuple(inputs), call)}, {name: shapes}, None
