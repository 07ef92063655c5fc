"""Keep the C allocator from handing every large temporary array back to the kernel.

A month of a large economy makes hundreds of short-lived arrays of a few
megabytes each (one float per purchase edge is 4 MB at 10^5 households and
40 MB at 10^6). glibc's ``malloc`` serves blocks above its *mmap threshold*
with a fresh ``mmap`` and returns them with ``munmap`` on ``free``, and gives
the top of its heap back to the kernel once more than the *trim threshold* is
free there. Either way the next array of that size lands on pages the kernel
must fault in and zero again: at 10^5 households that doubled the CPU time of
a month, and at 10^6 a third of the run was spent in the kernel.

:func:`tune_allocator` raises both thresholds once per process (through
``mallopt``), so freed arrays are reused from the heap. Results do not change;
the price is that the process keeps up to :data:`TRIM_THRESHOLD` bytes of freed
heap mapped instead of returning it at once, which does not raise its peak
memory (the arrays were live at the peak anyway).

It only acts where glibc is the C library (Linux); elsewhere it does nothing.
Set the environment variable ``SOLSIM_TUNE_MALLOC=0`` to leave the allocator
alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TRIM_THRESHOLD", "tune_allocator"]

#: Blocks below this size come from the heap, not from their own ``mmap``.
MMAP_THRESHOLD = 256 * 1024 * 1024
#: Free memory at the top of the heap above this size is returned to the kernel.
TRIM_THRESHOLD = 512 * 1024 * 1024

# mallopt parameter numbers, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_tuned: bool | None = None


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds once per process.

    Returns
    -------
    bool
        True when the thresholds are (or were already) raised; False where the
        C library is not glibc, or ``SOLSIM_TUNE_MALLOC=0``.
    """
    global _tuned
    if _tuned is not None:
        return _tuned
    _tuned = False
    if not sys.platform.startswith("linux") or os.environ.get("SOLSIM_TUNE_MALLOC", "1") == "0":
        return _tuned
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return _tuned
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # Setting a threshold explicitly also switches off glibc's own adjustment of it.
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    return _tuned
