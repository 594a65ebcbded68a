"""Event times from hazards: each entity draws a unit-exponential threshold once and its event falls in
the month its accumulated hazard crosses it. A rate change (a lever switching on) re-solves the time from
the hazard left over, so the same entity keeps the same draw in every scenario (common random numbers).

A month-by-month Bernoulli draw with p = 1 - exp(-hazard of the month) has exactly the same distribution
(the per-agent reference in benchmarks/ does that); drawing the time once is what makes the model fast.
"""

from __future__ import annotations

import numpy as np

from model.world.clock import NEVER

MAX_AGE_MONTHS = 12 * 90


class HazardTable:
    """Cumulative hazard H[k] by age in months (H[0] = 0); monthly hazards after the table repeat."""

    def __init__(self, monthly_hazard: np.ndarray):
        monthly = np.asarray(monthly_hazard, dtype=np.float64)
        if len(monthly) < MAX_AGE_MONTHS:
            monthly = np.concatenate([monthly, np.full(MAX_AGE_MONTHS - len(monthly), monthly[-1])])
        self.monthly = monthly
        self.cumulative = np.concatenate([[0.0], np.cumsum(monthly)])
        # Runs of equal monthly hazard: event ages are solved per run, on a table of a few entries.
        starts = np.flatnonzero(np.diff(monthly, prepend=np.nan) != 0)
        self._run_start = starts
        self._run_cumulative = self.cumulative[starts]
        self._run_hazard = monthly[starts]

    @classmethod
    def from_annual_by_year(
        cls, annual: np.ndarray, scale: float | np.ndarray = 1.0
    ) -> HazardTable:
        """From annual exit probabilities by age in years (last value holds for older ages)."""
        monthly = -np.log1p(-np.asarray(annual, dtype=np.float64)) / 12.0 * scale
        return cls(np.repeat(monthly, 12))

    @classmethod
    def constant(cls, monthly_hazard: float, first_month: float | None = None) -> HazardTable:
        """A constant monthly hazard, optionally with a different hazard in the first month."""
        monthly = np.full(MAX_AGE_MONTHS, monthly_hazard)
        if first_month is not None:
            monthly[0] = first_month
        return cls(monthly)

    @classmethod
    def piecewise(cls, hazards: list[float], from_months: list[int]) -> HazardTable:
        """Monthly hazard hazards[i] from age from_months[i] (from_months[0] == 0) on."""
        monthly = np.empty(MAX_AGE_MONTHS)
        for hazard, begin in zip(hazards, from_months, strict=True):
            monthly[begin:] = hazard
        return cls(monthly)

    def _at(self, age: np.ndarray) -> np.ndarray:
        return self.cumulative[np.minimum(age, MAX_AGE_MONTHS)]

    def event_month(
        self, origin: np.ndarray, start: np.ndarray, left: np.ndarray, mult: np.ndarray
    ) -> np.ndarray:
        """Month in which the hazard accumulated from `start` crosses `left`.

        origin: month at which the clock of this hazard reads age 0 (registration, cessation);
        start: first month of exposure; left: unit-exponential threshold still to accumulate;
        mult: multiplier on the hazard from `start` on.
        """
        age_start = np.minimum(start - origin, MAX_AGE_MONTHS)
        target = self.cumulative[age_start]
        target += left / np.maximum(mult, 1e-12)
        # The continuous age tau at which H(tau) = target; the event falls in month ceil(tau) - 1.
        run = self._run_cumulative.searchsorted(target, side="left")
        run -= 1
        np.maximum(run, 0, out=run)
        tau = target - self._run_cumulative[run]
        tau /= self._run_hazard[run]
        tau += self._run_start[run]
        age = np.ceil(tau, out=tau)
        age -= 1
        np.maximum(age, age_start, out=age)
        beyond = age >= MAX_AGE_MONTHS
        age += origin
        age[beyond] = NEVER
        return age.astype(np.int32)

    def used(self, origin: np.ndarray, start: np.ndarray, now: int, mult: np.ndarray) -> np.ndarray:
        """Hazard accumulated over months start .. now-1 (the part of the threshold already used)."""
        return mult * (self._at(now - origin) - self._at(start - origin))

    def monthly_probability(self, age: np.ndarray, mult: np.ndarray | float = 1.0) -> np.ndarray:
        """Probability that the event falls in the month at `age` (for the per-agent reference)."""
        return -np.expm1(-mult * self.monthly[np.minimum(age, MAX_AGE_MONTHS - 1)])
