"""The events of a month, one function each, vectorised over the entities they concern.

Order within a month (model.DoublingModel.step): policy changes, chain leaders, registration, then the
events falling due: opening, 个转企 conversion, size moves (小升规), ceasing to operate (dormancy),
deregistration or revocation, and hazard refreshes at the end of young-firm windows.
Every function takes the model and the month index `t`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.world import streams
from model.world.agenda import CONVERSION, REHAZARD, SIZE, STATUS
from model.world.clock import NEVER
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
    NEVER_OPENS,
    OPERATING,
    REENTRANT,
    REGISTERED,
    SHELL,
    enterprise_kind,
    is_enterprise,
)
from model.world.parameters import RunRates

if TYPE_CHECKING:
    from model.world.model import DoublingModel

INDUCED_WINDOW_MONTHS = 24  # effect_priors.md §1 row 1b: induced entrants fail more in years 1-2
ENTRY_KIND_OF_ROW_KIND = np.array(
    [ENTRY_INDIVIDUAL] + [ENTRY_ENTERPRISE] * 4 + [ENTRY_COOPERATIVE], dtype=np.int8
)


# --- bookkeeping -------------------------------------------------------------------------------


def add_rows(m: DoublingModel, rows: np.ndarray) -> None:
    """Count rows just appended to the population in the stocks by cell and in employment."""
    m.stock_rows += m.cell_count(m.pop.status[rows], m.pop.kind[rows], rows)
    m.employment.join(rows)


def set_state(m: DoublingModel, rows: np.ndarray, status=None, kind=None) -> None:
    """Change status and/or kind of rows, keeping the stock counts by cell and employment in step."""
    pop = m.pop
    m.stock_rows -= m.cell_count(pop.status[rows], pop.kind[rows], rows)
    m.employment.leave(rows)
    if status is not None:
        pop.status[rows] = status
    if kind is not None:
        pop.kind[rows] = kind
    m.stock_rows += m.cell_count(pop.status[rows], pop.kind[rows], rows)
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


def _failure_multiplier(
    m: DoublingModel, rows: np.ndarray, cells: tuple, month: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Multiplier of the failure hazard of operating rows from `month` on, and the month it next
    changes by age (the end of a young-firm window; NEVER if none)."""
    pop, state = m.pop, m.policy_state
    age = month - pop.born[rows].astype(np.int32)
    fail = state.failure[cells] * m.demography.failure_kind_multiplier[cells[0]]
    edge = np.full(len(rows), NEVER, dtype=np.int32)
    windows = list(state.failure_windows)
    if state.induced_failure != 1.0:
        induced = (pop.flags[rows] & INDUCED) > 0
        windows.append((np.where(induced, state.induced_failure, 1.0), INDUCED_WINDOW_MONTHS))
    for window_mult, max_age in windows:
        value = window_mult[cells] if np.ndim(window_mult) == 3 else window_mult
        active = (age < max_age) & (value != 1.0)
        fail = np.where(active, fail * value, fail)
        edge = np.where(active, np.minimum(edge, month - age + max_age), edge)
    return fail, edge


def start_process(m: DoublingModel, rows: np.ndarray, origin, start: int, left, t: int) -> None:
    """Begin the status process of rows (after a status change) and schedule its event."""
    pop = m.pop
    pop.clock_origin[rows] = origin
    pop.clock_start[rows] = start
    pop.hazard_left[rows] = left
    schedule_process(m, rows, t)


def schedule_process(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Solve the pending status event of rows from their process columns, at the multiplier in
    force from their first month of exposure on, and put it on the agenda."""
    if len(rows) == 0:
        return
    pop, state = m.pop, m.policy_state
    due = np.empty(len(rows), dtype=np.int32)
    boundary = np.full(len(rows), NEVER, dtype=np.int32)
    for code, mask in _by_process(pop.status[rows]):
        r = rows if mask is None else rows[mask]
        cells = (pop.kind[r], pop.sector[r], pop.city[r])
        start = pop.clock_start[r].astype(np.int32)
        if code == OPERATING:
            mult, edge = _failure_multiplier(m, r, cells, np.maximum(start, t))
            boundary[slice(None) if mask is None else mask] = edge
        else:
            mult = (state.opening if code == REGISTERED else state.dormant_exit)[cells]
        mult = mult.astype(np.float32)
        pop.hazard_mult[r] = mult
        origin, left = pop.clock_origin[r].astype(np.int32), pop.hazard_left[r].astype(np.float64)
        due[slice(None) if mask is None else mask] = m.demography.event_month(
            code, cells[0], origin, start, left, mult.astype(np.float64)
        )
    pop.due[rows] = np.minimum(due, NEVER)
    m.agenda.push(STATUS, rows, due, t)
    early = boundary < due
    m.agenda.push(REHAZARD, rows[early], boundary[early], t)


def refresh_process(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Re-solve the pending status event of rows from month t on, after a multiplier change.

    The hazard used up to month t-1 at the old multiplier is subtracted from the threshold, so an
    entity keeps its own draw (common random numbers).
    """
    if len(rows) == 0:
        return
    pop = m.pop
    start = pop.clock_start[rows].astype(np.int32)
    past = start < t
    if past.any():
        used = np.zeros(len(rows))
        for code, mask in _by_process(pop.status[rows]):
            s = past if mask is None else past & mask
            r = rows[s]
            origin, mult = pop.clock_origin[r].astype(np.int32), pop.hazard_mult[r]
            used[s] = m.demography.used(code, pop.kind[r], origin, start[s], t, mult)
        pop.hazard_left[rows] = np.maximum(pop.hazard_left[rows] - used, 0.0)
        pop.clock_start[rows] = np.maximum(start, t)
    schedule_process(m, rows, t)


# --- registration ------------------------------------------------------------------------------


def register(m: DoublingModel, t: int) -> None:
    """Registrations of the month: the no-policy flow, lever-induced entrants, shells, re-entrants
    and chain-leader referrals, each drawn from its own stream (common random numbers)."""
    base = m.entry_rows_per_month * (1.0 + m.rates.entry_trend_per_year) ** (t / 12.0)
    uniform = m.streams.get(streams.ENTRY, t, "counts").random(base.shape)
    n_base = streams.poisson_quantile(uniform, base)
    entry = m.policy_state.entry
    levers = not np.all(entry == 1.0)  # the levers' extra registrations (fewer where entry < 1)
    n_total = streams.poisson_quantile(uniform, base * entry) if levers else n_base
    attributes = m.streams.get(streams.ENTRY, t, "attributes")
    groups = [(_cells_to_rows(np.minimum(n_base, n_total)), 0, attributes)]
    if levers:
        induced = _cells_to_rows(np.maximum(n_total - n_base, 0))
        groups.append((induced, INDUCED, m.streams.get(streams.INDUCED_ENTRY, t)))
    if m.policy_state.shell_share > 0:
        shell_rng = m.streams.get(streams.SHELLS, t)
        shells = shell_rng.poisson(base * m.policy_state.shell_share)
        groups.append((_cells_to_rows(shells), SHELL | INDUCED | NEVER_OPENS, shell_rng))
    reentries = m.pending_reentries.pop(t, [])
    if reentries:
        cells = tuple(np.concatenate(x) for x in zip(*reentries, strict=True))
        groups.append((cells, REENTRANT, m.streams.get(streams.REENTRY, t, "attributes")))
    if m.pending_referrals:
        sector, city = (np.concatenate(x) for x in zip(*m.pending_referrals, strict=True))
        m.pending_referrals.clear()
        entry_kind = np.full(len(sector), ENTRY_ENTERPRISE, dtype=np.int8)
        rng = m.streams.get(streams.CHAIN_LEADERS, t, "referrals")
        groups.append(((entry_kind, sector, city), INDUCED, rng))
    _add_entities(m, t, groups)


def _cells_to_rows(counts: np.ndarray):
    """[entry kind, sector, city] counts -> one (entry kind, sector, city) triple per entity."""
    flat = np.repeat(np.arange(counts.size), counts.ravel())
    entry_kind, sector, city = np.unravel_index(flat, counts.shape)
    return entry_kind.astype(np.int8), sector.astype(np.int8), city.astype(np.int8)


def draw_entities(v: RunRates, entry_kind, rng: np.random.Generator, revenue=None):
    """Kind, revenue, growth and hazard thresholds of new entities (all drawn from `rng`)."""
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


def _new_entities(v: RunRates, t: int, cells, flags: int, rng) -> dict[str, np.ndarray]:
    """Columns of one group of new registrations (all draws from the group's own stream)."""
    entry_kind, sector, city = cells
    drawn = draw_entities(v, entry_kind, rng)
    never = drawn.pop("never_opens") | bool(flags & NEVER_OPENS)
    # log revenue is anchored at t = 0: log_rev0 = log revenue(t) - growth * t / 12
    drawn["log_rev0"] = drawn["log_rev0"] - drawn["growth"] * t / 12.0
    return drawn | {
        "entry_kind": entry_kind,
        "sector": sector,
        "city": city,
        "flags": np.where(never, flags | NEVER_OPENS, flags).astype(np.uint8),
        "never": never,
    }


def _add_entities(m: DoublingModel, t: int, groups) -> None:
    """Append the month's registrations in one go: never-opening ones dormant from the start,
    the others waiting to open."""
    parts = [_new_entities(m.rates, t, *group) for group in groups if len(group[0][0])]
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
    m.flows["new_registered"] += len(rows)
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
    set_state(m, rows, status=OPERATING)
    m.flows["new_opened"] += len(rows)
    m.count_event("opening", rows)
    start_process(m, rows, pop.born[rows], t + 1, pop.draw_fail[rows], t)
    individual = rows[pop.kind[rows] == INDIVIDUAL]
    pop.conv_start[individual] = t + 1
    schedule_conversion(m, individual, t)
    set_growth(m, rows[is_enterprise(pop.kind[rows])], t)


def cease(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Operating entities stop operating and become dormant (still registered, still counted);
    some founders register again later."""
    pop = m.pop
    set_state(m, rows, status=DORMANT)
    # The founder's own uniform decides (the same founders in every scenario, more when the share
    # is raised); rescaled, it gives the delay: geometric, at least 2 months, mean 1 + delay_months.
    share = min(1.0, m.rates.reentry_share * m.policy_state.reentry)
    draw = pop.reentry_draw[rows].astype(np.float64)
    again = rows[draw < share]
    waits = np.log1p(-draw[draw < share] / share) / np.log1p(-1.0 / m.rates.reentry_delay_months)
    delay = 1 + np.maximum(np.ceil(waits), 1).astype(np.int64)
    for month in np.unique(t + delay):
        if month <= m.last_month:
            chosen = again[t + delay == month]
            entry_kind = ENTRY_KIND_OF_ROW_KIND[pop.kind[chosen]]
            m.pending_reentries.setdefault(int(month), []).append(
                (entry_kind, pop.sector[chosen], pop.city[chosen])
            )
    start_process(m, rows, t, t, pop.draw_dormant[rows], t)
    now = rows[pop.due[rows] == t]
    deregister(m, now, t)


def deregister(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Dormant entities leave the register: deregistration (注销, 简易注销) or revocation (吊销)."""
    set_state(m, rows, status=GONE)  # `due` keeps the month of exit
    m.flows["new_exited"] += len(rows)


def schedule_conversion(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    pop = m.pop
    start = np.maximum(pop.conv_start[rows].astype(np.int32), t)
    mult = m.policy_state.conversion[pop.sector[rows], pop.city[rows]]
    pop.conv_mult[rows] = mult
    due = m.demography.conversion.event_month(start, start, pop.conv_left[rows], mult)
    pop.conv_due[rows] = np.minimum(due, NEVER)
    m.agenda.push(CONVERSION, rows, due, t)


def refresh_conversion(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    pop = m.pop
    start = pop.conv_start[rows].astype(np.int32)
    used = m.demography.conversion.used(start, start, t, pop.conv_mult[rows].astype(np.float64))
    pop.conv_left[rows] = np.maximum(pop.conv_left[rows] - np.where(start < t, used, 0.0), 0.0)
    pop.conv_start[rows] = np.maximum(start, t)
    schedule_conversion(m, rows, t)


def convert(m: DoublingModel, t: int) -> None:
    """个转企: operating individual businesses re-register as enterprises (count-neutral); the new
    enterprise starts a new life on the enterprise failure curve."""
    pop = m.pop
    rows = m.agenda.pop(CONVERSION, t)
    rows = rows[
        (pop.conv_due[rows] == t) & (pop.status[rows] == OPERATING) & (pop.kind[rows] == INDIVIDUAL)
    ]
    if len(rows) == 0:
        return
    m.flows["new_individual_to_enterprise"] += len(rows)
    m.count_event("conversion", rows)
    rng = m.streams.get(streams.CONVERSION, t)
    revenue = log_revenue(m, rows, t)
    drawn = draw_entities(m.rates, np.full(len(rows), ENTRY_ENTERPRISE), rng, revenue=revenue)
    pop.log_rev0[rows] = revenue  # individual businesses do not grow: the same revenue
    pop.growth[rows] = 0.0
    set_state(m, rows, kind=drawn["kind"])
    pop.born[rows] = t
    pop.conv_due[rows] = NEVER
    pop.growth_base[rows] = drawn["growth_base"]
    set_growth(m, rows, t)
    start_process(m, rows, t, t + 1, drawn["draw_fail"], t)


def set_growth(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Apply the growth levers to enterprises' revenue growth, keeping revenue continuous, and
    schedule their next size move."""
    pop, state = m.pop, m.policy_state
    base = pop.growth_base[rows].astype(np.float64)
    kind, sector, city = pop.kind[rows], pop.sector[rows], pop.city[rows]
    boost = np.where((kind == MEDIUM) & (base > 0), state.upgrade[sector, city], 1.0)
    new = base * boost + state.growth[kind, sector, city]
    m.employment.leave(rows)
    pop.log_rev0[rows] += (pop.growth[rows] - new) * (t / 12.0)
    pop.growth[rows] = new
    m.employment.join(rows)
    schedule_size_move(m, rows, t)


# The size thresholds next above and below each size band (band i: between thresholds i-1 and i).
_UPPER_THRESHOLD = np.append(LOG_SIZE_THRESHOLDS, np.inf)
_LOWER_THRESHOLD = np.insert(LOG_SIZE_THRESHOLDS, 0, -np.inf)


def schedule_size_move(m: DoublingModel, rows: np.ndarray, t: int) -> None:
    """Next month at which revenue crosses a size threshold (micro/small/medium/规上 lines)."""
    pop = m.pop
    a = pop.log_rev0[rows].astype(np.float64)
    growth = pop.growth[rows].astype(np.float64)
    band = np.searchsorted(LOG_SIZE_THRESHOLDS, log_revenue(m, rows, t), side="right")
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.ceil(12.0 * (_UPPER_THRESHOLD[band] - a) / growth)
        falling = np.floor(12.0 * (_LOWER_THRESHOLD[band] - a) / growth) + 1
    month = np.where(growth > 0, rising, np.where(growth < 0, falling, np.inf))
    month = np.where(np.isfinite(month), np.maximum(month, t + 1), NEVER)
    month = np.minimum(month, NEVER).astype(np.int32)
    pop.size_due[rows] = month
    m.agenda.push(SIZE, rows, month, t)


def move_size(m: DoublingModel, t: int) -> None:
    """Enterprises whose revenue crossed a threshold change size; crossing 20 M yuan is 小升规."""
    pop = m.pop
    rows = m.agenda.pop(SIZE, t)
    rows = rows[(pop.size_due[rows] == t) & (pop.status[rows] == OPERATING)]
    rows = rows[is_enterprise(pop.kind[rows])]
    if len(rows) == 0:
        return
    old = pop.kind[rows].copy()
    new = enterprise_kind(log_revenue(m, rows, t))
    set_state(m, rows, kind=new)
    upgraded = rows[(new == ABOVE_SCALE) & (old != ABOVE_SCALE)]
    m.flows["new_above_scale"] += len(upgraded)
    m.count_event("upgrade", upgraded)
    set_growth(m, rows, t)  # the upgrade lever acts on the 10-20 M band only
    refresh_process(m, rows, t)  # micro firms have their own failure multiplier


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
    if "opening" in changed:
        registered = _in_cells(m, status == REGISTERED, changed["opening"])
        refresh_process(m, registered[(pop.flags[registered] & NEVER_OPENS) == 0], t)
    if "failure" in changed:
        refresh_process(m, _in_cells(m, status == OPERATING, changed["failure"]), t)
    if "dormant_exit" in changed:
        refresh_process(m, _in_cells(m, status == DORMANT, changed["dormant_exit"]), t)
    if "conversion" in changed:
        individual = (status == OPERATING) & (kind == INDIVIDUAL)
        refresh_conversion(m, _in_cells(m, individual, changed["conversion"]), t)
    if "growth" in changed or "upgrade" in changed:
        none = np.zeros(m.policy_state.failure.shape, dtype=bool)
        cells = changed.get("growth", none) | changed.get("upgrade", none)
        set_growth(m, _in_cells(m, (status == OPERATING) & is_enterprise(kind), cells), t)


def _in_cells(m: DoublingModel, selected: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Rows where `selected` (over the population) is true whose [kind, sector, city] is in cells."""
    pop = m.pop
    rows = np.flatnonzero(selected)
    return rows[cells[pop.kind[rows], pop.sector[rows], pop.city[rows]]]
