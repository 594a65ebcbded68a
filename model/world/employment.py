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
    displacement, by run of a stack (the runs' parameters given by run)."""

    def __init__(
        self,
        pop: Population,
        persons_by_kind: np.ndarray,
        persons_at_median: np.ndarray,
        elasticity: np.ndarray,
        log_median_revenue: np.ndarray,
        displacement: np.ndarray,
    ):
        """persons_by_kind: [run, kind] persons of a row of each kind that is not an enterprise
        (0 for enterprises); persons_at_median, by run: of an enterprise of revenue
        exp(log_median_revenue)."""
        self.pop = pop
        self.runs = len(persons_by_kind)
        self.persons_by_kind = persons_by_kind
        self.persons_at_median = persons_at_median
        self.elasticity = elasticity
        self.log_median = log_median_revenue
        self.entrant_weight = 1.0 - displacement
        self._entrant = np.zeros(0, dtype=bool)  # by row: registered from 2021-01 on
        self._seen = 0  # rows below this have their entrant status recorded
        self._any_entrant = False
        self._by_kind = np.zeros((self.runs, ROW_KINDS))  # Σ weight of operating rows
        # Σ w (e d)^j of enterprises by [run, j, bucket]: buckets from _first_bucket on; each run
        # sums over the buckets its own enterprises have reached (_low, _high), as one run would
        self._first_bucket = 0
        self._moments = np.zeros((self.runs, MOMENTS, 0))
        self._low = np.full(self.runs, np.iinfo(np.int64).max)  # none reached yet
        self._high = np.full(self.runs, np.iinfo(np.int64).min)
        self._pending: list[tuple] = []  # enterprises: log_rev0, growth, weight, run or None

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
        run = pop.run[counted].astype(np.intp) if self.runs > 1 else None
        cell = kind if run is None else run * ROW_KINDS + kind
        enterprise = _ENTERPRISE_KIND[kind]
        size = self._by_kind.size
        if self._any_entrant:
            weight = np.where(
                self._entrant[counted], sign * self._per_row(self.entrant_weight, run), sign
            )
            self._by_kind += np.bincount(cell, weight, minlength=size).reshape(self.runs, -1)
            weight = weight[enterprise]
        else:  # the starting stock: unweighted
            self._by_kind += sign * np.bincount(cell, minlength=size).reshape(self.runs, -1)
            weight = np.full(np.count_nonzero(enterprise), sign)
        if len(weight):
            counted = counted[enterprise]
            self._pending.append(
                (pop.log_rev0[counted], pop.growth[counted], weight, _part(run, enterprise))
            )

    def _per_row(self, by_run: np.ndarray, run: np.ndarray | None):
        return by_run[0] if run is None else by_run[run]

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

    def demand(self, t: int) -> np.ndarray:
        """Persons demanded in month t (months from 2021-01), per row, by run."""
        self._apply_pending()
        tau = t / 12.0
        powers = tau ** np.arange(MOMENTS) / _FACTORIALS
        demand = np.empty(self.runs)
        for run in range(self.runs):
            others = float(np.sum(self._by_kind[run] * self.persons_by_kind[run]))
            if self._high[run] < self._low[run]:  # no enterprise yet
                demand[run] = others
                continue
            first, last = self._low[run] - self._first_bucket, self._high[run] - self._first_bucket
            moments = self._moments[run, :, first : last + 1]
            centre = np.arange(self._low[run], self._high[run] + 1) * BUCKET
            series = powers[0] * moments[0]
            for j in range(1, MOMENTS):
                series += powers[j] * moments[j]
            growth = np.exp(self.elasticity[run] * centre * tau)
            enterprise = float(np.sum(growth * series))
            demand[run] = others + self.persons_at_median[run] * enterprise
        return demand

    def _apply_pending(self) -> None:
        if not self._pending:
            return
        columns = list(zip(*self._pending, strict=True))
        self._pending.clear()
        log_rev0, growth, weight = (np.concatenate(x) for x in columns[:3])
        run = np.concatenate(columns[3]) if self.runs > 1 else 0  # by row, or one run
        log_rev0, growth = log_rev0.astype(np.float64), growth.astype(np.float64)
        bucket = np.rint(growth / BUCKET).astype(np.int64)
        self._cover(bucket, run)
        size = self._moments.shape[2]
        index = bucket - self._first_bucket
        if self.runs > 1:
            index += run * size
        elasticity = self.elasticity[run]
        weight = weight * np.exp(elasticity * (log_rev0 - self.log_median[run]))
        offset = elasticity * (growth - bucket * BUCKET)
        for j in range(MOMENTS):
            self._moments[:, j] += np.bincount(index, weight, self.runs * size).reshape(
                self.runs, -1
            )
            weight = weight * offset

    def _cover(self, bucket: np.ndarray, run: np.ndarray | int) -> None:
        """Widen the runs' bucket ranges to the buckets of their enterprises, and the buckets
        kept to the runs' ranges."""
        if isinstance(run, np.ndarray):
            np.minimum.at(self._low, run, bucket)
            np.maximum.at(self._high, run, bucket)
        else:
            self._low[run] = min(self._low[run], bucket.min())
            self._high[run] = max(self._high[run], bucket.max())
        reached = self._high >= self._low
        first, last = int(self._low[reached].min()), int(self._high[reached].max())
        size = self._moments.shape[2]
        if size and self._first_bucket <= first and last < self._first_bucket + size:
            return
        if size:
            first, last = min(first, self._first_bucket), max(last, self._first_bucket + size - 1)
        moments = np.zeros((self.runs, MOMENTS, last - first + 1))
        offset = self._first_bucket - first
        moments[:, :, offset : offset + size] = self._moments
        self._first_bucket, self._moments = first, moments


def _part(run: np.ndarray | None, part: np.ndarray) -> np.ndarray | None:
    """The runs of part of some rows (None: a model of one run)."""
    return None if run is None else run[part]
