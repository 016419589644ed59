"""CartoonGAN: photo cartoonisation from unpaired photos and cartoon images (Chen, Lai &
Liu, CVPR 2018)."""

import keras
import tensorflow as tf
from keras import ops

from tfstyle.backbones import TORCHVISION_FEATURE_SCALE, VGGFeatures
from tfstyle.gan import AdversarialModel
from tfstyle.layers import ConvBlock
from tfstyle.losses import perceptual_loss
from tfstyle.losses.adversarial import discriminator_loss, generator_loss
from tfstyle.networks import ResnetGenerator

CONTENT_LAYER = "block4_conv4"  # the paper's conv4_4 (after its ReLU, as Keras' layer)
PRESETS = {
    "paper": {"filters": 64, "generator_blocks": 8, "discriminator_filters": 32},
    "lite": {"filters": 32, "generator_blocks": 4, "discriminator_filters": 32},
}


def cartoon_generator(filters=64, num_blocks=8, name="generator"):
    """The paper's generator: flat 7x7 conv, two down steps (a stride-2 conv then a 3x3
    conv), `num_blocks` residual blocks, two up steps (a transposed conv then a 3x3
    conv), a 7x7 output conv; instance norm as the authors' released models."""
    return ResnetGenerator(filters, num_blocks, upsampling="transpose", double_conv=True, name=name)


@keras.saving.register_keras_serializable(package="tfstyle")
class CartoonDiscriminator(keras.Model):
    """The paper's discriminator, a small patch classifier: k3n32s1, then two steps of
    (k3 stride 2, k3 stride 1 with norm) to 64/128 and 128/256 channels, k3n256s1 with
    norm, k3n1s1 logits; LeakyReLU 0.2. One logit per ~46 x 46 patch at 1/4 size.

    Args:
        filters: width of the first conv (32).
        normalization: "instance" (default), "batch", "sync_batch" or "none".
    """

    def __init__(self, filters=32, normalization="instance", **kwargs):
        super().__init__(**kwargs)
        self.filters, self.normalization = int(filters), normalization
        common = {"padding": "zero", "activation": "leaky_relu"}
        normed = {**common, "normalization": normalization}
        plain = {**common, "normalization": "none"}
        f = self.filters
        self.blocks = [
            ConvBlock(f, 3, name="conv1", **plain),
            ConvBlock(f * 2, 3, strides=2, name="down1", **plain),
            ConvBlock(f * 4, 3, name="down1_conv", **normed),
            ConvBlock(f * 4, 3, strides=2, name="down2", **plain),
            ConvBlock(f * 8, 3, name="down2_conv", **normed),
            ConvBlock(f * 8, 3, name="conv_features", **normed),
            ConvBlock(1, 3, padding="zero", normalization="none", activation="none", name="logits"),
        ]

    def build(self, input_shape):
        self.call(keras.KerasTensor(tuple(input_shape)))
        self.built = True

    def call(self, images, training=None):
        x = ops.cast(images, self.compute_dtype) * 2.0 - 1.0
        for block in self.blocks:
            x = block(x, training=training)
        return ops.cast(x, "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "normalization": self.normalization,
        }


class CartoonGAN(AdversarialModel):
    """A generator G (photo -> cartoon) and a discriminator D trained in two stages:

    1. Initialisation: G learns to reconstruct the photo, content loss only, so the
       adversarial stage starts from a generator that keeps the content (the paper:
       10 epochs).
    2. Adversarial: D learns cartoon = real, the same cartoon with its edges smoothed =
       fake, G(photo) = fake (the edge-promoting loss: clear edges are what makes a
       cartoon); G learns to fool D plus `content_weight` x the content loss.

    The content loss is CartoonGAN's sparse l1 between VGG19 conv4_4 features of G(p)
    and p. The weight 10 is the reimplementations' on torchvision-scaled VGG; the
    backbone's Caffe-scaled features are `TORCHVISION_FEATURE_SCALE` x larger, so the l1
    is divided by that and the paper's 10 keeps its balance against the GAN loss.

    Batches are {"photo", "cartoon", "smoothed", "adversarial"}: "adversarial" (B,) is
    0 in the initialisation stage and 1 after. Both stages run the same graph, the
    adversarial terms multiplied by that flag: a second trace for the second stage
    breaks MirroredStrategy (its collectives of the two traces collide: "Shape mismatch
    in the collective instance"), and a `tf.cond` around optimiser updates is not
    allowed under a strategy. In the initialisation stage D's gradient is exactly 0,
    so Adam leaves D unchanged (zero moments give a zero step); the price is D's
    forward passes, which are small next to G and VGG.

    Args:
        generator: a `ResnetGenerator` (default `cartoon_generator()`).
        discriminator: a `CartoonDiscriminator`.
        image_size: the training crop.
        gan_loss: "bce" (the paper's), "lsgan", "hinge" or "wgan".
        content_weight: omega = 10.
        architecture, vgg_weights: the loss network (VGG19 conv4_4 by default).
    """

    loss_names = ("content", "g_total", "g_adv", "d_real", "d_smoothed", "d_fake")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_size=256,
        gan_loss="bce",
        content_weight=10.0,
        architecture="vgg19",
        vgg_weights="imagenet",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator or cartoon_generator()
        self.discriminator = discriminator or CartoonDiscriminator(name="discriminator")
        self.image_size, self.gan_loss = int(image_size), gan_loss
        self.content_weight = float(content_weight)
        self.backbone = VGGFeatures([CONTENT_LAYER], architecture, weights=vgg_weights)

    def build(self, input_shape=None):
        shape = (None, self.image_size, self.image_size, 3)
        self.generator.build(shape)
        self.discriminator.build(shape)
        self.backbone.build(shape)
        self.built = True

    def call(self, images, training=None):
        return self.generator(images, training=training)

    def content_loss(self, photos, generated):
        """omega x mean |VGG(G(p)) - VGG(p)| at conv4_4, on torchvision's feature scale."""
        both = self.backbone(ops.concatenate([generated, ops.cast(photos, generated.dtype)], 0))
        fake, real = ops.split(both[CONTENT_LAYER], 2, axis=0)
        total, _ = perceptual_loss(
            {CONTENT_LAYER: fake},
            content_targets={CONTENT_LAYER: tf.stop_gradient(real)},
            content_layers={CONTENT_LAYER: 1.0},
            content_weight=self.content_weight / TORCHVISION_FEATURE_SCALE,
            content_kind="l1",
        )
        return total

    def train_step(self, data):
        photos, cartoons, smoothed = data["photo"], data["cartoon"], data["smoothed"]
        adversarial_stage = ops.max(ops.cast(data["adversarial"], "float32"))
        with tf.GradientTape() as g_tape:
            generated = self.generator(photos, training=True)
        with tf.GradientTape() as d_tape:
            real_logits = self.discriminator(cartoons, training=True)
            d_edges, edge_terms = discriminator_loss(
                real_logits, self.discriminator(smoothed, training=True), self.gan_loss
            )
            _, fake_terms = discriminator_loss(
                real_logits,
                self.discriminator(tf.stop_gradient(generated), training=True),
                self.gan_loss,
            )
            d_total = adversarial_stage * (d_edges + fake_terms["fake"])
        self.update("discriminator", d_tape, d_total)
        with g_tape:
            adversarial, _ = generator_loss(
                self.discriminator(generated, training=True), self.gan_loss
            )
            content = self.content_loss(photos, generated)
            g_total = adversarial_stage * adversarial + content
        self.update("generator", g_tape, g_total)
        return self.log(
            {
                "content": content,
                "g_total": g_total,
                "g_adv": adversarial,
                "d_real": edge_terms["real"],
                "d_smoothed": edge_terms["fake"],
                "d_fake": fake_terms["fake"],
            }
        )

    def render_samples(self, images):
        """Rows: photos, then their cartoons."""
        outputs = self.generator(images, training=False)
        return ops.stack([ops.cast(images, "float32"), ops.cast(outputs, "float32")])
