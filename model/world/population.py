"""The population of market entities as a column store: one row per simulated entity (`scale` real ones).

Rows are appended at registration and never removed (a gone entity keeps its row with status GONE),
so a row index names the same entity for the whole run.
"""

from __future__ import annotations

from typing import Annotated, get_type_hints

import numpy as np

from model.world import memory
from model.world.clock import NEVER

memory.configure()

# Column types: a numpy array annotated with its dtype.
Int8 = Annotated[np.ndarray, np.int8]
UInt8 = Annotated[np.ndarray, np.uint8]
Int16 = Annotated[np.ndarray, np.int16]
Float32 = Annotated[np.ndarray, np.float32]


class Population:
    """Struct of numpy arrays with amortised growth: one attribute per column, annotated with
    its dtype. Months are int16 month indices (0 = 2021-01); NEVER = not within any horizon."""

    run: Int16  # the row's run among the runs of a stack (model.world.model.Run)
    kind: Int8  # model.world.kinds: INDIVIDUAL .. COOPERATIVE
    cell: Int16  # flat [kind, sector, city] index (PolicyState's cell arrays), kept with kind
    status: Int8  # REGISTERED, OPERATING, DORMANT, GONE
    sector: Int8  # row of model/world/data/sectors.csv
    city: Int8  # row of model/world/data/cities.csv
    flags: UInt8  # INDUCED | SHELL | REENTRANT | NEVER_OPENS
    born: Int16  # month of registration (of conversion, for a 个转企 enterprise)
    # The pending status event (open, cease or exit) and the hazard process that sets it:
    due: Int16  # month the status event falls in
    clock_origin: Int16  # month at which the process's age is 0
    clock_start: Int16  # first month of exposure at the current multiplier
    hazard_left: Float32  # unit-exponential threshold left to accumulate from clock_start
    hazard_mult: Float32  # multiplier on the process's hazard since clock_start
    draw_fail: Float32  # threshold of the failure process, drawn at registration
    draw_dormant: Float32  # threshold of the dormant-exit process, drawn at registration
    reentry_draw: Float32  # uniform: the founder registers again after failing if below the share
    # 个转企 (individual businesses only), a constant-hazard process of its own:
    conv_due: Int16
    conv_start: Int16
    conv_left: Float32
    conv_mult: Float32
    # Revenue: log revenue(t) = log_rev0 + growth * t / 12 (yuan, t in months); size moves at crossings.
    log_rev0: Float32
    growth: Float32  # effective growth of log revenue per year
    growth_base: Float32  # the entity's own growth before levers
    size_due: Int16  # month of the next crossing of a size threshold

    def __init__(self, capacity: int, sectors: int, cities: int):
        self.n = 0
        self.sectors, self.cities = sectors, cities
        self._capacity = max(int(capacity), 16)
        for name, dtype in COLUMNS.items():
            setattr(self, name, np.zeros(self._capacity, dtype=dtype))

    def append(self, **columns: np.ndarray) -> np.ndarray:
        """Append rows; columns not given are 0 (months: NEVER). Returns the new row indices."""
        count = len(next(iter(columns.values())))
        if self.n + count > self._capacity:
            self._grow(self.n + count)
        new = slice(self.n, self.n + count)
        for name in COLUMNS:
            column = getattr(self, name)
            if name in columns:
                column[new] = columns[name]
            elif name.endswith("due"):
                column[new] = NEVER
            else:
                column[new] = 0
        self._set_cell(new)
        self.n += count
        return np.arange(new.start, new.stop)

    def set_kind(self, rows: np.ndarray, kind) -> None:
        """Change the kind of rows (and so their cell)."""
        self.kind[rows] = kind
        self._set_cell(rows)

    def _set_cell(self, rows: np.ndarray | slice) -> None:
        cell = self.kind[rows].astype(np.int16)
        cell *= self.sectors
        cell += self.sector[rows]
        cell *= self.cities
        cell += self.city[rows]
        self.cell[rows] = cell

    def _grow(self, needed: int) -> None:
        self._capacity = max(needed, int(self._capacity * 1.5))
        for name in COLUMNS:
            old = getattr(self, name)
            new = np.zeros(self._capacity, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def __deepcopy__(self, memo: dict) -> Population:
        """A copy whose rows not yet written stay unwritten (numpy's zeros are mapped on first
        write: a copy of the whole capacity would fault in every page of the reserve)."""
        copied = Population(self._capacity, self.sectors, self.cities)
        copied.n = self.n
        for name in COLUMNS:
            getattr(copied, name)[: self.n] = getattr(self, name)[: self.n]
        memo[id(self)] = copied
        return copied

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in COLUMNS)


# column name -> dtype, from the annotations of Population
COLUMNS: dict[str, type] = {
    name: hint.__metadata__[0]
    for name, hint in get_type_hints(Population, include_extras=True).items()
    if hasattr(hint, "__metadata__")
}
