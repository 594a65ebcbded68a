"""Persons employed by operating entities (就业): what the entities demand, kept as running sums so
that a month costs a few hundred operations whatever their number, then the labour ceiling.

Demand. An operating individual business or cooperative employs a fixed number of persons
(base_rates.csv). An enterprise whose log revenue is a + g t/12 (model.world.events.log_revenue)
employs persons in proportion to exp(e (a + g t/12 - log m)): e = employment_revenue_elasticity,
m = the median revenue of new enterprises. The enterprise sum is kept by bucket of growth g: with
g = g_k + d (g_k the bucket's centre), exp(e g τ) = exp(e g_k τ) Σ_j (e d τ)^j / j!, so each bucket
keeps Σ w (e d)^j over its enterprises for j < MOMENTS, with w = exp(e (a - log m)). For
|d| <= BUCKET / 2, e <= 1 and τ <= 15 years, the series left out is below 1e-7 of the sum.

Displacement. A share of an entrant's jobs (an entity registered from 2021-01 on) is taken from
incumbents (business stealing: its sales are partly sales other entities no longer make), so an
entrant adds (1 - entrant_displacement_share) of its persons while it operates; the jobs come back
when it stops. Whether a row is an entrant is fixed when the row is first seen (a 个转企 enterprise
keeps the status of its individual business: a conversion is not a new business).

Ceiling. Persons employed are (D^-ρ + C^-ρ)^(-1/ρ) for a demand D and a labour ceiling C (the
non-agricultural labour available to market entities): the sum over many local labour markets of
min(demand, supply) (smoothing by aggregation, Lambert 1988; Entorf & Sneessens 2000). Every
number is in data/base_rates.csv with its source.

Entities join and leave the sums through `join` and `leave`, called by the rules before and after
every change of status, kind, revenue or growth (model.world.events).
"""

from __future__ import annotations

from math import factorial

import numpy as np

from model.world.kinds import OPERATING, ROW_KINDS, is_enterprise
from model.world.population import Population

BUCKET = 0.01  # width of a growth bucket, log revenue per year
MOMENTS = 5
_FACTORIALS = np.array([factorial(j) for j in range(MOMENTS)], dtype=np.float64)
_ENTERPRISE_KIND = is_enterprise(np.arange(ROW_KINDS))  # by kind code


def employed(demand: float, ceiling: float, rho: float) -> float:
    """Persons employed for `demand` persons demanded: (D^-ρ + C^-ρ)^(-1/ρ), below the ceiling C,
    about D while D is well below it."""
    if demand <= 0.0:
        return 0.0
    return demand * (1.0 + (demand / ceiling) ** rho) ** (-1.0 / rho)


class Employment:
    """Persons demanded by the operating rows of a population (per row), entrants net of
    displacement."""

    def __init__(
        self,
        pop: Population,
        persons_by_kind: np.ndarray,
        persons_at_median: float,
        elasticity: float,
        log_median_revenue: float,
        displacement: float,
    ):
        """persons_by_kind: persons of a row of each kind that is not an enterprise (0 for
        enterprises); persons_at_median: of an enterprise of revenue exp(log_median_revenue)."""
        self.pop = pop
        self.persons_by_kind = persons_by_kind
        self.persons_at_median = persons_at_median
        self.elasticity = elasticity
        self.log_median = log_median_revenue
        self.entrant_weight = 1.0 - displacement
        self._entrant = np.zeros(0, dtype=bool)  # by row: registered from 2021-01 on
        self._seen = 0  # rows below this have their entrant status recorded
        self._any_entrant = False
        self._by_kind = np.zeros(ROW_KINDS)  # Σ weight of operating rows, by kind
        self._first_bucket = 0
        self._moments = np.zeros((MOMENTS, 0))  # [j, bucket], enterprises
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # enterprises

    def join(self, rows: np.ndarray) -> None:
        """Add the rows that are operating (after a change)."""
        self._note(rows, 1.0)

    def leave(self, rows: np.ndarray) -> None:
        """Take out the rows that are operating (before a change)."""
        self._note(rows, -1.0)

    def _note(self, rows: np.ndarray, sign: float) -> None:
        pop = self.pop
        if pop.n > self._seen:
            self._see_new_rows()
        counted = rows[pop.status[rows] == OPERATING]
        if len(counted) == 0:
            return
        kind = pop.kind[counted]
        enterprise = _ENTERPRISE_KIND[kind]
        if self._any_entrant:
            weight = np.where(self._entrant[counted], sign * self.entrant_weight, sign)
            self._by_kind += np.bincount(kind, weight, minlength=ROW_KINDS)
            weight = weight[enterprise]
        else:  # the starting stock: unweighted
            self._by_kind += sign * np.bincount(kind, minlength=ROW_KINDS)
            weight = np.full(np.count_nonzero(enterprise), sign)
        if len(weight):
            counted = counted[enterprise]
            self._pending.append((pop.log_rev0[counted], pop.growth[counted], weight))

    def _see_new_rows(self) -> None:
        """Record whether rows appended since the last call are entrants (from their month of
        registration, before any 个转企 can change it)."""
        pop, first = self.pop, self._seen
        if len(self._entrant) < pop.n:
            entrant = np.zeros(len(pop.born), dtype=bool)
            entrant[:first] = self._entrant[:first]
            self._entrant = entrant
        new = self._entrant[first : pop.n]
        new[:] = pop.born[first : pop.n] >= 0
        self._any_entrant = self._any_entrant or bool(new.any())
        self._seen = pop.n

    def demand(self, t: int) -> float:
        """Persons demanded in month t (months from 2021-01), per row."""
        self._apply_pending()
        tau = t / 12.0
        centre = (self._first_bucket + np.arange(self._moments.shape[1])) * BUCKET
        powers = tau ** np.arange(MOMENTS) / _FACTORIALS
        enterprise = float(np.exp(self.elasticity * centre * tau) @ (powers @ self._moments))
        return float(self._by_kind @ self.persons_by_kind) + self.persons_at_median * enterprise

    def _apply_pending(self) -> None:
        if not self._pending:
            return
        log_rev0, growth, weight = (np.concatenate(x) for x in zip(*self._pending, strict=True))
        self._pending.clear()
        log_rev0, growth = log_rev0.astype(np.float64), growth.astype(np.float64)
        bucket = np.rint(growth / BUCKET).astype(np.int64)
        self._cover(int(bucket.min()), int(bucket.max()))
        index = bucket - self._first_bucket
        weight = weight * np.exp(self.elasticity * (log_rev0 - self.log_median))
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
