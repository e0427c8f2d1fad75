"""The one per-process memo: values a process computes once and hands to every later caller.

A render keeps each kernel for several sections, and tests and notebooks call
``load_dataset`` freely: loading a data folder takes seconds and computing a
report's figures most of one, so both are kept, by key, in :data:`PROCESS_MEMO`.
It is the only mutable object ``pdu_lib`` keeps at module level; what it holds
is read-only by contract (a Dataset is frozen; nothing changes a kept frame in
place). It holds at most :data:`KEPT` values, the oldest dropped first, and
:meth:`Memo.clear` empties it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

KEPT = 16


class Memo:
    """Values by key, computed on the first request; at most ``size`` kept, the least recently used dropped first.

    >>> memo = Memo(size=2)
    >>> memo.get("a", lambda: 1), memo.get("a", lambda: 2), memo.get("b", lambda: 3), memo.get("c", lambda: 4)
    (1, 1, 3, 4)
    >>> memo.get("a", lambda: 5), len(memo)
    (5, 2)
    """

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.RLock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept under ``key``, or ``compute()``'s, then kept (an exception keeps nothing)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


#: The process's memo: prepared datasets, opened snapshots and each Dataset's figures.
PROCESS_MEMO = Memo()
