"""Fiscal accounting: every yuan a lever pays, month by month, by lever and department.

A cost line (built from a lever's `costs` in model/policy/monthly_rates.py) pays `yuan_per_unit[t]`
for each unit: an event of its target (per_event), an operating target entity for a month
(per_entity_year, paid monthly), or a twelfth of a lump sum (per_year).
"""

from __future__ import annotations

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
    yuan_per_unit: np.ndarray  # yuan per unit, by month to LATEST_UNTIL (0 when the lever is off)


class Fiscal:
    """The payments of the runs of a stack, by run: line i of every run pays for the same cost of
    the same lever (the runs of a stack share their levers), each run at its own price."""

    def __init__(self, lines_by_run: list[list[CostLine]]):
        self.lines = lines_by_run[0]
        shape = [
            [(x.lever, x.department, x.basis, x.event) for x in lines] for lines in lines_by_run
        ]
        if any(lines != shape[0] for lines in shape):
            raise ValueError("the runs of a stack pay for different levers")
        self._prices = np.array(  # [line, run, month]
            [[lines[i].yuan_per_unit for lines in lines_by_run] for i in range(len(self.lines))]
        )
        runs = len(lines_by_run)
        self.total = np.zeros(runs)
        self.by_lever = {(x.lever, x.department): np.zeros(runs) for x in self.lines}

    def account(self, model: DoublingModel, t: int) -> None:
        """Add this month's payments."""
        runs = len(self.total)
        for i, line in enumerate(self.lines):
            price = self._prices[i, :, t]
            if not price.any():
                continue
            if line.basis == "per_event":
                assert line.event is not None, f"{line.lever}: a per_event cost names its event"
                events = model.event_cells[line.event] * line.target
                units = events.reshape(runs, -1).sum(axis=1) * model.scale
            elif line.basis == "per_entity_year":
                operating = model.stock_rows[:, OPERATING]
                entities = operating * line.target[: operating.shape[1]]
                units = entities.reshape(runs, -1).sum(axis=1) * model.scale / 12.0
            else:
                units = np.full(runs, 1.0 / 12.0)
            cost = units * price
            self.by_lever[(line.lever, line.department)] += cost
            self.total += cost
