"""One frozen VGG feature extractor for every model in the zoo.

Papers name VGG taps `relu4_2` or `conv4_2`; Keras names the same conv+ReLU layer
`block4_conv2`. `VGGFeatures` accepts all three spellings, builds the network only
up to the deepest requested tap, owns the Caffe preprocessing (callers pass RGB in
[0, 1]) and is frozen.
"""

import os
import re
import warnings

import keras
from keras import ops

from tfstyle.errors import InvalidArgumentError, WeightsError

_CONVS_PER_BLOCK = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_BUILDERS = {"vgg16": keras.applications.VGG16, "vgg19": keras.applications.VGG19}
_WEIGHT_FILES = {
    "vgg16": "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "vgg19": "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
}
# ImageNet channel means in BGR order, on the 0..255 scale (Caffe preprocessing).
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
# Activations of these Caffe-scaled VGG weights (inputs 0..255) are ~57.8x those of
# torchvision's VGG (inputs divided by ImageNet's std, ~0.226 x 255): a loss weight
# taken from a PyTorch implementation converts by this factor per power of features.
TORCHVISION_FEATURE_SCALE = 57.8


def _layer_names(architecture):
    names = []
    for block, convs in enumerate(_CONVS_PER_BLOCK[architecture], start=1):
        names += [f"block{block}_conv{i}" for i in range(1, convs + 1)]
        names.append(f"block{block}_pool")
    return tuple(names)


VGG_LAYERS = {arch: _layer_names(arch) for arch in _CONVS_PER_BLOCK}


def resolve_layer_name(name, architecture="vgg19"):
    """Maps `relu4_2`, `conv4_2`, `pool4` or `block4_conv2` to the Keras layer name.

    Raises:
        InvalidArgumentError (a ValueError): the name is not a tap of `architecture`;
            the message lists the valid names.
    """
    if architecture not in VGG_LAYERS:
        raise InvalidArgumentError(
            f"unknown VGG architecture '{architecture}'; choose one of {', '.join(VGG_LAYERS)}"
        )
    valid = VGG_LAYERS[architecture]
    key = str(name).strip().lower()
    match = re.fullmatch(r"(?:relu|conv)(\d)_(\d)", key)
    if match:
        key = f"block{match.group(1)}_conv{match.group(2)}"
    match = re.fullmatch(r"pool(\d)", key)
    if match:
        key = f"block{match.group(1)}_pool"
    if key not in valid:
        raise InvalidArgumentError(
            f"unknown {architecture} layer '{name}'; valid layers: {', '.join(valid)} "
            f"(paper names like relu4_2 or conv4_2 also work)"
        )
    return key


@keras.saving.register_keras_serializable(package="tfstyle")
class CaffePreprocess(keras.layers.Layer):
    """RGB in [0, 1] -> BGR on 0..255 minus the ImageNet mean, as the VGG weights expect.

    Equals `keras.applications.vgg19.preprocess_input(x * 255)`. Always computed in
    float32 (the default dtype here): under mixed bfloat16, scaling to 0..255 and
    subtracting the mean in bfloat16 rounded twice (the means themselves to 104, 117,
    124); now the centred value is rounded once, by the first convolution.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, images):
        images = ops.cast(images, self.compute_dtype)
        bgr = ops.flip(images, axis=-1) * 255.0
        mean = ops.convert_to_tensor(_CAFFE_MEAN_BGR, dtype=self.compute_dtype)
        return bgr - mean

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="tfstyle")
class VGGFeatures(keras.Model):
    """Frozen VGG16/VGG19 that maps RGB images in [0, 1] to a dict of named activations.

    Reference: Simonyan & Zisserman, "Very Deep Convolutional Networks for Large-Scale
    Image Recognition", ICLR 2015. Average pooling as in Gatys et al., CVPR 2016.

    Args:
        layers: tap names (Keras `block4_conv2` or paper `relu4_2` / `conv4_2`). The
            output dict is keyed by the Keras names.
        architecture: "vgg19" (default) or "vgg16".
        weights: "imagenet" (Keras download, cached under ~/.keras/models), a path to
            a weights file (.h5 or .weights.h5 of the Keras VGG without top), or None
            for random weights (tests only).
        pooling: "max" (as trained) or "avg" (smoother gradients for optimisation).

    Example:
        >>> vgg = VGGFeatures(["relu1_1", "relu4_2"], weights=None)
        >>> feats = vgg(images)  # {"block1_conv1": ..., "block4_conv2": ...}
    """

    def __init__(self, layers, architecture="vgg19", weights="imagenet", pooling="max", **kwargs):
        super().__init__(**kwargs)
        if isinstance(layers, str):
            layers = [layers]
        if not layers:
            raise InvalidArgumentError("VGGFeatures needs at least one layer name")
        if pooling not in ("max", "avg"):
            raise InvalidArgumentError(f"pooling must be 'max' or 'avg', got '{pooling}'")
        self.architecture = architecture
        self.layer_names = tuple(dict.fromkeys(resolve_layer_name(n, architecture) for n in layers))
        self.weights_source = weights
        self.pooling = pooling
        self.preprocess = CaffePreprocess(name="caffe_preprocess")
        self._stack = self._build_stack(_load_vgg(architecture, weights), pooling)
        self.trainable = False
        self.build((None, None, None, 3))

    def build(self, input_shape=None):
        # Every layer comes built (with its weights) from the loaded Keras VGG.
        self.built = True

    def _build_stack(self, vgg, pooling):
        """The layers up to the deepest tap, reusing the loaded conv layers."""
        order = VGG_LAYERS[self.architecture]
        deepest = max(order.index(n) for n in self.layer_names)
        stack = []
        for name in order[: deepest + 1]:
            if name.endswith("_pool"):
                pool = (
                    keras.layers.AveragePooling2D if pooling == "avg" else keras.layers.MaxPooling2D
                )
                stack.append(pool(2, strides=2, name=name))
            else:
                stack.append(vgg.get_layer(name))
        return stack

    @property
    def deepest_layer(self):
        return self._stack[-1].name

    def call(self, images, layers=None):
        """Returns {name: activation} for `layers` (default: all taps of this extractor).

        With `layers`, the pass stops at the deepest of them: e.g. a content target at
        relu2_2 costs two blocks, not the whole network.
        """
        wanted = (
            self.layer_names
            if layers is None
            else tuple(resolve_layer_name(n, self.architecture) for n in layers)
        )
        missing = [n for n in wanted if n not in self.layer_names]
        if missing:
            raise InvalidArgumentError(
                f"layers {missing} are not taps of this extractor {self.layer_names}"
            )
        x = self.preprocess(images)
        outputs = {}
        for layer in self._stack:
            x = layer(x)
            if layer.name in wanted:
                outputs[layer.name] = x
                if len(outputs) == len(wanted):
                    break
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "layers": list(self.layer_names),
                "architecture": self.architecture,
                "weights": self.weights_source,
                "pooling": self.pooling,
            }
        )
        return config


def _load_vgg(architecture, weights):
    if architecture not in _BUILDERS:
        raise InvalidArgumentError(
            f"unknown VGG architecture '{architecture}'; choose one of {', '.join(_BUILDERS)}"
        )
    if weights is not None and weights != "imagenet":
        weights = os.fspath(weights)
        if not os.path.isfile(weights):
            raise WeightsError(
                f"VGG weights file '{weights}' does not exist; pass 'imagenet', a path to "
                f"{_WEIGHT_FILES[architecture]} (or a .weights.h5 of Keras' {architecture} "
                f"without top), or None"
            )
    try:
        with warnings.catch_warnings():
            # Keras warns per skipped group when a file does not match; we raise instead.
            warnings.simplefilter("ignore")
            return _BUILDERS[architecture](include_top=False, weights=weights)
    except Exception as e:  # noqa: BLE001 - Keras raises bare Exception on fetch failure
        if weights == "imagenet":
            raise WeightsError(
                f"could not download the ImageNet {architecture} weights ({_first_line(e)}); "
                f"download {_WEIGHT_FILES[architecture]} where you have internet and put it "
                f"in ~/.keras/models/, or pass its path (--vgg_weights PATH)"
            ) from None
        raise WeightsError(
            f"could not load VGG weights from '{weights}' into {architecture}: "
            f"{_first_line(e)} (is it a {architecture} file without the top layers?)"
        ) from None


def _first_line(error):
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
