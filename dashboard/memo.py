"""A bounded memo: values computed once per key, the least recently used dropped beyond a number
of entries or of bytes (sizes estimated by pickling), so no sequence of requests grows it."""

from __future__ import annotations

import pickle
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ITEMS = 512
MAX_BYTES = 12_000_000


def size_of(value: Any) -> int:
    """Bytes of `value` pickled (its shallow size if it cannot be pickled)."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return sys.getsizeof(value)


class Memo:
    """An LRU of computed values, bounded by `max_items` and `max_bytes`; safe across threads."""

    def __init__(self, max_items: int = MAX_ITEMS, max_bytes: int = MAX_BYTES) -> None:
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        """The estimated size of the values kept."""
        return self._bytes

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value of `key`, computed by `compute()` if not kept (outside the lock)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        value = compute()
        size = size_of(value)
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            self._items[key] = (value, size)
            self._bytes += size
            while self._items and (
                len(self._items) > self.max_items or self._bytes > self.max_bytes
            ):
                self._bytes -= self._items.popitem(last=False)[1][1]
        return value
