"""The image transformation network of Johnson et al. (ECCV 2016), with modern options."""

import keras
from keras import ops

from tfstyle.errors import InvalidArgumentError
from tfstyle.layers import ConvBlock, ResidualBlock
from tfstyle.models import serving
from tfstyle.ops.pad import mirror_pad

# Presets are constructor arguments. "paper" is the paper's table with the defaults
# every reimplementation uses today (instance norm, resize-conv, reflection padding).
PRESETS = {
    "paper": {"width_multiplier": 1.0, "num_residual_blocks": 5},
    "lite": {"width_multiplier": 0.5, "num_residual_blocks": 5},
    "lite_025": {"width_multiplier": 0.25, "num_residual_blocks": 5},
    # Phone-class: 8 channels at full resolution, 16 at half, 32 in the residual
    # blocks, plain 3x3 convs, 5x5 edge convs. Plain convs at 32 channels beat the
    # earlier depthwise-separable 64-channel blocks on both counts: faster in Keras,
    # TFLite and ONNX Runtime at 1024 x 1024 on 2 cores, and closer to the paper
    # network's style after 2,000 steps (README "Phone-class network"). Reflection
    # padding, as the paper's: with zero padding (the preset until 2026-12-06, with
    # the input mirrored by 8 px and that margin cropped) networks trained 500 steps
    # and more painted a striped frame 5 px wide along the top and right edges.
    "mobile": {
        "filters": (8, 16, 32),
        "num_residual_blocks": 5,
        "edge_kernel_size": 5,
    },
}


@keras.saving.register_keras_serializable(package="tfstyle")
class TransformerNet(keras.Model):
    """Feed-forward stylisation network: 9x9 conv, two stride-2 convs, residual blocks,
    two x2 upsampling convs, 9x9 conv to RGB.

    Reference: Johnson, Alahi & Fei-Fei, "Perceptual Losses for Real-Time Style
    Transfer and Super-Resolution", ECCV 2016 (supplementary table); instance norm from
    Ulyanov et al. 2016; conditional instance norm from Dumoulin et al., ICLR 2017.

    Input and output are RGB in [0, 1], (B, H, W, 3); H and W multiples of 4 give an
    output of the same size. With `normalization="conditional_instance"` the network is
    called on `[images, style_weights]` with `style_weights` of shape (B, num_styles).

    Args:
        width_multiplier: scales the filter counts 32-64-128 (1.0 is the paper).
        num_residual_blocks: 5 in the paper.
        normalization: "instance" (default), "batch" (the paper) or "conditional_instance".
        num_styles: rows of conditional instance norm parameters.
        upsampling: "resize_conv" (nearest x2 then conv; default) or "transpose" (paper).
        padding: "reflect" (default) or "zero" (for runtimes without MirrorPad).
        filters: the three filter counts (full, half and quarter resolution) instead of
            32-64-128 times `width_multiplier`.
        separable: depthwise-separable convolutions everywhere but the first and last
            (the sampling convolutions and the residual blocks).
        edge_kernel_size: the first and last convolutions' kernel (9 in the paper).
        edge_padding: mirror the input by this many pixels (a multiple of 4) and crop
            them from the output: zero-padded networks otherwise draw a dark frame.

    Example:
        >>> net = TransformerNet()       # the paper's 1.68M parameters
        >>> stylized = net(images)       # images in [0, 1]
    """

    @property
    def bfloat16_inference(self):
        """Whether `load_stylizer(..., precision="auto")` computes it in bfloat16 where
        the CPU has it natively: the paper network 1.8x faster at 1024 px, ~50 dB from
        float32 (README "Inference"). Only networks with plain convolutions and at least
        64 residual channels: narrower ones and depthwise convolutions run slower in
        bfloat16 (Keras at 1024 px, Xeon with AMX, float32 / bfloat16: the mobile
        preset's 8/16/32 channels 0.193 / 0.322 s and lite_025's 0.47 / 0.53 s, where
        lite's 16/32/64 take 1.01 / 0.53 s, 2026-12-05; the earlier separable 8/16/64
        mobile network 0.191 / 0.281 s, 2026-12-04)."""
        return not self.separable and self.filters[2] >= 64

    def __init__(
        self,
        width_multiplier=1.0,
        num_residual_blocks=5,
        normalization="instance",
        num_styles=1,
        upsampling="resize_conv",
        padding="reflect",
        filters=None,
        separable=False,
        edge_kernel_size=9,
        edge_padding=0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if width_multiplier <= 0 or num_residual_blocks < 0:
            raise InvalidArgumentError("width_multiplier must be > 0 and num_residual_blocks >= 0")
        if filters is not None and (len(filters) != 3 or min(filters) < 1):
            raise InvalidArgumentError(f"filters must be three positive counts, got {filters}")
        if edge_kernel_size < 1 or edge_kernel_size % 2 == 0:
            raise InvalidArgumentError(f"edge_kernel_size must be odd, got {edge_kernel_size}")
        if edge_padding < 0 or edge_padding % 4:
            raise InvalidArgumentError(
                f"edge_padding must be a non-negative multiple of 4, got {edge_padding}"
            )
        self.width_multiplier = float(width_multiplier)
        self.num_residual_blocks = int(num_residual_blocks)
        self.normalization = normalization
        self.num_styles = int(num_styles)
        self.upsampling = upsampling
        self.padding = padding
        self.separable, self.edge_kernel_size = bool(separable), int(edge_kernel_size)
        self.edge_padding = int(edge_padding)
        if filters is None:
            filters = (max(4, int(round(f * self.width_multiplier))) for f in (32, 64, 128))
        self.filters = tuple(int(f) for f in filters)
        f1, f2, f3 = self.filters
        k = self.edge_kernel_size
        common = {"padding": padding, "normalization": normalization, "num_styles": num_styles}
        inner = {**common, "separable": self.separable}
        self.conv_in = ConvBlock(f1, k, name="conv_in", **common)
        self.down1 = ConvBlock(f2, 3, strides=2, name="down1", **inner)
        self.down2 = ConvBlock(f3, 3, strides=2, name="down2", **inner)
        self.residual_blocks = [
            ResidualBlock(f3, name=f"residual{i}", **inner) for i in range(self.num_residual_blocks)
        ]
        up = {"upsample": True, "upsampling": upsampling, **inner}
        self.up1 = ConvBlock(f2, 3, name="up1", **up)
        self.up2 = ConvBlock(f1, 3, name="up2", **up)
        # With conditional instance norm the output conv is normalised too, as in
        # magenta's network: a per-style (gamma, beta) on the RGB output sets each
        # style's colour balance and contrast. The one-style networks keep Johnson's
        # plain output conv.
        self.conv_out = ConvBlock(
            3,
            k,
            padding=padding,
            normalization="conditional_instance" if self.conditional else "none",
            num_styles=num_styles,
            activation=False,
            even_input=True,  # after two x2 upsamplings: the space-to-depth path
            name="conv_out",
        )

    @property
    def conditional(self):
        return self.normalization == "conditional_instance"

    def build(self, input_shape):
        image_shape = input_shape[0] if self.conditional else input_shape
        batch = image_shape[0]
        style_weights = keras.KerasTensor((batch, self.num_styles)) if self.conditional else None
        images = keras.KerasTensor(tuple(image_shape))
        # Symbolic pass: builds every sublayer with the right shapes.
        self.call([images, style_weights] if self.conditional else images)
        self.built = True

    def call(self, inputs, training=None):
        if self.conditional:
            images, style_weights = inputs
        else:
            images, style_weights = inputs, None
        x = self.head(images, style_weights, training)
        return self.tail(self.body(x, style_weights, training), style_weights, training)

    def head(self, images, style_weights=None, training=None):
        """Images in [0, 1] -> features at a quarter of the (mirrored) input's size."""
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        if self.edge_padding:
            x = mirror_pad(x, self.edge_padding)
        for block in (self.conv_in, self.down1, self.down2):
            x = block(x, style_weights=style_weights, training=training)
        return x

    def body(self, x, style_weights=None, training=None):
        """The residual blocks, at a quarter of the input's size."""
        for block in self.residual_blocks:
            x = block(x, style_weights=style_weights, training=training)
        return x

    def tail(self, x, style_weights=None, training=None):
        """Features -> images in [0, 1] at four times their size (less the margin)."""
        for block in (self.up1, self.up2, self.conv_out):
            x = block(x, style_weights=style_weights, training=training)
        p = self.edge_padding
        if p:
            x = x[:, p:-p, p:-p, :]
        # Scaled tanh keeps the output in [0, 1], like the paper's output layer.
        return (ops.tanh(ops.cast(x, "float32")) + 1.0) * 0.5

    def endpoints(self, fixed_size=None):
        """Inference endpoints (see `tfstyle.models.serving`): images -> stylised images,
        plus a (B, num_styles) `style_weights` input for the conditional network. The
        main endpoint splits into head, body and tail (`serving.Stages`): exact tiles."""
        stages = serving.Stages(self.head, self.body, self.tail)
        if not self.conditional:
            return [serving.image_endpoint(self, fixed_size, stages)]

        def fn(image, style_weights):
            return {serving.STYLIZED: self([image, style_weights], training=False)}

        def examples(images):
            weights = serving.one_hot_rows(len(images), self.num_styles)
            return [{serving.IMAGE: images, "style_weights": weights}]

        shape = serving.image_shape(fixed_size)
        inputs = {serving.IMAGE: shape, "style_weights": (None, self.num_styles)}
        return [serving.Endpoint(serving.MAIN, inputs, fn, examples, stages=stages)]

    def get_config(self):
        return {
            **super().get_config(),
            "width_multiplier": self.width_multiplier,
            "num_residual_blocks": self.num_residual_blocks,
            "normalization": self.normalization,
            "num_styles": self.num_styles,
            "upsampling": self.upsampling,
            "padding": self.padding,
            "filters": list(self.filters),
            "separable": self.separable,
            "edge_kernel_size": self.edge_kernel_size,
            "edge_padding": self.edge_padding,
        }

    @classmethod
    def from_preset(cls, preset, **kwargs):
        """`TransformerNet.from_preset("lite")`; keyword arguments override the preset."""
        if preset not in PRESETS:
            raise InvalidArgumentError(
                f"unknown preset '{preset}'; choose one of {', '.join(PRESETS)}"
            )
        return cls(**{**PRESETS[preset], **kwargs})
