"""The no-policy world reproduces the pre-2021 moments (model/world/data/calibration_targets.csv, the
moments of shared/data/README.md), each within a stated tolerance, on seeds the fit did not use."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.errors import InputError
from model.world import parameters
from model.world.calibrate import FIT_SEEDS, mean_moments, targets
from model.world.datafiles import DATA_DIR

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


@pytest.fixture
def fresh_base_rates(monkeypatch):
    """base_rates() re-read on the next call, during the test and after it."""
    parameters.base_rates.cache_clear()
    yield monkeypatch
    parameters.base_rates.cache_clear()


@pytest.mark.parametrize(
    ("edit", "problem", "name"),
    [
        (
            lambda rows: [r for r in rows if not r.startswith("reentry_share,")],
            "missing",
            "reentry_share",
        ),
        (
            lambda rows: [*rows, "reentry_shares,1,1,1,share,assumption"],
            "unknown",
            "reentry_shares",
        ),
        (lambda rows: [*rows, rows[-1]], "repeated", "fidelity_without_implementation"),
    ],
)
def test_base_rates_csv_and_class_agree(fresh_base_rates, tmp_path, edit, problem, name):
    rows = (DATA_DIR / "base_rates.csv").read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "base_rates.csv"
    broken.write_text("\n".join(edit(rows)) + "\n", encoding="utf-8")
    fresh_base_rates.setattr(parameters, "BASE_RATES_FILE", broken)
    with pytest.raises(InputError, match=rf"base_rates.csv: {problem} base rate\(s\) {name}$"):
        parameters.base_rates()


def test_an_unknown_override_is_an_error():
    with pytest.raises(InputError, match="unknown base rate.*entry_rate$"):
        parameters.run_rates(None, {"entry_rate": 0.1})
