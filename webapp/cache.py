"""A least-recently-used cache bounded by the memory of what it holds, for rendered pages, maps and JSON.

Bounding by entries let 560 long-query catalogue URLs keep 308 MB (issue 10); :class:`ByteCache` counts the
bytes of each value (and of its key) as it stores it and drops the least recently used past ``max_bytes``.
Thread-safe: waitress serves requests from several threads.

>>> cache = ByteCache(max_bytes=1000)
>>> cache.put("a", "page a", size=500), cache.put("b", "page b", size=300)  # plus ~50 bytes per key
(True, True)
>>> _ = cache.get("a")                          # "a" is now the most recently used
>>> cache.put("c", "page c", size=300)          # over 1000 bytes: "b" makes way
True
>>> sorted(cache.keys()), cache.bytes <= 1000
(['a', 'c'], True)
>>> cache.put("huge", "!", size=5000)           # bigger than the whole cache: not kept
False
"""
from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any, Hashable


def size_of(value: Any) -> int:
    """Bytes a value takes: ``sys.getsizeof`` of a string or bytes, summed over a tuple's or a dict's items."""
    if isinstance(value, (tuple, list)):
        return sys.getsizeof(value) + sum(size_of(v) for v in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(size_of(k) + size_of(v) for k, v in value.items())
    return sys.getsizeof(value)


class ByteCache:
    """Values by key, least recently used dropped first once the values and keys take over ``max_bytes``."""

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self.bytes = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int | None = None) -> bool:
        """Keep ``value`` (``size`` bytes, measured when not given); False when it alone is over the bound."""
        size = (size_of(value) if size is None else size) + size_of(key)
        if size > self.max_bytes:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _key, (_value, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped
        return True

    def keys(self) -> list:
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0
