"""The policy in force in a month, as values of the hook mechanisms (model/policy/SCHEMA.md).

`PolicyState` is what the rules of a month read; `Policy` says which state holds in each month.
The no-policy world is `Policy.none()`; model/policy/monthly_rates.py builds a Policy from a
scenario's levers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields

import numpy as np

from model.world.geography import places
from model.world.kinds import ROW_KINDS

# A window effect: a failure-hazard multiplier by cell that applies while an entity is younger
# than max_age_months.
Window = tuple[np.ndarray, int]


@dataclass
class PolicyState:
    """Hook values by cell: [kinds, sectors, cities] over the row kinds (model.world.kinds), so an
    effect reaches only the entities its lever targets."""

    entry: np.ndarray  # multiplier on registrations, by the size class an entrant registers in
    opening: np.ndarray  # multiplier on the opening hazard
    failure: np.ndarray  # multiplier on the failure hazard
    failure_windows: list[Window]  # young-firm effects
    induced_failure: np.ndarray  # multiplier on induced entrants' failure in their first 24 months
    dormant_exit: np.ndarray  # multiplier on the dormant-exit hazard
    conversion: np.ndarray  # [sectors, cities] multiplier on 个转企
    growth: np.ndarray  # added to annual log-revenue growth
    upgrade: np.ndarray  # [sectors, cities] multiplier on growth of firms in the 10-20 M band
    reentry: np.ndarray  # multiplier on the re-entry share of failed founders (their kind and cell)
    shell_share: np.ndarray  # share of a city's gap to its doubling path padded with shells
    cleanup: np.ndarray  # multiplier on the exit (吊销) of dormant entities that never operated
    chain_referrals: np.ndarray  # [sectors, cities] suppliers per chain leader (链主) per year

    @classmethod
    def neutral(cls) -> PolicyState:
        s, c = len(places().sectors), len(places().cities)
        cells = (ROW_KINDS, s, c)
        return cls(
            entry=np.ones(cells),
            opening=np.ones(cells),
            failure=np.ones(cells),
            failure_windows=[],
            induced_failure=np.ones(cells),
            dormant_exit=np.ones(cells),
            conversion=np.ones((s, c)),
            growth=np.zeros(cells),
            upgrade=np.ones((s, c)),
            reentry=np.ones(cells),
            shell_share=np.zeros(cells),
            cleanup=np.ones(cells),
            chain_referrals=np.zeros((s, c)),
        )

    @classmethod
    def stacked(cls, states: list[PolicyState]) -> PolicyState:
        """The states of the runs of a stack as one state with a leading run axis: every cell hook
        [runs, kinds, sectors, cities], the [sectors, cities] hooks [runs, 1, sectors, cities],
        and each young-firm window's multiplier [runs, kinds, sectors, cities] (the runs' windows
        must have the same ages: the runs of a stack share their levers)."""
        first = states[0]
        shape = first.failure.shape
        ages = [age for _, age in first.failure_windows]
        if any([age for _, age in state.failure_windows] != ages for state in states):
            raise ValueError("the runs of a stack have young-firm windows of different ages")
        values = {}
        for f in fields(cls):
            if f.name == "failure_windows":
                continue
            arrays = [getattr(state, f.name) for state in states]
            values[f.name] = np.stack([a if a.ndim == len(shape) else a[None] for a in arrays])
        windows = [
            (
                np.stack([np.broadcast_to(state.failure_windows[i][0], shape) for state in states]),
                age,
            )
            for i, age in enumerate(ages)
        ]
        return cls(failure_windows=windows, **values)

    @functools.cached_property
    def entry_differs(self) -> bool:
        """Whether levers change registrations anywhere."""
        return bool((self.entry != 1.0).any())

    @functools.cached_property
    def shells_registered(self) -> bool:
        return bool((self.shell_share > 0).any())

    @functools.cached_property
    def induced_quality_differs(self) -> bool:
        """Whether any cell's induced entrants fail at other than the base hazard."""
        return bool((self.induced_failure != 1.0).any())

    @functools.cached_property
    def uniform(self) -> dict[str, np.float64]:
        """The cell hooks holding one value (bit for bit) in every cell, with that value: a rule
        then needs no look-up by cell."""
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and value.dtype == np.float64 and value.size:
                bits = value.reshape(-1).view(np.uint64)
                if (bits == bits[0]).all():
                    values[f.name] = value.flat[0]
        return values

    def same_as(self, other: PolicyState) -> bool:
        """Every hook value and young-firm window equal to `other`'s."""
        return not self._windows_differ(other).any() and all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name))
            for f in fields(self)
            if f.name != "failure_windows"
        )

    def changed_cells(self, other: PolicyState) -> dict[str, np.ndarray]:
        """The cell hooks whose values differ from `other`, each with a [kinds, sectors, cities]
        mask of the cells where they differ (registrations read `entry` afresh every month)."""
        shape = self.failure.shape
        changed = {}
        hooks = ("opening", "failure", "dormant_exit", "cleanup", "conversion", "growth", "upgrade")
        for name in hooks:
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
        if [age for _, age in mine] != [age for _, age in theirs]:
            return np.ones(shape, dtype=bool)
        differs = self.induced_failure != other.induced_failure
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

    def state_at(self, month: int) -> PolicyState:
        """The state in force in `month` (no policy before the first key)."""
        keys = [key for key in self.states if key <= month]
        return self.states[max(keys)] if keys else PolicyState.neutral()

    def first_difference(self, other: Policy) -> int | None:
        """The first month in which the two policies put different states in force (None:
        never)."""
        for month in sorted(self.states.keys() | other.states.keys()):
            mine, theirs = self.states.get(month), other.states.get(month)
            if mine is None or theirs is None or not mine.same_as(theirs):
                return month
        return None
