"""Loss functions: small pure functions that run under tf.function and XLA.

Aggregates return `(total, {name: term})` so every term can be logged.
"""

from tfstyle.losses.adversarial import (
    GAN_LOSSES,
    discriminator_loss,
    generator_loss,
    gradient_penalty,
)
from tfstyle.losses.perceptual import (
    GRAM_NORMALIZATIONS,
    content_loss,
    gram_matrix,
    mean_std,
    mean_std_loss,
    perceptual_loss,
    style_layer_loss,
    style_loss,
    total_variation_loss,
)

__all__ = [
    "GAN_LOSSES",
    "GRAM_NORMALIZATIONS",
    "discriminator_loss",
    "generator_loss",
    "gradient_penalty",
    "content_loss",
    "gram_matrix",
    "mean_std",
    "mean_std_loss",
    "perceptual_loss",
    "style_layer_loss",
    "style_loss",
    "total_variation_loss",
]
