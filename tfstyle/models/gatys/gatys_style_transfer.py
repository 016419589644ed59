"""The image-optimisation model of Gatys et al.: the only trainable variable is the image."""

import keras
import numpy as np
import tensorflow as tf

from tfstyle.backbones import VGGFeatures, resolve_layer_name
from tfstyle.errors import InvalidArgumentError
from tfstyle.losses import gram_matrix
from tfstyle.models.perceptual_config import perceptual_config, perceptual_objective
from tfstyle.optimizers import lbfgs_minimize

# Gatys et al., CVPR 2016: content at relu4_2, style at relu1_1 ... relu5_1 with equal weights.
DEFAULT_CONTENT_LAYERS = {"block4_conv2": 1.0}
DEFAULT_STYLE_LAYERS = {f"block{b}_conv1": 0.2 for b in range(1, 6)}
# "mean": per-element means as in neural-style (Johnson's Torch implementation, the one
# behind most published Gatys images): content MSE, Gram / (C H W), mean over the C x C
# entries. Every term is independent of the image size and a layer with N filters
# weighs like 1/N^2 of the paper's E_l, which balances shallow and deep layers on the
# Caffe-scaled VGG. "gatys": the paper's sums (content grows with the pixel count).
NORMALIZATIONS = ("mean", "gatys")
DEFAULT_CONTENT_WEIGHT = 1.0
DEFAULT_STYLE_WEIGHT = 100.0


@keras.saving.register_keras_serializable(package="tfstyle")
class GatysStyleTransfer(keras.Model):
    """Optimises the pixels of one image against content and style targets.

    Reference: Gatys, Ecker & Bethge, "Image Style Transfer Using Convolutional Neural
    Networks", CVPR 2016. The loss is `content_weight * L_content + style_weight *
    L_style + tv_weight * TV`, by default with neural-style's per-element means (the
    same result at 256, 512 or 1024 px; see `NORMALIZATIONS`), or with the paper's sums
    (`normalization="gatys"`, see `tfstyle.losses.perceptual`). Texture synthesis is the same model with
    `content_weight=0`; feature inversion (Mahendran & Vedaldi, CVPR 2015) is one
    content layer with `style_weight=0`.

    Targets are computed once by `set_targets` and kept in non-trainable variables, so
    a step costs one VGG forward and backward pass of the image. Several styles are
    blended by averaging their Gram matrices with the given weights, which has the same
    gradient as the weighted sum of per-style losses and costs nothing per step.

    Args:
        image_size: (height, width) of the optimised image.
        content_layers: dict {layer: weight}; paper or Keras layer names.
        style_layers: dict {layer: weight}.
        content_weight, style_weight, tv_weight: term weights (alpha, beta, TV).
        architecture: "vgg19" or "vgg16".
        vgg_weights: "imagenet", a weights file path, or None (random; tests only).
        pooling: "avg" (Gatys) or "max".
        normalization: "mean" (size-independent, default) or "gatys" (paper's sums).
        backbone: an existing `VGGFeatures` to share (e.g. across a size schedule); it
            must provide every requested layer.

    Example:
        >>> model = GatysStyleTransfer((256, 256), vgg_weights=None)
        >>> model.set_targets(content=photo, styles=[painting])
        >>> model.initialize_image("content")
        >>> model.compile(optimizer=keras.optimizers.Adam(0.02, beta_1=0.99, epsilon=0.1))
        >>> logs = model.train_step(None)
    """

    def __init__(
        self,
        image_size,
        content_layers=None,
        style_layers=None,
        content_weight=DEFAULT_CONTENT_WEIGHT,
        style_weight=DEFAULT_STYLE_WEIGHT,
        tv_weight=0.0,
        architecture="vgg19",
        vgg_weights="imagenet",
        pooling="avg",
        backbone=None,
        normalization="mean",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if len(image_size) != 2 or min(image_size) < 1:
            raise InvalidArgumentError(f"image_size must be (height, width), got {image_size}")
        if normalization not in NORMALIZATIONS:
            raise InvalidArgumentError(
                f"normalization must be one of {', '.join(NORMALIZATIONS)}, got '{normalization}'"
            )
        self.normalization = normalization
        # The loss module's name for the same normalisation.
        self._loss_normalization = "johnson" if normalization == "mean" else "gatys"
        self.image_size = (int(image_size[0]), int(image_size[1]))
        resolve = lambda layers: {
            resolve_layer_name(k, architecture): float(v) for k, v in layers.items()
        }
        self.content_layers = resolve(
            DEFAULT_CONTENT_LAYERS if content_layers is None else content_layers
        )
        self.style_layers = resolve(DEFAULT_STYLE_LAYERS if style_layers is None else style_layers)
        self.content_weight = float(content_weight)
        self.style_weight = float(style_weight)
        self.tv_weight = float(tv_weight)
        if not self.content_weight:
            self.content_layers = {}
        if not self.style_weight:
            self.style_layers = {}
        if not self.content_layers and not self.style_layers:
            raise InvalidArgumentError("nothing to optimise: both content and style terms are off")
        self.architecture = architecture
        self.vgg_weights = vgg_weights
        self.pooling = pooling
        needed = list(self.content_layers) + list(self.style_layers)
        if backbone is None:
            backbone = VGGFeatures(needed, architecture, weights=vgg_weights, pooling=pooling)
        missing = [n for n in needed if n not in backbone.layer_names]
        if missing:
            raise InvalidArgumentError(f"the backbone does not provide {missing}")
        self.backbone = backbone
        self.image = self.add_weight(
            shape=(1, *self.image_size, 3), initializer="zeros", name="image", trainable=True
        )
        self._content_targets = {
            name: self._target_variable(f"content_{name}") for name in self.content_layers
        }
        self._style_grams = {
            name: self._target_variable(f"gram_{name}") for name in self.style_layers
        }
        self._targets_set = False
        # Ruder et al.'s temporal term (video): off until `set_temporal_target`.
        self.temporal_weight = 0.0
        self._temporal_target = self._target_variable("temporal_target")
        self._temporal_mask = self._target_variable("temporal_mask")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self._lbfgs_function = None

    def _target_variable(self, name):
        # Shape-less variable: filled by `set_targets`, never trained.
        return tf.Variable(tf.zeros([0]), trainable=False, shape=tf.TensorShape(None), name=name)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def features(self, images):
        return self.backbone(images)

    def set_targets(self, content=None, styles=(), style_weights=None):
        """Computes the content features and blended style Grams once.

        Args:
            content: (H, W, 3) image in [0, 1]; resized to `image_size`. Required when
                the content term is on.
            styles: list of (h, w, 3) style images in [0, 1], already at the scale the
                style should have.
            style_weights: blend weights, one per style (normalised to sum 1).
        """
        if self.content_layers:
            if content is None:
                raise InvalidArgumentError("a content image is required when content_weight > 0")
            content = _as_batch(content)
            content = tf.image.resize(content, self.image_size, method="bicubic", antialias=True)
            feats = self.features(tf.clip_by_value(content, 0.0, 1.0))
            for name, var in self._content_targets.items():
                var.assign(feats[name])
        if self.style_layers:
            styles = list(styles)
            if not styles:
                raise InvalidArgumentError(
                    "at least one style image is required when style_weight > 0"
                )
            weights = (
                np.ones(len(styles)) if style_weights is None else np.asarray(style_weights, float)
            )
            if weights.shape != (len(styles),) or np.any(weights < 0) or weights.sum() <= 0:
                raise InvalidArgumentError(
                    f"need one non-negative style weight per style ({len(styles)}), got {list(weights)}"
                )
            weights = weights / weights.sum()
            blended = {name: 0.0 for name in self.style_layers}
            for style, weight in zip(styles, weights, strict=True):
                feats = self.features(_as_batch(style))
                for name in self.style_layers:
                    blended[name] += weight * gram_matrix(feats[name], self._loss_normalization)[0]
            for name, var in self._style_grams.items():
                var.assign(blended[name])
        self._targets_set = True

    def set_temporal_target(self, previous, mask, weight):
        """Ruder et al. (GCPR 2016): adds `weight` x mean(mask * (x - previous)^2), the
        previous frame's result warped to this frame, on the pixels where the flow is
        reliable (`mask` (H, W), 1 = reliable); weight 0 turns the term off.

        Args:
            previous: (H, W, 3) in [0, 1] at `image_size`.
            mask: (H, W) in [0, 1].
            weight: the term's weight (on [0, 1] pixels; see `run_gatys_video`).
        """
        previous, mask = _as_batch(previous), np.asarray(mask, np.float32)
        if previous.shape[1:3] != self.image_size or mask.shape != self.image_size:
            raise InvalidArgumentError(
                f"temporal target {previous.shape[1:3]} / mask {mask.shape} must be "
                f"{self.image_size}"
            )
        if bool(weight) != bool(self.temporal_weight):
            self._lbfgs_function = None  # the objective gains or loses a term: retrace
        self.temporal_weight = float(weight)
        self._temporal_target.assign(previous)
        self._temporal_mask.assign(mask[None, :, :, None])

    def initialize_image(self, init="content", content=None, seed=None):
        """Sets the starting image: "content", "noise" (uniform [0, 1]) or an array."""
        if isinstance(init, str) and init == "noise":
            rng = np.random.default_rng(seed)
            start = rng.uniform(0.0, 1.0, (1, *self.image_size, 3)).astype(np.float32)
        elif isinstance(init, str) and init == "content":
            if content is None:
                raise InvalidArgumentError("init 'content' needs a content image")
            start = _as_batch(content)
        elif isinstance(init, str):
            raise InvalidArgumentError(f"init must be 'content', 'noise' or an image, got '{init}'")
        else:
            start = _as_batch(init)
        start = tf.image.resize(start, self.image_size, method="bicubic", antialias=True)
        self.image.assign(tf.clip_by_value(start, 0.0, 1.0))

    def compute_objective(self, images):
        """(total, {name: term}) for a (1, H, W, 3) image tensor."""
        feats = self.features(images)
        total, terms = perceptual_objective(
            self,
            feats,
            self._content_targets,
            self._style_grams,
            images,
            self._loss_normalization,
        )
        if self.temporal_weight:
            diff = tf.cast(images, tf.float32) - self._temporal_target
            terms["temporal"] = tf.reduce_mean(self._temporal_mask * tf.square(diff))
            total = total + self.temporal_weight * terms["temporal"]
        return total, terms

    def call(self, inputs=None):
        """Returns the current image (the model's "output")."""
        return tf.convert_to_tensor(self.image)

    def train_step(self, data=None):
        """One first-order step (the compiled optimiser, e.g. Adam) on the image."""
        self._check_ready()
        with tf.GradientTape() as tape:
            loss, terms = self.compute_objective(self.image)
        grads = tape.gradient(loss, [self.image])
        self.optimizer.apply(grads, [self.image])
        self.image.assign(tf.clip_by_value(self.image, 0.0, 1.0))
        self.loss_tracker.update_state(loss)
        return {"loss": loss, **terms}

    def minimize_lbfgs(
        self,
        steps,
        callback=None,
        history_size=20,
        line_search=True,
        max_step=0.25,
        jit_compile=False,
    ):
        """Runs L-BFGS (`tfstyle.optimizers.lbfgs_minimize`) for `steps` iterations.

        Pixels are unbounded during the run and clipped to [0, 1] at the end, as in
        neural-style (scipy's bounded L-BFGS-B spent a third of a VGG pass per
        iteration on its projection and float64 copies). A pure unit step diverges on
        the first quasi-Newton step with real VGG features, so steps are capped at
        `max_step` per pixel and backtracked (Armijo); in practice one iteration is
        still one VGG forward and backward pass.

        Args:
            steps: maximum number of iterations.
            callback: `callback(iteration, logs)` after each iteration; `logs` holds
                the loss terms and the number of "evaluations" so far. Returning True
                stops the run.
            history_size: number of correction pairs kept.
            line_search: backtrack when a step does not decrease the loss enough.
            max_step: largest change of any pixel in one iteration (None: no cap).
            jit_compile: compile the loss and gradient with XLA.

        Returns:
            dict with loss, iterations, evaluations, converged.
        """
        self._check_ready()
        if self._lbfgs_function is None:
            self._lbfgs_function = tf.function(self._value_and_gradient, jit_compile=jit_compile)

        def report(iteration, x, loss, terms, evaluations):
            # Keep the variable current so callers can look at (or save) the image.
            self.image.assign(tf.clip_by_value(x, 0.0, 1.0))
            if callback is not None:
                logs = {"loss": loss, **{k: float(v) for k, v in terms.items()}}
                return callback(iteration, {**logs, "evaluations": evaluations})
            return False

        result = lbfgs_minimize(
            self._lbfgs_function,
            tf.convert_to_tensor(self.image),
            steps,
            history_size=history_size,
            line_search=line_search,
            max_step=max_step,
            callback=report,
        )
        self.image.assign(tf.clip_by_value(result.pop("x"), 0.0, 1.0))
        return result

    def _value_and_gradient(self, image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            loss, terms = self.compute_objective(image)
        return loss, tape.gradient(loss, image), terms

    def _check_ready(self):
        if not self._targets_set:
            raise InvalidArgumentError("call set_targets(...) before optimising")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "image_size": self.image_size,
                "normalization": self.normalization,
                **perceptual_config(self),
            }
        )
        return config


def _as_batch(image):
    image = tf.convert_to_tensor(image, tf.float32)
    if image.shape.rank == 3:
        image = image[None]
    if image.shape.rank != 4 or image.shape[-1] != 3:
        raise InvalidArgumentError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
    return image
