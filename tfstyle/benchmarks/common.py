"""Shared measuring tools: the machine's matmul peak, timing, peak memory."""

import os
import resource
import time

import numpy as np
import tensorflow as tf

from tfstyle.errors import InvalidArgumentError


def time_call(fn, repeats=5, warmup=1):
    """Median wall time of `fn()` over `repeats` calls after `warmup` calls."""
    for _ in range(warmup):
        _block(fn())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _block(fn())
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _block(result):
    # Force asynchronous TF work to finish before the clock stops.
    for value in tf.nest.flatten(result):
        if hasattr(value, "numpy"):
            value.numpy()


def matmul_peak(n=4096, dtype=tf.float32, repeats=5):
    """Measured GFLOP/s of an n x n matmul: the practical peak of this machine."""
    a = tf.random.uniform((n, n), dtype=tf.float32)
    b = tf.random.uniform((n, n), dtype=tf.float32)
    a, b = tf.cast(a, dtype), tf.cast(b, dtype)
    matmul = tf.function(lambda: tf.matmul(a, b))
    seconds = time_call(matmul, repeats=repeats)
    return 2 * n**3 / seconds / 1e9


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_models(specs):
    """["label=path", ...] -> [(label, path)]; a bare path is labelled by its folder."""
    models = []
    for spec in specs:
        label, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
        label = label or os.path.splitext(os.path.basename(os.path.normpath(path)))[0]
        if not os.path.exists(path):
            raise InvalidArgumentError(f"--models: '{path}' does not exist")
        models.append((label, path))
    return models
