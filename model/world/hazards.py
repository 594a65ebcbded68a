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
        self,
        origin: np.ndarray,
        start: np.ndarray,
        left: np.ndarray,
        mult: np.ndarray | float,
        until: int | None = None,
    ) -> np.ndarray:
        """Month in which the hazard accumulated from `start` crosses `left`.

        origin: month at which the clock of this hazard reads age 0 (registration, cessation);
        start: first month of exposure; left: unit-exponential threshold still to accumulate;
        mult: multiplier on the hazard from `start` on; until: the last month of interest (events
        after it are NEVER, see _unless_after).
        """
        age_start = np.minimum(start - origin, MAX_AGE_MONTHS)
        target = self.cumulative[age_start]
        target += left / np.maximum(mult, 1e-12)

        def solve(rows) -> np.ndarray:
            part = target[rows]
            run = _runs_below(self._run_cumulative, part)
            return _event_month(part, run, 0, self, age_start[rows], part_of(origin, rows))

        if until is None:
            return solve(slice(None))
        return _unless_after(target, self.cumulative[_age_at_end(until, origin)], solve)

    def used(self, origin: np.ndarray, start: np.ndarray, now: int, mult: np.ndarray) -> np.ndarray:
        """Hazard accumulated over months start .. now-1 (the part of the threshold already used)."""
        return mult * (self._at(now - origin) - self._at(start - origin))

    def monthly_probability(self, age: np.ndarray, mult: np.ndarray | float = 1.0) -> np.ndarray:
        """Probability that the event falls in the month at `age` (for the per-agent reference)."""
        return -np.expm1(-mult * self.monthly[np.minimum(age, MAX_AGE_MONTHS - 1)])


SEARCH_ROWS = 512  # below: a binary search per row; above: a pass over the runs (faster then)
TABLES_SEARCHED_APART = 8  # more tables (a stack of runs): one binary search of all rows at once


def _runs_below(bounds: np.ndarray, target: np.ndarray) -> np.ndarray:
    """bounds.searchsorted(target, side="left") for a short sorted `bounds`: how many are below."""
    if len(target) < SEARCH_ROWS:
        return bounds.searchsorted(target, side="left")
    run = np.zeros(len(target), dtype=np.intp)
    for bound in bounds.tolist():
        run += target > bound
    return run


def _runs_below_each(bounds: np.ndarray, most: int, table: np.ndarray, target: np.ndarray):
    """bounds[table[i]].searchsorted(target[i], side="left") for every row i: a branchless binary
    search of every row at once. Each row of `bounds` is sorted and padded with inf to its width, a
    power of two; `most`: the largest count of finite bounds among the rows' tables."""
    width = bounds.shape[1]
    first = table * width
    position = first.copy()
    step = (1 << most.bit_length()) >> 1  # the search's span, a power of two > most, halved
    flat = bounds.ravel()
    while step:
        position += step * (flat.take(position + (step - 1)) < target)
        step >>= 1
    position -= first
    return position


ROUNDING_MARGIN = 1e-9  # relative: far above the rounding of a cumulative hazard (~1e-13)


def _unless_after(target: np.ndarray, at_until: np.ndarray, solve) -> np.ndarray:
    """The event months `solve(rows)` gives, solved only for the rows whose target the cumulative
    hazard reaches by the end of the last month of interest (`at_until`); NEVER for the others,
    whose event would fall after it (they are most rows: a horizon is short beside a life). The
    margin leaves a row whose target is within rounding of `at_until` to the solver."""
    after = target > at_until * (1.0 + ROUNDING_MARGIN)
    if not after.any():
        return solve(slice(None))
    month = np.full(len(target), NEVER, dtype=np.int32)
    inside = np.flatnonzero(~after)
    month[inside] = solve(inside)
    return month


def _age_at_end(until: int, origin) -> np.ndarray:
    """The age at the end of month `until` of clocks started at `origin` (0 for a later origin)."""
    return np.clip(until + 1 - origin, 0, MAX_AGE_MONTHS)


def part_of(values, rows):
    """`values` (one for all rows, or one each) of some rows."""
    return values[rows] if np.ndim(values) else values


def _event_month(target, run, offset, runs, age_start, origin) -> np.ndarray:
    """The month in which the cumulative hazard reaches `target`: `run` counts the runs of equal
    monthly hazard starting below it, `offset` is where the row's table starts in `runs`' arrays."""
    run -= 1
    np.maximum(run, 0, out=run)
    run += offset
    # The continuous age tau at which H(tau) = target; the event falls in month ceil(tau) - 1.
    tau = target - runs._run_cumulative.take(run)
    tau /= runs._run_hazard.take(run)
    tau += runs._run_start.take(run)
    age = np.ceil(tau, out=tau)
    age -= 1
    np.maximum(age, age_start, out=age)
    beyond = age >= MAX_AGE_MONTHS
    age += origin
    age[beyond] = NEVER
    return age.astype(np.int32)


class HazardTables:
    """Several hazard tables solved in one pass, each row on its own table (`table`: its index)."""

    def __init__(self, tables: list[HazardTable]):
        self.tables = tables
        self._length = MAX_AGE_MONTHS + 1  # of each table's cumulative hazard
        self._cumulative = np.concatenate([table.cumulative for table in tables])
        self._run_count = np.array([len(table._run_start) for table in tables])
        self._runs = 1 << int(self._run_count.max()).bit_length()  # a power of two, > every count
        shape = (len(tables), self._runs)
        by_table = np.full(shape, np.inf)  # padding beyond a table's last run
        hazard, start = np.ones(shape), np.zeros(shape, dtype=np.intp)
        for i, table in enumerate(tables):
            runs = len(table._run_start)
            by_table[i, :runs] = table._run_cumulative
            hazard[i, :runs], start[i, :runs] = table._run_hazard, table._run_start
        self._run_cumulative_by_table = by_table
        self._run_cumulative = by_table.ravel()
        self._run_hazard, self._run_start = hazard.ravel(), start.ravel()

    def event_month(self, table, origin, start, left, mult, until: int | None = None) -> np.ndarray:
        """HazardTable.event_month of each row on its table (the same numbers bit for bit); `table`:
        one for all rows, or one each."""
        if np.ndim(table) == 0:
            return self.tables[table].event_month(origin, start, left, mult, until)
        if len(table) and (table == table[0]).all():
            return self.tables[table[0]].event_month(origin, start, left, mult, until)
        age_start = np.minimum(start - origin, MAX_AGE_MONTHS)
        first = table * self._length
        target = self._cumulative[first + age_start]
        target += left / np.maximum(mult, 1e-12)

        def solve(rows) -> np.ndarray:
            part, on = target[rows], table[rows]
            run = self._runs_below(on, part)
            return _event_month(
                part, run, on * self._runs, self, age_start[rows], part_of(origin, rows)
            )

        if until is None:
            return solve(slice(None))
        at_until = self._cumulative[first + _age_at_end(until, origin)]
        return _unless_after(target, at_until, solve)

    def _runs_below(self, table: np.ndarray, target: np.ndarray) -> np.ndarray:
        """searchsorted(side="left") in each row's table: the count of its runs starting below."""
        by_table = self._run_cumulative_by_table
        if len(target) < SEARCH_ROWS:
            return np.add.reduce(by_table[table] < target[:, None], axis=1, dtype=np.intp)
        if len(self.tables) > TABLES_SEARCHED_APART:
            most = int(self._run_count.take(table).max())
            return _runs_below_each(by_table, most, table, target)
        run = np.empty(len(target), dtype=np.intp)  # table by table
        for i in np.flatnonzero(np.bincount(table, minlength=len(self.tables))):
            rows = (table == i).nonzero()[0]
            run[rows] = _runs_below(self.tables[i]._run_cumulative, target[rows])
        return run

    def used(self, table, origin, start, now: int, mult) -> np.ndarray:
        """HazardTable.used of each row on its table."""
        first = table * self._length
        at_now = self._cumulative[first + np.minimum(now - origin, MAX_AGE_MONTHS)]
        at_start = self._cumulative[first + np.minimum(start - origin, MAX_AGE_MONTHS)]
        return mult * (at_now - at_start)
