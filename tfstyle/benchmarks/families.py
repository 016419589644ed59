"""Benchmarks of the N-style, AdaIN and MetaNet networks.

Every figure comes with a baseline measured in the same run: the Johnson training step
at the same batch and size for training steps (`johnson.train_step_seconds`), the
Johnson paper network for inference latency, and the VGG forward pass inside MetaNet's
network generation.
"""

import os
import tempfile

import keras
import numpy as np
import tensorflow as tf

from tfstyle.benchmarks.common import time_call
from tfstyle.benchmarks.johnson import _batch, export_network, inference_latency
from tfstyle.models.adain import AdaINStyleTransfer
from tfstyle.models.cin import ConditionalStyleTransfer
from tfstyle.models.johnson import TransformerNet
from tfstyle.models.metanet import MetaNetStyleTransfer, MetaTransformerNet
from tfstyle.optimizers import Adam
from tfstyle.training.loop import train_step_function

NUM_STYLES = 4


def _policy(mixed):
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if mixed else "float32")
    keras.utils.set_random_seed(0)


def _step_seconds(model, batch, repeats):
    model.compile(optimizer=Adam(1e-3))
    step = train_step_function(model)
    seconds = time_call(lambda: step(batch), repeats=repeats, warmup=2)
    keras.mixed_precision.set_global_policy("float32")
    return seconds


def cin_step(vgg_weights, mixed, batch=4, size=256, repeats=3):
    _policy(mixed)
    model = ConditionalStyleTransfer(NUM_STYLES, vgg_weights=vgg_weights)
    model.build((None, size, size, 3))
    model.set_styles([np.asarray(_batch(size, 1, seed=s))[0] for s in range(NUM_STYLES)])
    data = {"image": _batch(size, batch), "style_index": tf.range(batch) % NUM_STYLES}
    return _step_seconds(model, data, repeats)


def adain_step(vgg_weights, mixed, batch=8, size=256, repeats=3):
    _policy(mixed)
    model = AdaINStyleTransfer(vgg_weights=vgg_weights)
    model.build()
    data = {"image": _batch(size, batch), "style": _batch(size, batch, seed=2)}
    return _step_seconds(model, data, repeats)


def metanet_step(vgg_weights, mixed, preset, batch=8, size=256, repeats=3):
    _policy(mixed)
    model = MetaNetStyleTransfer(MetaTransformerNet(preset), vgg_weights=vgg_weights)
    data = {"image": _batch(size, batch), "style": _batch(size, 1, seed=2)}
    return _step_seconds(model, data, repeats)


def generation(vgg_weights, preset, root, style_side=256, repeats=5):
    """MetaNet: time from a style image to a standalone network, and its sizes."""
    from export.metanet import generate

    keras.utils.set_random_seed(0)
    model = MetaNetStyleTransfer(MetaTransformerNet(preset), vgg_weights=vgg_weights)
    style = np.asarray(_batch(style_side, 1, seed=3))[0]
    net, seconds = generate(model, style, repeats=repeats)
    features = tf.function(model.style_features)
    vgg_seconds = time_call(lambda: features(tf.constant(style[None])), repeats=repeats)
    run, folder = export_network(net, f"metanet_{preset}", root, formats=("tflite", "onnx"))
    sizes = {
        name: os.path.getsize(os.path.join(folder, name))
        for name in ("tflite/model_float32.tflite", "tflite/model_float16.tflite", "model.onnx")
    }
    return {
        "preset": preset,
        "generate_s": seconds,
        "vgg16_features_s": vgg_seconds,
        "meta_parameters": int(model.meta.count_params()),
        "generated_parameters": int(sum(net.group_sizes)),
        "network_parameters": int(net.count_params()),
        "bytes": sizes,
        "run": run,
        "export": folder,
    }


def cin_inference(root, sizes):
    keras.utils.set_random_seed(0)
    net = TransformerNet.from_preset(
        "paper", normalization="conditional_instance", num_styles=NUM_STYLES
    )
    net.build([(None, None, None, 3), (None, NUM_STYLES)])
    run, folder = export_network(net, "cin", root)
    weights = np.full((1, NUM_STYLES), 1.0 / NUM_STYLES, np.float32)
    return inference_latency(folder, run, sizes, bind=lambda s: s.bind(style_weights=weights))


def adain_inference(vgg_weights, root, sizes):
    """Latency with a cached style (statistics computed once) and one-shot, per format."""
    keras.utils.set_random_seed(0)
    model = AdaINStyleTransfer(vgg_weights=vgg_weights)
    model.build()
    run, folder = export_network(model, "adain", root)
    style = np.asarray(_batch(256, 1, seed=3))
    stats = {k: v.numpy() for k, v in model.style_statistics(style).items()}
    alpha = np.ones(1, np.float32)

    def cached(stylizer):
        if "stylize_with_statistics" in stylizer.endpoints:
            return stylizer.bind("stylize_with_statistics", **stats, alpha=alpha)
        return None

    def one_shot(stylizer):
        if "style" in stylizer.endpoints.get("serving_default", ()):
            return stylizer.bind(style=style, alpha=alpha)
        return None

    return {
        "cached_style": inference_latency(
            folder, run, sizes, bind=cached, endpoint="stylize_with_statistics"
        ),
        "one_shot_256px_style": inference_latency(folder, run, sizes, bind=one_shot),
    }


def johnson_inference(root, sizes):
    keras.utils.set_random_seed(0)
    net = TransformerNet.from_preset("paper")
    net.build((None, None, None, 3))
    run, folder = export_network(net, "johnson_paper", root)
    return inference_latency(folder, run, sizes)


def best(rows, size):
    """(path, seconds) of the fastest artefact at `size`."""
    timed = [(r["path"], r.get(f"{size}px_s")) for r in rows if r.get(f"{size}px_s")]
    return min(timed, key=lambda t: t[1]) if timed else (None, None)


def workdir():
    return tempfile.mkdtemp(prefix="tfstyle-bench-")
