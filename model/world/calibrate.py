"""Calibration of the no-policy world: the entry trends from the registered stocks of the past, then
the base rates fitted so that a run without any lever reproduces the pre-2021 moments of
model/world/data/calibration_targets.csv (copied from shared/data, with sources).

Entry trends (`entry_trends`): fitted to model/world/data/stock_history.csv, see their rows of
base_rates.csv. Moments: weighted least squares (scipy.optimize.least_squares) over the fitted
parameters, relative to their base values. Each residual is (measured - target) / half the
target's acceptable range, steeper outside MARGIN of it, measured on 2021 runs of the model itself
at FIT_SCALE averaged over FIT_SEEDS (common random numbers keep the objective smooth enough for
finite differences). Moments that echo an input (echo_moments.csv) and moments reported beside
the model's (reported_moments.csv) are measured and printed, not fitted. The result is written to
model/world/data/calibrated.csv, which model/world/parameters.py applies over base_rates.csv.

    uv run python -m model.world.calibrate          # refit and write calibrated.csv (about a minute)
"""

from __future__ import annotations

import csv
import sys
from datetime import date
from functools import cache

import numpy as np
from scipy.optimize import brentq, least_squares

from model.defaults import DEFAULT_UNTIL, START_YEAR
from model.world.clock import month_index
from model.world.datafiles import DATA_DIR, csv_rows
from model.world.estimate import Estimate
from model.world.kinds import ENTERPRISE_KINDS, GONE, INDIVIDUAL, INDUCED, OPERATING, REENTRANT
from model.world.model import DoublingModel, employees_at_median_new_revenue
from model.world.parameters import CALIBRATED_FILE, base_rates

FITTED = (
    "entry_rate_per_year",
    "failure_scale_enterprise",
    "failure_scale_enterprise_peak",
    "failure_scale_enterprise_old",
    "failure_scale_individual",
    "dormant_exit_first_year_per_month",
    "dormant_exit_per_month",
    "revocation_hazard_per_month",
    "never_open_share",
    "open_first_month_share",
    "open_hazard_per_month",
)
FIT_SCALE = 10.0
FIT_SEEDS = (2020, 2021)  # moments are averaged over these seeds (common random numbers)
STOCK_HISTORY = DATA_DIR / "stock_history.csv"
SHANXI_STOCK = ("private_enterprises", "individual_businesses")  # summed at each of their dates


@cache
def targets() -> dict[str, Estimate]:
    """The moments to reproduce: moment name -> target value with its acceptable range, source."""
    return {
        row["moment"]: Estimate(
            float(row["value"]), float(row["low"]), float(row["high"]), row["source"]
        )
        for row in csv_rows(DATA_DIR / "calibration_targets.csv")
    }


@cache
def echoes() -> dict[str, str]:
    """Target moments that return an input (moment -> that parameter): reported, not fitted."""
    return {row["moment"]: row["echoes"] for row in csv_rows(DATA_DIR / "echo_moments.csv")}


def fitted_targets() -> dict[str, Estimate]:
    """The targets the fit counts: all but the echoes."""
    return {name: target for name, target in targets().items() if name not in echoes()}


@cache
def reported() -> dict[str, dict[str, str]]:
    """Moments measured and printed beside a published value, neither input nor target."""
    return {row["moment"]: row for row in csv_rows(DATA_DIR / "reported_moments.csv")}


# --- entry trends --------------------------------------------------------------------------------


def _decimal_year(text: str) -> float:
    """'2020-09-30' -> 2020.75: the end of that day, in years."""
    day = date.fromisoformat(text)
    first, next_first = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    return day.year + ((day - first).days + 1) / (next_first - first).days


def _stock_series(region: str, measures: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Dates (in years) and the registered stock of `region`, summed over `measures`, by date."""
    totals: dict[float, float] = {}
    for row in csv_rows(STOCK_HISTORY):
        if row["region"] == region and row["measure"] in measures:
            when = _decimal_year(row["date"])
            totals[when] = totals.get(when, 0.0) + float(row["value"])
    dates = np.array(sorted(totals))
    return dates, np.array([totals[when] for when in dates])


def _log_trend(dates: np.ndarray, stock: np.ndarray) -> float:
    """Slope of the least-squares line of log stock on the date: log growth per year."""
    return float(np.polyfit(dates, np.log(stock), 1)[0])


def entry_trends() -> dict[str, float]:
    """Growth of registrations per year before 2021 and from 2021 on (assumption: registrations
    grow with the registered stock, as in balanced growth; the national series counts stocks).

    Before 2021: the log-linear trend of Shanxi's registered private enterprises + individual
    businesses. From 2021: Shanxi keeps that trend relative to the national trend before 2021,
    while the national stock slows as observed (log growth between successive observations, the
    last held on); as one constant rate, the one giving the same registrations from 2021-01 to
    DEFAULT_UNTIL (events.register applies a constant trend).
    """
    shanxi = _log_trend(*_stock_series("shanxi", SHANXI_STOCK))
    dates, stock = _stock_series("china", ("market_entities_total",))
    before = dates < START_YEAR
    national = _log_trend(dates[before], stock[before])
    pace = np.diff(np.log(stock)) / np.diff(dates)
    months = np.arange(month_index(DEFAULT_UNTIL) + 1)
    interval = np.searchsorted(dates, START_YEAR + (months + 0.5) / 12, side="right") - 1
    growth = shanxi * pace[np.minimum(interval, len(pace) - 1)] / national  # by month
    level = np.concatenate([[0.0], np.cumsum(growth[:-1]) / 12])  # log registrations vs 2021-01
    same_total = np.exp(level).sum()
    constant = brentq(
        lambda rate: np.exp(rate * months / 12).sum() - same_total, growth.min(), growth.max()
    )
    return {
        "entry_trend_per_year": float(np.expm1(constant)),
        "entry_trend_pre_2021_per_year": float(np.expm1(shanxi)),
    }


# --- moments -------------------------------------------------------------------------------------


def mean_moments(
    parameters: dict[str, float] | None = None,
    seeds: tuple[int, ...] = FIT_SEEDS,
    scale: float = FIT_SCALE,
) -> dict[str, float]:
    """Moments averaged over runs with `seeds`."""
    runs = [measure_moments(parameters, seed=seed, scale=scale) for seed in seeds]
    return {name: float(np.mean([run[name] for run in runs])) for name in runs[0]}


def measure_moments(
    parameters: dict[str, float] | None = None, *, seed: int, scale: float = FIT_SCALE
) -> dict[str, float]:
    """Run the no-policy world through 2022-01 and measure every calibration moment."""
    model = DoublingModel(
        seed=seed, scale=scale, until="2022-01", uncertainty=False, parameters=parameters
    )
    start = model.report
    model.step()  # 2021-01
    first_cohort = _base_cohort(model, born=0)
    operating_first_month = _share(model.pop.status[first_cohort] == OPERATING)
    registrations = model.report["new_registered"]
    for _ in range(11):
        model.step()
        registrations += model.report["new_registered"]
    end_2021 = model.report
    model.step()  # 2022-01: the 2021-01 cohort is 12 months old
    pop, v = model.pop, model.rates
    rows = slice(0, pop.n)
    born, kind, status, exit_month = pop.born[rows], pop.kind[rows], pop.status[rows], pop.due[rows]
    exited_2021 = (status == GONE) & (exit_month <= 11)
    enterprise = np.isin(kind, ENTERPRISE_KINDS)
    moments = {
        "registered_growth_per_year": end_2021["n_registered"] / start["n_registered"] - 1,
        "net_to_new_ratio": (end_2021["n_registered"] - start["n_registered"]) / registrations,
        "operating_share_of_registered": end_2021["n_operating"] / end_2021["n_registered"],
        "new_registrations_operating_after_12_months": _share(
            status[_base_cohort(model, born=0)] == OPERATING
        ),
        "new_registrations_operating_in_first_month": operating_first_month,
        "enterprise_exit_hazard_year_1": _exit_rate(enterprise & (born >= 0), exited_2021),
        "individual_exits_per_new_registration": (
            np.count_nonzero(exited_2021 & (kind == INDIVIDUAL))
            / np.count_nonzero((born >= 0) & (born <= 11) & (kind == INDIVIDUAL))
        ),
        "individual_share_of_entities": start["n_individual"] / start["n_registered"],
        "persons_per_individual_business": v.employees_individual,
        "persons_per_new_small_firm": _persons_at_opening(model),
    }
    age_years = (-1 - born) // 12  # completed years at the start of 2021
    for name, ages in (
        ("enterprise_exit_hazard_year_2", [0]),
        ("enterprise_exit_hazard_year_3", [1]),
        ("enterprise_exit_hazard_years_4_to_7", [2, 3, 4, 5]),
    ):
        alive = enterprise & (born < 0) & np.isin(age_years, ages)
        moments[name] = _exit_rate(alive, exited_2021)
    moments["enterprise_age_share_under_5y"] = _share(age_years[enterprise & (born < 0)] < 5)
    return moments


def _base_cohort(model: DoublingModel, born: int) -> np.ndarray:
    """Rows registered in month `born` by the no-policy flow (not re-entrants or induced)."""
    pop = model.pop
    rows = np.flatnonzero(pop.born[: pop.n] == born)
    return rows[(pop.flags[rows] & (INDUCED | REENTRANT)) == 0]


def _share(mask: np.ndarray) -> float:
    return float(np.mean(mask)) if len(mask) else float("nan")


def _exit_rate(at_risk: np.ndarray, exited: np.ndarray) -> float:
    """Share of the entities at risk that left the register in 2021 (SAIC's conditional rate)."""
    return int(np.count_nonzero(at_risk & exited)) / max(int(np.count_nonzero(at_risk)), 1)


def _persons_at_opening(model: DoublingModel) -> float:
    """Mean persons of new enterprises of 2021, from their revenue at registration."""
    pop, v = model.pop, model.rates
    rows = np.flatnonzero((pop.born[: pop.n] >= 0) & np.isin(pop.kind[: pop.n], ENTERPRISE_KINDS))
    log_ratio = (
        pop.log_rev0[rows]
        + pop.growth[rows] * pop.born[rows] / 12.0
        - np.log(v.revenue_median_new_enterprise_yuan)
    )
    per_firm = employees_at_median_new_revenue(v) * np.exp(
        v.employment_revenue_elasticity * log_ratio
    )
    return float(per_firm.mean())


OUTSIDE_PENALTY = 10.0  # extra weight on the part of a miss that leaves the acceptable range
MARGIN = 0.8  # ... where the range is shrunk to this share, so that other seeds stay inside it


def residuals(moments: dict[str, float]) -> np.ndarray:
    """(measured - target) / half the acceptable range, for every fitted target, steeper outside
    it."""
    out = []
    for moment, t in fitted_targets().items():
        miss = moments[moment] - t.value
        bound = MARGIN * ((t.high - t.value) if miss > 0 else (t.value - t.low))
        outside = max(0.0, abs(miss) - bound) * np.sign(miss)
        out.append((miss + OUTSIDE_PENALTY * outside) / ((t.high - t.low) / 2))
    return np.array(out)


def fit(trends: dict[str, float], verbose: bool = True) -> dict[str, float]:
    """Fit FITTED parameters within their ranges, the entry `trends` given; returns their values.
    The optimiser works on value / base value (all 1 at the start, so relative finite-difference
    steps never vanish)."""
    rates = [getattr(base_rates(), name) for name in FITTED]
    base = np.array([rate.value for rate in rates])
    bounds = (
        np.array([rate.low for rate in rates]) / base,
        np.array([rate.high for rate in rates]) / base,
    )

    def objective(ratio: np.ndarray) -> np.ndarray:
        r = residuals(mean_moments(trends | dict(zip(FITTED, ratio * base, strict=True))))
        if verbose:
            print(f"  |r| = {np.linalg.norm(r):.3f}", file=sys.stderr)
        return r

    result = least_squares(
        objective, np.ones(len(FITTED)), bounds=bounds, diff_step=0.05, max_nfev=250
    )
    return dict(zip(FITTED, result.x * base, strict=True))


def write_calibrated(trends: dict[str, float], fitted: dict[str, float]) -> None:
    """Write calibrated.csv and print every moment: fitted, echoed or reported."""
    with CALIBRATED_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["parameter", "value", "how"])
        for name, value in trends.items():
            how = "fitted to stock_history.csv by model/world/calibrate.py (entry_trends)"
            writer.writerow([name, f"{value:.6g}", how])
        for name, value in fitted.items():
            writer.writerow([name, f"{value:.6g}", "fitted by model/world/calibrate.py"])
    print_moments(mean_moments(trends | fitted))


def print_moments(moments: dict[str, float]) -> None:
    """One line per moment: the model's value, then its target and range, or what it is."""
    for name, target in targets().items():
        role = f"  echo of {echoes()[name]}, not fitted" if name in echoes() else ""
        print(
            f"{name:45s} {moments[name]:8.4f}  target {target.value} "
            f"[{target.low}, {target.high}]{role}"
        )
    for name, row in reported().items():
        print(f"{name:45s} {moments[name]:8.4f}  reported, not fitted: {row['value']}")


if __name__ == "__main__":
    entry = entry_trends()
    write_calibrated(entry, fit(entry))
