"""Base rates of the no-policy world: read from model/world/data, each with its source.

`base_rates.csv` holds every parameter with a range and a source (or "assumption"), one attribute
of `Rates` each; `calibrated.csv` (written by run.py calibrate: the posterior's medians) overrides
the values the calibration fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache

import numpy as np

from model.errors import InputError
from model.world.datafiles import DATA_DIR, csv_rows
from model.world.estimate import Estimate
from model.world.streams import PARAMETER_DRAWS, Streams

BASE_RATES_FILE = DATA_DIR / "base_rates.csv"
CALIBRATED_FILE = DATA_DIR / "calibrated.csv"

# Parameters drawn afresh for every run when uncertainty is on (others stay at their value).
UNCERTAIN_PER_RUN = ("start_stock_total",)


@dataclass(frozen=True)
class Rates[T]:
    """Every parameter of base_rates.csv (units and sources there): `BaseRates` holds them as
    `Estimate`s, `RunRates` as the floats of one run."""

    start_stock_total: T
    start_share_individual: T
    start_share_cooperative: T
    entry_rate_per_year: T
    entry_share_individual: T
    entry_share_enterprise: T
    entry_share_cooperative: T
    entry_trend_per_year: T
    entry_trend_pre_2021_per_year: T
    failure_scale_enterprise: T
    failure_scale_enterprise_peak: T
    failure_scale_enterprise_old: T
    failure_scale_individual: T
    failure_scale_cooperative: T
    failure_multiplier_micro: T
    never_open_share: T
    open_first_month_share: T
    open_hazard_per_month: T
    dormant_exit_first_year_per_month: T
    dormant_exit_per_month: T
    revocation_after_months: T
    revocation_hazard_per_month: T
    conversion_per_year: T
    reentry_share: T
    reentry_delay_months: T
    revenue_median_individual_yuan: T
    revenue_median_new_enterprise_yuan: T
    revenue_median_stock_enterprise_yuan: T
    revenue_sigma_new_enterprise: T
    revenue_sigma_stock_enterprise: T
    revenue_sigma_individual: T
    growth_mean_enterprise: T
    growth_sd_enterprise: T
    employees_individual: T
    employees_new_enterprise: T
    employees_cooperative: T
    employment_revenue_elasticity: T
    labour_ceiling_persons: T
    labour_ceiling_sharpness: T
    entrant_displacement_share: T
    chain_leader_count: T
    chain_leader_revenue_median_yuan: T
    chain_leader_revenue_sigma: T
    chain_leader_growth_per_year: T
    chain_leader_growth_sd_per_month: T
    chain_leader_employees_per_million_yuan: T
    fidelity_without_implementation: T
    policy_responsiveness: T


type BaseRates = Rates[Estimate]
type RunRates = Rates[float]
NAMES = tuple(field.name for field in fields(Rates))


def _check_names(names: Iterable[str], where: str, *, complete: bool) -> None:
    """Every name is a parameter of `Rates` (and, if `complete`, every parameter is there once)."""
    names = list(names)
    unknown = sorted(set(names) - set(NAMES))
    missing = sorted(set(NAMES) - set(names)) if complete else []
    repeated = sorted({name for name in names if names.count(name) > 1})
    for problem, found in (("unknown", unknown), ("missing", missing), ("repeated", repeated)):
        if found:
            raise InputError(f"{where}: {problem} base rate(s) {', '.join(found)}")


@cache
def literature_rates() -> BaseRates:
    """All base rates as base_rates.csv gives them (the priors' centres and ranges, before any
    calibration); checked against `Rates` on load."""
    rows = csv_rows(BASE_RATES_FILE)
    _check_names((row["parameter"] for row in rows), str(BASE_RATES_FILE), complete=True)
    return Rates(
        **{
            row["parameter"]: Estimate(
                float(row["value"]),
                float(row["low"]),
                float(row["high"]),
                row["source"],
                row["unit"],
            )
            for row in rows
        }
    )


@cache
def base_rates() -> BaseRates:
    """All base rates, with the calibrated values (calibrated.csv) in place of the literature's."""
    return replace(
        literature_rates(),
        **{
            name: replace(getattr(literature_rates(), name), value=value)
            for name, value in calibrated_values().items()
        },
    )


def calibrated_values() -> dict[str, float]:
    if not CALIBRATED_FILE.exists():
        return {}
    rows = csv_rows(CALIBRATED_FILE)
    _check_names((row["parameter"] for row in rows), str(CALIBRATED_FILE), complete=False)
    return {row["parameter"]: float(row["value"]) for row in rows}


def run_rates(seed: int, uncertainty: bool, overrides: dict[str, float] | None = None) -> RunRates:
    """Parameter values for the run with `seed`: those of UNCERTAIN_PER_RUN drawn (Estimate.draw)
    from its PARAMETER_DRAWS stream if `uncertainty`, then `overrides` (by parameter name; a
    batch's draw from the posterior, model.world.posterior) applied."""
    base = base_rates()
    values = {name: getattr(base, name).value for name in NAMES}
    if uncertainty:
        draws = Streams(seed).get(PARAMETER_DRAWS)
        for name in UNCERTAIN_PER_RUN:
            values[name] = getattr(base, name).draw(draws)
    _check_names(overrides or {}, "parameter overrides", complete=False)
    return Rates(**(values | (overrides or {})))


class RateStack:
    """The parameter values of the runs of a stack: by run (float64 arrays), and for rows of the
    stack by their run (`of`). A value the runs share is given as one float64 for all, so that a
    stack's rows compute exactly what one run's rows compute."""

    def __init__(self, runs: Sequence[RunRates]):
        self.runs = list(runs)
        self._by_run = {name: np.array([getattr(r, name) for r in runs]) for name in NAMES}
        self._shared = {
            name: values[0]
            for name, values in self._by_run.items()
            if (values.view(np.uint64) == values.view(np.uint64)[0]).all()
        }

    def by_run(self, name: str) -> np.ndarray:
        return self._by_run[name]

    def value(self, name: str, run: np.ndarray | int) -> np.ndarray | np.float64:
        """The value of parameter `name` for each of `run` (one float64 if the runs share it)."""
        shared = self._shared.get(name)
        return shared if shared is not None else self._by_run[name][run]

    def of(self, run: np.ndarray | int) -> RowRates:
        """The parameter values of rows of runs `run` (an array, one per row, or one run)."""
        return RowRates(self, run)


class RowRates:
    """The parameter values of some rows of a stack, read as attributes (as of a `RunRates`)."""

    def __init__(self, stack: RateStack, run: np.ndarray | int):
        self._stack, self._run = stack, run

    def __getattr__(self, name: str) -> np.ndarray | np.float64:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._stack.value(name, self._run)


@cache
def hazard_curves() -> dict[str, np.ndarray]:
    """Annual hazard by age in years, per curve; the last value holds for all older ages."""
    curves: dict[str, list[tuple[int, float]]] = {}
    for row in csv_rows(DATA_DIR / "hazard_curves.csv"):
        curves.setdefault(row["curve"], []).append(
            (int(row["age_year"]), float(row["annual_hazard"]))
        )
    return {name: np.array([h for _, h in sorted(rows)]) for name, rows in curves.items()}
