"""Adversarial losses: closed-form values, named terms, multi-scale lists, the penalty."""

import numpy as np
import pytest
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError
from tfstyle.losses import GAN_LOSSES, discriminator_loss, generator_loss, gradient_penalty


def test_closed_form_values():
    zero = tf.zeros((2, 4, 4, 1))
    one = tf.ones((2, 4, 4, 1))
    total, terms = discriminator_loss(zero, zero, "bce")
    np.testing.assert_allclose(total, 2 * np.log(2), rtol=1e-6)
    np.testing.assert_allclose(terms["real"], np.log(2), rtol=1e-6)
    # The ideal least-squares discriminator (1 on real, 0 on fake) has zero loss.
    total, terms = discriminator_loss(one, zero, "lsgan")
    assert float(total) == 0.0 and set(terms) == {"real", "fake"}
    np.testing.assert_allclose(generator_loss(zero, "lsgan")[0], 1.0)
    np.testing.assert_allclose(generator_loss(zero, "bce")[0], np.log(2), rtol=1e-6)
    # Hinge: margins met -> 0; at 0 -> 1 + 1.
    assert float(discriminator_loss(2 * one, -2 * one, "hinge")[0]) == 0.0
    np.testing.assert_allclose(discriminator_loss(zero, zero, "hinge")[0], 2.0)
    np.testing.assert_allclose(discriminator_loss(3 * one, one, "wgan")[0], -2.0)
    np.testing.assert_allclose(generator_loss(3 * one, "wgan")[0], -3.0)
    for kind in GAN_LOSSES:
        total, terms = generator_loss(zero, kind)
        assert set(terms) == {"adversarial"} and total.dtype == tf.float32


def test_lists_of_logits_are_averaged_and_bfloat16_is_computed_in_float32():
    a, b = tf.zeros((1, 8, 8, 1)), tf.ones((1, 4, 4, 1))
    total, _ = generator_loss([a, b], "lsgan")
    np.testing.assert_allclose(total, 0.5 * (1.0 + 0.0))
    total, _ = discriminator_loss(tf.cast(b, tf.bfloat16), tf.cast(a, tf.bfloat16), "lsgan")
    assert total.dtype == tf.float32 and float(total) == 0.0


def test_gradient_penalty_of_a_linear_critic():
    w = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(1, 2, 2, 3) / 10)
    critic = lambda x: tf.reduce_sum(x * w, axis=[1, 2, 3])
    real = tf.random.stateless_uniform((3, 2, 2, 3), (1, 2))
    fake = tf.random.stateless_uniform((3, 2, 2, 3), (3, 4))
    penalty, terms = gradient_penalty(critic, real, fake, seed=(5, 6))
    expected = (np.linalg.norm(w.numpy()) - 1.0) ** 2
    np.testing.assert_allclose(penalty, expected, rtol=1e-5)
    assert "gradient_penalty" in terms


def test_unknown_loss_lists_the_known_ones():
    with pytest.raises(InvalidArgumentError, match="lsgan"):
        generator_loss(tf.zeros(2), "minimax")
