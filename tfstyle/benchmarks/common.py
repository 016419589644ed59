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


SPEED_FLAGS = (
    "avx2",
    "fma",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "amx_bf16",
    "amx_int8",
)


def cpu_description():
    """What decides speed here: the CPU model, its SIMD flags as oneDNN may use them
    (`ONEDNN_MAX_CPU_ISA` honoured), the cap itself, the core count, and a kind."""
    from tfstyle.precision import cpu_flags, native_bf16_cpu, onednn_isa_cap

    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    flags, cap = cpu_flags(), onednn_isa_cap()
    avx512 = "avx512f" in flags and (cap is None or "512" in cap or "AVX10" in cap)
    kind = "AVX-512" if avx512 else "AVX2" if "avx2" in flags else "other"
    if native_bf16_cpu():
        kind += " + native bfloat16" + (" (AMX)" if "amx_bf16" in flags else "")
    if cap:
        kind += f" (oneDNN capped at {cap})"
    return {
        "model": model,
        "flags": [f for f in SPEED_FLAGS if f in flags],
        "onednn_max_cpu_isa": cap,
        "cores": os.cpu_count(),
        "kind": kind,
    }


def peak_rss_mb():
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_models(specs):
    """["label=path", ...] -> [(label, path)]; a bare path is labelled by its folder
    (`pretrained:NAME` by its name)."""
    from tfstyle.assets import resolve_model

    models = []
    for spec in specs:
        label, _, path = spec.rpartition("=") if "=" in spec else ("", "", spec)
        label = label or os.path.splitext(os.path.basename(os.path.normpath(path)))[0]
        if not os.path.exists(resolve_model(path)):
            raise InvalidArgumentError(f"--models: '{path}' does not exist")
        models.append((label, path))
    return models
