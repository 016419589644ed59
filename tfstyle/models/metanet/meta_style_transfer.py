"""Shen et al.: a meta network turns a style image into a transformation network."""

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfstyle.backbones import VGGFeatures, resolve_layer_name
from tfstyle.errors import InvalidArgumentError
from tfstyle.losses import mean_std, mean_std_loss, perceptual_loss
from tfstyle.models import serving
from tfstyle.models.johnson.fast_style_transfer import DEFAULT_LAYERS, DEFAULT_WEIGHTS
from tfstyle.models.metanet.transformer import MetaTransformerNet
from tfstyle.models.perceptual_config import perceptual_config
from tfstyle.models.self_building import SelfBuildingModel
from tfstyle.ops.resize import resize_shorter_side
from tfstyle.training.distribute import minimize

# Style features: mean and std over space of VGG16 relu1_2, relu2_2, relu3_3, relu4_3.
STYLE_FEATURE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3")
STYLE_FEATURES = 2 * (64 + 128 + 256 + 512)  # 1920
# The PyTorch reference port's objective: content MSE at relu3_3 (weight 1) and a
# mean/std style loss (per layer, MSE of the channel means plus MSE of the channel
# standard deviations: the statistics the meta network reads) at relu1_2..relu4_3
# with weight 50, on torchvision's VGG16. Keras' Caffe-scaled activations are ~57.8x
# larger (255 * 0.226), but both terms are squared errors of activations, so both grow
# by 57.8^2 and the ratio 1 : 50 carries over unchanged. (An earlier version took the
# style term for a Gram loss, which grows with the 4th power, and used 50 / 57.8^2.)
DEFAULT_CONTENT_LAYERS = {"block3_conv3": 1.0}
DEFAULT_STYLE_WEIGHT = 50.0
# Every style image is seen with its shorter side at this many pixels: in training
# (the crops of the style stream), in `generate` (any other size is resized first),
# and so in `export metanet` and `stylize.py` alike.
STYLE_SIDE = 256
# How the meta network normalises its 1920 inputs (`MetaNetwork`).
INPUT_NORMALIZATIONS = ("standardize", "layer")
# At most this many training paintings are read for the feature statistics.
FEATURE_STATISTICS_IMAGES = 256


@keras.saving.register_keras_serializable(package="tfstyle")
class MetaNetwork(keras.Model):
    """1920 style features -> one flat parameter vector per generated conv.

    A shared hidden layer (features -> hidden_per_group x groups, ReLU) and one small
    fully connected head per group, each reading its own hidden_per_group slice, as in
    the paper's grouped design (a single FC to every weight would need ~3e9 weights).

    The features are normalised first (a tfstyle addition): VGG activations have a
    scale set by the VGG weights and preprocessing (Caffe-scaled Keras VGG is ~58x
    torchvision's), and unnormalised small features left the hidden layer near zero,
    so the heads' biases alone made the weights: one network for every style.
    "standardize" (the default) subtracts each feature's mean over the training
    paintings and divides by its standard deviation (`set_feature_statistics`; layer
    norm until they are set), so the hidden layer reads how this painting differs
    from the others. "layer" normalises the 1920 values of each painting together
    (networks saved before 2026-12-04): its inputs are mostly what all paintings
    share, and on the ImageNet features after 400 steps only 3% of the generated
    weights' spread depended on the style (outputs in 7 styles 0.0075 apart, mean
    absolute difference).

    Each head starts so that the weights it generates have the spread of a LeCun
    initialisation of the conv they feed (`init_stds`); with the heads' default
    initialisation, the small output conv started ~4x too large, and the total
    variation of that noisy first image dominated the start of training.

    Args:
        group_sizes: parameter count of each generated layer.
        hidden_per_group: width of each group's slice of the hidden layer (128).
        init_stds: per group, the standard deviation its generated weights start with.
        input_normalization: "standardize" or "layer" (see above).
    """

    def __init__(
        self,
        group_sizes,
        hidden_per_group=128,
        init_stds=None,
        input_normalization="standardize",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if input_normalization not in INPUT_NORMALIZATIONS:
            raise ValueError(
                f"input_normalization must be one of {', '.join(INPUT_NORMALIZATIONS)}, "
                f"got '{input_normalization}'"
            )
        self.group_sizes = [int(n) for n in group_sizes]
        self.hidden_per_group = int(hidden_per_group)
        self.init_stds = [float(v) for v in init_stds] if init_stds else None
        self.input_normalization = input_normalization
        self.normalize = keras.layers.LayerNormalization(
            center=False, scale=False, name="normalize"
        )
        self.hidden = keras.layers.Dense(
            self.hidden_per_group * len(self.group_sizes), activation="relu", name="hidden"
        )
        # A ReLU of a unit normal has second moment 1/2: scale = std^2 * 2 per input.
        self.heads = [
            keras.layers.Dense(
                n,
                kernel_initializer=(
                    keras.initializers.VarianceScaling(2.0 * self.init_stds[i] ** 2, "fan_in")
                    if self.init_stds
                    else "glorot_uniform"
                ),
                name=f"head{i}",
            )
            for i, n in enumerate(self.group_sizes)
        ]

    def build(self, input_shape):
        self.normalize.build(input_shape)
        if self.input_normalization == "standardize":
            features = (input_shape[-1],)
            self.feature_mean = self.add_weight(
                shape=features, initializer="zeros", trainable=False, name="feature_mean"
            )
            self.feature_std = self.add_weight(
                shape=features, initializer="ones", trainable=False, name="feature_std"
            )
            # How many paintings the statistics came from; 0 (not set): layer norm.
            self.feature_count = self.add_weight(
                shape=(), initializer="zeros", trainable=False, name="feature_count"
            )
        self.hidden.build(input_shape)
        for head in self.heads:
            head.build((input_shape[0], self.hidden_per_group))
        self.built = True

    def set_feature_statistics(self, features):
        """Standardises with the mean and standard deviation of (N, 1920) `features`
        (the training paintings'); a feature that never varies is divided by a
        thousandth of the typical deviation instead of zero."""
        features = np.asarray(features, np.float64)
        std = features.std(axis=0)
        self.feature_mean.assign(features.mean(axis=0).astype(np.float32))
        self.feature_std.assign((std + 1e-3 * std.mean() + 1e-12).astype(np.float32))
        self.feature_count.assign(float(len(features)))

    def normalize_features(self, features):
        """The hidden layer's input: standardised features, or layer-normalised ones
        (always for "layer"; for "standardize" until the statistics are set)."""
        features = ops.cast(features, "float32")
        layer = self.normalize(features)
        if self.input_normalization == "layer":
            return layer
        standard = (features - self.feature_mean) / self.feature_std
        return ops.where(self.feature_count > 0, standard, layer)

    def call(self, features):
        hidden = self.hidden(self.normalize_features(features))
        k = self.hidden_per_group
        return [
            ops.cast(head(hidden[:, i * k : (i + 1) * k]), "float32")
            for i, head in enumerate(self.heads)
        ]

    def get_config(self):
        return {
            **super().get_config(),
            "group_sizes": self.group_sizes,
            "hidden_per_group": self.hidden_per_group,
            "init_stds": self.init_stds,
            "input_normalization": self.input_normalization,
        }


@keras.saving.register_keras_serializable(package="tfstyle")
class MetaNetStyleTransfer(SelfBuildingModel):
    """Meta network + transformation network + frozen VGG16 (Shen, Yan & Zeng, "Neural
    Style Transfer via Meta Networks", CVPR 2018).

    `generate(style)` is one forward pass of VGG16 and the meta network; it returns the
    generated parameters, and `generate_network(style)` a standalone
    `MetaTransformerNet` holding them, which exports like any one-style network.
    Calling the model on `{"image", "style"}` does both and stylises (one style per
    call, any number of images).

    Training (Algorithm 1) feeds batches `{"image": (B, H, W, 3), "style": (1, h, w, 3)}`
    with the same style for `steps_per_style` steps; the loss (content at relu3_3,
    mean/std style at relu1_2..relu4_3, total variation) is the reference
    implementation's (see DEFAULT_STYLE_WEIGHT), and the gradient reaches the meta network
    (and the shared, non-generated convs) through the generated weights.

    Args:
        transformer: a `MetaTransformerNet` (default: the "reference" preset).
        hidden_per_group: meta network width per group.
        input_normalization: of the meta network's inputs, "standardize" (over the
            training paintings: call `set_feature_statistics` before training) or
            "layer" (see `MetaNetwork`).
        content_layers, style_layers, content_weight, style_weight, tv_weight,
        architecture, vgg_weights, pooling: the loss network, as `FastStyleTransfer`.
    """

    export_command = (
        "a MetaNet run makes a network per style: "
        "python -m export metanet --model RUN --style PAINTING --output_dir DIR"
    )

    def __init__(
        self,
        transformer=None,
        hidden_per_group=128,
        input_normalization="standardize",
        content_layers=None,
        style_layers=None,
        content_weight=DEFAULT_WEIGHTS["content_weight"],
        style_weight=DEFAULT_STYLE_WEIGHT,
        tv_weight=DEFAULT_WEIGHTS["tv_weight"],
        architecture="vgg16",
        vgg_weights="imagenet",
        pooling="max",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(transformer, dict):
            transformer = keras.saving.deserialize_keras_object(transformer)
        self.transformer = transformer if transformer is not None else MetaTransformerNet()
        if not self.transformer.built:
            self.transformer.build((None, None, None, 3))
        self.hidden_per_group = int(hidden_per_group)
        stds = [
            (layer.kernel_size**2 * layer.in_channels) ** -0.5
            for layer in self.transformer.generated_layers
        ]
        self.input_normalization = input_normalization
        self.meta = MetaNetwork(
            self.transformer.group_sizes,
            hidden_per_group,
            stds,
            input_normalization=input_normalization,
            name="meta",
        )
        self.meta.build((None, STYLE_FEATURES))
        defaults = DEFAULT_LAYERS["vgg16"]
        resolve = lambda layers: {  # noqa: E731
            resolve_layer_name(k, architecture): float(v) for k, v in layers.items()
        }
        self.content_layers = resolve(content_layers or DEFAULT_CONTENT_LAYERS)
        self.style_layers = resolve(style_layers or defaults["style"])
        self.content_weight = float(content_weight)
        self.style_weight = float(style_weight)
        self.tv_weight = float(tv_weight)
        self.architecture, self.vgg_weights, self.pooling = architecture, vgg_weights, pooling
        # The style features are VGG16's (paper); the loss network may be VGG19.
        self.feature_net = VGGFeatures(
            list(STYLE_FEATURE_LAYERS), "vgg16", weights=vgg_weights, pooling=pooling
        )
        self.backbone = (
            self.feature_net
            if architecture == "vgg16"
            and set(self.content_layers) | set(self.style_layers) <= set(STYLE_FEATURE_LAYERS)
            else VGGFeatures(
                list(self.content_layers) + list(self.style_layers),
                architecture,
                weights=vgg_weights,
                pooling=pooling,
            )
        )
        names = ("loss", "content", "style", "tv")
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        self.sample_styles = None

    def checkpoint_items(self):
        return {"meta": self.meta, "transformer": self.transformer}

    # Generation ------------------------------------------------------------------------

    def style_features(self, style):
        """(B, 1920) mean and std of VGG16 relu1_2..relu4_3."""
        return self._features_of(self.feature_net(style))

    def style_features_at_scale(self, style):
        """`style_features` of style images (B, h, w, 3) resized to `STYLE_SIDE` px on
        the shorter side, the scale training sees them at: their VGG statistics, and
        so the network made from them, depend on the scale."""
        return self.style_features(resize_shorter_side(style, STYLE_SIDE))

    @staticmethod
    def _features_of(feats):
        parts = []
        for name in STYLE_FEATURE_LAYERS:
            mean, std = mean_std(feats[name])
            parts += [mean[:, 0, 0, :], std[:, 0, 0, :]]
        return ops.concatenate(parts, axis=-1)

    def set_feature_statistics(self, styles):
        """Sets the meta network's input statistics from the training paintings:
        `styles` is an iterable of (h, w, 3) images (read one at a time), each seen at
        `STYLE_SIDE` as training and `generate` see it."""
        if self.input_normalization != "standardize":
            return
        features = [
            self.style_features_at_scale(tf.constant(s[None], tf.float32)).numpy() for s in styles
        ]
        if not features:
            raise InvalidArgumentError("no readable painting for the meta network's statistics")
        self.meta.set_feature_statistics(np.concatenate(features))

    def generate(self, style):
        """The generated parameter vectors (one per generated layer) for one style.

        The style (1, h, w, 3) is seen at `STYLE_SIDE` (`style_features_at_scale`).
        """
        return [p[0] for p in self.meta(self.style_features_at_scale(style))]

    def generate_network(self, style):
        """A standalone `MetaTransformerNet` for `style` (1, h, w, 3), ready to export."""
        net = MetaTransformerNet.from_config(self.transformer.get_config())
        net.build((None, None, None, 3))
        net.set_weights(self.transformer.get_weights())  # shared convs, if any
        net.set_generated([p.numpy() for p in self.generate(tf.convert_to_tensor(style))])
        return net

    def call(self, inputs, training=None):
        return self.transformer(inputs["image"], self.generate(inputs["style"]))

    def endpoints(self, fixed_size=None):
        """serving_default: {image, style (1, h, w, 3)} -> stylised images."""

        def examples(images):
            return [{"image": images, "style": np.asarray(images, np.float32)[:1, ::-1]}]

        image = serving.image_shape()
        return [
            serving.Endpoint(
                serving.MAIN,
                {"image": image, "style": image},
                lambda image, style: {serving.STYLIZED: self({"image": image, "style": style})},
                examples,
            )
        ]

    # Training --------------------------------------------------------------------------

    def train_step(self, data):
        # A train step of its own, not Keras' with `compute_loss`: the loss needs the
        # style image's VGG features, which the forward pass computes for the meta
        # network; Keras' step would hand `compute_loss` only the output, and a second
        # VGG pass on the style would be wasted work.
        images, style = data["image"], data["style"]
        # One VGG pass of the style image serves the meta features and the style
        # targets when the loss network is the feature network (the default).
        style = resize_shorter_side(style, STYLE_SIDE)
        style_feats = self.feature_net(style)
        features = self._features_of(style_feats)
        if self.backbone is not self.feature_net:
            style_feats = self.backbone(style, layers=list(self.style_layers))
        content_targets = self.backbone(images, layers=list(self.content_layers))
        variables = self.meta.trainable_variables + self.transformer.trainable_variables
        with tf.GradientTape() as tape:
            params = [p[0] for p in self.meta(features)]
            stylized = self.transformer(images, params, clip=False)
            loss, terms = self.objective(
                self.backbone(stylized), content_targets, style_feats, stylized
            )
        minimize(self.optimizer, tape, loss, variables)
        for name in self.trackers:
            self.trackers[name].update_state(loss if name == "loss" else terms.get(name, 0.0))
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def objective(self, features, content_targets, style_features, images):
        """(total, terms): content MSE + mean/std style loss + total variation."""
        loss, terms = perceptual_loss(
            features,
            content_targets=content_targets,
            content_layers=self.content_layers,
            images=images,
            content_weight=self.content_weight,
            tv_weight=self.tv_weight,
        )
        style, per_layer = mean_std_loss(features, style_features, self.style_layers)
        terms = {
            **terms,
            "style": self.style_weight * style,
            **{k: self.style_weight * v for k, v in per_layer.items()},
        }
        return loss + terms["style"], terms

    def render_samples(self, images):
        """One row per sample style (set `sample_styles`)."""
        if self.sample_styles is None:
            return images
        return ops.stack(
            [
                self({"image": images, "style": tf.constant(style[None])})
                for style in self.sample_styles
            ]
        )

    def get_config(self):
        return {
            **super().get_config(),
            "transformer": keras.saving.serialize_keras_object(self.transformer),
            "hidden_per_group": self.hidden_per_group,
            "input_normalization": self.input_normalization,
            **perceptual_config(self),
            "vgg_weights": None,  # the release file carries the VGG weights
        }

    @classmethod
    def from_config(cls, config):
        # Runs saved before 2026-12-04 layer-normalised the meta network's inputs.
        return cls(**{"input_normalization": "layer", **config})
