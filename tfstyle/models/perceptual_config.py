"""The loss-network settings that every perceptual-loss model stores and serialises."""

PERCEPTUAL_FIELDS = (
    "content_layers",
    "style_layers",
    "content_weight",
    "style_weight",
    "tv_weight",
    "architecture",
    "vgg_weights",
    "pooling",
)


def perceptual_config(model):
    """The constructor arguments of `model`'s objective and loss network, for get_config."""
    return {name: getattr(model, name) for name in PERCEPTUAL_FIELDS}
