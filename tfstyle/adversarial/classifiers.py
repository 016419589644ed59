"""Classifiers to attack, each taking images in [0, 1] and returning logits, with the
preprocessing its weights expect inside, so a budget in pixel units means what it says."""

import json
import os

import keras

from tfstyle.backbones import CaffePreprocess
from tfstyle.errors import InvalidArgumentError, WeightsError
from tfstyle.io.images import atomic_write

IMAGENET_SIZE = 224
_CLASS_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
_BUILDERS = {"vgg16": keras.applications.VGG16, "vgg19": keras.applications.VGG19}


def imagenet_classifier(architecture="vgg19", weights="imagenet"):
    """Keras' ImageNet VGG with its top, as a model from (B, 224, 224, 3) RGB in [0, 1]
    to 1,000 logits. The Caffe preprocessing (RGB -> BGR, x 255, minus the ImageNet
    mean) is the model's first layer: forgetting it is the classic bug of attack code.

    Args:
        architecture: "vgg19" or "vgg16".
        weights: "imagenet" (Keras downloads them once, ~550 MB), a path to Keras'
            `*_weights_tf_dim_ordering_tf_kernels.h5` (with top), or None (random).
    """
    if architecture not in _BUILDERS:
        raise InvalidArgumentError(
            f"--model must be vgg19, vgg16 or a .keras file, got '{architecture}'"
        )
    if weights not in (None, "imagenet") and not os.path.isfile(weights):
        raise WeightsError(f"weights file '{weights}' does not exist")
    try:
        vgg = _BUILDERS[architecture](include_top=True, weights=weights, classifier_activation=None)
    except Exception as e:  # noqa: BLE001 - Keras raises bare Exception on fetch failure
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise WeightsError(
            f"could not load the ImageNet {architecture} classifier weights ({first}); a "
            "fresh install downloads them once (internet needed), or pass a local file"
        ) from None
    inputs = keras.Input((IMAGENET_SIZE, IMAGENET_SIZE, 3))
    return keras.Model(inputs, vgg(CaffePreprocess()(inputs)), name=f"{architecture}_classifier")


def imagenet_class_names(path=None):
    """The 1,000 ImageNet class names in Keras' order (index -> "ostrich", ...), from
    Keras' class index (downloaded once into ~/.keras/models) or a local copy."""
    try:
        path = path or keras.utils.get_file(
            "imagenet_class_index.json", _CLASS_INDEX_URL, cache_subdir="models"
        )
        with open(path) as f:
            index = json.load(f)
    except Exception as e:  # noqa: BLE001 - download and parse errors alike
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise InvalidArgumentError(
            f"could not read the ImageNet class names ({first}); give the target as a class "
            "id (0-999) or pass --class_index imagenet_class_index.json"
        ) from None
    return [index[str(i)][1] for i in range(len(index))]


def resolve_class(name_or_id, names=None, num_classes=None):
    """A class id from an id ("9") or a name ("ostrich", case and _/space-insensitive).

    Raises:
        InvalidArgumentError: unknown name (with the closest names) or id out of range.
    """
    text = str(name_or_id).strip()
    count = len(names) if names else num_classes
    if text.isdigit():
        index = int(text)
        if count is not None and index >= count:
            raise InvalidArgumentError(f"class id {index} is out of range (0-{count - 1})")
        return index
    if not names:
        raise InvalidArgumentError(f"class '{text}' is not an id and no class names are known")
    key = text.lower().replace(" ", "_")
    lookup = {n.lower(): i for i, n in enumerate(names)}
    if key in lookup:
        return lookup[key]
    close = [n for n in names if key in n.lower() or n.lower() in key][:5]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InvalidArgumentError(f"unknown class '{text}'{hint}")


def mnist_classifier():
    """A small MNIST CNN (Keras' MNIST convnet example): two 3x3 convs (32, 64) with
    max pooling, dropout 0.5, 10 logits; ~99% on MNIST after a few epochs.
    Inputs (B, 28, 28, 1) in [0, 1]."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10),
        ],
        name="mnist_classifier",
    )


def load_classifier(model, weights="imagenet"):
    """ "vgg19" / "vgg16" (ImageNet, `weights`), or a saved Keras image classifier
    (.keras) from images in [0, 1] to logits (e.g. `train_mnist_classifier.py`'s)."""
    if model in _BUILDERS:
        return imagenet_classifier(model, weights)
    if not str(model).endswith(".keras"):
        raise InvalidArgumentError(f"--model must be vgg19, vgg16 or a .keras file, got '{model}'")
    if not os.path.isfile(model):
        raise InvalidArgumentError(f"model file '{model}' does not exist")
    try:
        classifier = keras.saving.load_model(model, compile=False)
    except Exception as e:  # noqa: BLE001 - Keras raises many kinds for a bad file
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise InvalidArgumentError(f"'{model}' is not a readable Keras model ({first})") from None
    inputs, outputs = classifier.inputs, classifier.outputs
    if (
        len(inputs) != 1
        or len(outputs) != 1
        or len(inputs[0].shape) != 4
        or len(outputs[0].shape) != 2
    ):
        raise InvalidArgumentError(
            f"'{model}' is not an image classifier (it maps "
            f"{[tuple(i.shape) for i in inputs]} to {[tuple(o.shape) for o in outputs]})"
        )
    return classifier


def train_classifier(model, images, labels, epochs=5, batch_size=128, seed=0, on_epoch=None):
    """Fits `model` (images -> logits) with Adam 1e-3 and cross-entropy; `on_epoch(epoch,
    logs)` after each epoch. Returns the model."""
    keras.utils.set_random_seed(seed)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch)] if on_epoch else []
    model.fit(images, labels, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=callbacks)
    return model


def save_model(model, path, overwrite=False):
    """Saves a Keras model to `path` (.keras) atomically: complete or not at all."""
    with atomic_write(path, overwrite=overwrite) as tmp:
        staged = tmp + ".keras"  # Keras saves only to a name ending in .keras
        try:
            model.save(staged)
            os.replace(staged, tmp)
        finally:
            if os.path.exists(staged):
                os.remove(staged)
    return path
