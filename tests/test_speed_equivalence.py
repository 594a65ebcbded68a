"""The fast paths of the simulation core give bit for bit what their plain formulations give."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from scipy.special import ndtri, pdtr

from model.world import events
from model.world.agenda import STATUS, Agenda
from model.world.clock import NEVER
from model.world.hazards import MAX_AGE_MONTHS, SEARCH_ROWS, HazardTable, HazardTables
from model.world.kinds import GONE, ROW_KINDS
from model.world.model import DoublingModel
from model.world.policy_state import PolicyState
from model.world.streams import poisson_quantile


def _plain_event_month(table: HazardTable, origin, start, left, mult) -> np.ndarray:
    age_start = np.minimum(start - origin, MAX_AGE_MONTHS)
    target = table.cumulative[age_start] + left / np.maximum(mult, 1e-12)
    starts = np.flatnonzero(np.diff(table.monthly, prepend=np.nan) != 0)
    run = np.maximum(np.searchsorted(table.cumulative[starts], target, side="left") - 1, 0)
    tau = starts[run] + (target - table.cumulative[starts][run]) / table.monthly[starts][run]
    age = np.maximum(np.ceil(tau) - 1, age_start)
    month = np.where(age >= MAX_AGE_MONTHS, NEVER, origin + np.minimum(age, MAX_AGE_MONTHS))
    return month.astype(np.int32)


def _plain_poisson_quantile(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        z = ndtri(u)
        guess = np.floor(mean + np.sqrt(mean) * z + (z * z - 1.0) / 6.0)
    k = np.clip(np.nan_to_num(guess, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)
    low = np.flatnonzero(pdtr(k, mean) < u)
    while len(low):
        k[low] += 1.0
        low = low[pdtr(k[low], mean[low]) < u[low]]
    high = np.flatnonzero((k > 0) & (pdtr(k - 1.0, mean) >= u))
    while len(high):
        k[high] -= 1.0
        high = high[(k[high] > 0) & (pdtr(k[high] - 1.0, mean[high]) >= u[high])]
    return k.astype(np.int64)


def _random_table(rng) -> HazardTable:
    return HazardTable(np.repeat(rng.random(rng.integers(1, 12)) * 0.05, 12))


def _random_processes(rng, n: int):
    """origin, start, left, mult of n rows."""
    origin = rng.integers(-200, 60, n).astype(np.int32)
    start = origin + rng.integers(0, 1200, n).astype(np.int32)
    left = (rng.standard_exponential(n) * rng.choice([1, 10, 1000])).astype(np.float32)
    mult = rng.random(n) * rng.choice([0.0, 1.0, 3.0])
    return origin, start, left, mult


@pytest.mark.parametrize("n", [300, SEARCH_ROWS * 4])  # a binary search per row; passes over runs
@pytest.mark.parametrize("seed", range(20))
def test_event_month_matches_its_plain_formulation(seed, n):
    rng = np.random.default_rng(seed)
    table = _random_table(rng)
    origin, start, left, mult = _random_processes(rng, n)
    expected = _plain_event_month(table, origin, start, left, mult)
    np.testing.assert_array_equal(table.event_month(origin, start, left, mult), expected)


@pytest.mark.parametrize("n", [0, 1, 300, SEARCH_ROWS * 4])
@pytest.mark.parametrize("seed", range(10))
def test_stacked_tables_solve_each_row_on_its_own_table(seed, n):
    rng = np.random.default_rng(seed)
    tables = [_random_table(rng) for _ in range(4)]
    stacked = HazardTables(tables)
    table = rng.integers(0, 4 if seed % 2 else 1, n)  # mixed tables, or all on one
    origin, start, left, mult = _random_processes(rng, n)
    now = int(start.max()) + 5 if n else 0
    expected_month, expected_used = np.zeros(n, dtype=np.int32), np.zeros(n)
    for i, plain in enumerate(tables):
        r = table == i
        expected_month[r] = _plain_event_month(plain, origin[r], start[r], left[r], mult[r])
        expected_used[r] = mult[r] * (
            plain.cumulative[np.minimum(now - origin[r], MAX_AGE_MONTHS)]
            - plain.cumulative[np.minimum(start[r] - origin[r], MAX_AGE_MONTHS)]
        )
    month = stacked.event_month(table, origin, start, left, mult)
    np.testing.assert_array_equal(month, expected_month)
    np.testing.assert_array_equal(stacked.used(table, origin, start, now, mult), expected_used)
    one_for_all = _plain_event_month(tables[2], origin, start, left, mult)  # a table for all rows
    np.testing.assert_array_equal(stacked.event_month(2, origin, start, left, mult), one_for_all)


@pytest.mark.parametrize("n", [300, SEARCH_ROWS * 4])
@pytest.mark.parametrize("tables", [1, 4, 12])  # one table; tables apart; all rows in one search
@pytest.mark.parametrize("seed", range(6))
def test_events_after_the_horizon_are_never_and_the_others_as_solved(seed, tables, n):
    rng = np.random.default_rng(seed)
    stacked = HazardTables([_random_table(rng) for _ in range(tables)])
    table = rng.integers(0, tables, n)
    origin, start, _, _ = _random_processes(rng, n)
    start = origin + (start - origin) % 24  # exposed from near the horizon's months
    left, mult = rng.standard_exponential(n), rng.random(n) * 3.0
    until = int(rng.integers(0, 120))
    solved = stacked.event_month(table, origin, start, left, mult)
    assert (solved <= until).any() and (solved > until).any()  # rows of both sorts
    expected = np.where(solved > until, NEVER, solved)
    month = stacked.event_month(table, origin, start, left, mult, until)
    np.testing.assert_array_equal(month, expected)


def test_stored_cells_and_stock_counts_are_those_of_the_population():
    """The population's cell column and the model's stock counts, kept up to date event by event,
    equal what the columns give when counted afresh."""
    model = DoublingModel(seed=4, scale=400.0, until="2022-12")
    for _ in range(24):
        model.step()
        pop, n = model.pop, model.pop.n
        shape = model.stock_rows.shape[1:]  # a stack of one run
        cell = np.ravel_multi_index((pop.kind[:n], pop.sector[:n], pop.city[:n]), shape[1:])
        np.testing.assert_array_equal(pop.cell[:n], cell)
        flat = pop.status[:n].astype(np.intp) * (ROW_KINDS * shape[2] * shape[3]) + cell
        np.testing.assert_array_equal(
            model.stock_rows.ravel(), np.bincount(flat, minlength=model.stock_rows.size)
        )


@pytest.mark.parametrize("seed", range(20))
def test_poisson_quantile_matches_its_plain_formulation(seed):
    rng = np.random.default_rng(seed)
    n = 400
    mean = rng.choice([0.0, 1e-9, 0.3, 2.0, 15.0, 300.0, 5e4]) * rng.random(n)
    mean[rng.random(n) < 0.2] = 0.0
    u = rng.random(n)
    u[rng.random(n) < 0.05] = 0.0
    np.testing.assert_array_equal(poisson_quantile(u, mean), _plain_poisson_quantile(u, mean))


def test_agenda_pops_distinct_rows_in_push_order():
    rng = np.random.default_rng(3)
    agenda, plain = Agenda(last_month=30), {month: [] for month in range(31)}
    for now in range(0, 30, 3):
        rows = rng.integers(0, 500, rng.integers(0, 60))
        months = (now + rng.integers(0, 40, len(rows))).astype(np.int32)
        agenda.push(0, rows, months, now)
        for row, month in zip(rows.tolist(), months.tolist(), strict=True):
            if month <= 30:
                plain[month].append(row)
    for month in range(31):
        expected = list(dict.fromkeys(plain[month]))  # first occurrences, in order
        assert agenda.pop(0, month).tolist() == expected
    with pytest.raises(ValueError, match="in the past"):
        agenda.push(0, np.array([1]), np.array([2], dtype=np.int32), 3)


def test_uniform_hooks_are_those_of_one_value_bit_for_bit():
    state = PolicyState.neutral()
    assert state.uniform["failure"] == 1.0 and state.uniform["growth"] == 0.0
    state = PolicyState.neutral()
    state.growth = state.growth.copy()
    state.growth[0, 0, 0] = -0.0  # equal to 0.0, not the same bits
    state.opening = state.opening * 1.5
    assert "growth" not in state.uniform and state.uniform["opening"] == 1.5


def _process_state(model: DoublingModel) -> list[np.ndarray]:
    pop, n = model.pop, model.pop.n
    columns = ("due", "clock_origin", "clock_start", "hazard_left", "hazard_mult")
    return [getattr(pop, name)[:n].copy() for name in columns]


def test_solving_with_the_columns_at_hand_equals_reading_them_back():
    """start_process and refresh_process solve from the values they write (fast path); the plain
    formulation writes the columns, then solves from what they give back."""
    fast = DoublingModel(seed=5, scale=400.0, until="2023-12")
    for _ in range(14):
        fast.step()
    plain = copy.deepcopy(fast)
    rng = np.random.default_rng(5)
    t = fast.t + 1
    rows = rng.choice(np.flatnonzero(fast.pop.status[: fast.pop.n] != GONE), 300, replace=False)
    events.refresh_process(fast, rows, t)
    events._settle_process(plain, rows, t)
    events.schedule_process(plain, rows, t)
    left = rng.standard_exponential(len(rows))  # float64: the column keeps float32
    events.start_process(fast, rows, fast.pop.born[rows], t + 1, left, t)
    plain.pop.clock_origin[rows] = plain.pop.born[rows]
    plain.pop.clock_start[rows] = t + 1
    plain.pop.hazard_left[rows] = left
    events.schedule_process(plain, rows, t)
    for a, b in zip(_process_state(fast), _process_state(plain), strict=True):
        np.testing.assert_array_equal(a, b)
    for month in range(t, fast.last_month + 1):
        np.testing.assert_array_equal(
            fast.agenda.pop(STATUS, month), plain.agenda.pop(STATUS, month)
        )


@pytest.mark.parametrize(
    "value", [7, -3, 2.5, np.arange(-5, 5, dtype=np.int16), np.linspace(0.1, 9.7, 10)]
)
@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_a_value_as_stored_is_what_the_column_gives_back(value, dtype):
    column = np.zeros(30, dtype=dtype)
    rows = np.arange(10, 20)
    column[rows] = value
    wanted = np.int32 if dtype == np.int16 else np.float64
    expected = column[rows].astype(wanted)
    np.testing.assert_array_equal(events._stored(value, column, len(rows), wanted), expected)


def test_settling_returns_what_the_columns_give_back():
    model = DoublingModel(seed=6, scale=400.0, until="2023-12")
    for _ in range(10):
        model.step()
    pop, t = model.pop, model.t + 1
    rows = np.flatnonzero(pop.status[: pop.n] != GONE)
    start, left = events._settled(model, rows, t, *events._process_columns(model, rows))
    np.testing.assert_array_equal(start, pop.clock_start[rows].astype(np.int32))
    np.testing.assert_array_equal(left, pop.hazard_left[rows].astype(np.float64))
