"""The end-2020 starting stock: entities by kind, sector, city and age, with histories drawn from the
same hazards the simulation uses, so that whether each one is operating, dormant or not yet open at
the start follows from the demography rather than being set by hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model.world import events
from model.world.agenda import STATUS
from model.world.clock import NEVER
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
from model.world.parameters import RunRates

if TYPE_CHECKING:
    from model.world.model import DoublingModel

CHUNK_ROWS = 250_000  # rows built at a time (bounds peak memory at full scale)
REDRAWS = 60  # histories tried per entity; the rare rest is set operating (see _histories)
CANDIDATE_ROWS = 20_000  # candidate histories solved per round of redraws (speed only)


def _vector_choice(cumulative: np.ndarray, entry_kind: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Category of each row drawn from its entry kind's cumulative shares (row k of `cumulative`)
    at uniform u: one search in the rows laid end to end, each shifted by its index."""
    kinds, categories = cumulative.shape
    shifted = (cumulative + np.arange(kinds)[:, None]).ravel()
    kind = entry_kind.astype(np.int64)
    position = np.searchsorted(shifted, u + kind, side="right")
    return (position - kind * categories).astype(np.int8)


def _ages_in_months(v: RunRates, rng, n: int) -> np.ndarray:
    """Ages from the SAIC 2013 age structure: 49.4 % under 5 years, 32.9 % 5-10, the rest older
    (national_demography.csv enterprise_age_share_*), uniform within the bands."""
    under5, five_to_ten = v.start_age_share_under_5y, v.start_age_share_5_to_10y
    u = rng.random(n)
    young = rng.uniform(0, 60, n)
    middle = rng.uniform(60, 120, n)
    old = 120 + rng.exponential(12 * v.start_age_mean_over_10y, n)
    return np.where(u < under5, young, np.where(u < under5 + five_to_ten, middle, old)).astype(
        np.int32
    )


def _histories(m: DoublingModel, drawn: dict, born: np.ndarray, rng) -> dict[str, np.ndarray]:
    """Opening, failure and exit months from registration on, conditioned on being in the register
    at the end of 2020: a history that has the entity gone by then is redrawn, up to REDRAWS
    times (rejection sampling). A round tries several candidate histories per entity at once when
    few entities are left, so the long tail of old entities takes a few rounds, not REDRAWS."""
    kind = drawn["kind"]
    history = _history(m, kind, born, drawn)
    todo = np.flatnonzero(history["exited"] < 0)
    tried = 1
    while len(todo) and tried < REDRAWS:
        candidates = int(np.clip(CANDIDATE_ROWS // len(todo), 1, REDRAWS - tried))
        tried += candidates
        each = np.repeat(todo, candidates)
        fresh = {name: rng.standard_exponential(len(each)) for name in _THRESHOLDS}
        fresh["never_opens"] = rng.random(len(each)) < m.rates.never_open_share
        trial = _history(m, kind[each], born[each], fresh)
        kept = (trial["exited"] >= 0).reshape(len(todo), candidates)
        found = kept.any(axis=1)
        chosen = np.flatnonzero(found) * candidates + kept.argmax(axis=1)[found]  # first kept
        for columns, source in ((drawn, fresh), (history, trial)):
            for name in source:
                columns[name][todo[found]] = source[name][chosen]
        todo = todo[~found]
    # The few still gone after REDRAWS (the oldest): operating now, failure hazard from now on.
    demo, mult = m.demography, m.demography.failure_kind_multiplier[kind[todo]]
    drawn["never_opens"][todo] = False
    history["opened"][todo] = born[todo]
    history["ceased"][todo] = history["exited"][todo] = 0
    drawn["draw_fail"][todo] = demo.used(
        OPERATING, kind[todo], born[todo], born[todo] + 1, 0, mult
    ) + rng.standard_exponential(len(todo))
    return history


_THRESHOLDS = ("open_draw", "draw_fail", "draw_dormant")  # the unit-exponential draws of a history


def _history(m: DoublingModel, kind, born, drawn: dict) -> dict[str, np.ndarray]:
    """Months of opening, ceasing to operate and exit of entities registered in month `born`."""
    demo, one = m.demography, np.ones(len(born))
    mult = demo.failure_kind_multiplier[kind]
    never = drawn["never_opens"]
    opened = np.where(
        never, NEVER, demo.event_month(REGISTERED, kind, born, born, drawn["open_draw"], one)
    )
    ceased = demo.event_month(OPERATING, kind, born, opened + 1, drawn["draw_fail"], mult)
    ceased = np.where(never, born, ceased)
    exited = demo.event_month(DORMANT, kind, ceased, ceased, drawn["draw_dormant"], one)
    return {"opened": opened, "ceased": ceased, "exited": exited}


def add_starting_stock(m: DoublingModel, total: float, rng: np.random.Generator) -> None:
    """Append the end-2020 stock (total real entities, `m.scale` per row) to the population, in
    chunks so that the working arrays stay small beside the population itself."""
    rows = int(round(total / m.scale))
    for begin in range(0, rows, CHUNK_ROWS):
        _add_chunk(m, min(CHUNK_ROWS, rows - begin), rng)


def _add_chunk(m: DoublingModel, n: int, rng: np.random.Generator) -> None:
    v, places = m.rates, m.places
    share_individual, share_cooperative = v.start_share_individual, v.start_share_cooperative
    entry_kind = rng.choice(
        [ENTRY_INDIVIDUAL, ENTRY_ENTERPRISE, ENTRY_COOPERATIVE],
        size=n,
        p=[share_individual, 1.0 - share_individual - share_cooperative, share_cooperative],
    ).astype(np.int8)
    sector = _vector_choice(np.cumsum(places.sector_shares, axis=1), entry_kind, rng.random(n))
    city = _vector_choice(np.cumsum(places.city_shares, axis=1), entry_kind, rng.random(n))
    born = -1 - _ages_in_months(v, rng, n)
    enterprise = entry_kind == ENTRY_ENTERPRISE
    log_revenue = np.where(
        enterprise,
        np.log(v.revenue_median_stock_enterprise_yuan)
        + v.revenue_sigma_stock_enterprise * rng.standard_normal(n),
        np.log(v.revenue_median_individual_yuan)
        + v.revenue_sigma_individual * rng.standard_normal(n),
    )
    drawn = events.draw_entities(v, entry_kind, rng, revenue=log_revenue)
    history = _histories(m, drawn, born, rng)
    opened, ceased, exited = history["opened"], history["ceased"], history["exited"]
    never = drawn.pop("never_opens")
    status = np.where(
        never | (ceased < 0), DORMANT, np.where(opened >= 0, REGISTERED, OPERATING)
    ).astype(np.int8)
    dormant_origin = np.where(never, born, ceased)
    origin = np.where(status == DORMANT, dormant_origin, born)
    start = np.select([status == OPERATING, status == DORMANT], [opened + 1, dormant_origin], born)
    left = np.select(
        [status == OPERATING, status == DORMANT],
        [drawn["draw_fail"], drawn["draw_dormant"]],
        drawn["open_draw"],
    )
    drawn.pop("open_draw")
    operating_now = status == OPERATING
    due = np.select([operating_now, status == DORMANT], [ceased, exited], opened)
    mult = np.where(operating_now, m.demography.failure_kind_multiplier[drawn["kind"]], 1.0)
    rows = m.pop.append(
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
    operating = rows[status == OPERATING]
    individual = operating[m.pop.kind[operating] == INDIVIDUAL]
    m.pop.conv_start[individual] = 0
    events.schedule_conversion(m, individual, 0)
    # No lever acts before the first month: an enterprise grows at its own rate (no set_growth).
    events.schedule_size_move(m, operating[is_enterprise(m.pop.kind[operating])], 0)
