"""The allocator setting TensorFlow's generator datasets leave behind is undone."""

import ctypes
import resource
import sys

import numpy as np
import pytest

from tfstyle.data.allocator import restore_malloc_thresholds


def _page_faults_of_large_buffers(count=40, size=2 << 20):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(count):
        buffer = np.ones(size, np.uint8)  # touched: every page is faulted in if fresh
        del buffer
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_large_buffers_are_reused_again_after_the_generator_patch():
    # A fresh process (mmap threshold 128 KB) after `from_generator`'s first element set
    # the trim threshold ("Memory patch applied"), which freezes the mmap threshold
    # there. Both are set, so that an earlier restore in this process does not hide it.
    libc = ctypes.CDLL("libc.so.6")
    libc.mallopt(-3, 128 * 1024)
    libc.mallopt(-1, 128 * 1024)
    patched = _page_faults_of_large_buffers()
    assert restore_malloc_thresholds()
    _page_faults_of_large_buffers(2)  # the heap grows once to hold a buffer
    restored = _page_faults_of_large_buffers()
    # 40 buffers of 2 MB are 20,480 fresh pages when each is mmap'ed and unmapped.
    assert patched > 10_000 and restored < patched / 20, (patched, restored)
