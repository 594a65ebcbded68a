"""The priors of a run's uncertain inputs (issue 12): what is known of each before calibration.

- The base rates fitted to the pre-2021 moments (`FITTED_TO_MOMENTS`): flat over the range
  base_rates.csv states. Assumption: the ranges are what the literature and the national series
  allow (their sources there); within them, the moments decide, not a preferred value.
- The entry trends (`TRENDS`): triangular over their stated range, peaked at the fit of the
  multi-year history of registered stocks (model/world/entry_trends.py). This is how the history
  before 2021 enters the calibration: the model starts at end-2020, so the history constrains the
  trends directly rather than through simulated moments.
- The starting stock, the delivery of a province without the implementation machinery, and the
  common responsiveness of Shanxi's entities to policy (`POLICY_AND_STOCK`): triangular on (low,
  value, high) of base_rates.csv, as `Estimate.draw` draws every other uncertain number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from model.world.entry_trends import entry_trends
from model.world.parameters import literature_rates

FITTED_TO_MOMENTS = (
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
TRENDS = ("entry_trend_per_year", "entry_trend_pre_2021_per_year")
POLICY_AND_STOCK = ("start_stock_total", "fidelity_without_implementation", "policy_responsiveness")
UNCERTAIN = FITTED_TO_MOMENTS + TRENDS + POLICY_AND_STOCK


@dataclass(frozen=True)
class Prior:
    """Flat on [low, high] when `mode` is None, else triangular on (low, mode, high)."""

    parameter: str
    low: float
    high: float
    mode: float | None
    source: str

    def __post_init__(self):
        if not self.low < self.high or not (
            self.mode is None or self.low <= self.mode <= self.high
        ):
            raise ValueError(f"prior of {self.parameter}: bad range {self}")

    @property
    def kind(self) -> str:
        return "uniform" if self.mode is None else "triangular"

    def scipy(self) -> tuple[str, dict[str, float]]:
        """The scipy.stats name and arguments of this distribution (as pyabc.RV takes them)."""
        width = self.high - self.low
        if self.mode is None:
            return "uniform", {"loc": self.low, "scale": width}
        return "triang", {"c": (self.mode - self.low) / width, "loc": self.low, "scale": width}

    def draw(self, rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
        if self.mode is None:
            return rng.uniform(self.low, self.high, size)
        return rng.triangular(self.low, self.mode, self.high, size)

    def density(self, x: np.ndarray) -> np.ndarray:
        """The probability density at `x` (for plots of prior against posterior)."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        if self.mode is None:
            return np.where(inside, 1.0 / (self.high - self.low), 0.0)
        peak = 2.0 / (self.high - self.low)
        rising = peak * (x - self.low) / max(self.mode - self.low, 1e-300)
        falling = peak * (self.high - x) / max(self.high - self.mode, 1e-300)
        return np.where(inside, np.where(x < self.mode, rising, falling), 0.0)


@cache
def priors() -> dict[str, Prior]:
    """The prior of every parameter of UNCERTAIN, by name."""
    rates, trend_fits = literature_rates(), entry_trends()
    out = {}
    for name in UNCERTAIN:
        estimate = getattr(rates, name)
        if name in FITTED_TO_MOMENTS:
            mode, why = None, "flat over the range of base_rates.csv (fitted to the moments)"
        elif name in TRENDS:
            mode, why = trend_fits[name], "peaked at the fit of stock_history.csv (entry_trends)"
        else:
            mode, why = estimate.value, "triangular on base_rates.csv (low, value, high)"
        out[name] = Prior(name, estimate.low, estimate.high, mode, f"{why}; {estimate.source}")
    return out
