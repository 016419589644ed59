"""Adversarial losses: small pure functions, each returning `(total, {name: term})`.

Discriminator outputs are logits (no sigmoid in the network), in any shape: a PatchGAN
gives one logit per patch, a DCGAN discriminator one per image, a multi-scale
discriminator a list of those (the terms are averaged over the list). Everything is
computed in float32, whatever precision the networks run in.

    total, terms = discriminator_loss(real_logits, fake_logits, "lsgan")
    total, terms = generator_loss(fake_logits, "lsgan")

Kinds:
- "bce": the original minimax game with the non-saturating generator loss
  (Goodfellow et al., 2014; DCGAN, pix2pix).
- "lsgan": least squares, targets 1 and 0 (Mao et al., 2017; CycleGAN, MUNIT).
- "hinge": hinge loss (Lim & Ye, 2017; Miyato et al., 2018, with spectral norm).
- "wgan": the Wasserstein critic (Arjovsky et al., 2017), with `gradient_penalty`
  (Gulrajani et al., 2017) instead of weight clipping.
"""

import tensorflow as tf

from tfstyle.errors import InvalidArgumentError

GAN_LOSSES = ("bce", "lsgan", "hinge", "wgan")


def _f32(logits):
    return tf.cast(logits, tf.float32)


def _mean(fn, logits):
    """`fn` averaged over a list of logits (multi-scale discriminators) or of one."""
    if isinstance(logits, list | tuple):
        return tf.add_n([fn(_f32(x)) for x in logits]) / float(len(logits))
    return fn(_f32(logits))


def bce(real_logits, fake_logits):
    """Discriminator cross-entropy: -log D(real) - log(1 - D(fake))."""
    real = _mean(lambda x: tf.reduce_mean(tf.nn.softplus(-x)), real_logits)
    fake = _mean(lambda x: tf.reduce_mean(tf.nn.softplus(x)), fake_logits)
    return real + fake, {"real": real, "fake": fake}


def bce_generator(fake_logits):
    """The non-saturating generator loss: -log D(G(z))."""
    adversarial = _mean(lambda x: tf.reduce_mean(tf.nn.softplus(-x)), fake_logits)
    return adversarial, {"adversarial": adversarial}


def lsgan(real_logits, fake_logits):
    """Least-squares discriminator loss: (D(real) - 1)^2 + D(fake)^2."""
    real = _mean(lambda x: tf.reduce_mean(tf.square(x - 1.0)), real_logits)
    fake = _mean(lambda x: tf.reduce_mean(tf.square(x)), fake_logits)
    return real + fake, {"real": real, "fake": fake}


def lsgan_generator(fake_logits):
    adversarial = _mean(lambda x: tf.reduce_mean(tf.square(x - 1.0)), fake_logits)
    return adversarial, {"adversarial": adversarial}


def hinge(real_logits, fake_logits):
    """Hinge discriminator loss: relu(1 - D(real)) + relu(1 + D(fake))."""
    real = _mean(lambda x: tf.reduce_mean(tf.nn.relu(1.0 - x)), real_logits)
    fake = _mean(lambda x: tf.reduce_mean(tf.nn.relu(1.0 + x)), fake_logits)
    return real + fake, {"real": real, "fake": fake}


def wgan(real_logits, fake_logits):
    """Wasserstein critic loss: D(fake) - D(real) (add `gradient_penalty`)."""
    real = _mean(lambda x: -tf.reduce_mean(x), real_logits)
    fake = _mean(tf.reduce_mean, fake_logits)
    return real + fake, {"real": real, "fake": fake}


def critic_generator(fake_logits):
    """-D(G(z)): the generator loss of the hinge and Wasserstein games."""
    adversarial = _mean(lambda x: -tf.reduce_mean(x), fake_logits)
    return adversarial, {"adversarial": adversarial}


_LOSSES = {
    "bce": (bce, bce_generator),
    "lsgan": (lsgan, lsgan_generator),
    "hinge": (hinge, critic_generator),
    "wgan": (wgan, critic_generator),
}


def check_gan_loss(kind):
    if kind not in _LOSSES:
        raise InvalidArgumentError(
            f"unknown GAN loss '{kind}'; choose one of {', '.join(GAN_LOSSES)}"
        )
    return kind


def discriminator_loss(real_logits, fake_logits, kind="lsgan"):
    """The discriminator's loss of GAN `kind`: (total, {"real": ..., "fake": ...})."""
    return _LOSSES[check_gan_loss(kind)][0](real_logits, fake_logits)


def generator_loss(fake_logits, kind="lsgan"):
    """The generator's loss of GAN `kind`: (total, {"adversarial": ...})."""
    return _LOSSES[check_gan_loss(kind)][1](fake_logits)


def gradient_penalty(critic, real, fake, seed=None):
    """WGAN-GP: E[(||grad_x D(x)||_2 - 1)^2] at random points between real and fake.

    Args:
        critic: `critic(images)` -> logits (a network or any callable).
        real, fake: (B, ...) batches of the same shape.
        seed: a (2,) int seed for the interpolation points (stateless, so a step is
            reproducible); None draws from the global generator.
    Returns:
        (penalty, {"gradient_penalty": penalty}).
    """
    real, fake = _f32(real), _f32(fake)
    shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], 0)
    if seed is None:
        alpha = tf.random.uniform(shape)
    else:
        alpha = tf.random.stateless_uniform(shape, seed)
    points = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(points)
        logits = _f32(critic(points))
    grads = tape.gradient(logits, points)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=tf.range(1, tf.rank(grads))) + 1e-12)
    penalty = tf.reduce_mean(tf.square(norms - 1.0))
    return penalty, {"gradient_penalty": penalty}
