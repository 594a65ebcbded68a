"""The moments of the no-policy world that calibration reproduces (model/world/data/
calibration_targets.csv, copied from shared/data, with sources), measured on a run of the model.

A moment is measured on 2021 (and 2022-01) of a no-policy run (`measure_moments`); `misses` says
how far each fitted moment is from its target, in units of its acceptable range on that side, so
that a run reproduces every target within its range when no miss exceeds 1. Moments that echo an
input (echo_moments.csv) and moments reported beside the model's (reported_moments.csv) are
measured and printed, not fitted. The calibration itself: model/experiments/calibration.py.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from model.world.datafiles import DATA_DIR, csv_rows
from model.world.estimate import Estimate
from model.world.kinds import ENTERPRISE_KINDS, GONE, INDIVIDUAL, INDUCED, OPERATING, REENTRANT
from model.world.model import DoublingModel, employees_at_median_new_revenue


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


def mean_moments(
    parameters: dict[str, float] | None = None,
    *,
    seeds: tuple[int, ...],
    scale: float,
) -> dict[str, float]:
    """Moments averaged over runs with `seeds`."""
    runs = [measure_moments(parameters, seed=seed, scale=scale) for seed in seeds]
    return {name: float(np.mean([run[name] for run in runs])) for name in runs[0]}


def measure_moments(
    parameters: dict[str, float] | None = None, *, seed: int, scale: float
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


def misses(moments: dict[str, float], goal: dict[str, Estimate] | None = None) -> dict[str, float]:
    """For every target of `goal` (default: the fitted targets): (measured - target) / (high -
    target) above it, / (target - low) below it; inside the acceptable range exactly when its
    absolute value is at most 1."""
    out = {}
    for name, t in (goal or fitted_targets()).items():
        miss = moments[name] - t.value
        out[name] = miss / ((t.high - t.value) if miss > 0 else (t.value - t.low))
    return out


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
