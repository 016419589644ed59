"""Super-resolution pairs: high-resolution patches of any photos and the low-resolution
inputs derived from them (never stored).

The degradation is the papers': an optional Gaussian blur (Johnson et al.: sigma 1.0),
then bicubic downsampling by the scale with antialiasing (MATLAB's `imresize`, which
SRGAN and the benchmark protocols use; PIL's BICUBIC computes the same).
"""

import tensorflow as tf

from tfstyle.data.content import content_dataset
from tfstyle.errors import InvalidArgumentError
from tfstyle.ops.blur import gaussian_blur


def degrade(images, scale, blur_sigma=0.0):
    """Low-resolution versions of (H, W, 3) or (B, H, W, 3) images in [0, 1] whose H and
    W are multiples of `scale`: blurred with `blur_sigma` (0: none), then bicubic
    downsampling by `scale` (antialiased), clipped to [0, 1]."""
    images = tf.convert_to_tensor(images, tf.float32)
    shape = tf.shape(images)
    h, w = shape[-3], shape[-2]
    static = images.shape[-3:-1]
    if static.is_fully_defined() and (static[0] % scale or static[1] % scale):
        raise InvalidArgumentError(
            f"image size {static[0]}x{static[1]} is not a multiple of the scale {scale}"
        )
    blurred = gaussian_blur(images, blur_sigma)
    low = tf.image.resize(blurred, (h // scale, w // scale), method="bicubic", antialias=True)
    return tf.clip_by_value(low, 0.0, 1.0)


def crop_to_multiple(image, scale):
    """Crops (H, W, 3) at the bottom/right to multiples of `scale` (the HR of a test pair)."""
    h, w = image.shape[0] // scale * scale, image.shape[1] // scale * scale
    if h == 0 or w == 0:
        raise InvalidArgumentError(
            f"a {image.shape[1]}x{image.shape[0]} image is smaller than the scale {scale}"
        )
    return image[:h, :w]


def sr_dataset(source, patch_size, scale, batch_size, seed=0, start_step=0, blur_sigma=0.0):
    """An infinite dataset of {"lr": (B, p/s, p/s, 3), "hr": (B, p, p, 3)} batches.

    HR patches are random `patch_size` crops at the photos' native resolution (mirrored
    at random); the LR inputs are `degrade(hr, scale, blur_sigma)`. Same contract as
    `content_dataset`: a pure function of (seed, position), so resumes are exact.
    """
    if patch_size % scale:
        raise InvalidArgumentError(
            f"--image_size ({patch_size}) must be a multiple of --scale ({scale})"
        )
    patches = content_dataset(
        source, patch_size, batch_size, seed, start_step, flip=True, native_resolution=True
    )
    return patches.map(
        lambda hr: {"lr": degrade(hr, scale, blur_sigma), "hr": hr},
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
