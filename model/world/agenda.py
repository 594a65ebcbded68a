"""Month buckets of pending events: only entities whose event falls due in a month are touched then.

An entry may be stale (the entity's event moved or its status changed since); the event functions
check each popped row against the population before acting, so rescheduling never needs a removal.
"""

from __future__ import annotations

import numpy as np

STATUS, CONVERSION, SIZE, REHAZARD = range(4)  # the queues


class Agenda:
    def __init__(self, last_month: int, queues: int = 4):
        self.last_month = last_month
        self._buckets: list[list[list[np.ndarray]]] = [
            [[] for _ in range(last_month + 1)] for _ in range(queues)
        ]
        self._position = np.zeros(0, dtype=np.int32)  # scratch for removing duplicates

    def push(self, queue: int, rows: np.ndarray, months: np.ndarray, now: int) -> None:
        """Schedule rows at months (months before `now` are a bug; after the horizon are dropped)."""
        if len(rows) == 0:
            return
        low, high = int(months.min()), int(months.max())
        if low < now:
            raise ValueError(f"event scheduled in the past: month {low} < {now}")
        if low > self.last_month:
            return
        buckets = self._buckets[queue]
        if low == high:
            buckets[low].append(rows)
            return
        if high > self.last_month:
            keep = months <= self.last_month
            rows, months = rows[keep], months[keep]
        rows = rows[months.astype(np.int16).argsort(kind="stable")]  # int16: a radix sort
        end = 0
        for month, count in enumerate(np.bincount(months)[low:].tolist(), low):
            if count:
                begin, end = end, end + count
                buckets[month].append(rows[begin:end])

    def pop(self, queue: int, month: int) -> np.ndarray:
        """All distinct rows scheduled in `month` on `queue`, in the order they were pushed."""
        chunks = self._buckets[queue][month]
        self._buckets[queue][month] = []
        if not chunks:
            return np.empty(0, dtype=np.int64)
        rows = np.concatenate(chunks)
        if len(chunks) == 1:
            return rows
        return rows[self._first_occurrence(rows)]

    def _first_occurrence(self, rows: np.ndarray) -> np.ndarray:
        """Mask of the first occurrence of each row (in linear time, without sorting)."""
        if len(self._position) <= rows.max():
            self._position = np.zeros(int(rows.max() * 1.5) + 1, dtype=np.int32)
        order = np.arange(len(rows), dtype=np.int32)
        self._position[rows] = len(rows)
        np.minimum.at(self._position, rows, order)
        return self._position[rows] == order
