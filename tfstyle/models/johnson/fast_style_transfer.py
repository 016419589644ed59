"""Johnson et al. fast style transfer: a transformer network trained with perceptual losses."""

import keras
import tensorflow as tf
from keras import ops

from tfstyle.backbones import VGGFeatures, resolve_layer_name
from tfstyle.errors import InvalidArgumentError
from tfstyle.losses import gram_matrix
from tfstyle.models.johnson.transformer_net import TransformerNet
from tfstyle.models.perceptual_config import perceptual_config, perceptual_objective
from tfstyle.training.distribute import replica_loss

# Johnson et al. used VGG16 relu2_2 for content and relu1_2, relu2_2, relu3_3, relu4_3 for
# style. With VGG19 the same taps are the last conv of each block (relu3_4, relu4_4).
# Their reference code (fast-neural-style's train.lua, where the weights below come
# from) defaults to relu3_3 for content ("-content_layers 16"), as magenta's CIN does
# (vgg_16/conv3). On ImageNet features the saturated blobs followed the seed and preset,
# not this layer (relu3_3 drew white ones in 2 of 3 runs, relu2_2 black ones in 1 of 2:
# README "Content at relu3_3 or relu2_2, over seeds"; a clean relu3_3 run ships as
# pretrained:mosaic), so the default stays the paper's relu2_2.
DEFAULT_LAYERS = {
    "vgg16": {
        "content": {"block2_conv2": 1.0},
        "style": {
            "block1_conv2": 1.0,
            "block2_conv2": 1.0,
            "block3_conv3": 1.0,
            "block4_conv3": 1.0,
        },
    },
    "vgg19": {
        "content": {"block2_conv2": 1.0},
        "style": {
            "block1_conv2": 1.0,
            "block2_conv2": 1.0,
            "block3_conv4": 1.0,
            "block4_conv4": 1.0,
        },
    },
}
# The weights of Johnson's reference code (content 1, style 5, TV 1e-6 on the 0..255
# scale) in tfstyle's units: content and style are means as in that code; our TV is a
# mean over [0, 1] pixels, so 1e-6 * 255^2 * (3 * 256 * 256 pixels) ~= 1.3e4 at 256 px.
DEFAULT_WEIGHTS = {"content_weight": 1.0, "style_weight": 5.0, "tv_weight": 1.3e4}
# Salt of the input noise's stateless seeds (any constant: the step makes them differ).
_NOISE_SALT = 0x5EED


@keras.saving.register_keras_serializable(package="tfstyle")
class FastStyleTransfer(keras.Model):
    """A `TransformerNet` generator trained against a frozen VGG for one style.

    Reference: Johnson, Alahi & Fei-Fei, ECCV 2016. Loss: content (feature
    reconstruction at relu2_2) + style (Gram matrices normalised by C*H*W, mean squared
    error per layer, as their reference code) + total variation.

    The objective lives in `compute_loss` and Keras' own train step does the rest
    (gradient, loss scaling under mixed precision, optimiser, metrics), so the same
    model trains with `fit`, with tfstyle's resumable loop, or under a
    `tf.distribute` strategy. `call` is the generator: images in [0, 1] in and out.

    The style Grams are computed once by `set_style` and kept in non-trainable
    variables; the content target of each batch needs VGG only up to the content
    layer, so that pass is cut there.

    Args:
        generator: a `TransformerNet` (default: the paper preset).
        content_layers, style_layers: dicts {layer: weight}; default Johnson's taps.
        content_weight, style_weight, tv_weight: term weights.
        architecture, vgg_weights, pooling: the loss network.
        input_noise: standard deviation of Gaussian noise added to the photos the
            generator sees in training (the content targets stay clean); 0: none. Flat
            skies and facades then carry variation to paint texture from; it moves the
            saturated blob of a network trained on clean photos (with seed 0 at 0.04
            into small dark marks) but does not remove it (README "What the blob is
            not"). A pure function of the optimiser's step, so a resume replays it.

    Example:
        >>> model = FastStyleTransfer(vgg_weights=None)
        >>> model.set_style(painting)
        >>> model.compile(optimizer=keras.optimizers.Adam(1e-3))
        >>> model.fit(photos, epochs=2)
    """

    def __init__(
        self,
        generator=None,
        content_layers=None,
        style_layers=None,
        content_weight=DEFAULT_WEIGHTS["content_weight"],
        style_weight=DEFAULT_WEIGHTS["style_weight"],
        tv_weight=DEFAULT_WEIGHTS["tv_weight"],
        architecture="vgg19",
        vgg_weights="imagenet",
        pooling="max",
        input_noise=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not float(input_noise) >= 0:
            raise InvalidArgumentError(f"input_noise must be at least 0, got {input_noise}")
        self.input_noise = float(input_noise)
        if isinstance(generator, dict):
            generator = keras.saving.deserialize_keras_object(generator)
        self.generator = generator if generator is not None else TransformerNet()
        defaults = DEFAULT_LAYERS.get(architecture, DEFAULT_LAYERS["vgg19"])
        resolve = lambda layers: {
            resolve_layer_name(k, architecture): float(v) for k, v in layers.items()
        }
        self.content_layers = resolve(content_layers or defaults["content"])
        self.style_layers = resolve(style_layers or defaults["style"])
        self.content_weight = float(content_weight)
        self.style_weight = float(style_weight)
        self.tv_weight = float(tv_weight)
        self.architecture, self.vgg_weights, self.pooling = architecture, vgg_weights, pooling
        self.backbone = VGGFeatures(
            list(self.content_layers) + list(self.style_layers),
            architecture,
            weights=vgg_weights,
            pooling=pooling,
        )
        self._style_grams = {
            name: tf.Variable(
                tf.zeros([0]), trainable=False, shape=tf.TensorShape(None), name=f"gram_{name}"
            )
            for name in self.style_layers
        }
        self._style_set = False
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("content", "style", "tv")}

    @property
    def metrics(self):
        return super().metrics + list(self.trackers.values())

    def build(self, input_shape):
        if isinstance(input_shape, dict):
            input_shape = input_shape["image"]
        if self.generator.conditional:
            self.generator.build([input_shape, (None, self.generator.num_styles)])
        else:
            self.generator.build(input_shape)
        self.built = True

    @property
    def num_styles(self):
        return self.generator.num_styles if self.generator.conditional else 1

    @staticmethod
    def _unpack(inputs):
        """(images, style_index or None) of a batch: images, or {"image", "style_index"}."""
        if isinstance(inputs, dict):
            return inputs["image"], inputs.get("style_index")
        return inputs, None

    def style_weights(self, style_index):
        """One-hot (B, num_styles) rows for a (B,) vector of style indices."""
        return ops.one_hot(ops.cast(style_index, "int32"), self.num_styles)

    def _noisy(self, images):
        """`images` plus N(0, input_noise^2), seeded by (optimiser step, replica)."""
        step = self.optimizer.iterations if self.optimizer is not None else 0
        replica = tf.distribute.get_replica_context()
        replica_id = replica.replica_id_in_sync_group if replica is not None else 0
        seed = tf.stack([tf.cast(step, tf.int64), _NOISE_SALT + tf.cast(replica_id, tf.int64)])
        noise = tf.random.stateless_normal(tf.shape(images), seed, stddev=self.input_noise)
        return images + tf.cast(noise, images.dtype)

    def call(self, inputs, training=None):
        images, style_index = self._unpack(inputs)
        if training and self.input_noise:
            images = self._noisy(images)
        if not self.generator.conditional:
            return self.generator(images, training=training)
        if style_index is None:
            style_index = ops.zeros((ops.shape(images)[0],), "int32")
        return self.generator([images, self.style_weights(style_index)], training=training)

    def set_style(self, style_image):
        """Computes the style Gram targets once from one (h, w, 3) image in [0, 1]."""
        self.set_styles([style_image])

    def set_styles(self, style_images):
        """Gram targets of one style per row of conditional instance norm (or one style)."""
        if len(style_images) != self.num_styles:
            raise InvalidArgumentError(
                f"the generator has {self.num_styles} style(s), got {len(style_images)} images"
            )
        grams = {name: [] for name in self.style_layers}
        for style_image in style_images:
            image = tf.convert_to_tensor(style_image, tf.float32)
            if image.shape.rank == 3:
                image = image[None]
            feats = self.backbone(image, layers=list(self.style_layers))
            for name in self.style_layers:
                grams[name].append(gram_matrix(feats[name], "johnson")[0])
        for name, var in self._style_grams.items():
            var.assign(tf.stack(grams[name]))
        self._style_set = True

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if not self._style_set:
            raise InvalidArgumentError("call set_style(image) before training")
        images, style_index = self._unpack(x)
        content_targets = self.backbone(images, layers=list(self.content_layers))
        # (C, C) for one style, (B, C, C) per example for several.
        grams = {
            name: grams[0] if style_index is None else tf.gather(grams, style_index)
            for name, grams in self._style_grams.items()
        }
        total, terms = perceptual_objective(
            self, self.backbone(y_pred), content_targets, grams, y_pred
        )
        for name, tracker in self.trackers.items():
            tracker.update_state(terms.get(name, 0.0))
        # Keras' train step unscales this for its loss metric and adds loss scaling.
        return replica_loss(total)

    def render_samples(self, images):
        """Sample images: (N, H, W, 3), or (styles, N, H, W, 3) rows for several styles."""
        images = tf.convert_to_tensor(images)
        if not self.generator.conditional:
            return self.generator(images, training=False)
        count = ops.shape(images)[0]
        return ops.stack(
            [
                self({"image": images, "style_index": ops.full((count,), s, "int32")})
                for s in range(self.num_styles)
            ]
        )

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            **perceptual_config(self),
            "input_noise": self.input_noise,
        }
