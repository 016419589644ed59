"""A whole Gatys run: modes, coarse-to-fine sizes, style scale, colour preservation."""

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from tfstyle.backbones import VGGFeatures, resolve_layer_name
from tfstyle.errors import InvalidArgumentError
from tfstyle.models.gatys.gatys_style_transfer import (
    DEFAULT_CONTENT_LAYERS,
    DEFAULT_CONTENT_WEIGHT,
    DEFAULT_STYLE_LAYERS,
    DEFAULT_STYLE_WEIGHT,
    NORMALIZATIONS,
    GatysStyleTransfer,
)
from tfstyle.ops import preserve_color
from tfstyle.ops.resize import resize_to_shape, scaled_size

MODES = ("stylize", "texture", "invert")
OPTIMIZERS = ("lbfgs", "adam")
# Smallest side the five VGG blocks accept (relu5_1 is at 1/16 of the input).
MIN_SIDE = 16


@dataclasses.dataclass
class GatysRunConfig:
    """Everything that defines a Gatys run; defaults are the paper's where it has one.

    Weights are for Caffe-preprocessed VGG with the size-independent "mean"
    normalisation of neural-style (content 1, style 100 with 0.2 per layer: neural-style's
    5 : 100 per layer), tuned on ImageNet VGG features so 256, 512 and 1024 px outputs
    carry the same style strength. With normalization "gatys" (the paper's sums) the
    paper's alpha/beta ratios (1e-2 ... 1e-5) apply instead, and depend on the size.
    """

    mode: str = "stylize"
    image_size: int = 512
    steps: int = 500
    optimizer: str = "lbfgs"
    learning_rate: float = 0.02
    content_weight: float = DEFAULT_CONTENT_WEIGHT
    style_weight: float = DEFAULT_STYLE_WEIGHT
    tv_weight: float = 0.0
    content_layers: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_CONTENT_LAYERS))
    style_layers: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_STYLE_LAYERS))
    invert_layer: str = "block4_conv2"
    style_weights: tuple | None = None
    style_scale: float = 1.0
    # None: the content for "stylize", noise for "texture" and "invert" (starting an
    # inversion from the content would start it at the optimum).
    init: object = None
    preserve_color: bool = False
    coarse_to_fine: bool = True
    architecture: str = "vgg19"
    vgg_weights: object = "imagenet"
    pooling: str = "avg"
    normalization: str = "mean"
    seed: int | None = None
    jit_compile: bool = False

    def validate(self):
        if self.mode not in MODES:
            raise InvalidArgumentError(f"mode must be one of {', '.join(MODES)}, got '{self.mode}'")
        if self.optimizer not in OPTIMIZERS:
            raise InvalidArgumentError(
                f"optimizer must be one of {', '.join(OPTIMIZERS)}, got '{self.optimizer}'"
            )
        if self.image_size < MIN_SIDE:
            raise InvalidArgumentError(
                f"image_size must be at least {MIN_SIDE}, got {self.image_size}"
            )
        if self.steps < 1:
            raise InvalidArgumentError(f"steps must be at least 1, got {self.steps}")
        if self.normalization not in NORMALIZATIONS:
            raise InvalidArgumentError(
                f"normalization must be one of {', '.join(NORMALIZATIONS)}, "
                f"got '{self.normalization}'"
            )
        if self.style_scale <= 0:
            raise InvalidArgumentError(f"style_scale must be positive, got {self.style_scale}")
        for name in ("content_weight", "style_weight", "tv_weight", "learning_rate"):
            if getattr(self, name) < 0:
                raise InvalidArgumentError(f"{name} must be >= 0, got {getattr(self, name)}")
        # Resolve names now so a typo fails before any image is loaded.
        resolve_layer_name(self.invert_layer, self.architecture)
        for layer in list(self.content_layers) + list(self.style_layers):
            resolve_layer_name(layer, self.architecture)

    def model_terms(self):
        """(content_layers, style_layers, content_weight, style_weight, tv_weight) per mode."""
        if self.mode == "texture":
            return {}, self.style_layers, 0.0, self.style_weight or 1.0, self.tv_weight
        if self.mode == "invert":
            return {self.invert_layer: 1.0}, {}, self.content_weight or 1.0, 0.0, self.tv_weight
        return (
            self.content_layers,
            self.style_layers,
            self.content_weight,
            self.style_weight,
            self.tv_weight,
        )


def size_schedule(image_size, coarse_to_fine=True, start=512):
    """Longer-side sizes to optimise at: e.g. 2048 -> [512, 1024, 2048]; <= start -> [size]."""
    sizes = [int(image_size)]
    while coarse_to_fine and sizes[0] > start:
        sizes.insert(0, max(start, sizes[0] // 2))
    return sizes


def run_gatys(content, styles, config, callback=None):
    """Optimises an image as `config` says and returns it as (H, W, 3) float32 in [0, 1].

    Args:
        content: (H, W, 3) image in [0, 1]; the photo to stylise, or the image whose
            features are inverted. May be None for texture synthesis (square output).
        styles: list of (h, w, 3) style images in [0, 1] (unused for inversion).
        config: a `GatysRunConfig`.
        callback: optional `callback(progress)` after every step, with `progress` a
            dict: stage, stages, step, steps, size, logs, image (a function returning
            the current image as numpy).
    """
    config.validate()
    content_layers, style_layers, content_weight, style_weight, tv_weight = config.model_terms()
    if content_layers and content is None:
        raise InvalidArgumentError(f"mode '{config.mode}' needs a content image")
    if style_layers and not styles:
        raise InvalidArgumentError(f"mode '{config.mode}' needs at least one style image")
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)

    if content is not None:
        height, width = np.shape(content)[:2]
    else:
        height = width = config.image_size
    final_hw = scaled_size(height, width, config.image_size)
    if min(final_hw) < MIN_SIDE:
        raise InvalidArgumentError(
            f"the output would be {final_hw[1]}x{final_hw[0]}: its shorter side must be at "
            f"least {MIN_SIDE} px (raise --image_size, or use a less elongated image)"
        )
    backbone = _make_backbone(config)
    sizes = size_schedule(config.image_size, config.coarse_to_fine)
    image = None
    for stage, size in enumerate(sizes):
        hw = scaled_size(height, width, size)
        model = _make_model(config, hw, backbone)
        scaled_styles = [_scale_style(s, max(hw) * config.style_scale) for s in styles or []]
        model.set_targets(content=content, styles=scaled_styles, style_weights=config.style_weights)
        if image is None:
            init = config.init
            if init is None:
                init = "content" if config.mode == "stylize" else "noise"
            if isinstance(init, str) and init == "content" and content is None:
                init = "noise"
            model.initialize_image(init, content=content, seed=config.seed)
        else:
            model.initialize_image(image)
        steps = config.steps if stage == 0 else max(1, config.steps // 2)
        report = _reporter(callback, model, stage, len(sizes), steps, hw)
        _optimize(model, config, steps, report)
        image = model.image.numpy()[0]
    if config.preserve_color and content is not None:
        image = preserve_color(image, content).numpy()
    return image


def _make_backbone(config):
    content_layers, style_layers = config.model_terms()[:2]
    return VGGFeatures(
        list(content_layers) + list(style_layers),
        config.architecture,
        weights=config.vgg_weights,
        pooling=config.pooling,
    )


def _make_model(config, hw, backbone):
    content_layers, style_layers, content_weight, style_weight, tv_weight = config.model_terms()
    return GatysStyleTransfer(
        hw,
        content_layers=content_layers,
        style_layers=style_layers,
        content_weight=content_weight,
        style_weight=style_weight,
        tv_weight=tv_weight,
        architecture=config.architecture,
        vgg_weights=config.vgg_weights,
        pooling=config.pooling,
        normalization=config.normalization,
        backbone=backbone,
    )


def _optimize(model, config, steps, report):
    if config.optimizer == "lbfgs":
        model.minimize_lbfgs(steps, callback=report, jit_compile=config.jit_compile)
        return
    if getattr(model, "optimizer", None) is None:
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=0.99, epsilon=0.1),
            jit_compile=config.jit_compile,
        )
    step_fn = tf.function(model.train_step, jit_compile=config.jit_compile)
    for step in range(1, steps + 1):
        logs = step_fn(None)
        report(step, {k: float(v) for k, v in logs.items()})


# Ruder et al.'s temporal weight (gamma = 200 with neural-style's content weight 5, on
# 0..255 pixels) in this package's units: content weight 1, pixels in [0, 1].
RUDER_TEMPORAL_WEIGHT = 200.0 / 5.0 * 255.0**2


def run_gatys_video(
    frames,
    styles,
    config,
    temporal_weight=RUDER_TEMPORAL_WEIGHT,
    later_steps=None,
    estimator=None,
    callback=None,
):
    """Ruder, Dosovitskiy & Brox (GCPR 2016): stylises frames one after another; from
    the second frame on, the previous result warped along the optical flow (from this
    frame back to the previous one) starts the optimisation, and a temporal loss pulls
    the pixels where the flow is reliable towards it. Yields each result (H, W, 3).

    Args:
        frames: an iterable of (H, W, 3) frames in [0, 1] (streamed).
        styles: style images, as for `run_gatys`.
        config: a `GatysRunConfig` in mode "stylize"; `image_size` is the frames' longer
            side; one size per frame (no coarse-to-fine); `steps` for the first frame.
        temporal_weight: the temporal term's weight (0: frames only initialised from the
            warped previous result).
        later_steps: iterations for every later frame (default: half of `steps`; the
            paper uses 2000 then 1000).
        estimator: a `tfstyle.video.FlowEstimator` (default: OpenCV DIS).
        callback: as for `run_gatys`, with "stage" the frame index (stages unknown: 0).
    """
    from tfstyle.video import DISFlow, PairFlow, warp

    config.validate()
    if config.mode != "stylize":
        raise InvalidArgumentError("videos are stylised in mode 'stylize' only")
    if not styles:
        raise InvalidArgumentError("stylising a video needs at least one style image")
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    estimator = estimator or DISFlow()
    later_steps = later_steps or max(1, config.steps // 2)
    model = backbone = None
    previous = previous_image = None
    for index, frame in enumerate(frames):
        hw = scaled_size(*np.shape(frame)[:2], config.image_size)
        if model is None:
            if min(hw) < MIN_SIDE:
                raise InvalidArgumentError(f"frames of {hw[1]}x{hw[0]} px are too small")
            backbone = _make_backbone(config)
            model = _make_model(config, hw, backbone)
            scaled = [_scale_style(s, max(hw) * config.style_scale) for s in styles]
        frame = resize_to_shape(frame, hw).numpy() if np.shape(frame)[:2] != hw else frame
        model.set_targets(content=frame, styles=scaled, style_weights=config.style_weights)
        if previous is None:
            init = config.init if config.init is not None else "content"
            model.initialize_image(init, content=frame, seed=config.seed)
            steps = config.steps
        else:
            pair = PairFlow.between(estimator, previous, frame)
            carried = warp(previous_image, pair.backward)
            model.initialize_image(carried)
            model.set_temporal_target(carried, pair.mask, temporal_weight)
            steps = later_steps
        _optimize(model, config, steps, _reporter(callback, model, index, 0, steps, hw))
        previous, previous_image = frame, model.image.numpy()[0]
        out = previous_image
        if config.preserve_color:
            out = preserve_color(out, frame).numpy()
        yield out


def _scale_style(style, longer_side):
    height, width = np.shape(style)[:2]
    hw = scaled_size(height, width, max(MIN_SIDE, int(round(longer_side))))
    return resize_to_shape(style, hw)


def _reporter(callback, model, stage, stages, steps, hw):
    def report(step, logs):
        if callback is not None:
            callback(
                {
                    "stage": stage,
                    "stages": stages,
                    "step": step,
                    "steps": steps,
                    "size": hw,
                    "logs": logs,
                    "image": lambda: model.image.numpy()[0],
                }
            )

    return report
