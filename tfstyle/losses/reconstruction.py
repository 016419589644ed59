"""Reconstruction losses of the image-to-image GANs (pix2pix, CycleGAN, MUNIT)."""

from keras import ops


def image_l1(x, y):
    """Mean absolute difference of images in [0, 1], on the papers' [-1, 1] scale (twice
    the [0, 1] difference), so the papers' weights (CycleGAN's cycle 10, pix2pix's L1
    100, MUNIT's reconstruction 10) keep their balance."""
    return 2.0 * code_l1(x, y)


def code_l1(x, y):
    """Mean absolute difference of codes or features, in float32 (MUNIT's content and
    style reconstruction)."""
    return ops.mean(ops.abs(ops.cast(x, "float32") - ops.cast(y, "float32")))


def instance_normalized_feature_loss(features, target):
    """Mean squared difference of instance-normalised feature maps (MUNIT's optional
    perceptual loss: it compares content, not each image's feature statistics)."""

    def normalize(f):
        f = ops.cast(f, "float32")
        mean = ops.mean(f, axis=(1, 2), keepdims=True)
        variance = ops.var(f, axis=(1, 2), keepdims=True)
        return (f - mean) * ops.rsqrt(variance + 1e-5)

    return ops.mean(ops.square(normalize(features) - normalize(target)))
