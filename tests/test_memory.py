"""The process keeps freed working arrays for the next ones (model.world.memory): an array freed
and allocated again is not faulted in anew, in a Dask worker too (its nanny sets glibc's trim
threshold), unless the environment sets glibc's mmap threshold."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ARRAY_MB = 40  # above glibc's own largest threshold (32 MB), below the one set (64 MB)

_REFAULTS = f"""
import resource
import numpy as np
import model.world.population  # sets the process's memory settings, as the model does
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones({ARRAY_MB} << 17)  # float64: {ARRAY_MB} MB, freed at once
before = faults()
np.ones({ARRAY_MB} << 17)
print(faults() - before)
"""


def _refaults(environment: dict[str, str]) -> int:
    """Page faults of an array allocated again after one of its size was freed, in a fresh
    interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", _REFAULTS],
        env={**os.environ, **environment},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_a_freed_array_is_reused_unless_the_environment_sets_the_threshold():
    pages = (ARRAY_MB << 20) // os.sysconf("SC_PAGE_SIZE")
    assert _refaults({}) < pages // 10
    assert _refaults({"MALLOC_TRIM_THRESHOLD_": str(64 << 10)}) < pages // 10  # Dask's nanny's
    assert _refaults({"MALLOC_MMAP_THRESHOLD_": str(128 << 10)}) >= pages // 2
