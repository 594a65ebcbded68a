"""The events of a month, one function each, vectorised over the entities they concern.

Order within a month (model.DoublingModel.step): policy changes; the changes that hold from the
month's start (hazard refreshes at the end of young-firm windows, size moves (小升规), 个转企
conversion), so every re-solved hazard covers the whole month; chain leaders; registration; then
the status events falling due: opening, ceasing to operate (dormancy), deregistration or
revocation. Every function takes the model and the month index `t`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr, ndtri

from model.defaults import DEADLINE
from model.world import streams
from model.world.agenda import CONVERSION, REHAZARD, SIZE, STATUS
from model.world.clock import NEVER, month_index
from model.world.kinds import (
    ABOVE_SCALE,
    COOPERATIVE,
    DORMANT,
    ENTRY_COOPERATIVE,
    ENTRY_ENTERPRISE,
    ENTRY_INDIVIDUAL,
    GONE,
    INDIVIDUAL,
    INDUCED,
    LOG_SIZE_THRESHOLDS,
    MEDIUM,
    MICRO,
    NEVER_OPENS,
    OPERATING,
    REENTRANT,
    REGISTERED,
    SHELL,
    enterprise_kind,
    is_enterprise,
)
from model.world.parameters import RateStack, RowRates

if TYPE_CHECKING:
    from model.world.model import DoublingModel

INDUCED_WINDOW_MONTHS = 24  # effect_priors.md §1 row 1b: induced entrants fail more in years 1-2
ENTRY_KIND_OF_ROW_KIND = np.array(
    [ENTRY_INDIVIDUAL] + [ENTRY_ENTERPRISE] * 4 + [ENTRY_COOPERATIVE], dtype=np.int8
)


# --- bookkeeping -------------------------------------------------------------------------------


def add_rows(m: DoublingModel, rows: np.ndarray) -> None:
    """Count rows just appended to the population in the stocks by cell and in employment."""
    m.count_stock(rows, 1)
    m.employment.join(rows)


def set_status(m: DoublingModel, rows: np.ndarray, old: int, new: int) -> np.ndarray:
    """Move rows, all in status `old`, to status `new`, keeping the stock counts by cell and
    employment in step. Returns the rows' count by [kind, sector, city] cell (flat)."""
    if old == OPERATING:
        m.employment.leave(rows)
    m.pop.status[rows] = new
    counts = m.move_stock(rows, old, new)
    if new == OPERATING:
        m.employment.join(rows)
    return counts


def set_kind(m: DoublingModel, rows: np.ndarray, kind) -> None:
    """Change the kind of rows, keeping the stock counts by cell and employment in step."""
    m.count_stock(rows, -1)
    m.employment.leave(rows)
    m.pop.set_kind(rows, kind)
    m.count_stock(rows, 1)
    m.employment.join(rows)


def log_revenue(m: DoublingModel, rows: np.ndarray, t: int, dtype=np.float64) -> np.ndarray:
    """Log revenue (yuan) of rows in month t."""
    return m.pop.log_rev0[rows].astype(dtype) + m.pop.growth[rows] * (t / 12.0)


# --- hazard processes: one pending status event per entity ------------------------------------

STATUS_PROCESSES = (REGISTERED, OPERATING, DORMANT)  # opening, failure, dormant exit


def _by_process(status: np.ndarray) -> list[tuple[int, np.ndarray | None]]:
    """(status, mask of its rows; None = all rows) for each status process among rows."""
    if len(status) and (status == status[0]).all():
        return [(int(status[0]), None)]
    groups = [(code, status == code) for code in STATUS_PROCESSES]
    return [(code, mask) for code, mask in groups if mask.any()]


class _HookValues:
    """The values of the policy's cell hooks for some rows, by their [kind, sector, city] cell;
    the cells are found only if a hook differs between them (PolicyState.uniform)."""

    def __init__(self, m: DoublingModel, rows: np.ndarray):
        self._m, self._rows = m, rows
        self._cell: np.ndarray | None = None
        self.run = m.run_of(rows)

    def __call__(self, hook: str) -> np.ndarray | np.float64:
        """The rows' values of `hook` (a field of PolicyState): one value for all rows when the
        hook holds one value in every cell, else one per row."""
        state = self._m.policy_state
        value = state.uniform.get(hook)
        if value is not None:
            return value
        return self.take(getattr(state, hook))

    def take(self, by_cell: np.ndarray) -> np.ndarray:
        """The rows' values of a [runs, kinds, sectors, cities] or [runs, 1, sectors, cities]
        array."""
        if self._cell is None:
            self._cell = self._m.pop.cell[self._rows]
        per_run = by_cell[0].size
        cell = self._cell if per_run == self._m.row_cells else self._cell % per_run
        if np.ndim(self.run):
            cell = cell + self.run * per_run
        return by_cell.take(cell)


def _failure_multiplier(
    m: DoublingModel, rows: np.ndarray, kind: np.ndarray, hooks: _HookValues, month: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Multiplier of the failure hazard of operating rows (of `kind`, their `hooks`) from `month`
    on, and the month it next changes by age (the end of a young-firm window; NEVER if none; None
    without windows)."""
    pop, state = m.pop, m.policy_state
    fail = hooks("failure") * m.demography.failure_kind_multiplier(kind, hooks.run)
    windows = list(state.failure_windows)
    if state.induced_quality_differs:
        induced = (pop.flags[rows] & INDUCED) > 0
        windows.append((np.where(induced, hooks("induced_failure"), 1.0), INDUCED_WINDOW_MONTHS))
    if not windows:
        return fail, None
    born = pop.born[rows].astype(np.int32)
    age = month - born
    edge = np.full(len(rows), NEVER, dtype=np.int32)
    for window_mult, max_age in windows:
        value = hooks.take(window_mult) if np.ndim(window_mult) == 4 else window_mult  # by cell
        active = (age < max_age) & (value != 1.0)
        np.multiply(fail, value, out=fail, where=active)
        np.minimum(edge, born + max_age, out=edge, where=active)
    return fail, edge


def _stored(value, column: np.ndarray, n: int, dtype) -> np.ndarray:
    """`value` (one for all n rows, or one each) as `column` gives it back once written, as `dtype`."""
    if np.ndim(value):
        return np.asarray(value).astype(column.dtype, copy=False).astype(dtype)
    return np.full(n, column.dtype.type(value), dtype=dtype)


def start_process(m: DoublingModel, rows: np.ndarray, origin, start: int, left, t: int) -> None:
    """Begin the status process of rows (after a status change) and schedule its event."""
    pop, n = m.pop, len(rows)
    pop.clock_origin[rows] = origin
    pop.clock_start[rows] = start
    pop.hazard_left[rows] = left
    if n == 0:
        return
    origin = _stored(origin, pop.clock_origin, n, np.int32)
    start32 = _stored(start, pop.clock_start, n, np.int32)
    left = _stored(left, pop.hazard_left, n, np.float64)
    _solve_process(m, rows, t, pop.status[rows], pop.kind[rows], origin, start32, left)


def _process_columns(m: DoublingModel, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Status, kind, clock origin, clock start and hazard left of rows, as the solver takes them."""
    pop = m.pop
    return (
        pop.status[rows],
        pop.kind[rows],
        pop.clock_origin[rows].astype(np.int32),
        pop.clock_start[rows].astype(np.int32),
        pop.hazard_left[rows].astype(np.float64),
    )


def schedule_process(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Solve the pending status event of rows from their process columns, at the multiplier in
    force from their first month of exposure on, and put it on the agenda."""
    if len(rows):
        _solve_process(m, rows, t, *_process_columns(m, rows))


def _solve_process(m: DoublingModel, rows, t: int, status, kind, origin, start, left) -> None:
    """schedule_process with the rows' process columns at hand."""
    pop = m.pop
    mult = np.empty(len(rows), dtype=np.float32)
    boundary = None
    fail: np.ndarray | np.float64  # one value for all rows of a process, or one each
    processes = _by_process(status)
    for code, mask in processes:
        r = rows if mask is None else rows[mask]
        hooks = _HookValues(m, r)
        if code == OPERATING:
            s = start if mask is None else start[mask]
            k = kind if mask is None else kind[mask]
            fail, edge = _failure_multiplier(m, r, k, hooks, np.maximum(s, t))
            if edge is not None:
                if boundary is None:
                    boundary = np.full(len(rows), NEVER, dtype=np.int32)
                boundary[slice(None) if mask is None else mask] = edge
        elif code == REGISTERED:
            fail = hooks("opening")
        else:  # the clean-up (吊销) reaches entities that never operated
            never = (pop.flags[r] & NEVER_OPENS) > 0
            fail = hooks("dormant_exit") * np.where(never, hooks("cleanup"), 1.0)
        mult[slice(None) if mask is None else mask] = fail
    pop.hazard_mult[rows] = mult
    if len(processes) == 1:  # one status for all rows
        status = processes[0][0]
    run = m.run_of(rows)
    due = m.demography.event_month(status, kind, origin, start, left, mult.astype(np.float64), run)
    pop.due[rows] = np.minimum(due, NEVER)
    m.agenda.push(STATUS, rows, due, t)
    if boundary is not None:
        early = boundary < due
        m.agenda.push(REHAZARD, rows[early], boundary[early], t)


def refresh_process(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Re-solve the pending status event of rows from month t on, after a multiplier change."""
    if len(rows):
        status, kind, origin, start, left = _process_columns(m, rows)
        start, left = _settled(m, rows, t, status, kind, origin, start, left)
        _solve_process(m, rows, t, status, kind, origin, start, left)


def _settle_process(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Subtract the hazard used up to month t-1 at the multiplier (and kind) it was solved with
    from the rows' thresholds, and restart their clocks at t: an entity keeps its own draw
    (common random numbers)."""
    if len(rows):
        _settled(m, rows, t, *_process_columns(m, rows))


def _settled(m: DoublingModel, rows, t: int, status, kind, origin, start, left):
    """_settle_process with the rows' process columns at hand; returns their clock start and
    hazard left after it (as the columns give them back)."""
    past = start < t
    if not past.any():
        return start, left
    pop = m.pop
    used = m.demography.used(status, kind, origin, start, t, pop.hazard_mult[rows], m.run_of(rows))
    if not past.all():  # a clock starting at t or later has used nothing (cheaper than a subset)
        used[~past] = 0.0
    left -= used
    stored = np.maximum(left, 0.0, out=left).astype(np.float32)
    pop.hazard_left[rows] = stored
    start = np.maximum(start, t)
    pop.clock_start[rows] = start
    return start, stored.astype(np.float64)


# --- registration ------------------------------------------------------------------------------


def register(m: DoublingModel, t: int) -> None:
    """Registrations of the month: the no-policy flow, lever-induced entrants, shells, re-entrants
    and chain-leader referrals, each drawn from its own stream (common random numbers).

    Levers set entry by the size class an entrant registers in (PolicyState.entry): an enterprise
    cell's registrations are multiplied by the mean multiplier over the classes new enterprises
    fall in, and the extra entrants fall in the classes the levers raise, in proportion to each
    class's share of new enterprises times its rise. Counts are by [run, entry kind, sector, city].
    """
    state = m.policy_state
    trend = m.stacked_rates.by_run("entry_trend_per_year").tolist()
    growth = np.array([(1.0 + rate) ** (t / 12.0) for rate in trend])
    base = m.entry_rows_per_month * growth[:, None, None, None]
    uniform = m.streams.uniforms(base.shape[1:], streams.ENTRY, t, "counts")
    n_base = streams.poisson_quantile(uniform, base)
    # The no-policy entrants: the same counts, so the same entities, in every scenario; where
    # levers lower entry, the last ones of a cell stay away.
    attributes = m.streams.keys(streams.ENTRY, t, "attributes")
    groups = [Entrants(_cells_to_rows(n_base), 0, attributes)]
    if state.entry_differs:
        multiplier = _per_entry_kind(m, state.entry)
        n_total = streams.poisson_quantile(uniform, base * multiplier)
        if (n_total < n_base).any():
            groups[0] = Entrants(
                groups[0].cells, 0, attributes, keep=_first_of_cells(n_base, n_total)
            )
        rise = np.maximum(state.entry[:, ENTERPRISE_KINDS_SLICE] - 1.0, 0.0)
        induced = _cells_to_rows(np.maximum(n_total - n_base, 0))
        groups.append(Entrants(induced, INDUCED, m.streams.keys(streams.INDUCED_ENTRY, t), rise))
    if state.shells_registered:
        u = m.streams.uniforms(base.shape[1:], streams.SHELLS, t, "counts")
        share_of_city = base / base.sum(axis=(1, 2), keepdims=True)
        gap = _gap_to_doubling_path(m, t)[:, None, None, :] * share_of_city
        shells = streams.poisson_quantile(u, gap * _per_entry_kind(m, state.shell_share))
        key = m.streams.keys(streams.SHELLS, t)
        weights = state.shell_share[:, ENTERPRISE_KINDS_SLICE]
        groups.append(Entrants(_cells_to_rows(shells), SHELL | INDUCED | NEVER_OPENS, key, weights))
    for flags, purpose in ((REENTRANT, "attributes"), (REENTRANT | INDUCED, "induced")):
        founders = m.pending_reentries.pop((t, flags), [])
        if founders:
            *cells, founder = (np.concatenate(x) for x in zip(*founders, strict=True))
            order = founder.argsort()  # founders in row order: the same in every scenario
            cells = [cell[order] for cell in cells]
            key = m.streams.keys(streams.REENTRY, t, purpose)
            groups.append(Entrants(tuple(cells), flags, key))
    if m.pending_referrals:
        run, sector, city = (np.concatenate(x) for x in zip(*m.pending_referrals, strict=True))
        m.pending_referrals.clear()
        entry_kind = np.full(len(sector), ENTRY_ENTERPRISE, dtype=np.int8)
        key = m.streams.keys(streams.CHAIN_LEADERS, t, "referrals")
        groups.append(Entrants((run, entry_kind, sector, city), INDUCED, key))
    _add_entities(m, t, groups)


ENTERPRISE_KINDS_SLICE = slice(MICRO, ABOVE_SCALE + 1)
DOUBLING_MONTHS = month_index(DEADLINE) + 1  # end-2020 to the deadline (十四五: 2021-2025)


def _gap_to_doubling_path(m: DoublingModel, t: int) -> np.ndarray:
    """Rows by which each city's register falls short of its doubling path in month t, by [run,
    city]: the path the annual assessments (目标责任考核, art. 47) hold it to, geometric from its
    end-2020 count to twice that at the deadline."""
    path = m.city_start * 2.0 ** ((t + 1) / DOUBLING_MONTHS)
    return np.maximum(path - m.registered_by_city(), 0.0) / m.scale


def _cells_to_rows(counts: np.ndarray):
    """[run, entry kind, sector, city] counts -> one (run, entry kind, sector, city) per entity,
    grouped by run."""
    flat = np.arange(counts.size).repeat(counts.ravel())
    run, entry_kind, sector, city = np.unravel_index(flat, counts.shape)
    return (
        run.astype(np.int16),
        entry_kind.astype(np.int8),
        sector.astype(np.int8),
        city.astype(np.int8),
    )


@dataclass(frozen=True)
class Entrants:
    """One group of registrations: (run, entry kind, sector, city) per entity, its flags, the key
    of its draws by entity in each run (streams.KeyedDraws), optionally for enterprises the [run,
    size class, sector, city] weights of the class they register in (None: the class their
    revenue falls in), and optionally which of the drawn entities register (None: all)."""

    cells: tuple[np.ndarray, ...]  # run, entry kind, sector, city
    flags: int
    draws: np.ndarray  # uint64 key by run
    class_weights: np.ndarray | None = None
    keep: np.ndarray | None = None


def _first_of_cells(drawn: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Mask over the entities of _cells_to_rows(drawn) (grouped by cell) keeping the first
    `kept` of each cell."""
    cell = np.arange(drawn.size).repeat(drawn.ravel())
    return streams.rank_in_cell(cell) < kept.ravel()[cell]


@functools.cache
def _class_bounds(median_yuan: float, sigma: float) -> np.ndarray:
    """Standard-normal CDF of new enterprises' log revenue at the size-class bounds (0 and 1 at
    the ends): class k holds the draws between bounds k and k + 1."""
    z = (LOG_SIZE_THRESHOLDS - np.log(median_yuan)) / sigma
    return np.concatenate([[0.0], ndtr(z), [1.0]])


def _bounds_by_run(v: RateStack) -> np.ndarray:
    """_class_bounds of each run's new enterprises, [run, bound]."""
    medians = v.by_run("revenue_median_new_enterprise_yuan").tolist()
    sigmas = v.by_run("revenue_sigma_new_enterprise").tolist()
    return np.stack([_class_bounds(a, b) for a, b in zip(medians, sigmas, strict=True)])


def _per_entry_kind(m: DoublingModel, by_kind: np.ndarray) -> np.ndarray:
    """[run, row kinds, sectors, cities] values -> [run, entry kinds, sectors, cities]: an
    enterprise cell gets the mean over size classes weighted by new enterprises' class shares."""
    shares = np.diff(_bounds_by_run(m.stacked_rates), axis=1)  # [run, size class]
    classes = by_kind[:, ENTERPRISE_KINDS_SLICE]
    enterprise = sum(shares[:, k, None, None] * classes[:, k] for k in range(classes.shape[1]))
    return np.stack([by_kind[:, INDIVIDUAL], enterprise, by_kind[:, COOPERATIVE]], axis=1)


def _revenue_in_classes(
    m: DoublingModel, weights: np.ndarray, run, sector: np.ndarray, city: np.ndarray, draws
) -> np.ndarray:
    """Log revenue of new enterprises whose size class is drawn with probability proportional to
    class share x weights[run, class, sector, city], then the revenue within the class (the
    lognormal of new enterprises truncated to the class)."""
    n = len(sector)
    bounds = np.broadcast_to(
        _bounds_by_run(m.stacked_rates)[run], (n, len(LOG_SIZE_THRESHOLDS) + 2)
    )
    mass = np.diff(bounds, axis=1).T * weights[run, :, sector, city].T  # [class, entity]
    cumulative = np.cumsum(mass, axis=0)
    pick = draws.random(n) * cumulative[-1]
    size_class = (pick[None, :] >= cumulative).sum(axis=0)
    entity = np.arange(n)
    low, high = bounds[entity, size_class], bounds[entity, size_class + 1]
    v = m.stacked_rates.of(run)
    u = np.clip(low + (high - low) * draws.random(len(sector)), 1e-12, 1.0 - 1e-12)
    return np.log(v.revenue_median_new_enterprise_yuan) + v.revenue_sigma_new_enterprise * ndtri(u)


ENTITY_DRAWS = 8  # the draws draw_entities makes per entity


def draw_entities(
    v: RowRates, entry_kind, rng: np.random.Generator | streams.KeyedDraws, revenue=None
):
    """Kind, revenue, growth and hazard thresholds of new entities (all drawn from `rng`; `v`:
    the parameter values of their runs)."""
    n = len(entry_kind)
    individual = entry_kind == ENTRY_INDIVIDUAL
    enterprise = entry_kind == ENTRY_ENTERPRISE
    if revenue is None:
        median = np.where(
            enterprise, v.revenue_median_new_enterprise_yuan, v.revenue_median_individual_yuan
        )
        sigma = np.where(enterprise, v.revenue_sigma_new_enterprise, v.revenue_sigma_individual)
        revenue = np.log(median) + sigma * rng.standard_normal(n)
    kind = np.where(
        enterprise, enterprise_kind(revenue), np.where(individual, INDIVIDUAL, COOPERATIVE)
    ).astype(np.int8)
    growth = np.where(
        enterprise,
        v.growth_mean_enterprise + v.growth_sd_enterprise * rng.standard_normal(n),
        0.0,
    )
    return {
        "kind": kind,
        "log_rev0": revenue,
        "growth_base": growth,
        "growth": growth,
        "draw_fail": rng.standard_exponential(n, dtype=np.float32),
        "draw_dormant": rng.standard_exponential(n, dtype=np.float32),
        "conv_left": rng.standard_exponential(n, dtype=np.float32),
        "never_opens": rng.random(n, dtype=np.float32) < v.never_open_share,
        "open_draw": rng.standard_exponential(n, dtype=np.float32),
        "reentry_draw": rng.random(n, dtype=np.float32),
    }


def _new_entities(m: DoublingModel, t: int, group: Entrants) -> dict[str, np.ndarray]:
    """Columns of one group of new registrations (all draws from the group's own streams)."""
    run, entry_kind, sector, city = group.cells
    flags, draws = group.flags, group.draws
    row_run = _runs_of(m, run)
    ids = streams.ranked_ids(_cell_id(entry_kind, sector, city), _stacked(m, run))
    keyed = streams.KeyedDraws(draws[row_run], ids, block=ENTITY_DRAWS)
    drawn = draw_entities(m.stacked_rates.of(row_run), entry_kind, keyed)
    if group.class_weights is not None:  # enterprises register in the classes the weights favour
        firms = np.flatnonzero(entry_kind == ENTRY_ENTERPRISE)
        firm_run = _runs_of(m, run[firms])
        ids = streams.ranked_ids(
            _cell_id(entry_kind[firms], sector[firms], city[firms]), _stacked(m, run[firms])
        )
        firm_draws = streams.KeyedDraws((draws ^ np.uint64(1))[firm_run], ids, block=2)
        weights = group.class_weights
        revenue = _revenue_in_classes(m, weights, firm_run, sector[firms], city[firms], firm_draws)
        drawn["log_rev0"][firms] = revenue
        drawn["kind"][firms] = enterprise_kind(revenue)
    never = drawn.pop("never_opens") | bool(flags & NEVER_OPENS)
    # log revenue is anchored at t = 0: log_rev0 = log revenue(t) - growth * t / 12
    drawn["log_rev0"] = drawn["log_rev0"] - drawn["growth"] * t / 12.0
    columns = drawn | {
        "run": run,
        "entry_kind": entry_kind,
        "sector": sector,
        "city": city,
        "flags": np.where(never, flags | NEVER_OPENS, flags).astype(np.uint8),
        "never": never,
    }
    keep = group.keep
    return columns if keep is None else {name: value[keep] for name, value in columns.items()}


def _runs_of(m: DoublingModel, run: np.ndarray) -> np.ndarray | int:
    """`run` (the runs of some entities) to index by-run arrays with: one for all in one run."""
    return run if len(m.runs) > 1 else 0


def _stacked(m: DoublingModel, run: np.ndarray) -> np.ndarray | None:
    """`run` to rank entities within their run by (None: one run)."""
    return run if len(m.runs) > 1 else None


def _add_entities(m: DoublingModel, t: int, groups) -> None:
    """Append the month's registrations in one go: never-opening ones dormant from the start,
    the others waiting to open."""
    parts = [_new_entities(m, t, group) for group in groups if len(group.cells[0])]
    parts = [part for part in parts if len(part["never"])]
    if not parts:
        return
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    never, open_draw = columns.pop("never"), columns.pop("open_draw")
    columns.pop("entry_kind")
    rows = m.pop.append(
        born=np.full(len(never), t),
        status=np.where(never, DORMANT, REGISTERED),
        **columns,
    )
    add_rows(m, rows)
    flags = columns["flags"]
    shells = rows[(flags & SHELL) > 0]
    m.shell_rows += m.count_by_run(shells)
    m.count_flow("new_shell", shells)
    m.count_flow("new_induced", rows[(flags & INDUCED) > 0])
    m.count_flow("new_registered", rows)
    m.count_event("registration", rows)
    left = np.where(never, columns["draw_dormant"], open_draw)
    start_process(m, rows, t, t, left, t)


# --- events falling due ------------------------------------------------------------------------


def status_events(m: DoublingModel, t: int) -> None:
    """Opening, ceasing to operate and exit of the entities whose status event falls in month t."""
    rows = m.agenda.pop(STATUS, t)
    pop = m.pop
    rows = rows[(pop.due[rows] == t) & (pop.status[rows] != GONE)]
    status = pop.status[rows]
    open_rows(m, rows[status == REGISTERED], t)
    cease(m, rows[status == OPERATING], t)
    deregister(m, rows[status == DORMANT], t)


def open_rows(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Registered entities start operating (开业); exposure to failure starts next month."""
    pop = m.pop
    opened = set_status(m, rows, REGISTERED, OPERATING)
    m.count_flow("new_opened", rows)
    m.count_event_cells("opening", opened)
    start_process(m, rows, pop.born[rows], t + 1, pop.draw_fail[rows], t)
    individual = rows[pop.kind[rows] == INDIVIDUAL]
    pop.conv_start[individual] = t + 1
    schedule_conversion(m, individual, t)
    set_growth(m, rows[is_enterprise(pop.kind[rows])], t)


def cease(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Operating entities stop operating and become dormant (still registered, still counted);
    some founders register again later."""
    pop = m.pop
    set_status(m, rows, OPERATING, DORMANT)
    schedule_reentries(m, rows, t)
    start_process(m, rows, t, t, pop.draw_dormant[rows], t)
    now = rows[pop.due[rows] == t]
    deregister(m, now, t)


def schedule_reentries(m: DoublingModel, rows: np.ndarray, ceased) -> None:
    """Some founders of entities that stopped operating in month `ceased` (one per row, or one
    for all) register again later, in the simulated months.

    The founder's own uniform decides (the same founders in every scenario, more when a lever
    raises the share: those are induced re-entrants, drawn apart); rescaled, it gives the delay:
    geometric, at least 2 months, mean 1 + delay_months.
    """
    pop = m.pop
    v = m.stacked_rates.of(m.run_of(rows))
    base_share = np.broadcast_to(v.reentry_share, len(rows))
    kind = pop.kind[rows]
    share = np.minimum(1.0, base_share * _HookValues(m, rows)("reentry"))
    draw = pop.reentry_draw[rows].astype(np.float64)
    again = (draw < share).nonzero()[0]
    delay = np.broadcast_to(v.reentry_delay_months, len(rows))[again]
    waits = np.log1p(-draw[again] / share[again]) / np.log1p(-1.0 / delay)
    ceased = ceased[again] if np.ndim(ceased) else ceased
    month = (ceased + 1 + np.maximum(np.ceil(waits), 1)).astype(np.int64)
    flags = np.where(draw[again] >= base_share[again], REENTRANT | INDUCED, REENTRANT)
    simulated = ((month >= 0) & (month <= m.last_month)).nonzero()[0]
    if len(simulated) == 0:
        return
    by_key = simulated[(month[simulated] * 256 + flags[simulated]).argsort(kind="stable")]
    month, flags, again = month[by_key], flags[by_key], again[by_key]  # by month, then flags
    founders, entry_kind = rows[again], ENTRY_KIND_OF_ROW_KIND[kind[again]]
    run, sector, city = pop.run[founders], pop.sector[founders], pop.city[founders]
    cuts = (((month[1:] != month[:-1]) | (flags[1:] != flags[:-1])).nonzero()[0] + 1).tolist()
    for begin, end in zip([0, *cuts], [*cuts, len(founders)], strict=True):
        cells = (run, entry_kind, sector, city, founders)
        group = tuple(column[begin:end] for column in cells)
        key = (int(month[begin]), int(flags[begin]))
        m.pending_reentries.setdefault(key, []).append(group)


def deregister(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Dormant entities leave the register: deregistration (注销, 简易注销) or revocation (吊销)."""
    set_status(m, rows, DORMANT, GONE)  # `due` keeps the month of exit
    m.count_flow("new_exited", rows)
    m.shell_rows -= m.count_by_run(rows[(m.pop.flags[rows] & SHELL) > 0])


def schedule_conversion(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    pop = m.pop
    start = np.maximum(pop.conv_start[rows].astype(np.int32), t)
    mult = _HookValues(m, rows)("conversion")
    pop.conv_mult[rows] = mult
    due = m.demography.conversion_month(start, pop.conv_left[rows], mult, m.run_of(rows))
    pop.conv_due[rows] = np.minimum(due, NEVER)
    m.agenda.push(CONVERSION, rows, due, t)


def refresh_conversion(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    pop = m.pop
    start = pop.conv_start[rows].astype(np.int32)
    mult = pop.conv_mult[rows].astype(np.float64)
    used = m.demography.conversion_used(start, t, mult, m.run_of(rows))
    pop.conv_left[rows] = np.maximum(pop.conv_left[rows] - np.where(start < t, used, 0.0), 0.0)
    pop.conv_start[rows] = np.maximum(start, t)
    schedule_conversion(m, rows, t)


def convert(m: DoublingModel, t: int) -> None:
    """个转企: operating individual businesses re-register as enterprises (count-neutral).

    Assumption: the converter keeps its history. It is the same business with the same owner, now
    incorporated, so its age and the hazard it has already survived carry over; from month t on it
    faces the enterprise failure curve at its own age, and it draws an enterprise's revenue growth.
    """
    pop = m.pop
    rows = np.sort(m.agenda.pop(CONVERSION, t))
    rows = rows[
        (pop.conv_due[rows] == t) & (pop.status[rows] == OPERATING) & (pop.kind[rows] == INDIVIDUAL)
    ]
    if len(rows) == 0:
        return
    m.count_flow("new_individual_to_enterprise", rows)
    m.count_event("conversion", rows)
    run = pop.run[rows]
    cell = streams.ranked_ids(_cell_id(pop.sector[rows], pop.city[rows]), _stacked(m, run))
    key = m.streams.keys(streams.CONVERSION, t)[_runs_of(m, run)]
    draws = streams.KeyedDraws(key, cell, block=1)
    v = m.stacked_rates.of(_runs_of(m, run))
    revenue = log_revenue(m, rows, t)  # individual businesses do not grow: the same revenue
    _settle_process(m, rows, t)  # the hazard used so far, on the individual-business curve
    pop.log_rev0[rows] = revenue
    pop.growth[rows] = 0.0
    set_kind(m, rows, enterprise_kind(revenue))
    pop.conv_due[rows] = NEVER
    growth = v.growth_mean_enterprise + v.growth_sd_enterprise * draws.standard_normal(len(rows))
    pop.growth_base[rows] = growth
    set_growth(m, rows, t)
    schedule_process(m, rows, t)


def _cell_id(*codes: np.ndarray) -> np.ndarray:
    """One integer per entity from its small category codes (kind, sector, city: < 256 each)."""
    cell = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:
        cell = cell * 256 + code.astype(np.int64)
    return cell


def set_growth(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Apply the growth levers to enterprises' revenue growth, keeping revenue continuous, and
    schedule their next size move. A size move falling due first takes effect (the size class is
    the band of revenue in month t), so no re-solve drops a 小升规."""
    pop = m.pop
    moved = _move_to_revenue_band(m, rows, t)
    hooks = _HookValues(m, rows)  # of the size class in month t
    base = pop.growth_base[rows].astype(np.float64)
    boost = np.where((pop.kind[rows] == MEDIUM) & (base > 0), hooks("upgrade"), 1.0)
    new = base * boost + hooks("growth")
    m.employment.leave(rows)
    pop.log_rev0[rows] += (pop.growth[rows] - new) * (t / 12.0)
    pop.growth[rows] = new
    m.employment.join(rows)
    schedule_size_move(m, rows, t)
    refresh_process(m, moved, t)  # micro firms have their own failure multiplier


def _move_to_revenue_band(m: DoublingModel, rows: np.ndarray, t: int) -> np.ndarray:
    """Set enterprises' size class to the band of their revenue in month t; crossing 20 M yuan
    upwards is 小升规. Returns the rows whose class changed."""
    pop = m.pop
    old = pop.kind[rows]
    new = enterprise_kind(log_revenue(m, rows, t))
    changed = new != old
    if not changed.any():
        return rows[changed]
    moved = rows[changed]
    set_kind(m, moved, new[changed])
    upgraded = moved[(new[changed] == ABOVE_SCALE) & (old[changed] != ABOVE_SCALE)]
    m.count_flow("new_above_scale", upgraded)
    m.count_event("upgrade", upgraded)
    return moved


# The size thresholds next above and below each size band (band i: between thresholds i-1 and i).
_UPPER_THRESHOLD = np.append(LOG_SIZE_THRESHOLDS, np.inf)
_LOWER_THRESHOLD = np.insert(LOG_SIZE_THRESHOLDS, 0, -np.inf)


def schedule_size_move(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Next month at which revenue crosses a size threshold (micro/small/medium/规上 lines)."""
    pop = m.pop
    a, growth = pop.log_rev0[rows].astype(np.float64), pop.growth[rows]
    revenue = a + growth * (t / 12.0)  # log_revenue(m, rows, t) from the columns read once
    band = LOG_SIZE_THRESHOLDS.searchsorted(revenue, side="right")
    growth = growth.astype(np.float64)
    rising = growth > 0
    threshold = np.where(rising, _UPPER_THRESHOLD[band], _LOWER_THRESHOLD[band])  # the one ahead
    months = np.full(len(rows), np.inf)  # to the threshold; never without growth
    np.divide(12.0 * (threshold - a), growth, out=months, where=growth != 0)
    month = np.where(rising, np.ceil(months), np.floor(months) + 1)
    month = np.where(np.isfinite(month), np.maximum(month, t + 1), NEVER)
    month = np.minimum(month, NEVER).astype(np.int32)
    pop.size_due[rows] = month
    m.agenda.push(SIZE, rows, month, t)


def move_size(m: DoublingModel, t: int) -> None:
    """Enterprises whose revenue crossed a threshold change size (set_growth); crossing 20 M yuan
    is 小升规, and the upgrade lever acts on the 10-20 M band only."""
    pop = m.pop
    rows = m.agenda.pop(SIZE, t)
    rows = rows[(pop.size_due[rows] == t) & (pop.status[rows] == OPERATING)]
    set_growth(m, rows[is_enterprise(pop.kind[rows])], t)


def rehazard(m: DoublingModel, t: int) -> None:
    """Entities leaving a young-firm window (a lever's max_age_months) get their hazard re-solved."""
    rows = m.agenda.pop(REHAZARD, t)
    refresh_process(m, rows[m.pop.status[rows] == OPERATING], t)


# --- policy changes ----------------------------------------------------------------------------


def apply_policy_change(m: DoublingModel, t: int, changed: dict[str, np.ndarray]) -> None:
    """Re-solve the events of the entities in the cells whose hook values changed in month t
    (`changed`: hook -> [kinds, sectors, cities] mask, PolicyState.changed_cells)."""
    pop = m.pop
    status = pop.status[: pop.n]
    kind = pop.kind[: pop.n]
    cell = m.cells_of(slice(0, pop.n))  # read before the last re-solve (set_growth) changes kinds
    if "opening" in changed:
        registered = _in_cells(status == REGISTERED, changed["opening"], cell)
        refresh_process(m, registered[(pop.flags[registered] & NEVER_OPENS) == 0], t)
    if "failure" in changed:
        refresh_process(m, _in_cells(status == OPERATING, changed["failure"], cell), t)
    dormant_cells = _either(changed, "dormant_exit", "cleanup")
    if dormant_cells is not None:
        refresh_process(m, _in_cells(status == DORMANT, dormant_cells, cell), t)
    if "conversion" in changed:
        individual = (status == OPERATING) & (kind == INDIVIDUAL)
        refresh_conversion(m, _in_cells(individual, changed["conversion"], cell), t)
    growth_cells = _either(changed, "growth", "upgrade")
    if growth_cells is not None:
        operating_enterprise = (status == OPERATING) & is_enterprise(kind)
        set_growth(m, _in_cells(operating_enterprise, growth_cells, cell), t)


def _either(changed: dict[str, np.ndarray], *hooks: str) -> np.ndarray | None:
    """The cells where any of `hooks` changed; None if none did."""
    masks = [changed[hook] for hook in hooks if hook in changed]
    return np.logical_or.reduce(masks) if masks else None


def _in_cells(selected: np.ndarray, cells: np.ndarray, cell: np.ndarray) -> np.ndarray:
    """Rows where `selected` (over the population) is true whose flat [run, kind, sector, city]
    `cell` is in `cells` (a mask over the cells)."""
    return np.flatnonzero(selected & cells.take(cell))
