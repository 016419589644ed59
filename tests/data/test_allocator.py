"""The allocator setting TensorFlow's generator datasets leave behind is undone."""

import ctypes
import sys

import pytest

from tfstyle.data.allocator import restore_malloc_thresholds

_BUFFER = 2 << 20  # a 2 MB activation: over the patched threshold, under the restored


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
        ).split()
    ]


def _libc():
    libc = ctypes.CDLL("libc.so.6")
    if not hasattr(libc, "mallinfo2"):  # glibc < 2.33
        pytest.skip("glibc without mallinfo2")
    libc.mallinfo2.restype = _MallInfo2
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def _mmapped_bytes_of_one_buffer(libc):
    """Bytes glibc mmap'ed (rather than took from the heap) to serve one buffer."""
    before = libc.mallinfo2().hblkhd
    pointer = libc.malloc(_BUFFER)
    try:
        return libc.mallinfo2().hblkhd - before
    finally:
        libc.free(pointer)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_large_buffers_come_from_the_heap_again_after_the_generator_patch():
    # What `from_generator`'s first element leaves (trim threshold set, which freezes
    # the mmap threshold at 128 KB): every buffer over 128 KB is mmap'ed and unmapped
    # when freed, so each step faults its activations in again page by page. Both are
    # set here so that an earlier restore in this process does not hide it. (Counted
    # with mallinfo2, not page faults: sandboxed kernels may not count minor faults.)
    libc = _libc()
    libc.mallopt(-3, 128 * 1024)
    libc.mallopt(-1, 128 * 1024)
    assert _mmapped_bytes_of_one_buffer(libc) >= _BUFFER
    assert restore_malloc_thresholds()
    assert _mmapped_bytes_of_one_buffer(libc) == 0
