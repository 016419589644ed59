"""Keras-only fast kernels: a switch that network code reads while it is traced.

Inside `fused_kernels()` instance norm runs as one fused batch-norm kernel per image
(`tfstyle.layers.normalization`) and mirror padding as slices and one concatenation
(`tfstyle.ops.pad`), forms with no TFLite or ONNX equivalent (or a
slower one) that are faster in TensorFlow itself. Keras inference, the bfloat16
SavedModel and every training step trace their networks inside it; the other exports
trace outside it and keep the plain ops.
"""

import contextlib
import threading

# per thread: MirroredStrategy traces each replica's step in a thread of its own, which
# enter and leave the context at their own times
_state = threading.local()


@contextlib.contextmanager
def fused_kernels():
    """Context manager: networks traced inside it take the fast Keras-only kernels
    (`tfstyle.layers.normalization`, `tfstyle.ops.pad`)."""
    outer, _state.on = getattr(_state, "on", False), True
    try:
        yield
    finally:
        _state.on = outer


def fused_kernels_on():
    """Whether the current thread is inside `fused_kernels`."""
    return getattr(_state, "on", False)
