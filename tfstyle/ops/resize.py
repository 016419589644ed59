"""Resizing helpers that keep images float32 in [0, 1] and antialias when shrinking."""

import tensorflow as tf


def resize_to_shape(images, size):
    """Resizes (H, W, C) or (B, H, W, C) images to `size` = (height, width), bicubic
    with antialiasing, clipped back to [0, 1]. A no-op when the size already matches."""
    images = tf.convert_to_tensor(images, tf.float32)
    size = tf.cast(size, tf.int32)
    if images.shape[-3:-1].is_fully_defined() and tf.get_static_value(size) is not None:
        if tuple(images.shape[-3:-1]) == tuple(tf.get_static_value(size)):
            return images
    resized = tf.image.resize(images, size, method="bicubic", antialias=True)
    return tf.clip_by_value(resized, 0.0, 1.0)


def scaled_size(height, width, max_side):
    """(h, w) scaled so that the longer side equals `max_side`, aspect kept, each >= 1."""
    scale = max_side / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize_to_max_side(image, max_side):
    """Resizes an (H, W, C) image so that its longer side equals `max_side`."""
    image = tf.convert_to_tensor(image, tf.float32)
    height, width = image.shape[-3], image.shape[-2]
    return resize_to_shape(image, scaled_size(height, width, max_side))


def resize_shorter_side(images, side):
    """Resizes (H, W, C) or (B, H, W, C) images so their shorter side is `side` px,
    aspect kept; a no-op when it already is. Works on dynamic shapes inside a graph;
    the result is float32 whatever the input's dtype (e.g. bfloat16 under mixed
    precision)."""
    images = tf.cast(tf.convert_to_tensor(images), tf.float32)
    height, width = images.shape[-3], images.shape[-2]
    if height is not None and width is not None:
        scale = side / min(height, width)
        return resize_to_shape(
            images, (max(1, round(height * scale)), max(1, round(width * scale)))
        )
    hw = tf.cast(tf.shape(images)[-3:-1], tf.float32)
    size = tf.cast(tf.round(hw * (side / tf.reduce_min(hw))), tf.int32)
    return resize_to_shape(images, tf.maximum(size, 1))


def fit_image(image, height, width, channels=3):
    """An (H, W, 3) image as a classifier's (height, width, channels) input: the shorter
    side resized to fit, the centre cropped (ImageNet's evaluation crop), RGB averaged
    to one channel for grey classifiers. None for height/width keeps the image size."""
    image = tf.convert_to_tensor(image, tf.float32)
    if height and width:
        h, w = int(image.shape[0]), int(image.shape[1])
        scale = max(height / h, width / w)
        size = (max(height, round(h * scale)), max(width, round(w * scale)))
        image = tf.image.resize_with_crop_or_pad(resize_to_shape(image, size), height, width)
    if channels == 1:
        image = tf.reduce_mean(image, axis=-1, keepdims=True)
    return image.numpy()


def bicubic_upscale(images, scale):
    """(H, W, C) or (B, H, W, C) images bicubically enlarged `scale` times, clipped to
    [0, 1]: the baseline of every super-resolution table."""
    images = tf.convert_to_tensor(images, tf.float32)
    shape = tf.shape(images)
    size = (shape[-3] * scale, shape[-2] * scale)
    return tf.clip_by_value(tf.image.resize(images, size, method="bicubic"), 0.0, 1.0)
