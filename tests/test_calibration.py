"""The no-policy world reproduces the pre-2021 moments (model/world/data/calibration_targets.csv, the
moments of shared/data/README.md), each within a stated tolerance, on seeds the fit did not use."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.world.calibrate import FIT_SEEDS, mean_moments, targets
from model.world.parameters import DATA_DIR

CHECK_SEEDS = (101, 102)
# Tolerance: the target's acceptable range [low, high] as calibration_targets.csv states it.


@pytest.fixture(scope="module")
def moments() -> dict[str, float]:
    assert not set(CHECK_SEEDS) & set(FIT_SEEDS)
    return mean_moments(seeds=CHECK_SEEDS)


@pytest.mark.parametrize("name", sorted(targets()))
def test_moment_within_tolerance(moments, name):
    target = targets()[name]
    assert target.low <= moments[name] <= target.high, (
        f"{name} = {moments[name]:.4f}, expected {target.low}..{target.high} ({target.source})"
    )


SHARED_TARGETS = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.mark.skipif(not SHARED_TARGETS.is_dir(), reason="no shared/data beside the project")
def test_the_shipped_targets_equal_the_shared_ones():
    shipped = DATA_DIR / "calibration_targets.csv"
    assert shipped.read_bytes() == (SHARED_TARGETS / "calibration_targets.csv").read_bytes()
