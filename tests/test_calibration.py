"""The no-policy world reproduces the pre-2021 moments (model/world/data/calibration_targets.csv, the
moments of shared/data/README.md), each within a stated tolerance, on seeds the fit did not use;
the entry trends are the fits of the registered stocks of the past (stock_history.csv); moments
that echo an input are not fitted."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from model.errors import InputError
from model.world import parameters
from model.world.calibrate import (
    FIT_SEEDS,
    echoes,
    fitted_targets,
    mean_moments,
    residuals,
    targets,
)
from model.world.datafiles import DATA_DIR, csv_rows

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


def _least_squares_slope(x: list[float], y: list[float]) -> float:
    mean_x, mean_y = sum(x) / len(x), sum(y) / len(y)
    return sum((a - mean_x) * (b - mean_y) for a, b in zip(x, y, strict=True)) / sum(
        (a - mean_x) ** 2 for a in x
    )


def test_the_pre_2021_entry_trend_is_the_fit_of_the_shanxi_history():
    """Recomputed from stock_history.csv: log of registered private enterprises + individual
    businesses against the year, least squares over every year the file gives."""
    stock: dict[int, float] = {}
    for row in csv_rows(DATA_DIR / "stock_history.csv"):
        if row["region"] == "shanxi":
            year = int(row["date"][:4])
            stock[year] = stock.get(year, 0.0) + float(row["value"])
    assert len(stock) >= 3  # a multi-year history, not one year-on-year change
    years = sorted(stock)
    slope = _least_squares_slope(years, [math.log(stock[year]) for year in years])
    fitted = parameters.base_rates().entry_trend_pre_2021_per_year.value
    assert fitted == pytest.approx(math.expm1(slope), rel=1e-4)


def test_the_entry_trend_from_2021_slows_toward_the_national_pace():
    """Between the last national year-on-year pace (2023-09 -> 2024-09, observed_post2020.csv)
    and the pre-2021 trend: the national slowdown after 2020 is taken in."""
    national = {
        row["date"]: float(row["value"])
        for row in csv_rows(DATA_DIR / "stock_history.csv")
        if row["region"] == "china"
    }
    last_pace = national["2024-09-30"] / national["2023-09-30"] - 1
    rates = parameters.base_rates()
    trend = rates.entry_trend_per_year.value
    assert last_pace < trend < rates.entry_trend_pre_2021_per_year.value


def test_moments_that_echo_an_input_are_reported_but_not_fitted():
    echoed = set(echoes())
    assert echoed == {
        "individual_share_of_entities",
        "persons_per_individual_business",
        "persons_per_new_small_firm",
    }
    assert set(echoes().values()) <= set(parameters.NAMES)
    assert echoed <= set(targets()) and not echoed & set(fitted_targets())
    assert len(residuals(dict.fromkeys(targets(), 0.0))) == len(targets()) - len(echoed)
