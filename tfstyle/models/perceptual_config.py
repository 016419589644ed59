"""The perceptual-loss settings that feed-forward models store, serialise and train with."""

from tfstyle.losses import perceptual_loss

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


def perceptual_objective(
    model, features, content_targets, style_grams, images, normalization="johnson"
):
    """The one `perceptual_loss` with `model`'s layers and weights.

    normalization "johnson" (Johnson, conditional instance norm, MetaNet): content and
    Gram normalised by C*H*W, mean squared Gram error per layer as in Johnson's
    reference code; "gatys" (Gatys): the paper's sums. Total variation is l2.

    Args:
        model: holds content_layers, style_layers, content_weight, style_weight, tv_weight.
        features: {layer: activations} of the generated (or optimised) images.
        content_targets: {layer: activations} of the content images.
        style_grams: {layer: (C, C) or (B, C, C)} targets.
        images: the generated images (total variation).

    Returns:
        (total, terms): "content", "style", "tv" and "style/<layer>"; a term whose
        weight is 0 is left out.
    """
    return perceptual_loss(
        features,
        content_targets=content_targets,
        content_layers=model.content_layers,
        style_grams=style_grams,
        style_layers=model.style_layers,
        images=images,
        content_weight=model.content_weight,
        style_weight=model.style_weight,
        tv_weight=model.tv_weight,
        normalization=normalization,
        style_reduction="mean" if normalization == "johnson" else "sum",
    )
