"""The policy in force in a month, as values of the hook mechanisms (model/policy/SCHEMA.md).

`PolicyState` is what the rules of a month read; `Policy` says which state holds in each month.
The no-policy world is `Policy.none()`; model/policy/monthly_rates.py builds a Policy from a
scenario's levers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.world.geography import places
from model.world.kinds import ROW_KINDS

# A window effect: a failure-hazard multiplier by cell that applies while an entity is younger
# than max_age_months.
Window = tuple[np.ndarray, int]


@dataclass
class PolicyState:
    entry: np.ndarray  # [3 entry kinds, sectors, cities] multiplier on registrations
    opening: np.ndarray  # [kinds, sectors, cities] multiplier on the opening hazard
    failure: np.ndarray  # [kinds, sectors, cities] multiplier on the failure hazard
    failure_windows: list[Window]  # young-firm effects
    induced_failure: float  # multiplier on failure of induced entrants in their first 24 months
    dormant_exit: np.ndarray  # [kinds, sectors, cities] multiplier on the dormant-exit hazard
    conversion: np.ndarray  # [sectors, cities] multiplier on 个转企
    growth: np.ndarray  # [kinds, sectors, cities] added to annual log-revenue growth
    upgrade: np.ndarray  # [sectors, cities] multiplier on growth of firms in the 10-20 M band
    reentry: float  # multiplier on the re-entry share of failed founders
    shell_share: float  # shell registrations as a share of base registrations
    chain_referrals: float  # supplier registrations per chain leader per year

    @classmethod
    def neutral(cls) -> PolicyState:
        s, c = len(places().sectors), len(places().cities)
        return cls(
            entry=np.ones((3, s, c)),
            opening=np.ones((ROW_KINDS, s, c)),
            failure=np.ones((ROW_KINDS, s, c)),
            failure_windows=[],
            induced_failure=1.0,
            dormant_exit=np.ones((ROW_KINDS, s, c)),
            conversion=np.ones((s, c)),
            growth=np.zeros((ROW_KINDS, s, c)),
            upgrade=np.ones((s, c)),
            reentry=1.0,
            shell_share=0.0,
            chain_referrals=0.0,
        )

    def changed_cells(self, other: PolicyState) -> dict[str, np.ndarray]:
        """The cell hooks whose values differ from `other`, each with a [kinds, sectors, cities]
        mask of the cells where they differ (registrations read `entry` afresh every month)."""
        shape = self.failure.shape
        changed = {}
        for name in ("opening", "failure", "dormant_exit", "conversion", "growth", "upgrade"):
            differs = np.broadcast_to(getattr(self, name) != getattr(other, name), shape)
            if differs.any():
                changed[name] = differs
        windows = self._windows_differ(other)
        if windows.any():
            changed["failure"] = changed["failure"] | windows if "failure" in changed else windows
        return changed

    def _windows_differ(self, other: PolicyState) -> np.ndarray:
        """Cells where the young-firm windows or the induced-entrant multiplier differ."""
        shape = self.failure.shape
        mine, theirs = self.failure_windows, other.failure_windows
        same_ages = [age for _, age in mine] == [age for _, age in theirs]
        if self.induced_failure != other.induced_failure or not same_ages:
            return np.ones(shape, dtype=bool)
        differs = np.zeros(shape, dtype=bool)
        for (a, _), (b, _) in zip(mine, theirs, strict=True):
            differs |= np.broadcast_to(a != b, shape)
        return differs


@dataclass
class Policy:
    """States by month: `states[m]` holds from month `m` until the next key."""

    states: dict[int, PolicyState] = field(default_factory=dict)
    costs: list = field(default_factory=list)  # model.world.fiscal.CostLine, per lever

    @classmethod
    def none(cls) -> Policy:
        return cls(states={0: PolicyState.neutral()})
