"""The allocator setting TensorFlow's generator datasets leave behind is undone."""

import subprocess
import sys

import pytest

import tfstyle.data.allocator

# Run in a fresh interpreter: in a long-lived one (the test session) a 2 MB request is
# often served from a free chunk of the grown heap whatever the thresholds say, and
# glibc's mmap threshold only applies where the heap cannot serve a request.
_CHECK = """
import ctypes, importlib.util, sys

spec = importlib.util.spec_from_file_location("allocator", sys.argv[1])
allocator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(allocator)


class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


libc = ctypes.CDLL("libc.so.6")
if not hasattr(libc, "mallinfo2"):  # glibc < 2.33
    print("skip")
    sys.exit()
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]


def mmapped_bytes_of_one_buffer(size=2 << 20):
    before = libc.mallinfo2().hblkhd
    pointer = libc.malloc(size)
    try:
        return libc.mallinfo2().hblkhd - before
    finally:
        libc.free(pointer)


# What `from_generator`'s first element leaves (M_TRIM_THRESHOLD set, which freezes
# the mmap threshold at 128 KB), then the restore.
libc.mallopt(-3, 128 * 1024)
libc.mallopt(-1, 128 * 1024)
patched = mmapped_bytes_of_one_buffer()
applied = allocator.restore_malloc_thresholds()
print(patched, applied, mmapped_bytes_of_one_buffer())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_large_buffers_come_from_the_heap_again_after_the_generator_patch():
    """Patched, a 2 MB activation is mmap'ed (and unmapped when freed, so each training
    step faults it in again page by page); restored, it comes from the heap. Counted
    with mallinfo2 (mmap'ed bytes), not page faults, which sandboxed kernels may not
    count."""
    result = subprocess.run(
        [sys.executable, "-c", _CHECK, tfstyle.data.allocator.__file__],
        capture_output=True,
        text=True,
        check=True,
    )
    if result.stdout.strip() == "skip":
        pytest.skip("glibc without mallinfo2")
    patched, applied, restored = result.stdout.split()
    assert int(patched) >= 2 << 20 and applied == "True" and int(restored) == 0, result.stdout
