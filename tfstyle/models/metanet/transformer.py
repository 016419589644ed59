"""The transformation network of MetaNet, whose conv weights a meta network generates."""

import keras
from keras import ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import InstanceNormalization, ReflectionPadding2D
from tfstyle.layers.generated_conv import GeneratedConv2D
from tfstyle.models import serving

# "reference": the 32-64-128 network of the public MetaNet implementation; its 3x3
#   convs (2 down, 10 residual, 2 up = 14 groups) are generated, the 9x9 convs are
#   trained and shared by all styles; resize-convs, reflection padding.
# "paper": the small 8-16-32 network of the paper's table: 40 px reflection padding,
#   unpadded residual convs (-4 px each block), transposed convs; every conv generated.
PRESETS = {
    "reference": {
        "filters": (32, 64, 128),
        "generate_all": False,
        "input_padding": 0,
        "residual_padding": "reflect",
        "upsample": "nearest",
    },
    "paper": {
        "filters": (8, 16, 32),
        "generate_all": True,
        "input_padding": 40,
        "residual_padding": "valid",
        "upsample": "transpose",
    },
}
NUM_RESIDUAL_BLOCKS = 5


class _Block:
    """conv -> [instance norm without affine] -> [ReLU] (plain helper, not a layer)."""

    def __init__(self, conv, norm=True, relu=True):
        self.conv = conv
        self.norm = (
            InstanceNormalization(center=False, scale=False, name=conv.name + "_norm")
            if norm
            else None
        )
        self.relu = relu

    def layers(self):
        return [self.conv] + ([self.norm] if self.norm else [])

    def build(self, shape):
        self.conv.build(shape)
        shape = self.conv.compute_output_shape(shape)
        if self.norm:
            self.norm.build(shape)
        return shape

    def __call__(self, x, params):
        x = self.conv(x, params.get(self.conv.name))
        if self.norm:
            x = self.norm(x)
        return ops.relu(x) if self.relu else x


@keras.saving.register_keras_serializable(package="tfstyle")
class MetaTransformerNet(keras.Model):
    """Image transformation network with generated convolutions (Shen et al., CVPR 2018).

    `net(images)` runs with the weights stored in the network (a generated network
    for one style, after `set_generated`); `net(images, params)` runs with a list of
    flat parameter vectors, one per `generated_layers` entry (meta-training). Images
    are RGB in [0, 1] in and out. The output layer is linear, as in the reference
    implementation, and clipped to [0, 1] unless `clip=False` (training): a scaled
    tanh, as in `TransformerNet`, let the generated output layer saturate within 15
    steps, driven there by the total variation term of a noisy first output, after
    which no gradient reached the meta network.

    Args:
        preset: "reference" or "paper" (see PRESETS).
        width_multiplier: scales the filter counts (tests use small networks).
    """

    def __init__(self, preset="reference", width_multiplier=1.0, **kwargs):
        super().__init__(**kwargs)
        if preset not in PRESETS:
            raise InvalidArgumentError(
                f"unknown preset '{preset}'; choose one of {', '.join(PRESETS)}"
            )
        self.preset, self.width_multiplier = preset, float(width_multiplier)
        spec = PRESETS[preset]
        f1, f2, f3 = (max(2, int(round(f * self.width_multiplier))) for f in spec["filters"])
        edge = spec["generate_all"]
        self.input_pad = (
            ReflectionPadding2D(spec["input_padding"], name="input_pad")
            if spec["input_padding"]
            else None
        )
        self.residual_crop = 2 if spec["residual_padding"] == "valid" else 0
        conv = GeneratedConv2D
        self.conv_in = _Block(conv(f1, 9, generated=edge, name="conv_in"))
        self.down1 = _Block(conv(f2, 3, strides=2, name="down1"))
        self.down2 = _Block(conv(f3, 3, strides=2, name="down2"))
        pad = spec["residual_padding"]
        self.residual = [
            (
                _Block(conv(f3, 3, padding=pad, name=f"residual{i}_a")),
                _Block(conv(f3, 3, padding=pad, name=f"residual{i}_b"), relu=False),
            )
            for i in range(NUM_RESIDUAL_BLOCKS)
        ]
        up = spec["upsample"]
        self.up1 = _Block(conv(f2, 3, upsample=up, name="up1"))
        self.up2 = _Block(conv(f1, 3, upsample=up, name="up2"))
        self.conv_out = _Block(conv(3, 9, generated=edge, name="conv_out"), norm=False, relu=False)
        # Tracked for saving: every conv and norm as attributes of this model.
        self.blocks_layers = [layer for block in self._blocks() for layer in block.layers()]

    def _blocks(self):
        blocks = [self.conv_in, self.down1, self.down2]
        for a, b in self.residual:
            blocks += [a, b]
        return blocks + [self.up1, self.up2, self.conv_out]

    @property
    def generated_layers(self):
        """The generated convolutions in order: the meta network's groups."""
        return [b.conv for b in self._blocks() if b.conv.generated]

    @property
    def group_sizes(self):
        return [layer.param_count for layer in self.generated_layers]

    def build(self, input_shape):
        shape = tuple(input_shape)
        if self.input_pad is not None:
            shape = self.input_pad.compute_output_shape(shape)
        for block in self._blocks():
            shape = block.build(shape)
        self.built = True

    def call(self, images, params=None, clip=True):
        named = {}
        if params is not None:
            named = {layer.name: p for layer, p in zip(self.generated_layers, params, strict=True)}
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        if self.input_pad is not None:
            x = self.input_pad(x)
        for block in (self.conv_in, self.down1, self.down2):
            x = block(x, named)
        c = self.residual_crop
        for a, b in self.residual:
            y = b(a(x, named), named)
            x = (x[:, c:-c, c:-c, :] if c else x) + y
        for block in (self.up1, self.up2, self.conv_out):
            x = block(x, named)
        out = (ops.cast(x, "float32") + 1.0) * 0.5
        return ops.clip(out, 0.0, 1.0) if clip else out

    def set_generated(self, params):
        """Stores generated parameter vectors (one per generated layer) in the network."""
        for layer, value in zip(self.generated_layers, params, strict=True):
            layer.assign(value)

    def endpoints(self, fixed_size=None):
        return [serving.image_endpoint(self, fixed_size)]

    def get_config(self):
        return {
            **super().get_config(),
            "preset": self.preset,
            "width_multiplier": self.width_multiplier,
        }
