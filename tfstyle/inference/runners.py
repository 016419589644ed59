"""One interface over every format a feed-forward network ships in.

`load_stylizer(path)` detects the kind of `path` (a training run folder, .keras,
.weights.h5, SavedModel folder, .tflite, .onnx) and returns a `Stylizer`: a callable
mapping (1, H, W, 3) float32 images in [0, 1] to stylised images of the same shape.
"""

import json
import os

import numpy as np

from tfstyle.errors import TfstyleError

MODEL_KINDS = ("run", "keras", "weights", "saved_model", "tflite", "onnx")


class ModelError(TfstyleError, OSError):
    """A model file is missing, of an unknown kind, or not a tfstyle network."""


class Stylizer:
    """A loaded network: `stylizer(images) -> images`, both (1, H, W, 3) float32 [0, 1].

    Attributes:
        kind: one of MODEL_KINDS.
        path: where it was loaded from.
        fixed_size: (H, W) for models with a static input size (fixed TFLite), else None.
    """

    def __init__(self, kind, path, fn, fixed_size=None, eager_fn=None):
        self.kind, self.path, self._fn, self.fixed_size = kind, path, fn, fixed_size
        self._eager_fn = eager_fn

    @property
    def shares_statistics(self):
        """True for Keras networks: tiles can be normalised with image-wide statistics."""
        return self._eager_fn is not None

    def eager(self, images):
        """Runs the network eagerly (needed inside `layers.shared_statistics()`)."""
        out = self._eager_fn(np.ascontiguousarray(images, np.float32))
        return np.clip(np.asarray(out, np.float32), 0.0, 1.0)

    def __call__(self, images):
        out = self._fn(np.ascontiguousarray(images, np.float32))
        return np.clip(np.asarray(out, np.float32), 0.0, 1.0)


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


def load_stylizer(path, num_threads=None):
    """Loads the network at `path` (any of MODEL_KINDS) as a `Stylizer`."""
    kind = detect_model_kind(path)
    loader = {
        "run": _load_run,
        "keras": _load_keras,
        "weights": _load_weights,
        "saved_model": _load_saved_model,
        "tflite": _load_tflite,
        "onnx": _load_onnx,
    }[kind]
    try:
        return loader(os.fspath(path), num_threads)
    except TfstyleError:
        raise
    except Exception as e:  # noqa: BLE001 - every runtime raises its own kinds
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise ModelError(f"cannot load '{path}' as a {kind} model: {first}") from None


def _keras_stylizer(kind, path, model):
    import tensorflow as tf

    from tfstyle.models.johnson import TransformerNet

    if not isinstance(model, TransformerNet) or model.conditional:
        raise ModelError(
            f"'{path}' is a {type(model).__name__}, not a single-style tfstyle network"
        )
    fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
    return Stylizer(
        kind,
        path,
        lambda x: fn(tf.constant(x)).numpy(),
        eager_fn=lambda x: model(tf.constant(x), training=False).numpy(),
    )


def _load_keras(path, num_threads=None):
    import keras

    import tfstyle.models.johnson  # noqa: F401 - registers the classes for deserialisation

    return _keras_stylizer("keras", path, keras.saving.load_model(path, compile=False))


def _load_run(path, num_threads=None):
    stylizer = _load_keras(os.path.join(path, "generator.keras"))
    stylizer.kind, stylizer.path = "run", path
    return stylizer


def _load_weights(path, num_threads=None):
    from tfstyle.models.johnson import TransformerNet

    config_path = os.path.join(os.path.dirname(os.path.abspath(path)), "config.json")
    if not os.path.exists(config_path):
        raise ModelError(
            f"'{path}' holds weights only; its run's config.json (for the preset) "
            f"must be beside it, or pass the .keras file"
        )
    with open(config_path) as f:
        preset = json.load(f).get("preset", "paper")
    model = TransformerNet.from_preset(preset)
    model.build((None, None, None, 3))
    model.load_weights(path)
    return _keras_stylizer("weights", path, model)


def _load_saved_model(path, num_threads=None):
    import tensorflow as tf

    loaded = tf.saved_model.load(_saved_model_dir(path))
    if "serving_default" not in loaded.signatures:
        raise ModelError(f"SavedModel '{path}' has no serving_default signature")
    signature = loaded.signatures["serving_default"]
    inputs = signature.structured_input_signature[1]
    if "image" not in inputs:
        raise ModelError(
            f"SavedModel '{path}' does not take an 'image' input: not a tfstyle export"
        )
    return Stylizer(
        "saved_model", path, lambda x: signature(image=tf.constant(x))["stylized"].numpy()
    )


def _load_tflite(path, num_threads=None):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path, num_threads=num_threads or os.cpu_count())
    detail = interpreter.get_input_details()[0]
    output_index = interpreter.get_output_details()[0]["index"]
    static = detail["shape_signature"]
    fixed = tuple(int(v) for v in static[1:3]) if min(static[1:3]) > 0 else None
    state = {"shape": None}

    def run(x):
        if tuple(x.shape) != state["shape"]:
            interpreter.resize_tensor_input(detail["index"], x.shape, strict=False)
            interpreter.allocate_tensors()
            state["shape"] = tuple(x.shape)
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        return interpreter.get_tensor(output_index)

    return Stylizer("tflite", path, run, fixed_size=fixed)


def _load_onnx(path, num_threads=None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    ort.set_default_logger_severity(3)  # errors only: its warnings are not actionable for users
    options.log_severity_level = 3
    if num_threads:
        options.intra_op_num_threads = num_threads
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return Stylizer("onnx", path, lambda x: session.run(None, {name: x})[0])
