"""Tiny hand-built populations for rule tests: an empty model (no starting stock, no registrations,
no chain leaders) into which a test places the entities it needs, through the model's own
bookkeeping (model.world.events)."""

from __future__ import annotations

import numpy as np

from model.world import events
from model.world.kinds import DORMANT, INDIVIDUAL, OPERATING, REGISTERED, is_enterprise
from model.world.model import DoublingModel

EMPTY = {"start_stock_total": 0.0, "entry_rate_per_year": 0.0, "chain_leader_count": 0.0,
         "reentry_share": 0.0}  # fmt: skip


def empty_model(scale: float = 10.0, until: str = "2022-12", **parameters) -> DoublingModel:
    return DoublingModel(
        seed=7, scale=scale, until=until, uncertainty=False, parameters=EMPTY | parameters
    )


def place(
    model: DoublingModel,
    *,
    kind: int,
    status: int,
    born: int = -24,
    revenue_yuan: float = 1e6,
    growth: float = 0.0,
    fail: float = 50.0,
    dormant: float = 50.0,
    open_draw: float = 50.0,
    convert: float = 50.0,
    flags: int = 0,
) -> int:
    """Place one entity at the end of 2020 and schedule its events; returns its row.

    fail / dormant / open_draw / convert are its unit-exponential thresholds: small = soon.
    """
    row = model.pop.append(
        kind=np.array([kind]), status=np.array([status]), sector=np.array([0]),
        city=np.array([0]), flags=np.array([flags]), born=np.array([born]),
        log_rev0=np.array([np.log(revenue_yuan)]), growth=np.array([growth]),
        growth_base=np.array([growth]), draw_fail=np.array([fail]),
        draw_dormant=np.array([dormant]), conv_left=np.array([convert]),
    )  # fmt: skip
    events.add_rows(model, row)
    origin, start, left = {
        REGISTERED: (born, 0, open_draw),
        OPERATING: (born, 0, fail),
        DORMANT: (-1, 0, dormant),  # stopped operating in December 2020
    }[status]
    events.start_process(model, row, origin, start, left, 0)
    if status == OPERATING and kind == INDIVIDUAL:
        model.pop.conv_start[row] = 0
        events.schedule_conversion(model, row, 0)
    if status == OPERATING and is_enterprise(np.array([kind]))[0]:
        events.set_growth(model, row, 0)
    return int(row[0])
