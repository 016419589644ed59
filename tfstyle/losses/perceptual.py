"""Perceptual losses on VGG features: content, Gram style, mean/std style, total variation.

Features are NHWC; N_l = C (filters) and M_l = H * W (positions), as in METHODS.md.
Every function returns one scalar averaged over the batch, computed in float32 even
under mixed precision (Gram matrices of bfloat16 features lose too many digits).

Two normalisations appear in the papers and are both named here:
- "gatys" (Gatys et al., CVPR 2016): content `1/2 sum (F - P)^2`; per-layer style
  `E_l = 1 / (4 N^2 M^2) sum (G - A)^2` with `G = F^T F`. We fold the constant into
  the Gram (`G / (2 N M)`), so the style term is a plain sum of squares and equals E_l.
- "johnson" (Johnson et al., ECCV 2016): content `1/(C H W) ||F - P||^2`; Gram
  `G / (C H W)`, style term `||G - A||_F^2`.
"""

import tensorflow as tf
from keras import ops

from tfstyle.errors import InvalidArgumentError

GRAM_NORMALIZATIONS = ("gatys", "johnson", "none")


def _check_normalization(normalization):
    if normalization not in GRAM_NORMALIZATIONS:
        raise InvalidArgumentError(
            f"unknown normalization '{normalization}'; choose one of {', '.join(GRAM_NORMALIZATIONS)}"
        )


def _float32(x):
    return ops.cast(x, "float32")


def _gram(flat):
    """F^T F of (B, N, C) features. matmul with transpose_a runs ~30 ms faster per VGG
    pass at 256 px than the equivalent einsum (lowered with an extra transpose copy);
    the gradient is the one product F (dG + dG^T) instead of autodiff's two products
    and their sum (~30% less time for the Grams of a Johnson step)."""

    @tf.custom_gradient
    def gram(flat):
        def grad(upstream):
            return tf.linalg.matmul(flat, upstream + tf.linalg.matrix_transpose(upstream))

        return tf.linalg.matmul(flat, flat, transpose_a=True), grad

    return gram(flat)


def gram_matrix(features, normalization="johnson"):
    """Gram matrices `G[c, c'] = sum_hw F[h, w, c] F[h, w, c']` of NHWC features.

    Args:
        features: (B, H, W, C) tensor.
        normalization: "johnson" divides by C*H*W; "gatys" by 2*C*H*W (so that a sum
            of squared differences equals the paper's E_l); "none" keeps the raw sum.

    Returns:
        (B, C, C) float32 tensor.
    """
    _check_normalization(normalization)
    x = _float32(features)
    shape = ops.shape(x)
    b, h, w, c = shape[0], shape[1], shape[2], shape[3]
    gram = _gram(ops.reshape(x, (b, h * w, c)))
    if normalization == "none":
        return gram
    size = ops.cast(h * w * c, "float32")
    if normalization == "gatys":
        size = 2.0 * size
    return gram / size


def content_loss(features, target, normalization="johnson", kind="l2"):
    """Feature reconstruction loss between two (B, H, W, C) tensors.

    "johnson": mean of squared differences (1/(CHW) ||F - P||^2);
    "gatys": half the sum of squared differences; both averaged over the batch.
    kind "l1" (CartoonGAN's sparse content loss): mean absolute difference.
    """
    _check_normalization(normalization)
    if kind not in ("l1", "l2"):
        raise InvalidArgumentError(f"content loss kind must be 'l1' or 'l2', got '{kind}'")
    if kind == "l1":
        return ops.mean(ops.abs(_float32(features) - _float32(target)))
    diff = ops.square(_float32(features) - _float32(target))
    if normalization == "gatys":
        return 0.5 * ops.mean(ops.sum(diff, axis=(1, 2, 3)))
    return ops.mean(diff)


def style_layer_loss(features, target_gram, normalization="johnson", reduction="sum"):
    """Distance between the Gram of `features` and `target_gram`, averaged over the batch.

    Args:
        target_gram: (C, C) or (B, C, C), with the same normalization.
        reduction: "sum" of squared differences (the squared Frobenius norm of the
            papers' formulas) or "mean" over the C*C entries (Johnson's reference code).
    """
    if reduction not in ("sum", "mean"):
        raise InvalidArgumentError(f"reduction must be 'sum' or 'mean', got '{reduction}'")
    gram = gram_matrix(features, normalization)
    squared = ops.square(gram - _float32(target_gram))
    per_image = (
        ops.sum(squared, axis=(-2, -1)) if reduction == "sum" else ops.mean(squared, axis=(-2, -1))
    )
    return ops.mean(per_image)


def style_loss(features, target_grams, layer_weights, normalization="johnson", reduction="sum"):
    """Weighted sum of per-layer Gram losses.

    Args:
        features: dict {layer: (B, H, W, C)} of the image being optimised or generated.
        target_grams: dict {layer: (C, C) or (B, C, C)} of style Gram matrices.
        layer_weights: dict {layer: weight}; only these layers contribute.
        normalization, reduction: see `gram_matrix` and `style_layer_loss`.

    Returns:
        (total, {f"style/{layer}": weighted term}).
    """
    terms = {}
    for layer, weight in layer_weights.items():
        terms[f"style/{layer}"] = weight * style_layer_loss(
            features[layer], target_grams[layer], normalization, reduction
        )
    return _sum(terms), terms


def total_variation_loss(images, kind="l2"):
    """Total variation of (B, H, W, C) images, a smoothness prior.

    "l2": mean of squared neighbour differences (smooth, as in Johnson et al.);
    "l1": mean of absolute differences (anisotropic TV, edge-preserving).
    Means make the value independent of the image size. The gradient is written out
    (differences of the padded per-difference gradients): autodiff's strided-slice
    gradients cost ~60 ms of a 256 px Johnson step, this ~3 ms.
    """
    if kind not in ("l1", "l2"):
        raise InvalidArgumentError(f"total variation kind must be 'l1' or 'l2', got '{kind}'")
    x = _float32(images)

    @tf.custom_gradient
    def total_variation(x):
        dy = x[:, 1:, :, :] - x[:, :-1, :, :]
        dx = x[:, :, 1:, :] - x[:, :, :-1, :]
        if kind == "l2":
            value = ops.mean(ops.square(dy)) + ops.mean(ops.square(dx))
        else:
            value = ops.mean(ops.abs(dy)) + ops.mean(ops.abs(dx))

        def grad(upstream):
            def per_difference(d):
                scale = upstream / tf.cast(tf.size(d), d.dtype)
                return scale * (2.0 * d if kind == "l2" else tf.sign(d))

            gy, gx = per_difference(dy), per_difference(dx)
            # x[i] enters d[i - 1] with + and d[i] with -.
            return (
                tf.pad(gy, [[0, 0], [1, 0], [0, 0], [0, 0]])
                - tf.pad(gy, [[0, 0], [0, 1], [0, 0], [0, 0]])
                + tf.pad(gx, [[0, 0], [0, 0], [1, 0], [0, 0]])
                - tf.pad(gx, [[0, 0], [0, 0], [0, 1], [0, 0]])
            )

        return value, grad

    return total_variation(x)


def mean_std(features, epsilon=1e-5):
    """Per-channel mean and standard deviation over space of (B, H, W, C) features.

    Returns two (B, 1, 1, C) float32 tensors. `epsilon` keeps the gradient of the
    standard deviation finite on constant channels.
    """
    x = _float32(features)
    mean = ops.mean(x, axis=(1, 2), keepdims=True)
    variance = ops.mean(ops.square(x - mean), axis=(1, 2), keepdims=True)
    return mean, ops.sqrt(variance + epsilon)


def mean_std_loss(features, target_features, layer_weights=None):
    """AdaIN style loss: match per-channel means and standard deviations.

    Huang & Belongie, ICCV 2017, eq. 12, with the squared error of their reference
    implementation: per layer `mean((mu - mu_t)^2) + mean((sigma - sigma_t)^2)`.

    Args:
        features, target_features: dicts {layer: (B, H, W, C)}.
        layer_weights: dict {layer: weight}; defaults to weight 1 for every layer of
            `features`.

    Returns:
        (total, {f"style/{layer}": weighted term}).
    """
    layer_weights = layer_weights or {layer: 1.0 for layer in features}
    terms = {}
    for layer, weight in layer_weights.items():
        mu, sigma = mean_std(features[layer])
        mu_t, sigma_t = mean_std(target_features[layer])
        terms[f"style/{layer}"] = weight * (
            ops.mean(ops.square(mu - mu_t)) + ops.mean(ops.square(sigma - sigma_t))
        )
    return _sum(terms), terms


def perceptual_loss(
    features,
    content_targets=None,
    content_layers=None,
    style_grams=None,
    style_layers=None,
    images=None,
    content_weight=1.0,
    style_weight=1.0,
    tv_weight=0.0,
    normalization="johnson",
    tv_kind="l2",
    style_reduction="sum",
    content_kind="l2",
):
    """Weighted content + style + total variation loss: the one perceptual objective of
    Gatys (normalization "gatys", the image optimised), and of Johnson, conditional
    instance norm and MetaNet (normalization "johnson", style_reduction "mean" as in
    Johnson's reference code; see `tfstyle.models.perceptual_config.johnson_objective`).

    Args:
        features: dict {layer: activations} of the generated images.
        content_targets: dict {layer: activations} of the content images.
        content_layers: dict {layer: weight} for the content term.
        style_grams: dict {layer: Gram} of the style image(s).
        style_layers: dict {layer: weight} for the style term.
        images: the generated images, for the total variation term.
        content_weight, style_weight, tv_weight: term weights.
        normalization: "gatys" or "johnson" (content and Gram normalisation).
        tv_kind: "l2" or "l1" total variation.
        style_reduction: "sum" or "mean" of the squared Gram differences per layer.
        content_kind: "l2" (squared error) or "l1" (absolute error, CartoonGAN).

    Returns:
        (total, {"content": ..., "style": ..., "tv": ..., "style/<layer>": ...}); every
        value already carries its weight, so `total` is the sum of the three top terms.
    """
    terms = {}
    total = ops.zeros((), "float32")
    if content_weight and content_layers:
        content = _sum(
            {
                layer: w
                * content_loss(features[layer], content_targets[layer], normalization, content_kind)
                for layer, w in content_layers.items()
            }
        )
        terms["content"] = content_weight * content
        total = total + terms["content"]
    if style_weight and style_layers:
        style, per_layer = style_loss(
            features, style_grams, style_layers, normalization, style_reduction
        )
        terms["style"] = style_weight * style
        terms.update({k: style_weight * v for k, v in per_layer.items()})
        total = total + terms["style"]
    if tv_weight and images is not None:
        terms["tv"] = tv_weight * total_variation_loss(images, tv_kind)
        total = total + terms["tv"]
    return total, terms


def _sum(terms):
    values = list(terms.values())
    return ops.sum(ops.stack(values)) if values else ops.zeros((), "float32")
