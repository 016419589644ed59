"""Gaussian blur (separable, reflected at the borders)."""

import tensorflow as tf

from tfstyle.ops.pad import mirror_pad


def gaussian_blur(images, sigma):
    """Blurs (H, W, C) or (B, H, W, C) float images with a Gaussian of std `sigma`
    (kernel radius 3 sigma, at least 1), reflecting at the borders as OpenCV's default
    (BORDER_REFLECT_101). sigma <= 0 returns the images unchanged."""
    images = tf.convert_to_tensor(images, tf.float32)
    if sigma <= 0:
        return images
    single = images.shape.rank == 3
    x = images[None] if single else images
    radius = max(1, int(3 * sigma))
    taps = tf.range(-radius, radius + 1, dtype=tf.float32)
    kernel = tf.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= tf.reduce_sum(kernel)
    channels = x.shape[-1]
    x = mirror_pad(x, radius)
    rows = tf.tile(tf.reshape(kernel, [-1, 1, 1, 1]), [1, 1, channels, 1])
    cols = tf.tile(tf.reshape(kernel, [1, -1, 1, 1]), [1, 1, channels, 1])
    x = tf.nn.depthwise_conv2d(x, rows, [1, 1, 1, 1], "VALID")
    x = tf.nn.depthwise_conv2d(x, cols, [1, 1, 1, 1], "VALID")
    return x[0] if single else x
