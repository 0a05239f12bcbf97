"""The in-memory store: records per provider and per credential scope, with atomic unique constraints."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

UniqueValues = Mapping[str, Hashable | None]
NO_UNIQUE: UniqueValues = {}


class UniqueViolation(Exception):
    """A write would give a second record the same value of a unique field."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class _Collection:
    """One namespace's records for one scope, in insertion order, with one index per unique field."""

    __slots__ = ("records", "indexes", "unique_values")

    def __init__(self) -> None:
        self.records: dict[str, Any] = {}
        self.indexes: dict[str, dict[Hashable, str]] = {}
        self.unique_values: dict[str, UniqueValues] = {}

    def check_unique(self, unique: UniqueValues, record_id: str) -> None:
        for field, value in unique.items():
            owner = self.indexes.get(field, {}).get(value) if value is not None else None
            if owner is not None and owner != record_id:
                raise UniqueViolation(field)

    def index(self, record_id: str, unique: UniqueValues) -> None:
        for field, value in unique.items():
            if value is not None:
                self.indexes.setdefault(field, {})[value] = record_id
        self.unique_values[record_id] = unique

    def unindex(self, record_id: str) -> None:
        for field, value in self.unique_values.pop(record_id, NO_UNIQUE).items():
            if value is not None:
                self.indexes[field].pop(value, None)


class Store:
    """Thread-safe: every check-then-write happens under one lock, so two racing requests cannot
    both pass a unique check. Records are immutable values; an update replaces the record whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._collections: dict[tuple[str, str], _Collection] = {}

    def _collection(self, namespace: str, scope: str) -> _Collection:
        key = (namespace, scope)
        collection = self._collections.get(key)
        if collection is None:
            collection = self._collections[key] = _Collection()
        return collection

    def insert(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        with self._lock:
            collection = self._collection(namespace, scope)
            collection.check_unique(unique, record_id)
            collection.records[record_id] = record
            collection.index(record_id, unique)

    def get_or_insert(
        self,
        namespace: str,
        scope: str,
        key: tuple[str, Hashable],
        build: Callable[[], tuple[str, Any, UniqueValues]],
    ) -> tuple[Any, bool]:
        """The record whose unique `key` (field, value) matches, or a new one from `build()`; and
        whether it was created. `key`'s field must be among the unique values `build` returns."""
        field, value = key
        with self._lock:
            collection = self._collection(namespace, scope)
            existing = collection.indexes.get(field, {}).get(value)
            if existing is not None:
                return collection.records[existing], False
            record_id, record, unique = build()
            collection.check_unique(unique, record_id)
            collection.records[record_id] = record
            collection.index(record_id, unique)
            return record, True

    def replace(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        """Overwrite an existing record (KeyError if it is gone), keeping its unique values consistent."""
        with self._lock:
            collection = self._collection(namespace, scope)
            if record_id not in collection.records:
                raise KeyError(record_id)
            collection.check_unique(unique, record_id)
            collection.unindex(record_id)
            collection.records[record_id] = record
            collection.index(record_id, unique)

    def get(self, namespace: str, scope: str, record_id: str) -> Any | None:
        with self._lock:
            collection = self._collections.get((namespace, scope))
            return collection.records.get(record_id) if collection else None

    def find(self, namespace: str, scope: str, field: str, value: Hashable) -> Any | None:
        with self._lock:
            collection = self._collections.get((namespace, scope))
            if collection is None:
                return None
            record_id = collection.indexes.get(field, {}).get(value)
            return collection.records[record_id] if record_id is not None else None

    def delete(self, namespace: str, scope: str, record_id: str) -> Any | None:
        with self._lock:
            collection = self._collections.get((namespace, scope))
            if collection is None or record_id not in collection.records:
                return None
            collection.unindex(record_id)
            return collection.records.pop(record_id)

    def values(self, namespace: str, scope: str) -> list[Any]:
        """A snapshot of the scope's records, oldest first."""
        with self._lock:
            collection = self._collections.get((namespace, scope))
            return list(collection.records.values()) if collection else []

    def scopes(self, namespace: str) -> Iterator[str]:
        with self._lock:
            return iter([scope for (ns, scope) in self._collections if ns == namespace])

    def count(self, namespace: str | None = None) -> int:
        with self._lock:
            return sum(
                len(collection.records)
                for (ns, _), collection in self._collections.items()
                if namespace is None or ns == namespace
            )

    def clear(self, namespace: str | None = None) -> None:
        with self._lock:
            for key in [key for key in self._collections if namespace is None or key[0] == namespace]:
                del self._collections[key]
