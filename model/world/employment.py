"""Persons employed by operating enterprises (就业), kept as running sums so that a month costs a
few hundred operations whatever the number of enterprises.

An enterprise whose log revenue is a + g t/12 (model.world.events.log_revenue) employs persons in
proportion to exp(e (a + g t/12 - log m)): e = employment_revenue_elasticity, m = the median revenue
of new enterprises (base_rates.csv). The sum over operating enterprises is kept by bucket of growth
g: with g = g_k + d (g_k the bucket's centre), exp(e g τ) = exp(e g_k τ) Σ_j (e d τ)^j / j!, so each
bucket keeps Σ w (e d)^j over its enterprises for j < MOMENTS, with w = exp(e (a - log m)). For
|d| <= BUCKET / 2, e <= 1 and τ <= 15 years, the series left out is below 1e-7 of the sum.

Entities join and leave the sums through `join` and `leave`, called by the rules before and after
every change of status, kind, revenue or growth (model.world.events).
"""

from __future__ import annotations

from math import factorial

import numpy as np

from model.world.kinds import ABOVE_SCALE, MICRO, OPERATING
from model.world.population import Population

BUCKET = 0.01  # width of a growth bucket, log revenue per year
MOMENTS = 5
_FACTORIALS = np.array([factorial(j) for j in range(MOMENTS)], dtype=np.float64)


class EnterpriseEmployment:
    """Σ exp(e (log revenue(t) - log m)) over the operating enterprises of a population."""

    def __init__(self, pop: Population, elasticity: float, log_median_revenue: float):
        self.pop = pop
        self.elasticity = elasticity
        self.log_median = log_median_revenue
        self._first_bucket = 0
        self._moments = np.zeros((MOMENTS, 0))  # [j, bucket]
        self._pending: list[tuple[np.ndarray, np.ndarray, float]] = []

    def join(self, rows: np.ndarray) -> None:
        """Add the rows that are operating enterprises (after a change)."""
        self._note(rows, 1.0)

    def leave(self, rows: np.ndarray) -> None:
        """Take out the rows that are operating enterprises (before a change)."""
        self._note(rows, -1.0)

    def _note(self, rows: np.ndarray, sign: float) -> None:
        pop = self.pop
        kind = pop.kind[rows]
        counted = rows[(pop.status[rows] == OPERATING) & (kind >= MICRO) & (kind <= ABOVE_SCALE)]
        if len(counted):
            self._pending.append((pop.log_rev0[counted], pop.growth[counted], sign))

    def total(self, t: int) -> float:
        """The sum in month t (months from 2021-01)."""
        self._apply_pending()
        tau = t / 12.0
        centre = (self._first_bucket + np.arange(self._moments.shape[1])) * BUCKET
        powers = tau ** np.arange(MOMENTS) / _FACTORIALS
        return float(np.exp(self.elasticity * centre * tau) @ (powers @ self._moments))

    def _apply_pending(self) -> None:
        if not self._pending:
            return
        log_rev0 = np.concatenate([x for x, _, _ in self._pending]).astype(np.float64)
        growth = np.concatenate([g for _, g, _ in self._pending]).astype(np.float64)
        sign = np.concatenate([np.full(len(x), s) for x, _, s in self._pending])
        self._pending.clear()
        bucket = np.rint(growth / BUCKET).astype(np.int64)
        self._cover(int(bucket.min()), int(bucket.max()))
        index = bucket - self._first_bucket
        weight = sign * np.exp(self.elasticity * (log_rev0 - self.log_median))
        offset = self.elasticity * (growth - bucket * BUCKET)
        size = self._moments.shape[1]
        for j in range(MOMENTS):
            self._moments[j] += np.bincount(index, weight, minlength=size)
            weight = weight * offset

    def _cover(self, low: int, high: int) -> None:
        """Widen the buckets to cover low..high."""
        size = self._moments.shape[1]
        if size and self._first_bucket <= low and high < self._first_bucket + size:
            return
        first = min(low, self._first_bucket) if size else low
        last = max(high, self._first_bucket + size - 1) if size else high
        moments = np.zeros((MOMENTS, last - first + 1))
        moments[:, self._first_bucket - first : self._first_bucket - first + size] = self._moments
        self._first_bucket, self._moments = first, moments
