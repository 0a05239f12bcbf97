"""How `RedisStore` (redis_store.py) turns records and unique values into bytes and strings.

Records are pickled, and unpickled by an allowlisting unpickler: a Redis may be shared, and a pickle that
names `os.system` (or any other callable) must be refused, never called. What a record may contain:
dataclasses, enums and named tuples defined in mock_server's own modules, the builtin containers and
scalars, `datetime`'s and `decimal`'s values (and bson's tzinfo), a few of `collections`' containers.

Unique values become strings that are equal exactly when the values are equal (for the values a unique
field holds: str, int, bool, float, None, and tuples and frozensets of those), so equal Python values give
one Redis hash field whichever process wrote them."""

from __future__ import annotations

import dataclasses
import enum
import importlib
import io
import json
import pickle
import sys
from collections.abc import Hashable
from typing import Any

PROTOCOL = 5

# What may be looked up outside mock_server, by module: types whose constructors only build values.
_ALLOWED: dict[str, frozenset[str]] = {
    "builtins": frozenset(
        "bool int float complex str bytes bytearray tuple list dict set frozenset slice range".split()
    ),
    "datetime": frozenset({"datetime", "date", "time", "timedelta", "timezone"}),
    "decimal": frozenset({"Decimal"}),
    "collections": frozenset({"OrderedDict", "deque", "Counter", "defaultdict"}),
    "enum": frozenset({"Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"}),
    "bson.tz_util": frozenset({"FixedOffset"}),  # the tzinfo of an ObjectId's time (Wealthyhood's records)
}


def dumps(record: Any) -> bytes:
    return pickle.dumps(record, protocol=PROTOCOL)


def loads(data: bytes) -> Any:
    """The record `data` holds; pickle.UnpicklingError if it names anything not allowed."""
    return _AllowlistUnpickler(io.BytesIO(data)).load()


class _AllowlistUnpickler(pickle.Unpickler):
    _found: dict[tuple[str, str], Any] = {}  # shared: what was allowed once is allowed again

    def find_class(self, module: str, name: str) -> Any:
        found = self._found.get((module, name))
        if found is None:
            found = self._found[(module, name)] = _allowed_class(module, name)
        return found

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not allowed in a stored record")


def _allowed_class(module: str, name: str) -> Any:
    refused = pickle.UnpicklingError(f"a stored record may not name {module}.{name}")
    if not isinstance(module, str) or not isinstance(name, str) or "." in name:
        raise refused  # a dotted name would reach through a module's attributes (mock_server.x.os.system)
    if name in _ALLOWED.get(module, ()):
        return getattr(importlib.import_module(module), name)
    if not (module.startswith("mock_server.") and module.rsplit(".", 1)[-1] != "__main__"):
        raise refused
    loaded = sys.modules.get(module) or importlib.import_module(module)
    found = getattr(loaded, name, None)
    if (
        isinstance(found, type)
        and found.__module__ == module  # defined there, not imported into it
        and (
            dataclasses.is_dataclass(found)
            or issubclass(found, enum.Enum)
            or (issubclass(found, tuple) and hasattr(found, "_fields"))  # a named tuple
        )
    ):
        return found
    raise refused


def unique_token(field: str, value: Hashable | None) -> str:
    """`field` and `value` as one string: equal for equal values (1, 1.0 and True are one value in a
    Python dict, so they are one here too), different otherwise."""
    return json.dumps([field, _plain(value)], ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def _plain(value: Any) -> Any:
    if value is None or type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a str enum equals its text
    if isinstance(value, int):  # bool and int enums too
        return int(value)
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]  # only tuples become JSON lists
    if isinstance(value, frozenset):
        items = sorted(json.dumps(_plain(item), separators=(",", ":")) for item in value)
        return {"frozenset": items}
    return {"type": f"{type(value).__module__}.{type(value).__qualname__}", "repr": repr(value)}
