"""Where records live: the `Store` interface, the in-memory `MemoryStore`, and `Collection`, the view of one
namespace (one provider's records) that a backend works with.

Records are kept per namespace and per credential scope, in insertion order, with unique constraints that
are checked and written in one atomic step. A second implementation (Redis, say) implements `Store`; no
provider changes, because providers only ever hold a `Collection`."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mock_server.base.errors import ApiError

UniqueValues = Mapping[str, Hashable | None]
NO_UNIQUE: UniqueValues = {}
Build = Callable[[], tuple[str, Any, UniqueValues]]
Change = Callable[[Any], tuple[Any, UniqueValues]]
R = TypeVar("R")


def in_part(provider: str | None, scope: str | None, of_provider: str | None, of_scope: str | None) -> bool:
    """Whether an item of `of_provider` and `of_scope` (a credential's data partition) is in the part a
    reset or a clear names: every provider (None), one `provider`, or one `scope` of it (None: all its
    scopes)."""
    return provider in (None, of_provider) and scope in (None, of_scope)


class UniqueViolation(Exception):
    """A write would give a second record the same value of a unique field. `record` is the one refused."""

    def __init__(self, field: str, record: Any = None) -> None:
        super().__init__(field)
        self.field = field
        self.record = record


class Store(ABC):
    """Records per (namespace, scope). Every check-then-write is atomic: two racing requests cannot both
    pass a unique check. Records are immutable values; an update replaces the record whole."""

    @abstractmethod
    def insert(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        """Add a record; UniqueViolation if one of its unique values is taken."""

    @abstractmethod
    def get_or_insert(
        self, namespace: str, scope: str, key: tuple[str, Hashable], build: Build
    ) -> tuple[Any, bool]:
        """The record whose unique `key` (field, value) matches, or a new one from `build()`; and whether
        it was created. `key`'s field must be among the unique values `build` returns."""

    @abstractmethod
    def replace(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        """Overwrite an existing record (KeyError if it is gone), keeping its unique values consistent."""

    @abstractmethod
    def update(self, namespace: str, scope: str, record_id: str, change: Change) -> Any:
        """Replace a record with what `change(record)` makes of it (the new record and its unique values),
        in one atomic step, and return the new record; KeyError if there is none. A store may run `change`
        again after another writer's change, so it must have no side effect; whatever it raises leaves
        the record as it was."""

    @abstractmethod
    def get(self, namespace: str, scope: str, record_id: str) -> Any | None: ...

    @abstractmethod
    def find(self, namespace: str, scope: str, field: str, value: Hashable) -> Any | None:
        """The record holding `value` in the unique `field`, if any."""

    @abstractmethod
    def delete(self, namespace: str, scope: str, record_id: str) -> Any | None:
        """Remove a record and return it; None if there was none."""

    @abstractmethod
    def values(self, namespace: str, scope: str) -> list[Any]:
        """A snapshot of the scope's records, oldest first."""

    @abstractmethod
    def scopes(self, namespace: str) -> Iterator[str]: ...

    @abstractmethod
    def count(self, namespace: str | None = None) -> int: ...

    @abstractmethod
    def clear(self, namespace: str | None = None) -> None: ...


class _Records:
    """One namespace's records for one scope, in insertion order, with one index per unique field."""

    __slots__ = ("records", "indexes", "unique_values")

    def __init__(self) -> None:
        self.records: dict[str, Any] = {}
        self.indexes: dict[str, dict[Hashable, str]] = {}
        self.unique_values: dict[str, UniqueValues] = {}

    def check_unique(self, unique: UniqueValues, record_id: str, record: Any) -> None:
        for field, value in unique.items():
            owner = self.indexes.get(field, {}).get(value) if value is not None else None
            if owner is not None and owner != record_id:
                raise UniqueViolation(field, record)

    def write(self, record_id: str, record: Any, unique: UniqueValues) -> None:
        self.records[record_id] = record
        for field, value in unique.items():
            if value is not None:
                self.indexes.setdefault(field, {})[value] = record_id
        self.unique_values[record_id] = unique

    def unindex(self, record_id: str) -> None:
        for field, value in self.unique_values.pop(record_id, NO_UNIQUE).items():
            if value is not None:
                self.indexes[field].pop(value, None)


class MemoryStore(Store):
    """The default store: dicts in this process, every check-then-write under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[tuple[str, str], _Records] = {}

    def _records(self, namespace: str, scope: str) -> _Records:
        key = (namespace, scope)
        records = self._scopes.get(key)
        if records is None:
            records = self._scopes[key] = _Records()
        return records

    def insert(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        with self._lock:
            records = self._records(namespace, scope)
            records.check_unique(unique, record_id, record)
            records.write(record_id, record, unique)

    def get_or_insert(
        self, namespace: str, scope: str, key: tuple[str, Hashable], build: Build
    ) -> tuple[Any, bool]:
        field, value = key
        with self._lock:
            records = self._records(namespace, scope)
            existing = records.indexes.get(field, {}).get(value)
            if existing is not None:
                return records.records[existing], False
            record_id, record, unique = build()
            records.check_unique(unique, record_id, record)
            records.write(record_id, record, unique)
            return record, True

    def replace(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        with self._lock:
            records = self._records(namespace, scope)
            if record_id not in records.records:
                raise KeyError(record_id)
            records.check_unique(unique, record_id, record)
            records.unindex(record_id)
            records.write(record_id, record, unique)

    def update(self, namespace: str, scope: str, record_id: str, change: Change) -> Any:
        with self._lock:
            records = self._records(namespace, scope)
            if record_id not in records.records:
                raise KeyError(record_id)
            record, unique = change(records.records[record_id])
            records.check_unique(unique, record_id, record)
            records.unindex(record_id)
            records.write(record_id, record, unique)
            return record

    def get(self, namespace: str, scope: str, record_id: str) -> Any | None:
        with self._lock:
            records = self._scopes.get((namespace, scope))
            return records.records.get(record_id) if records else None

    def find(self, namespace: str, scope: str, field: str, value: Hashable) -> Any | None:
        with self._lock:
            records = self._scopes.get((namespace, scope))
            if records is None:
                return None
            record_id = records.indexes.get(field, {}).get(value)
            return records.records[record_id] if record_id is not None else None

    def delete(self, namespace: str, scope: str, record_id: str) -> Any | None:
        with self._lock:
            records = self._scopes.get((namespace, scope))
            if records is None or record_id not in records.records:
                return None
            records.unindex(record_id)
            return records.records.pop(record_id)

    def values(self, namespace: str, scope: str) -> list[Any]:
        with self._lock:
            records = self._scopes.get((namespace, scope))
            return list(records.records.values()) if records else []

    def scopes(self, namespace: str) -> Iterator[str]:
        with self._lock:
            return iter([scope for (ns, scope) in self._scopes if ns == namespace])

    def count(self, namespace: str | None = None) -> int:
        with self._lock:
            return sum(
                len(records.records)
                for (ns, _), records in self._scopes.items()
                if namespace is None or ns == namespace
            )

    def clear(self, namespace: str | None = None) -> None:
        with self._lock:
            for key in [key for key in self._scopes if namespace is None or key[0] == namespace]:
                del self._scopes[key]


@dataclass(frozen=True)
class Page(Generic[R]):
    """One page of records and where it stands in the whole (filtered) list."""

    items: list[R]
    total_count: int  # every record that passed the filter, on all pages
    has_more_after: bool
    has_more_before: bool


def cursor_page(
    ordered: Sequence[R],
    limit: int,
    *,
    starting_after: str | None = None,
    ending_before: str | None = None,
    keep: Callable[[R], bool] | None = None,
    id_of: Callable[[R], str] = lambda record: record.id,  # type: ignore[attr-defined]
    bad_cursor: Callable[[str], ApiError],
) -> Page[R]:
    """Stripe-style cursors over `ordered`: the records after `starting_after`, or before `ending_before`,
    or from the start, that pass `keep`. A cursor is placed in the whole ordered list, so it still works when
    its own record does not pass the filter; one that names no record is `bad_cursor(parameter name)`."""
    passes = keep or (lambda record: True)
    total = sum(1 for record in ordered if passes(record))
    if starting_after is not None:
        at = _position(ordered, starting_after, id_of, lambda: bad_cursor("starting_after"))
        following = [record for record in ordered[at + 1 :] if passes(record)]
        before = any(passes(record) for record in ordered[: at + 1])
        return Page(following[:limit], total, len(following) > limit, before)
    if ending_before is not None:
        at = _position(ordered, ending_before, id_of, lambda: bad_cursor("ending_before"))
        preceding = [record for record in ordered[:at] if passes(record)]
        after = any(passes(record) for record in ordered[at:])
        return Page(preceding[-limit:], total, after, len(preceding) > limit)
    matching = [record for record in ordered if passes(record)]
    return Page(matching[:limit], total, len(matching) > limit, False)


def _position(
    ordered: Sequence[R], cursor: str, id_of: Callable[[R], str], error: Callable[[], ApiError]
) -> int:
    for index, record in enumerate(ordered):
        if id_of(record) == cursor:
            return index
    raise error()


class Collection(Generic[R]):
    """One namespace of a store, bound: what a backend holds. It turns the store's outcomes into the
    provider's own errors (a missing record, a taken unique value, an unknown cursor), once for all."""

    def __init__(
        self,
        store: Store,
        namespace: str,
        *,
        not_found: Callable[[], ApiError],
        conflict: Callable[[str, R], ApiError],
        bad_cursor: Callable[[str], ApiError] | None = None,
    ) -> None:
        self._store = store
        self.namespace = namespace
        self._not_found = not_found
        self._conflict = conflict
        self._bad_cursor = bad_cursor

    def insert(self, scope: str, record_id: str, record: R, unique: UniqueValues = NO_UNIQUE) -> None:
        try:
            self._store.insert(self.namespace, scope, record_id, record, unique)
        except UniqueViolation as violation:
            raise self._conflict(violation.field, violation.record) from None

    def get_or_insert(self, scope: str, key: tuple[str, Hashable], build: Build) -> tuple[R, bool]:
        try:
            return self._store.get_or_insert(self.namespace, scope, key, build)
        except UniqueViolation as violation:
            raise self._conflict(violation.field, violation.record) from None

    def replace(self, scope: str, record_id: str, record: R, unique: UniqueValues = NO_UNIQUE) -> None:
        try:
            self._store.replace(self.namespace, scope, record_id, record, unique)
        except KeyError:  # deleted meanwhile
            raise self._not_found() from None
        except UniqueViolation as violation:
            raise self._conflict(violation.field, violation.record) from None

    def update(self, scope: str, record_id: str, change: Callable[[R], tuple[R, UniqueValues]]) -> R:
        """The record after `change` (see Store.update), stored atomically; the provider's not-found or
        conflict error otherwise, and whatever `change` raises, with the record left as it was."""
        try:
            return self._store.update(self.namespace, scope, record_id, change)
        except KeyError:
            raise self._not_found() from None
        except UniqueViolation as violation:
            raise self._conflict(violation.field, violation.record) from None

    def get(self, scope: str, record_id: str) -> R:
        record = self._store.get(self.namespace, scope, record_id)
        if record is None:
            raise self._not_found()
        return record

    def find(self, scope: str, field: str, value: Hashable) -> R | None:
        return self._store.find(self.namespace, scope, field, value)

    def delete(self, scope: str, record_id: str) -> R:
        record = self._store.delete(self.namespace, scope, record_id)
        if record is None:
            raise self._not_found()
        return record

    def values(self, scope: str) -> list[R]:
        """The scope's records, oldest first."""
        return self._store.values(self.namespace, scope)

    def page(
        self,
        ordered: Sequence[R],
        limit: int,
        *,
        starting_after: str | None = None,
        ending_before: str | None = None,
        keep: Callable[[R], bool] | None = None,
    ) -> Page[R]:
        """`cursor_page` over `ordered` (the scope's records, in the order the list route shows them)."""
        assert self._bad_cursor is not None, "a paginated collection names its bad-cursor error"
        return cursor_page(
            ordered,
            limit,
            starting_after=starting_after,
            ending_before=ending_before,
            keep=keep,
            bad_cursor=self._bad_cursor,
        )

    def count(self) -> int:
        return self._store.count(self.namespace)

    def clear(self) -> None:
        self._store.clear(self.namespace)

    def clear_scope(self, scope: str) -> None:
        """Forget one scope's records (one credential's reset), each kept under its `id` as every backend
        keeps them. Record by record: one written meanwhile by that credential may stay."""
        for record in self._store.values(self.namespace, scope):
            self._store.delete(self.namespace, scope, record.id)
