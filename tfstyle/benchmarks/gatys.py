"""Gatys benchmark: step cost against one VGG forward+backward, and L-BFGS against Adam."""

import time

import keras
import numpy as np
import tensorflow as tf

from tfstyle.backbones import VGGFeatures
from tfstyle.benchmarks.common import time_call
from tfstyle.models.gatys import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, GatysStyleTransfer

# The TensorFlow tutorial's Adam settings for optimising pixels in [0, 1].
TUTORIAL_ADAM = {"learning_rate": 0.02, "beta_1": 0.99, "epsilon": 0.1}


def _images(size, seed=0):
    rng = np.random.default_rng(seed)
    # Smooth random images: closer to photos than white noise.
    small = rng.uniform(0, 1, (1, size // 16, size // 16, 3)).astype(np.float32)
    content = tf.image.resize(small, (size, size), method="bicubic")[0]
    style = tf.image.resize(rng.uniform(0, 1, (1, 8, 8, 3)).astype(np.float32), (size, size))[0]
    return tf.clip_by_value(content, 0, 1), tf.clip_by_value(style, 0, 1)


def _model(size, vgg_weights, jit_compile=False):
    content, style = _images(size)
    model = GatysStyleTransfer((size, size), style_weight=1e3, vgg_weights=vgg_weights)
    model.set_targets(content=content, styles=[style])
    model.initialize_image("content", content=content)
    model.compile(optimizer=keras.optimizers.Adam(**TUTORIAL_ADAM), jit_compile=jit_compile)
    return model


def vgg_forward_backward_seconds(size, vgg_weights, jit_compile=False, repeats=5):
    """The baseline: gradient of a scalar of the same VGG taps w.r.t. one image."""
    layers = list(DEFAULT_CONTENT_LAYERS) + list(DEFAULT_STYLE_LAYERS)
    vgg = VGGFeatures(layers, weights=vgg_weights, pooling="avg")
    image = tf.random.uniform((1, size, size, 3))

    @tf.function(jit_compile=jit_compile)
    def forward_backward(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            total = tf.add_n([tf.reduce_sum(f) for f in vgg(x).values()])
        return tape.gradient(total, x)

    return time_call(lambda: forward_backward(image), repeats=repeats)


def step_seconds(size, vgg_weights, jit_compile=False, repeats=5):
    """Seconds per Adam step, per L-BFGS iteration and per L-BFGS evaluation."""
    model = _model(size, vgg_weights, jit_compile)
    adam_step = tf.function(model.train_step, jit_compile=jit_compile)
    adam = time_call(lambda: adam_step(None), repeats=repeats)
    # The first iterations line-search harder; time a window after a warm-up run.
    model.minimize_lbfgs(10, jit_compile=jit_compile)
    start = time.perf_counter()
    result = model.minimize_lbfgs(repeats * 2, jit_compile=jit_compile)
    seconds = time.perf_counter() - start
    iterations, evaluations = max(result["iterations"], 1), max(result["evaluations"], 1)
    return {
        "adam_s_per_step": adam,
        "lbfgs_s_per_iteration": seconds / iterations,
        "lbfgs_s_per_evaluation": seconds / evaluations,
        "lbfgs_evaluations_per_iteration": evaluations / iterations,
    }


def lbfgs_vs_adam(size, vgg_weights, adam_steps=500, jit_compile=False):
    """Time for Adam to do `adam_steps`, and for L-BFGS to reach Adam's final loss."""
    model = _model(size, vgg_weights, jit_compile)
    adam_step = tf.function(model.train_step, jit_compile=jit_compile)
    adam_step(None)["loss"].numpy()  # the first step traces: outside the clock
    start = time.perf_counter()
    for _ in range(adam_steps - 1):
        adam_step(None)
    adam_loss = float(model.compute_objective(model.image)[0])
    adam_time = time.perf_counter() - start

    model = _model(size, vgg_weights, jit_compile)
    start_image = model.image.numpy()
    model.minimize_lbfgs(1, jit_compile=jit_compile)  # trace outside the clock
    model.image.assign(start_image)
    reached = {}
    start = time.perf_counter()

    def stop_when_reached(iteration, logs):
        if logs["loss"] <= adam_loss:
            reached.update(iteration=iteration, seconds=time.perf_counter() - start)
            return True
        return False

    model.minimize_lbfgs(adam_steps, callback=stop_when_reached, jit_compile=jit_compile)
    return {
        "adam_steps": adam_steps,
        "adam_seconds": adam_time,
        "adam_final_loss": adam_loss,
        "lbfgs_iterations_to_match": reached.get("iteration"),
        "lbfgs_seconds_to_match": reached.get("seconds"),
        "lbfgs_time_ratio": (reached["seconds"] / adam_time) if reached else None,
    }
