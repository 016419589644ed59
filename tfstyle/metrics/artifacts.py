"""No-reference artifact measures of stylised images.

Feed-forward style networks with instance norm (Johnson, CIN) are known to draw flat
saturated blobs: a patch where the output's tanh is pinned at black or white and the
texture stops (the "droplets" of Karras et al., StyleGAN2, 2020, from the same
normalisation). The Gram-based yardstick barely sees them (a blob is a few percent of
the pixels), so the quality benchmark counts them separately.
"""

import numpy as np

from tfstyle.metrics.image_quality import separable_filter

# A pixel belongs to a blob when all its channels are within SATURATION of 0 (dark) or
# of 1 (light) and the luma around it (a WINDOW x WINDOW box) varies by less than
# FLATNESS (standard deviation): texture or leading near it means it is not a blob.
SATURATION = 0.04
FLATNESS = 0.01
WINDOW = 9


def _box_mean(x, window):
    """Mean over a window x window box around each pixel of a 2-D array (edges replicated)."""
    padded = np.pad(x, window // 2, mode="edge")
    return separable_filter(padded, np.full(window, 1.0 / window))


def blob_area(image, saturation=SATURATION, flatness=FLATNESS, window=WINDOW):
    """(dark, light): the fractions of an (H, W, 3) image in [0, 1] that lie in flat
    saturated patches, black and white.

    A textured image (a photo, a Gatys render) scores about 0; each flat black or white
    disc a network paints adds its area.
    """
    image = np.clip(np.asarray(image, np.float64), 0.0, 1.0)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"blob_area takes one (H, W, 3) image, got shape {image.shape}")
    gray = image.mean(-1)
    mean = _box_mean(gray, window)
    spread = np.sqrt(np.maximum(_box_mean(gray * gray, window) - mean * mean, 0.0))
    flat = spread < flatness
    dark = flat & (image.max(-1) < saturation)
    light = flat & (image.min(-1) > 1.0 - saturation)
    return float(dark.mean()), float(light.mean())
