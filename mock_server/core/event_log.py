"""`EventLog`: a capped log of records, one stream per scope, read newest first, whose records can each be
changed atomically; and `MemoryEventLog`, the log of one process (its Redis twin, shared by several, is
redis_event_log.RedisEventLog).

A record is an id (unique in its scope) and a payload of bytes, opaque to the log: the caller encodes and
decodes its own records. At most `per_scope` records of a scope and `total` in all are kept; an append that
goes over either cap drops the oldest records (of that scope, or of all) at once, so no reader ever sees
more."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable

Change = Callable[[bytes], bytes]


class EventLog(ABC):
    """A capped, per-scope log of records (id, payload bytes), newest first, with an atomic per-record
    change."""

    @abstractmethod
    def append(self, scope: str, record_id: str, payload: bytes) -> None:
        """Keep the record as the scope's newest, then drop the oldest over either cap. An id the scope
        already holds is replaced, and becomes the newest."""

    @abstractmethod
    def get(self, scope: str, record_id: str) -> bytes | None:
        """The record's payload; None if the scope never held it, or it was dropped or cleared."""

    @abstractmethod
    def newest_first(self, scope: str) -> list[tuple[str, bytes]]:
        """The scope's records as (id, payload), newest first: one consistent reading."""

    @abstractmethod
    def change(self, scope: str, record_id: str, change: Change) -> bytes:
        """Replace the record's payload with `change(payload)`, with no other change in between, and
        answer the new payload; KeyError if the record is not kept. Whatever `change` raises reaches the
        caller and leaves the record as it was. `change` may run more than once (when another process
        changed the record meanwhile, it runs again on the newer payload), so it must have no side
        effects; nor may it use the log."""

    @abstractmethod
    def clear(self) -> None:
        """Forget every record of every scope."""

    @abstractmethod
    def clear_scope(self, scope: str) -> None:
        """Forget every record of one scope (one credential's reset); the other scopes keep theirs."""


class MemoryEventLog(EventLog):
    """The log in this process's memory, under one lock."""

    def __init__(self, per_scope: int, total: int) -> None:
        self._per_scope = per_scope
        self._total = total
        self._scopes: dict[str, OrderedDict[str, bytes]] = {}  # each oldest first
        self._all: OrderedDict[tuple[str, str], None] = OrderedDict()  # (scope, id), oldest first
        self._lock = threading.Lock()

    def append(self, scope: str, record_id: str, payload: bytes) -> None:
        with self._lock:
            stream = self._scopes.setdefault(scope, OrderedDict())
            stream.pop(record_id, None)
            stream[record_id] = payload
            self._all.pop((scope, record_id), None)
            self._all[(scope, record_id)] = None
            while len(stream) > max(0, self._per_scope):
                oldest, _ = stream.popitem(last=False)
                del self._all[(scope, oldest)]
            while len(self._all) > max(0, self._total):
                (oldest_scope, oldest), _ = self._all.popitem(last=False)
                del self._scopes[oldest_scope][oldest]
                if not self._scopes[oldest_scope]:
                    del self._scopes[oldest_scope]
            if not stream:  # caps of 0: nothing is kept
                self._scopes.pop(scope, None)

    def get(self, scope: str, record_id: str) -> bytes | None:
        with self._lock:
            return self._scopes.get(scope, {}).get(record_id)

    def newest_first(self, scope: str) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(reversed(self._scopes.get(scope, {}).items()))

    def change(self, scope: str, record_id: str, change: Change) -> bytes:
        with self._lock:
            stream = self._scopes.get(scope, {})
            if record_id not in stream:
                raise KeyError(record_id)
            stream[record_id] = payload = change(stream[record_id])
            return payload

    def clear(self) -> None:
        with self._lock:
            self._scopes.clear()
            self._all.clear()

    def clear_scope(self, scope: str) -> None:
        with self._lock:
            for record_id in self._scopes.pop(scope, {}):
                del self._all[(scope, record_id)]
