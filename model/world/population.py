"""The population of market entities as a column store: one row per simulated entity (`scale` real ones).

Rows are appended at registration and never removed (a gone entity keeps its row with status GONE),
so a row index names the same entity for the whole run.
"""

from __future__ import annotations

import numpy as np

from model.world.clock import NEVER

# name -> dtype. Months are int16 month indices (0 = 2021-01); NEVER = not within any horizon.
COLUMNS: dict[str, type] = {
    "kind": np.int8,  # model.world.kinds: INDIVIDUAL .. COOPERATIVE
    "status": np.int8,  # REGISTERED, OPERATING, DORMANT, GONE
    "sector": np.int8,  # row of model/world/data/sectors.csv
    "city": np.int8,  # row of model/world/data/cities.csv
    "flags": np.uint8,  # INDUCED | SHELL | REENTRANT | NEVER_OPENS
    "born": np.int16,  # month of registration (of conversion, for a 个转企 enterprise)
    # The pending status event (open, cease or exit) and the hazard process that sets it:
    "due": np.int16,  # month the status event falls in
    "clock_origin": np.int16,  # month at which the process's age is 0
    "clock_start": np.int16,  # first month of exposure at the current multiplier
    "hazard_left": np.float32,  # unit-exponential threshold still to accumulate from clock_start
    "hazard_mult": np.float32,  # multiplier on the process's hazard since clock_start
    "draw_fail": np.float32,  # threshold of the failure process, drawn at registration
    "draw_dormant": np.float32,  # threshold of the dormant-exit process, drawn at registration
    # 个转企 (individual businesses only), a constant-hazard process of its own:
    "conv_due": np.int16,
    "conv_start": np.int16,
    "conv_left": np.float32,
    "conv_mult": np.float32,
    # Revenue: log revenue(t) = log_rev0 + growth * t / 12 (yuan, t in months); size moves at crossings.
    "log_rev0": np.float32,
    "growth": np.float32,  # effective growth of log revenue per year
    "growth_base": np.float32,  # the entity's own growth before levers
    "size_due": np.int16,  # month of the next crossing of a size threshold
}


class Population:
    """Struct of numpy arrays with amortised growth."""

    def __init__(self, capacity: int):
        self.n = 0
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
        self.n += count
        return np.arange(new.start, new.stop)

    def _grow(self, needed: int) -> None:
        self._capacity = max(needed, int(self._capacity * 1.5))
        for name in COLUMNS:
            old = getattr(self, name)
            new = np.zeros(self._capacity, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in COLUMNS)


class RowList:
    """A growing list of row indices (amortised growth), e.g. every row that is an enterprise."""

    def __init__(self):
        self._rows = np.zeros(1024, dtype=np.int64)
        self._n = 0

    def add(self, rows: np.ndarray) -> None:
        if self._n + len(rows) > len(self._rows):
            grown = np.zeros(max(self._n + len(rows), 2 * len(self._rows)), dtype=np.int64)
            grown[: self._n] = self._rows[: self._n]
            self._rows = grown
        self._rows[self._n : self._n + len(rows)] = rows
        self._n += len(rows)

    @property
    def rows(self) -> np.ndarray:
        return self._rows[: self._n]
