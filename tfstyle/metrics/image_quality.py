"""Full-reference image quality: PSNR and SSIM as super-resolution papers report them,
and a VGG feature distance.

The SR protocol (Timofte et al., SRGAN, EDSR...): convert to the luma channel Y of
ITU-R BT.601 (16..235 on the 0..255 scale), crop `scale` pixels off every border,
then PSNR with peak 255 and SSIM with an 11 x 11 Gaussian window (sigma 1.5, K1 0.01,
K2 0.03; Wang et al., 2004).
"""

import numpy as np
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError

# BT.601 RGB (in [0, 1]) -> Y (0..255 scale, 16..235): MATLAB's rgb2ycbcr.
_Y_WEIGHTS = np.array([65.481, 128.553, 24.966], np.float64)


def psnr(reference, test, max_val=1.0):
    """PSNR in dB between two arrays (inf when equal)."""
    a, b = np.asarray(reference, np.float64), np.asarray(test, np.float64)
    if a.shape != b.shape:
        raise InvalidArgumentError(f"PSNR of arrays of different shapes {a.shape} and {b.shape}")
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(max_val**2 / mse)


def luma(images):
    """Y of BT.601 on the 0..255 scale (16..235) of RGB images in [0, 1], (..., H, W, 3)
    -> (..., H, W)."""
    return 16.0 + np.asarray(images, np.float64) @ _Y_WEIGHTS


def shave(images, border):
    """Crops `border` pixels off every side of (..., H, W[, C]) arrays (H, W the first two
    of the last three axes when there are channels)."""
    if border <= 0:
        return images
    images = np.asarray(images)
    if images.ndim >= 3 and images.shape[-1] in (1, 3):
        return images[..., border:-border, border:-border, :]
    return images[..., border:-border, border:-border]


SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03


def separable_filter(x, weights):
    """Valid 2-D filtering of (H, W) or (H, W, C) float64 arrays by the outer product of
    the 1-D `weights` with itself (a window of len(weights) on each side)."""
    x = np.lib.stride_tricks.sliding_window_view(x, len(weights), axis=0) @ weights
    return np.lib.stride_tricks.sliding_window_view(x, len(weights), axis=1) @ weights


def _gaussian_filter(x, window=SSIM_WINDOW, sigma=SSIM_SIGMA):
    """Valid 2-D Gaussian filtering of (H, W, C) float64 arrays (separable)."""
    t = np.arange(window, dtype=np.float64) - (window - 1) / 2.0
    g = np.exp(-(t**2) / (2.0 * sigma**2))
    return separable_filter(x, g / g.sum())


def ssim(reference, test, max_val=255.0):
    """Mean SSIM of two (H, W) or (H, W, C) arrays (Wang et al., 2004: 11 x 11 Gaussian
    window, sigma 1.5, K1 0.01, K2 0.03, valid positions; the definition of
    `tf.image.ssim` and of the SR papers' MATLAB code). Computed in float64: the
    variances are differences of large means, which float32 (tf.image.ssim) rounds
    differently on different CPUs (1e-4 of the value for flat images)."""
    a, b = np.asarray(reference, np.float64), np.asarray(test, np.float64)
    if a.shape != b.shape:
        raise InvalidArgumentError(f"SSIM of arrays of different shapes {a.shape} and {b.shape}")
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    if min(a.shape[:2]) < 11:
        raise InvalidArgumentError(
            f"SSIM needs images of at least 11 x 11 pixels, got {a.shape[:2]}"
        )
    c1, c2 = (SSIM_K1 * max_val) ** 2, (SSIM_K2 * max_val) ** 2
    mu_a, mu_b = _gaussian_filter(a), _gaussian_filter(b)
    var_a = _gaussian_filter(a * a) - mu_a * mu_a
    var_b = _gaussian_filter(b * b) - mu_b * mu_b
    cov = _gaussian_filter(a * b) - mu_a * mu_b
    luminance = (2.0 * mu_a * mu_b + c1) / (mu_a**2 + mu_b**2 + c1)
    structure = (2.0 * cov + c2) / (var_a + var_b + c2)
    return float(np.mean(luminance * structure))


def sr_metrics(hr, sr, scale):
    """{"psnr": dB, "ssim": value} of an upscaled image against its HR original, both
    (H, W, 3) in [0, 1]: Y channel, `scale` pixels shaved off each border."""
    hr, sr = np.asarray(hr), np.asarray(sr)
    if hr.shape != sr.shape:
        raise InvalidArgumentError(f"HR {hr.shape} and SR {sr.shape} images differ in size")
    y_hr = shave(luma(hr), scale)
    y_sr = shave(luma(np.clip(sr, 0.0, 1.0)), scale)
    return {"psnr": psnr(y_hr, y_sr, 255.0), "ssim": ssim(y_hr, y_sr, 255.0)}


class FeatureDistance:
    """A perceptual distance: the mean over VGG layers of the squared difference of
    channel-normalised features (LPIPS' form with uniform weights: no learned linear
    heads are available offline). 0 for equal images; larger is farther.

    Args:
        backbone: a `tfstyle.backbones.VGGFeatures` (ImageNet weights for meaningful
            numbers); its taps are the layers compared.
    """

    def __init__(self, backbone):
        self.backbone = backbone

    def __call__(self, reference, test):
        a = tf.convert_to_tensor(np.asarray(reference, np.float32)[None])
        b = tf.convert_to_tensor(np.asarray(test, np.float32)[None])
        fa, fb = self.backbone(a), self.backbone(b)
        distances = []
        for name in fa:
            na = tf.math.l2_normalize(tf.cast(fa[name], tf.float32), axis=-1)
            nb = tf.math.l2_normalize(tf.cast(fb[name], tf.float32), axis=-1)
            distances.append(tf.reduce_mean(tf.reduce_sum(tf.square(na - nb), axis=-1)))
        return float(tf.reduce_mean(distances))
