"""How this process gets memory for its arrays: set once, on import of the population.

A month of the model frees and allocates the same large working arrays (a few MB to tens of MB
each) over and over. By default each such array is a fresh mapping from the kernel: every page is
faulted in and zeroed anew, and on a machine where page faults are dear that system time is a
large, variable part of a run. Both settings below keep freed memory in the process for the next
array instead. MALLOC_MMAP_THRESHOLD_ in the environment keeps glibc's own settings.
"""

from __future__ import annotations

import ctypes
import os
import platform

from numpy._core.multiarray import _set_madvise_hugepage

# glibc's mallopt parameters (malloc.h) and the values set. Arrays below MMAP_THRESHOLD come from
# the heap, and the heap keeps up to TRIM_THRESHOLD free at its top. glibc's own default raises the
# threshold only up to 32 MB as arrays are freed, and trims at twice it. Measured on the 2-core
# benchmark machine (2026-11-30, `benchmarks.benchmark` and a batch at scale 200): page faults of a
# full-scale run 185-201 k -> 135 k (peak +22 MB); of 50 pairs of runs at scale 200 in stacks,
# 223-243 k -> 124-125 k (peak the same, 627-634 MB; at 1 GB with no trim, +65 MB).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 64 << 20
TRIM_THRESHOLD_BYTES = 64 << 20


def configure() -> None:
    """Small pages for numpy's arrays and glibc's malloc thresholds (see the module's text)."""
    _small_pages()
    _keep_freed_arrays()


def _small_pages() -> None:
    """Ask numpy not to back large arrays with transparent huge pages (its default on Linux with
    THP set to `madvise`), unless NUMPY_MADVISE_HUGEPAGE says otherwise. The columns and the
    month's working arrays are touched once and freshly allocated over and over; faulting in
    2 MB pages (zeroed, compacted) costs more here than their fewer TLB misses save: measured on
    the 2-core machine of the benchmark, a full-scale run took 4.5-4.8 s of CPU with small pages
    and 5.4-5.7 s with huge pages (numpy 2.5, Linux 6.18). numpy.org/doc/stable/reference/
    global_state.html names the variable; the switch below is the one numpy sets it with."""
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        _set_madvise_hugepage(False)


def _keep_freed_arrays() -> None:
    """glibc's mallopt (man 3 mallopt), unless MALLOC_MMAP_THRESHOLD_ is set (glibc reads it at
    start: the user's own choice); nothing on another C library. It overrides the
    MALLOC_TRIM_THRESHOLD_ of 64 kB Dask's nanny gives its workers, which alone switches off glibc's
    adaptive threshold (every large array mapped afresh: +0.4 s of system time per run at the
    default scale, measured when the local workers ran with it)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
