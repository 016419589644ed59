"""DCGAN: deep convolutional GAN (Radford, Metz & Chintala, ICLR 2016)."""

import tensorflow as tf
from keras import ops

from tfstyle.gan import AdversarialModel
from tfstyle.losses.adversarial import discriminator_loss, generator_loss, gradient_penalty
from tfstyle.networks import DCGANDiscriminator, DCGANGenerator

SAMPLE_SEED = 1234  # the fixed z of the sample grid, the same at every step


class DCGAN(AdversarialModel):
    """A generator from noise z ~ N(0, I) and a discriminator of real vs generated
    images: the smallest user of the GAN base (keras-io's DCGAN train step).

    Each step: the discriminator's phase on a real batch and a generated one, then the
    generator's phase on fresh noise (non-saturating loss for "bce"). Noise is drawn
    statelessly from (seed, step, replica), so a resumed run draws what it would have.
    With `gan_loss="wgan"` the discriminator adds a gradient penalty (weight 10).

    Batches are (B, S, S, C) images in [0, 1].

    Args:
        generator, discriminator: `DCGANGenerator` / `DCGANDiscriminator`.
        gan_loss: "bce" (the paper's), "lsgan", "hinge" or "wgan".
        seed: seed of the noise.
    """

    loss_names = ("d_total", "d_real", "d_fake", "g_adv")

    def __init__(self, generator=None, discriminator=None, gan_loss="bce", seed=0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator or DCGANGenerator(name="generator")
        self.discriminator = discriminator or DCGANDiscriminator(name="discriminator")
        self.gan_loss, self.seed = gan_loss, int(seed)
        self.penalty_weight = 10.0 if gan_loss == "wgan" else 0.0

    def build(self, input_shape=None):
        self.generator.build()
        self.discriminator.build()
        self.built = True

    def noise(self, count, phase):
        """(count, latent_dim) standard normal, a pure function of (seed, step, replica,
        phase)."""
        step = tf.cast(self.phase_optimizers["generator"].iterations, tf.int32)
        context = tf.distribute.get_replica_context()
        replica = tf.cast(context.replica_id_in_sync_group if context else 0, tf.int32)
        seed = tf.stack([self.seed + 7919 * replica, 2 * step + phase])
        return tf.random.stateless_normal((count, self.generator.latent_dim), seed)

    def call(self, z, training=None):
        return self.generator(z, training=training)

    def train_step(self, images):
        count = tf.shape(images)[0]
        fake = self.generator(self.noise(count, 0), training=True)
        with tf.GradientTape() as tape:
            d_total, terms = discriminator_loss(
                self.discriminator(images, training=True),
                self.discriminator(tf.stop_gradient(fake), training=True),
                self.gan_loss,
            )
            if self.penalty_weight:
                penalty, _ = gradient_penalty(
                    lambda x: self.discriminator(x, training=True),
                    images,
                    fake,
                    seed=tf.stack(
                        [
                            self.seed,
                            tf.cast(self.phase_optimizers["generator"].iterations, tf.int32),
                        ]
                    ),
                )
                d_total += self.penalty_weight * penalty
        self.update("discriminator", tape, d_total)
        with tf.GradientTape() as tape:
            generated = self.generator(self.noise(count, 1), training=True)
            g_adv, _ = generator_loss(self.discriminator(generated, training=True), self.gan_loss)
        self.update("generator", tape, g_adv)
        return self.log(
            {"d_total": d_total, "d_real": terms["real"], "d_fake": terms["fake"], "g_adv": g_adv}
        )

    def render_samples(self, images):
        """An 8 x len(images) grid from a fixed z (RGB, whatever the channels)."""
        columns = int(images.shape[0])
        z = tf.random.stateless_normal((8 * columns, self.generator.latent_dim), (SAMPLE_SEED, 0))
        out = ops.cast(self.generator(z, training=False), "float32")
        if out.shape[-1] == 1:
            out = ops.repeat(out, 3, axis=-1)
        return ops.reshape(out, (8, columns) + tuple(out.shape[1:]))
