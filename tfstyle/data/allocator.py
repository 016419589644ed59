"""Undoing a side effect of `tf.data.Dataset.from_generator` on the C allocator.

The first element of a generator dataset makes TensorFlow call glibc's
`mallopt(M_TRIM_THRESHOLD, 128 KB)` (it logs "Memory patch applied"). Setting any
threshold turns off glibc's dynamic mmap threshold, so from then on every buffer over
128 KB is mmap'ed and returned to the kernel when freed: each training step faults its
activations and gradients in again, page by page. On a 2-core AVX2 machine that doubled
MUNIT's step (2.8 s -> 1.4 s at 128 px with the thresholds restored) and showed as half
the CPU time in the kernel. The folder pipelines decode with Pillow in a generator (so
a bad file can be replaced in place), hence every folder-fed run was affected.
"""

import ctypes
import ctypes.util
import sys

# glibc's malloc.h parameters.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# The ceiling glibc's dynamic threshold grows to on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX):
# buffers up to it are reused from the heap, as before the patch; larger ones are
# still mmap'ed. The trim threshold is twice it, as glibc's dynamic rule sets it.
MMAP_THRESHOLD = 32 * 1024 * 1024


def restore_malloc_thresholds():
    """Sets glibc's mmap and trim thresholds to what its dynamic rule reaches for large
    buffers. Returns True where it applied (glibc), False elsewhere (macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    done = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD) == 1 and done
