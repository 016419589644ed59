"""Huang & Belongie: arbitrary style transfer with adaptive instance normalisation."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfstyle.backbones import VGGFeatures
from tfstyle.layers import AdaptiveInstanceNormalization, ConvBlock
from tfstyle.losses import content_loss, mean_std, mean_std_loss
from tfstyle.models import serving
from tfstyle.models.self_building import SelfBuildingModel
from tfstyle.ops.pad import mirror_pad
from tfstyle.training.distribute import minimize

# The encoder taps: relu1_1 .. relu4_1 for the style loss; relu4_1 is the encoding.
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
ENCODING = "block4_conv1"
# Mean activation of relu1_1 .. relu4_1 in the shared, Caffe-scaled VGG19 with the
# ImageNet weights (over the 31 photos and paintings of ../shared/data, 256 px crops).
# The paper's encoder is Gatys' normalised VGG19, each filter rescaled to mean
# activation 1, where the four style layers weigh alike and relu4_1 carries the content
# term too. The same loss in these units, times relu4_1's mean squared (which Adam does
# not see), weighs layer l by (mean_relu4_1 / mean_l)^2: relu1_1 counts 45x, relu3_1
# 0.29x. A flat weight in Caffe units would leave relu1_1 (colour, fine texture) at 1%
# of the style loss.
MEAN_ACTIVATION = dict(zip(STYLE_LAYERS, (26.3, 223.0, 326.8, 176.1), strict=True))
STYLE_LAYER_WEIGHTS = {
    layer: (MEAN_ACTIVATION[ENCODING] / mean) ** 2 for layer, mean in MEAN_ACTIVATION.items()
}
# Mirrored margin (pixels) around the image when stylising: with 16 px a trained
# decoder's edge line was faint, with 32 px gone (see `AdaINStyleTransfer`).
EDGE_PADDING = 32
# (filters, upsample first) of the decoder, mirroring VGG19 up to relu4_1 as in the
# reference implementation; the last block maps to RGB without ReLU.
DECODER_BLOCKS = (
    (256, False),
    (256, True),
    (256, False),
    (256, False),
    (128, False),
    (128, True),
    (64, False),
    (64, True),
    (3, False),
)


@keras.saving.register_keras_serializable(package="tfstyle")
class AdaINDecoder(keras.Model):
    """Maps relu4_1 features back to an image: 3x3 reflection-padded convs with ReLU,
    nearest x2 upsampling where VGG pools, no normalisation; linear RGB output.

    The features are first multiplied by `input_scale`: the paper's decoder reads the
    normalised VGG's relu4_1 (mean activation 1), the shared backbone's relu4_1 averages
    176, and a decoder fed 176x larger inputs starts with outputs in the hundreds,
    which Adam at the paper's 1e-4 takes hundreds of steps to undo.

    Args:
        width_multiplier: scales the filter counts (1.0 is the paper's decoder).
        input_scale: factor on the features (default 1 / relu4_1's mean activation).
    """

    def __init__(self, width_multiplier=1.0, input_scale=None, **kwargs):
        super().__init__(**kwargs)
        self.width_multiplier = float(width_multiplier)
        self.input_scale = float(
            1.0 / MEAN_ACTIVATION[ENCODING] if input_scale is None else input_scale
        )
        self.blocks = []
        for i, (filters, upsample) in enumerate(DECODER_BLOCKS):
            last = i == len(DECODER_BLOCKS) - 1
            self.blocks.append(
                ConvBlock(
                    filters if last else max(4, int(round(filters * self.width_multiplier))),
                    3,
                    upsample=upsample,
                    normalization="none",
                    activation=not last,
                    name=f"block{i}",
                )
            )

    def build(self, input_shape):
        shape = tuple(input_shape)
        for block in self.blocks:
            block.build(shape)
            shape = self._next(block, shape)
        self.built = True

    @staticmethod
    def _next(block, shape):
        scale = 2 if block.upsample else 1
        grow = lambda d: None if d is None else d * scale  # noqa: E731
        return (shape[0], grow(shape[1]), grow(shape[2]), block.filters)

    def call(self, features):
        x = features * ops.cast(self.input_scale, features.dtype)
        for block in self.blocks:
            x = block(x)
        return ops.cast(x, "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "width_multiplier": self.width_multiplier,
            "input_scale": self.input_scale,
        }

    @classmethod
    def from_config(cls, config):
        # Decoders saved before the scale existed read the features as they are.
        return cls(**{"input_scale": 1.0, **config})


@keras.saving.register_keras_serializable(package="tfstyle")
class AdaINStyleTransfer(SelfBuildingModel):
    """Any content with any style in one forward pass (Huang & Belongie, ICCV 2017).

    encoder f = VGG19 up to relu4_1 (the shared frozen backbone), t = AdaIN(f(c), f(s)),
    stylised = g(t) with a trained decoder g. Loss: `||f(g(t)) - t||^2` (content, against
    the AdaIN target, not the content features) plus `style_weight` times the mean/std
    loss on relu1_1..relu4_1 between g(t) and the style image.

    Calling the model on `{"image", "style"[, "alpha"]}` stylises; `style_statistics`
    and `stylize` split that in two so a style's statistics can be computed once and
    reused (video, a style gallery). `alpha` in [0, 1] blends the AdaIN target with the
    content features (1: full style). Statistics may be blended (several styles) or
    given as (B, h, w, C) maps (a style per region, `region_statistics`).

    Inputs and outputs are RGB in [0, 1]; the decoder is linear, so the output is
    clipped at the boundary (the loss sees the unclipped image).

    Stylising mirrors the image by `edge_padding` pixels on every side and crops that
    margin from the output. The encoder's zero padding gives the features of the
    outermost ~16 px their own statistics; the content loss teaches the decoder to
    reproduce them, so without the margin every output has a line drawn 8-16 px inside
    its edges (the decoder trained 1,200 steps on ImageNet features). Training is
    unchanged.

    Args:
        decoder: an `AdaINDecoder` (default: the paper's).
        content_weight, style_weight: the paper's lambda is 10 for style.
        style_layer_weights: {layer: weight} of the style loss (default
            `STYLE_LAYER_WEIGHTS`: the paper's equal weights on the normalised VGG,
            in the shared backbone's units).
        vgg_weights, pooling: the encoder (VGG19).
        edge_padding: mirrored margin in pixels when stylising, a multiple of 8 (at
            most side - 1 rounded down to 8 on images smaller than it); 0 turns it off.
    """

    # Export: the VGG encoder converts well to float and dynamic-range int8 TFLite.
    tflite_variants = ("float32", "float16", "dynamic_int8")
    fixed_size_export = False

    def __init__(
        self,
        decoder=None,
        content_weight=1.0,
        style_weight=10.0,
        style_layer_weights=None,
        vgg_weights="imagenet",
        pooling="max",
        edge_padding=EDGE_PADDING,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if edge_padding < 0 or edge_padding % 8:
            raise ValueError(
                f"edge_padding must be a non-negative multiple of 8, got {edge_padding}"
            )
        self.edge_padding = int(edge_padding)
        if isinstance(decoder, dict):
            decoder = keras.saving.deserialize_keras_object(decoder)
        self.decoder = decoder if decoder is not None else AdaINDecoder()
        self.content_weight = float(content_weight)
        self.style_weight = float(style_weight)
        self.style_layer_weights = {
            layer: float(w) for layer, w in (style_layer_weights or STYLE_LAYER_WEIGHTS).items()
        }
        if unknown := set(self.style_layer_weights) - set(STYLE_LAYERS):
            raise ValueError(
                f"style_layer_weights: {', '.join(sorted(unknown))} not among the "
                f"encoder's layers {', '.join(STYLE_LAYERS)}"
            )
        self.vgg_weights, self.pooling = vgg_weights, pooling
        self.encoder = VGGFeatures(
            list(STYLE_LAYERS), "vgg19", weights=vgg_weights, pooling=pooling
        )
        self.adain = AdaptiveInstanceNormalization(name="adain")
        self.trackers = {
            name: keras.metrics.Mean(name=name) for name in ("loss", "content", "style")
        }
        self.sample_styles = None

    def build(self, input_shape=None):
        if not self.decoder.built:
            self.decoder.build((None, None, None, 512))
        super().build()

    def checkpoint_items(self):
        return {"decoder": self.decoder}

    # Inference -------------------------------------------------------------------------

    @property
    def bfloat16_inference(self):
        """Whether `load_stylizer(..., precision="auto")` computes it in bfloat16 where
        the CPU has it natively: 2.0x faster at 512 px (one-shot, 1.57 -> 0.79 s, Zen 4)
        and 45.6 dB from float32 with the decoder trained 1,200 steps (2026-12-04)."""
        return True

    def encode(self, images):
        return self.encoder(images, layers=[ENCODING])[ENCODING]

    def style_statistics(self, style):
        """{"style_mean", "style_std"}: (B, 512) relu4_1 statistics of style images."""
        mean, std = mean_std(self.encode(style))
        return {"style_mean": mean[:, 0, 0, :], "style_std": std[:, 0, 0, :]}

    def stylize(self, image, style_mean, style_std, alpha=1.0):
        """Decodes `alpha * AdaIN(f(image), stats) + (1 - alpha) * f(image)` of `image`
        with its mirrored margin (`edge_padding`), cropped off again."""
        margin = self._margin(image)
        image = mirror_pad(image, margin)
        if len(style_mean.shape) == 4:  # per-region maps at the features' resolution
            style_mean, style_std = (
                mirror_pad(style_mean, margin // 8),
                mirror_pad(style_std, margin // 8),
            )
        out = self._decode(image, style_mean, style_std, alpha)
        shape = tf.shape(out)
        out = out[:, margin : shape[1] - margin, margin : shape[2] - margin, :]
        return ops.clip(out, 0.0, 1.0)

    def _margin(self, image):
        """`edge_padding`, or less on images too small to mirror it (a multiple of 8)."""
        shape = tf.shape(image)
        side = tf.minimum(shape[1], shape[2])
        return tf.minimum(self.edge_padding, tf.maximum(side - 1, 0) // 8 * 8)

    def _decode(self, image, style_mean, style_std, alpha=1.0):
        content = self.encode(image)
        target = self.adain([content, style_mean, style_std])
        alpha = ops.reshape(ops.cast(alpha, target.dtype), (-1, 1, 1, 1))
        target = alpha * target + (1.0 - alpha) * content
        return self.decoder(target)

    def call(self, inputs, training=None):
        stats = self.style_statistics(inputs["style"])
        alpha = inputs.get("alpha", 1.0)
        return self.stylize(inputs["image"], stats["style_mean"], stats["style_std"], alpha)

    def endpoints(self, fixed_size=None):
        """Three endpoints: the one-shot content + style -> image, and the two halves
        (style -> statistics, cacheable; content + statistics -> image)."""
        image = serving.image_shape()

        def one_shot(image, style, alpha):
            return {serving.STYLIZED: self({"image": image, "style": style, "alpha": alpha})}

        def with_stats(image, style_mean, style_std, alpha):
            return {serving.STYLIZED: self.stylize(image, style_mean, style_std, alpha)}

        def styles_for(images):
            return np.asarray(images, np.float32)[::-1, ::-1]  # another picture, flipped

        def one_shot_examples(images):
            alpha = np.linspace(1.0, 0.5, len(images)).astype(np.float32)
            return [{"image": images, "style": styles_for(images), "alpha": alpha}]

        def stats_examples(images):
            stats = self.style_statistics(tf.constant(styles_for(images)))
            alpha = np.ones(len(images), np.float32)
            return [{"image": images, **{k: v.numpy() for k, v in stats.items()}, "alpha": alpha}]

        return [
            serving.Endpoint(
                serving.MAIN,
                {"image": image, "style": image, "alpha": (None,)},
                one_shot,
                one_shot_examples,
            ),
            serving.Endpoint(
                "style_statistics",
                {"style": image},
                lambda style: self.style_statistics(style),
                lambda images: [{"style": np.asarray(images, np.float32)}],
                image_outputs=(),
            ),
            serving.Endpoint(
                "stylize_with_statistics",
                {
                    "image": image,
                    "style_mean": (None, 512),
                    "style_std": (None, 512),
                    "alpha": (None,),
                },
                with_stats,
                stats_examples,
            ),
        ]

    # Training --------------------------------------------------------------------------

    def train_step(self, data):
        # A train step of its own, not Keras' with `compute_loss`: the content loss is
        # against the AdaIN target t and the style loss against the style's encoder
        # features, both made on the way to the output; Keras' step would hand
        # `compute_loss` only the output, and recomputing them costs two encoder passes.
        content, style = data["image"], data["style"]
        style_feats = self.encoder(style)
        mean, std = mean_std(style_feats[ENCODING])
        content_feats = self.encode(content)
        target = self.adain([content_feats, mean[:, 0, 0, :], std[:, 0, 0, :]])
        with tf.GradientTape() as tape:
            generated = self.decoder(target, training=True)
            feats = self.encoder(generated)
            content_term = self.content_weight * content_loss(feats[ENCODING], target)
            style_total, _ = mean_std_loss(feats, style_feats, self.style_layer_weights)
            style_term = self.style_weight * style_total
            loss = content_term + style_term
        minimize(self.optimizer, tape, loss, self.decoder.trainable_variables)
        for name, value in (("loss", loss), ("content", content_term), ("style", style_term)):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def render_samples(self, images):
        """Rows of sample images: one row per sample style (set `sample_styles`)."""
        if self.sample_styles is None:
            return images
        rows = []
        for style in self.sample_styles:
            stats = self.style_statistics(tf.constant(style[None]))
            count = ops.shape(images)[0]
            mean = ops.repeat(stats["style_mean"], count, axis=0)
            std = ops.repeat(stats["style_std"], count, axis=0)
            rows.append(self.stylize(images, mean, std))
        return ops.stack(rows)

    def get_config(self):
        # The release .keras file carries the encoder's weights: no download on load.
        return {
            **super().get_config(),
            "decoder": keras.saving.serialize_keras_object(self.decoder),
            "content_weight": self.content_weight,
            "style_weight": self.style_weight,
            "style_layer_weights": self.style_layer_weights,
            "vgg_weights": None,
            "pooling": self.pooling,
            "edge_padding": self.edge_padding,
        }


def blend_statistics(stats, weights):
    """Weighted mean of several styles' statistics: {"style_mean", "style_std"} (1, C)
    each. AdaIN is linear in (mean, std), so this equals the weighted sum of the
    AdaIN targets (the paper's style interpolation)."""
    weights = np.asarray(weights, np.float32)
    weights = weights / weights.sum()
    return {
        key: np.sum([w * np.asarray(s[key]) for w, s in zip(weights, stats, strict=True)], axis=0)
        for key in ("style_mean", "style_std")
    }


def region_statistics(stats, masks, size):
    """Per-pixel statistics maps for a style per region.

    Args:
        stats: list of K {"style_mean", "style_std"} (1, C) dicts.
        masks: K (H, W) arrays of non-negative weights (e.g. binary masks), each at any
            resolution (resized to the features).
        size: (h, w) of the relu4_1 features (the image size / 8).

    Returns:
        {"style_mean", "style_std"}: (1, h, w, C) maps, the masks' per-pixel blend.
    """
    masks = np.stack(
        [
            tf.image.resize(np.asarray(m, np.float32)[..., None], size, method="area")[..., 0]
            for m in masks
        ]
    )
    masks = masks / np.maximum(masks.sum(axis=0, keepdims=True), 1e-6)
    return {
        key: np.sum(
            [
                m[None, :, :, None] * np.asarray(s[key])[:, None, None, :]
                for m, s in zip(masks, stats, strict=True)
            ],
            axis=0,
        ).astype(np.float32)
        for key in ("style_mean", "style_std")
    }
