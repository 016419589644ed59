"""What a feed-forward network offers at inference: named endpoints with named inputs.

Every network that ships (Johnson, conditional instance norm, AdaIN, a generated
MetaNet network) describes its endpoints once, here, and everything downstream uses that
description: the SavedModel signatures, one TFLite / ONNX file per endpoint, the
parity checks of the export, and `tfstyle.inference.load_stylizer`, which calls any
format by the same endpoint and input names.

The first endpoint is the main one, "serving_default": images in, {"stylized": images}
out, plus whatever else the method needs (`style_weights` for N styles, a `style` image
and `alpha` for AdaIN).
"""

import dataclasses

import numpy as np

MAIN = "serving_default"
IMAGE = "image"
STYLIZED = "stylized"
NOISE = "z"  # the input of noise-to-image generators (DCGAN), whose output is IMAGE


@dataclasses.dataclass
class Endpoint:
    """One inference entry point of a network.

    Attributes:
        name: signature name ("serving_default" for the main one).
        inputs: {input name: shape} with None for dynamic dimensions; all float32.
        fn: `fn(**inputs)` -> {output name: tensor}; traceable.
        examples: `examples(images)` -> list of input dicts built from a batch of
            (B, H, W, 3) photos in [0, 1]: calibration and parity inputs of the export.
        image_outputs: outputs that are images in [0, 1] (others are features).
    """

    name: str
    inputs: dict
    fn: object
    examples: object
    image_outputs: tuple = (STYLIZED,)

    @property
    def image_only(self):
        return list(self.inputs) == [IMAGE]


def image_shape(fixed_size=None):
    h, w = fixed_size if fixed_size else (None, None)
    return (None, h, w, 3)


def image_endpoint(model, fixed_size=None):
    """The main endpoint of a plain images -> images network."""
    return Endpoint(
        MAIN,
        {IMAGE: image_shape(fixed_size)},
        lambda image: {STYLIZED: model(image, training=False)},
        lambda images: [{IMAGE: np.asarray(images, np.float32)}],
    )


def one_hot_rows(count, num_styles):
    """`count` one-hot rows cycling through the styles: example style weights."""
    return np.eye(num_styles, dtype=np.float32)[np.arange(count) % num_styles]
