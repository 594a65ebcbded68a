"""Fiscal accounting: every yuan a lever pays, month by month, by lever and department.

A cost line (built from a lever's `costs` in model/policy/monthly_rates.py) pays `yuan_per_unit(t)`
for each unit: an event of its target (per_event), an operating target entity for a month
(per_entity_year, paid monthly), or a twelfth of a lump sum (per_year).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.world.kinds import OPERATING

if TYPE_CHECKING:
    from model.world.model import DoublingModel


@dataclass
class CostLine:
    lever: str
    department: str  # the lead department (牵头单位): the first the article names
    basis: str  # per_event | per_entity_year | per_year
    event: str | None  # with per_event: registration, opening, conversion, upgrade, tier_crossing
    target: np.ndarray  # [kinds, sectors, cities] 1 where the cost applies
    yuan_per_unit: Callable[[int], float]  # yuan per unit in month t (0 when the lever is off)


class Fiscal:
    """The payments of one run (`run`: its index in the model's stack of runs)."""

    def __init__(self, lines: list[CostLine]):
        self.lines = lines
        self.total = 0.0
        self.by_lever: dict[tuple[str, str], float] = {(x.lever, x.department): 0.0 for x in lines}

    def account(self, model: DoublingModel, t: int, run: int) -> None:
        """Add this month's payments of run `run`."""
        for line in self.lines:
            price = line.yuan_per_unit(t)
            if price == 0:
                continue
            if line.basis == "per_event":
                assert line.event is not None, f"{line.lever}: a per_event cost names its event"
                units = (
                    float((model.event_cells[line.event][run] * line.target).sum()) * model.scale
                )
            elif line.basis == "per_entity_year":
                operating = model.stock_rows[run, OPERATING]
                units = (
                    float((operating * line.target[: operating.shape[0]]).sum())
                    * model.scale
                    / 12.0
                )
            else:
                units = 1.0 / 12.0
            cost = units * price
            self.by_lever[(line.lever, line.department)] += cost
            self.total += cost
