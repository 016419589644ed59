"""Colour preservation: keep the content's colours, take the stylised luminance.

Gatys et al., "Preserving Color in Neural Artistic Style Transfer" (2016): transfer
in the luminance channel only; here the stylised Y of YIQ is combined with the
content's I and Q, as neural-style's `-original_colors 1` does.
"""

import tensorflow as tf

from tfstyle.ops.resize import resize_to_shape


def preserve_color(stylized, content):
    """Returns `stylized`'s luminance with `content`'s chrominance, in [0, 1].

    Args:
        stylized: (H, W, 3) or (B, H, W, 3) float RGB in [0, 1].
        content: the same rank; resized to `stylized`'s height and width if needed.
    """
    stylized = tf.convert_to_tensor(stylized, tf.float32)
    content = tf.convert_to_tensor(content, tf.float32)
    content = resize_to_shape(content, tf.shape(stylized)[-3:-1])
    y = tf.image.rgb_to_yiq(stylized)[..., :1]
    iq = tf.image.rgb_to_yiq(content)[..., 1:]
    return tf.clip_by_value(tf.image.yiq_to_rgb(tf.concat([y, iq], axis=-1)), 0.0, 1.0)
