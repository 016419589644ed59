"""Benchmarks of the super-resolution family: PSNR / SSIM (and a VGG distance) against
bicubic on held-out photos, the training step against a plain-TF reference step, and
upscaling latency per export format.

The reference step is SRResNet written the way a TensorFlow tutorial writes it: a
functional Keras model of plain layers, MSE, Adam, one `tf.GradientTape` inside one
`tf.function`, float32. The ratio of tfstyle's step to it, measured in the same run, is
the figure that travels between machines.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf
from keras import layers
from PIL import Image

from tfstyle.benchmarks.common import parse_models, time_call  # noqa: F401 - re-exported
from tfstyle.data.super_resolution import crop_to_multiple, degrade
from tfstyle.errors import InvalidArgumentError
from tfstyle.inference import load_stylizer, stylize_image
from tfstyle.metrics import FeatureDistance, sr_metrics
from tfstyle.ops.resize import bicubic_upscale
from tfstyle.training.loop import train_step_function

# LPIPS-VGG's taps (conv1_2 ... conv5_3 of VGG16) as names of the VGG19-shaped network.
DISTANCE_LAYERS = ("relu1_2", "relu2_2", "relu3_4", "relu4_4", "relu5_4")


def _images(size, batch, seed=0):
    rng = np.random.default_rng(seed)
    return tf.constant(rng.uniform(size=(batch, size, size, 3)).astype(np.float32))


# --- Training steps -----------------------------------------------------------------


def reference_srresnet(scale=4, filters=64, blocks=16):
    """SRResNet from plain Keras layers, as a tutorial would write it."""
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(filters, 9, padding="same")(inputs)
    skip = x = layers.PReLU(shared_axes=[1, 2])(x)
    for _ in range(blocks):
        y = layers.Conv2D(filters, 3, padding="same")(x)
        y = layers.PReLU(shared_axes=[1, 2])(layers.BatchNormalization()(y))
        y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
        x = layers.Add()([x, y])
    x = layers.Add()(
        [skip, layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(x))]
    )
    for _ in range(int(np.log2(scale))):
        x = layers.Conv2D(4 * filters, 3, padding="same")(x)
        x = layers.Lambda(lambda t: tf.nn.depth_to_space(t, 2))(x)
        x = layers.PReLU(shared_axes=[1, 2])(x)
    return keras.Model(inputs, layers.Conv2D(3, 9, padding="same")(x))


def reference_step_seconds(size=96, batch=16, scale=4, repeats=5):
    """Seconds per step of the plain-TF SRResNet step (MSE, Adam 1e-4, float32)."""
    keras.utils.set_random_seed(0)
    model = reference_srresnet(scale)
    optimizer = keras.optimizers.Adam(1e-4)

    @tf.function
    def step(lr, hr):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(lr, training=True) - hr))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    lr, hr = _images(size // scale, batch), _images(size, batch, seed=1)
    return time_call(lambda: step(lr, hr), repeats=repeats, warmup=2)


def step_seconds(model_name, mixed, vgg_weights=None, repeats=5):
    """Seconds per tfstyle training step of "srresnet", "johnson" or "srgan" at the
    paper's batch and patch size (x4)."""
    from tfstyle.models.super_resolution.train import SRTrainConfig, SuperResolutionRecipe

    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    keras.utils.set_random_seed(0)
    try:
        config = SRTrainConfig(
            output_dir="unused", model=model_name, content_dir="unused", vgg_weights=vgg_weights
        )
        config.validate()
        recipe = SuperResolutionRecipe(config)
        # No photos are read: random batches, no samples, a fixed schedule length.
        recipe.total_steps = lambda: 1000
        recipe.from_weights = recipe.sample_hr = None
        model = recipe.build()
        step = train_step_function(model)
        size, batch = config.image_size, config.batch_size
        data = {"lr": _images(size // 4, batch), "hr": _images(size, batch, seed=1)}
        return time_call(lambda: step(data), repeats=repeats, warmup=2), (size, batch)
    finally:
        keras.mixed_precision.set_global_policy("float32")


# --- Quality --------------------------------------------------------------------------


def _run_settings(path):
    """(scale or None, blur_sigma) from the run's config.json beside `path`, if any."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    config_path = os.path.join(folder, "config.json")
    if not os.path.exists(config_path):
        return None, 0.0
    with open(config_path) as f:
        config = json.load(f)
    return config.get("scale"), float(config.get("blur_sigma") or 0.0)


class Upscaler:
    """A trained network in any format with the degradation its run trained on."""

    def __init__(self, label, path, scale):
        self.label, self.path = label, path
        self.stylizer = load_stylizer(path)
        if self.stylizer.scale != scale:
            raise InvalidArgumentError(
                f"--models {label}: '{path}' upscales x{self.stylizer.scale}, not x{scale}"
            )
        self.blur_sigma = _run_settings(path)[1]

    def __call__(self, low):
        return stylize_image(self.stylizer, low, overlap=16)


def evaluate(photos, models, scale, distance=None, on_result=None):
    """Rows {photo, method, blur_sigma, psnr, ssim[, vgg_distance]} and {(photo, method):
    image}: bicubic for every degradation the models use, then each model."""
    rows, images = [], {}
    blurs = sorted({0.0} | {m.blur_sigma for m in models})
    for name, photo in photos:
        hr = crop_to_multiple(photo, scale)
        lows = {sigma: np.asarray(degrade(hr, scale, sigma)) for sigma in blurs}
        methods = [("bicubic" + (f" (blur {s:g})" if s else ""), s, None) for s in blurs]
        methods += [(m.label, m.blur_sigma, m) for m in models]
        images[(name, "HR")] = hr
        for label, sigma, model in methods:
            low = lows[sigma]
            out = np.asarray(bicubic_upscale(low, scale)) if model is None else model(low)
            row = {
                "photo": name,
                "method": label,
                "blur_sigma": sigma,
                **sr_metrics(hr, out, scale),
            }
            if distance is not None:
                row["vgg_distance"] = distance(hr, out)
            rows.append(row)
            images[(name, label)] = out
            if on_result is not None:
                on_result(row)
    return rows, images


def summary(rows):
    """{method: mean PSNR, SSIM (and VGG distance) over the photos}."""
    methods = {}
    for row in rows:
        methods.setdefault(row["method"], []).append(row)
    keys = [k for k in ("psnr", "ssim", "vgg_distance") if k in rows[0]]
    return {
        method: {k: float(np.mean([r[k] for r in group])) for k in keys} | {"photos": len(group)}
        for method, group in methods.items()
    }


def distance_metric(vgg_weights):
    from tfstyle.backbones import VGGFeatures

    return FeatureDistance(VGGFeatures(list(DISTANCE_LAYERS), "vgg19", weights=vgg_weights))


def crop_sheet(images, photo, methods, center, size=128, zoom=2):
    """One row of same-place crops (methods..., HR), each `zoom`x with nearest pixels,
    labelled by the order of `methods` (the README says which is which)."""
    hr = images[(photo, "HR")]
    y, x = center
    top = int(np.clip(y - size // 2, 0, hr.shape[0] - size))
    left = int(np.clip(x - size // 2, 0, hr.shape[1] - size))
    crops = []
    for method in [*methods, "HR"]:
        crop = np.clip(images[(photo, method)][top : top + size, left : left + size], 0, 1)
        crop = np.repeat(np.repeat(crop, zoom, 0), zoom, 1)
        crops.append(np.pad(crop, ((0, 0), (0, 4), (0, 0)), constant_values=1.0))
    row = np.concatenate(crops, axis=1)[:, :-4]
    return Image.fromarray((row * 255 + 0.5).astype(np.uint8))
