"""The end-2020 starting stock: entities by kind, sector, city and age, with histories drawn from the
same hazards the simulation uses. Ages and statuses are those the model's own rates imply: the
entities registered a months before 2021 (in proportion to the entries of that month, growing at
the pre-2021 trend) that are still in the register at the end of 2020, kind by kind. So the stock
is in step with the flows of 2021 (no start-up transient), and whether each entity is operating,
dormant or not yet open follows from the demography rather than being set by hand.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from model.world import events
from model.world.agenda import STATUS
from model.world.clock import NEVER
from model.world.demography import FAILURE_CURVE_OF_KIND
from model.world.hazards import MAX_AGE_MONTHS
from model.world.kinds import (
    DORMANT,
    ENTRY_COOPERATIVE,
    ENTRY_ENTERPRISE,
    ENTRY_INDIVIDUAL,
    INDIVIDUAL,
    NEVER_OPENS,
    OPERATING,
    REGISTERED,
    is_enterprise,
)
from model.world.parameters import RowRates

if TYPE_CHECKING:
    from model.world.model import DoublingModel

CHUNK_ROWS = 250_000  # rows built at a time (bounds peak memory at full scale)
CANDIDATE_ROWS = 4_000  # candidate histories solved per round of redraws (speed only)
THRESHOLDS = ("open_draw", "draw_fail", "draw_dormant")  # the unit-exponential draws of a history
DRAWS = (*THRESHOLDS, "never_opens")  # ... and whether it never opens


def _vector_choice(cumulative: np.ndarray, entry_kind: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category of each row drawn from its entry kind's cumulative shares (row k of `cumulative`)
    at uniform u: one search in the rows laid end to end, each shifted by its index."""
    kinds, categories = cumulative.shape
    shifted = (cumulative + np.arange(kinds)[:, None]).ravel()
    kind = entry_kind.astype(np.int64)
    return np.searchsorted(shifted, u + kind, side="right") - kind * categories


def _registration_months(v: RowRates, rng, n: int) -> np.ndarray:
    """Registration months before 2021 (-1 = 2020-12) of past entries: age a months with
    probability in proportion to (1 + entry_trend_pre_2021_per_year)^(-a/12), the entries of that
    month relative to those of 2020-12 (a geometric law: the whole part of an exponential age)."""
    per_month = np.log1p(v.entry_trend_pre_2021_per_year) / 12.0
    age = np.minimum(rng.standard_exponential(n) / per_month, MAX_AGE_MONTHS - 1)
    return -1 - age.astype(np.int32)


def _histories(m: DoublingModel, run: int, drawn: dict, rng) -> dict[str, np.ndarray]:
    """Registration, opening, failure and exit months of entities in the register at the end of
    2020 (see _group_histories), for rows grouped by entry kind: each group is drawn apart, so
    that every call solves a single failure curve (Demography's path without masks)."""
    kind = drawn["kind"]
    edges = [0, *(np.flatnonzero(np.diff(FAILURE_CURVE_OF_KIND[kind])) + 1), len(kind)]
    parts = [
        _group_histories(m, run, {name: drawn[name][a:b] for name in ("kind", *DRAWS)}, rng)
        for a, b in itertools.pairwise(edges)
    ]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _group_histories(m: DoublingModel, run: int, drawn: dict, rng) -> dict[str, np.ndarray]:
    """A past entry (month and history) is drawn, and drawn again while it has left the register
    by the end of 2020 (rejection sampling, kind by kind: the density of age a is the entries of
    a months ago times the probability of still being registered at age a). Redrawn thresholds
    are written into `drawn`. A round tries several candidates per entity when few are left, so
    the tail takes few rounds."""
    kind, v = drawn["kind"], m.stacked_rates.of(run)
    history = _history(m, run, kind, _registration_months(v, rng, len(kind)), drawn)
    todo = np.flatnonzero(~history.pop("kept"))
    while len(todo):
        candidates = max(CANDIDATE_ROWS // len(todo), 1)
        each = np.repeat(todo, candidates)
        fresh = {name: rng.standard_exponential(len(each)) for name in THRESHOLDS}
        fresh["never_opens"] = rng.random(len(each)) < v.never_open_share
        trial = _history(m, run, kind[each], _registration_months(v, rng, len(each)), fresh)
        kept = trial.pop("kept").reshape(len(todo), candidates)
        found = kept.any(axis=1)
        chosen = np.flatnonzero(found) * candidates + kept.argmax(axis=1)[found]  # first kept
        for columns, source in ((drawn, fresh), (history, trial)):
            for name in source:
                columns[name][todo[found]] = source[name][chosen]
        todo = todo[~found]
    return history


def _history(m: DoublingModel, run: int, kind, born, drawn: dict) -> dict[str, np.ndarray]:
    """Months of opening, ceasing to operate and exit of entities registered in month `born`, and
    whether each is still in the register at the end of 2020 (`kept`). An entity dormant by then
    is kept if its dormant-exit threshold exceeds the hazard accumulated up to 2020-12 (its exit
    month is in 2021 or later); the exit month is solved only for those (NEVER for the others)."""
    demo, one = m.demography, np.ones(len(born))
    mult = demo.failure_kind_multiplier(kind, run)
    never = drawn["never_opens"]
    opened = np.where(
        never, NEVER, demo.event_month(REGISTERED, kind, born, born, drawn["open_draw"], one, run)
    )
    ceased = demo.event_month(OPERATING, kind, born, opened + 1, drawn["draw_fail"], mult, run)
    ceased = np.where(never, born, ceased)
    dormant = ceased < 0
    at = ceased[dormant]
    used = demo.used(DORMANT, kind[dormant], at, at, 0, one[dormant], run)
    kept = ~dormant
    kept[dormant] = drawn["draw_dormant"][dormant] > used
    exited = np.full(len(born), NEVER, dtype=np.int32)
    solve = dormant & kept
    at = ceased[solve]
    exited[solve] = demo.event_month(
        DORMANT, kind[solve], at, at, drawn["draw_dormant"][solve], one[solve], run
    )
    return {"born": born, "opened": opened, "ceased": ceased, "exited": exited, "kept": kept}


def add_starting_stock(m: DoublingModel, run: int, total: float, rng: np.random.Generator) -> None:
    """Append run `run`'s end-2020 stock (total real entities, `m.scale` per row) to the
    population, in chunks so that the working arrays stay small beside the population itself."""
    rows = int(round(total / m.scale))
    for begin in range(0, rows, CHUNK_ROWS):
        _add_chunk(m, run, min(CHUNK_ROWS, rows - begin), rng)


def _add_chunk(m: DoublingModel, run: int, n: int, rng: np.random.Generator) -> None:
    v, places = m.stacked_rates.of(run), m.places
    share_individual, share_cooperative = v.start_share_individual, v.start_share_cooperative
    shares = [share_individual, 1.0 - share_individual - share_cooperative, share_cooperative]
    counts = rng.multinomial(n, shares)  # rows grouped by entry kind (see _histories)
    entry_kind = np.repeat([ENTRY_INDIVIDUAL, ENTRY_ENTERPRISE, ENTRY_COOPERATIVE], counts)
    cells = places.sector_shares[:, :, None] * places.city_shares[:, None, :]  # [kind, s, c]
    cell = _vector_choice(
        np.cumsum(cells.reshape(len(cells), -1), axis=1), entry_kind, rng.random(n)
    )
    sector, city = (part.astype(np.int8) for part in np.divmod(cell, cells.shape[2]))
    # Log revenue: the stock's enterprise law for enterprises, the individual one for the others.
    median = np.log([v.revenue_median_individual_yuan, v.revenue_median_stock_enterprise_yuan])
    sigma = np.array([v.revenue_sigma_individual, v.revenue_sigma_stock_enterprise])
    enterprise = (entry_kind == ENTRY_ENTERPRISE).astype(np.int8)
    log_revenue = median[enterprise] + sigma[enterprise] * rng.standard_normal(n)
    drawn = events.draw_entities(v, entry_kind, rng, revenue=log_revenue)
    history = _histories(m, run, drawn, rng)
    born, opened, ceased = history["born"], history["opened"], history["ceased"]
    never = drawn.pop("never_opens")
    status = np.where(
        never | (ceased < 0), DORMANT, np.where(opened >= 0, REGISTERED, OPERATING)
    ).astype(np.int8)
    operating_now, dormant_now = status == OPERATING, status == DORMANT
    dormant_origin = np.where(never, born, ceased)
    origin = np.where(dormant_now, dormant_origin, born)
    start = np.where(operating_now, opened + 1, np.where(dormant_now, dormant_origin, born))
    left = np.where(
        operating_now,
        drawn["draw_fail"],
        np.where(dormant_now, drawn["draw_dormant"], drawn.pop("open_draw")),
    )
    due = np.where(operating_now, ceased, np.where(dormant_now, history["exited"], opened))
    mult = np.where(operating_now, m.demography.failure_kind_multiplier(drawn["kind"], run), 1.0)
    rows = m.pop.append(
        run=np.full(n, run, dtype=np.int16),
        sector=sector,
        city=city,
        flags=np.where(never, NEVER_OPENS, 0).astype(np.uint8),
        born=born,
        status=status,
        clock_origin=origin,
        clock_start=start,
        hazard_left=left,
        hazard_mult=mult,
        due=due,
        **drawn,
    )
    events.add_rows(m, rows)
    m.agenda.push(STATUS, rows, due, 0)  # the histories above already solved these events
    failed = (status == DORMANT) & ~never  # founders who stopped before 2021 may register again
    events.schedule_reentries(m, rows[failed], ceased[failed])
    operating = rows[status == OPERATING]
    individual = operating[m.pop.kind[operating] == INDIVIDUAL]
    m.pop.conv_start[individual] = 0
    events.schedule_conversion(m, individual, 0)
    # No lever acts before the first month: an enterprise grows at its own rate (no set_growth).
    events.schedule_size_move(m, operating[is_enterprise(m.pop.kind[operating])], 0)
