"""Base rates of the no-policy world: read from model/world/data, each with its source.

`base_rates.csv` holds every parameter with a range and a source (or "assumption");
`calibrated.csv` (written by model/world/calibrate.py) overrides the values the calibration fits.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
BASE_RATES_FILE = DATA_DIR / "base_rates.csv"
CALIBRATED_FILE = DATA_DIR / "calibrated.csv"

# Parameters drawn afresh for every run when uncertainty is on (others stay at their value).
UNCERTAIN_PER_RUN = ("start_stock_total",)


@dataclass(frozen=True)
class Parameter:
    name: str
    value: float
    low: float
    high: float
    unit: str
    source: str


@cache
def base_rates() -> dict[str, Parameter]:
    """All base rates, with calibrated values applied."""
    with BASE_RATES_FILE.open(encoding="utf-8") as handle:
        rates = {
            row["parameter"]: Parameter(
                row["parameter"],
                float(row["value"]),
                float(row["low"]),
                float(row["high"]),
                row["unit"],
                row["source"],
            )
            for row in csv.DictReader(handle)
        }
    for name, value in calibrated_values().items():
        rates[name] = replace(rates[name], value=value)
    return rates


def calibrated_values() -> dict[str, float]:
    if not CALIBRATED_FILE.exists():
        return {}
    with CALIBRATED_FILE.open(encoding="utf-8") as handle:
        return {row["parameter"]: float(row["value"]) for row in csv.DictReader(handle)}


def run_values(rng: np.random.Generator | None, overrides: dict[str, float] | None = None):
    """Parameter values for one run: uncertain ones drawn (triangular on low/value/high) if `rng`."""
    values = {name: p.value for name, p in base_rates().items()}
    if rng is not None:
        for name in UNCERTAIN_PER_RUN:
            p = base_rates()[name]
            values[name] = float(rng.triangular(p.low, p.value, p.high))
    values.update(overrides or {})
    return values


@cache
def hazard_curves() -> dict[str, np.ndarray]:
    """Annual hazard by age in years, per curve; the last value holds for all older ages."""
    curves: dict[str, list[tuple[int, float]]] = {}
    with (DATA_DIR / "hazard_curves.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            curves.setdefault(row["curve"], []).append(
                (int(row["age_year"]), float(row["annual_hazard"]))
            )
    return {name: np.array([h for _, h in sorted(rows)]) for name, rows in curves.items()}
