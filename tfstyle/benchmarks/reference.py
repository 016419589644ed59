"""The plain-TF Johnson training step every training benchmark is measured against.

Written the way the TensorFlow and Keras tutorials write it, with nothing from tfstyle:
Keras layers for Johnson's network (instance norm from `tf.nn.moments`, reflection
padding with `tf.pad`, `UpSampling2D` then a convolution), `keras.applications.VGG19`
as one multi-output feature model that gives every tap at once (so the content target
of each batch goes through the whole network), Gram matrices with `einsum`, and a
`tf.GradientTape` step under `tf.function` on a fixed batch. Same architecture, taps
and weights as tfstyle's Johnson recipe, so the two do the same job.
"""

import keras
import numpy as np
import tensorflow as tf
from keras import layers

STYLE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv4", "block4_conv4")
CONTENT_LAYER = "block2_conv2"
CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT = 1.0, 5.0, 1.3e4


class InstanceNorm(layers.Layer):
    def build(self, input_shape):
        self.gamma = self.add_weight(shape=input_shape[-1:], initializer="ones")
        self.beta = self.add_weight(shape=input_shape[-1:], initializer="zeros")

    def call(self, x):
        mean, variance = tf.nn.moments(x, axes=[1, 2], keepdims=True)
        return self.gamma * (x - mean) / tf.sqrt(variance + 1e-5) + self.beta


class ReflectionPad(layers.Layer):
    def __init__(self, padding, **kwargs):
        super().__init__(**kwargs)
        self.padding = padding

    def call(self, x):
        p = self.padding
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")


def transformer_net(size):
    """Johnson's network (instance norm, resize-convolution) as a functional model."""

    def conv(x, filters, kernel, strides=1, relu=True, norm=True):
        x = ReflectionPad(kernel // 2)(x)
        x = layers.Conv2D(filters, kernel, strides)(x)
        if norm:
            x = InstanceNorm()(x)
        return layers.ReLU()(x) if relu else x

    inputs = keras.Input((size, size, 3))
    x = layers.Rescaling(2.0, offset=-1.0)(inputs)
    x = conv(conv(conv(x, 32, 9), 64, 3, 2), 128, 3, 2)
    for _ in range(5):
        x = layers.Add()([x, conv(conv(x, 128, 3), 128, 3, relu=False)])
    for filters in (64, 32):
        x = conv(layers.UpSampling2D(2)(x), filters, 3)
    x = layers.Activation("tanh")(conv(x, 3, 9, relu=False, norm=False))
    return keras.Model(inputs, layers.Rescaling(0.5, offset=0.5)(x))


def _gram(features):
    _, h, w, c = features.shape
    return tf.einsum("bijc,bijd->bcd", features, features) / float(h * w * c)


class PlainJohnsonStep:
    """One training step of the plain reference: `step(images)` returns the loss.

    Args:
        vgg_weights: a Keras VGG19 notop weights file, or None for random weights.
        style: (H, W, 3) style image in [0, 1].
        size: training crop size.
    """

    def __init__(self, vgg_weights, style, size=256):
        self.net = transformer_net(size)
        vgg = keras.applications.VGG19(include_top=False, weights=vgg_weights)
        vgg.trainable = False
        taps = list(STYLE_LAYERS) + [CONTENT_LAYER]
        self.extractor = keras.Model(vgg.input, [vgg.get_layer(n).output for n in taps])
        self.style_targets = [_gram(f) for f in self._features(np.asarray(style)[None])[:4]]
        self.optimizer = keras.optimizers.Adam(1e-3)
        self.step = tf.function(self._step)

    def _features(self, images):
        return self.extractor(keras.applications.vgg19.preprocess_input(images * 255.0))

    def _step(self, images):
        content_target = self._features(images)[-1]
        with tf.GradientTape() as tape:
            outputs = self.net(images, training=True)
            features = self._features(outputs)
            style = tf.add_n(
                [
                    tf.reduce_mean(tf.square(_gram(f) - t))
                    for f, t in zip(features[:4], self.style_targets, strict=True)
                ]
            )
            content = tf.reduce_mean(tf.square(features[-1] - content_target))
            dy = outputs[:, 1:] - outputs[:, :-1]
            dx = outputs[:, :, 1:] - outputs[:, :, :-1]
            tv = tf.reduce_mean(tf.square(dy)) + tf.reduce_mean(tf.square(dx))
            loss = CONTENT_WEIGHT * content + STYLE_WEIGHT * style + TV_WEIGHT * tv
        variables = self.net.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
        return loss
