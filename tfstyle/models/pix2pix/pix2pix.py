"""pix2pix: paired image-to-image translation with a conditional GAN (Isola, Zhu, Zhou &
Efros, CVPR 2017)."""

import tensorflow as tf
from keras import ops

from tfstyle.gan import AdversarialModel
from tfstyle.losses.adversarial import discriminator_loss, generator_loss
from tfstyle.losses.reconstruction import image_l1 as l1
from tfstyle.networks import PatchDiscriminator, UNetGenerator


class Pix2Pix(AdversarialModel):
    """A U-Net generator G and a conditional PatchGAN D that sees (input, output) pairs:
    D learns real (a, b) vs fake (a, G(a)); G learns to fool D plus an L1 term to the
    target (weight 100), which alone would give blurry averages.

    One `train_step`, two phases with their own Adam (the authors' order): the
    discriminator's step (loss halved), then the generator's against the updated D.

    Batches are {"a": inputs, "b": targets}, (B, S, S, 3) in [0, 1].

    Args:
        generator: a `UNetGenerator` (default unet_256).
        discriminator: a `PatchDiscriminator` on 6 channels (default 70 x 70).
        image_size: the training crop.
        gan_loss: "bce" (the paper's), "lsgan", "hinge" or "wgan".
        l1_weight: lambda = 100.
    """

    loss_names = ("g_total", "g_adv", "l1", "d_real", "d_fake")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_size=256,
        gan_loss="bce",
        l1_weight=100.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator or UNetGenerator(name="generator")
        self.discriminator = discriminator or PatchDiscriminator(name="discriminator")
        self.image_size, self.gan_loss, self.l1_weight = int(image_size), gan_loss, float(l1_weight)
        self.sample_targets = None  # (N, H, W, 3) targets of the sample inputs

    def build(self, input_shape=None):
        size = self.image_size
        self.generator.build((None, size, size, 3))
        self.discriminator.build((None, size, size, 6))
        self.built = True

    def call(self, images, training=None):
        return self.generator(images, training=training)

    def judge(self, inputs, outputs):
        """D's logits for (input, output) pairs."""
        return self.discriminator(ops.concatenate([inputs, outputs], axis=-1), training=True)

    def train_step(self, data):
        a, b = data["a"], data["b"]
        with tf.GradientTape() as g_tape:
            fake = self.generator(a, training=True)
        with tf.GradientTape() as d_tape:
            d_total, d_terms = discriminator_loss(
                self.judge(a, b), self.judge(a, tf.stop_gradient(fake)), self.gan_loss
            )
            d_total = 0.5 * d_total
        self.update("discriminator", d_tape, d_total)
        with g_tape:
            adversarial, _ = generator_loss(self.judge(a, fake), self.gan_loss)
            reconstruction = l1(fake, b)
            g_total = adversarial + self.l1_weight * reconstruction
        self.update("generator", g_tape, g_total)
        return self.log(
            {
                "g_total": g_total,
                "g_adv": adversarial,
                "l1": reconstruction,
                "d_real": d_terms["real"],
                "d_fake": d_terms["fake"],
            }
        )

    def render_samples(self, images):
        """Rows: inputs, outputs, and (with `sample_targets`) the targets."""
        rows = [images, self.generator(images, training=False)]
        if self.sample_targets is not None:
            rows.append(tf.constant(self.sample_targets[: len(images)]))
        return ops.stack([ops.cast(r, "float32") for r in rows])
