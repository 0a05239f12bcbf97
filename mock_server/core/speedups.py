"""Speed-ups that reach into private APIs of pinned dependencies, kept here and nowhere else, each with a
switch: MOCK_SERVER_SPEEDUPS_OFF=all (or a comma-separated list of their names) turns them off, and the
provider suites run with them off too (tests/test_speedups.py). `make bench` measures what each is worth.
Upgrading marshmallow or Flask: run that test, then re-read this module.

- `compiled_dump`: marshmallow's Schema.dump, compiled once per schema into plain functions (reads the
  schema's `_hooks`, `_invoke_dump_processors` and a field's `_CHECK_ATTRIBUTE` and `_serialize`).
  Dumping a response through marshmallow walks every field through several generic calls (accessor,
  default handling, the field's _serialize); for a user of thirty fields that was about a tenth of a
  create request's time. The schemas stay the one description of each response: `compile_dump` reads
  them at start-up and builds, per field, the attribute lookup and the conversion marshmallow would do.
  The same result as schema.dump is checked for every provider's schemas (tests/core/test_serialization.py).
  Anything it does not know how to compile (@pre_dump, custom accessors, dotted attributes, field classes
  with their own _serialize) goes through marshmallow itself, so it can be slower, never different.
- `cached_ensure_sync`: Flask asks, of every hook and view on every request, whether it is a coroutine
  function (Flask.ensure_sync); here none ever changes, so each is asked once.
- `direct_request`: the request object itself rather than the `flask.request` proxy, whose every
  attribute read is a context lookup (werkzeug's LocalProxy._get_current_object): the pipeline reads
  the request a few dozen times per request.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from flask import Request, request
from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_value, missing

SWITCH = "MOCK_SERVER_SPEEDUPS_OFF"
NAMES = ("compiled_dump", "cached_ensure_sync", "direct_request")


def enabled_speedups(environ: Any = os.environ) -> frozenset[str]:
    """The speed-ups in use: all of them, less those the switch turns off."""
    off = {name.strip() for name in environ.get(SWITCH, "").split(",") if name.strip()}
    unknown = off - {"all", *NAMES}
    if unknown:
        raise ValueError(f"{SWITCH}: unknown speed-up {sorted(unknown)}; choose all or some of {NAMES}")
    return frozenset() if "all" in off else frozenset(NAMES) - off


def _enabled_at_start() -> frozenset[str]:
    # Importing never fails: a bad switch leaves every speed-up on, and the command refuses it (cli.py).
    try:
        return enabled_speedups()
    except ValueError:
        return frozenset(NAMES)


ENABLED = _enabled_at_start()

Dump = Callable[[Any], Any]
Convert = Callable[[Any, Any], Any]  # (value, the object it came from) -> what marshmallow dumps


def compile_dump(schema: Schema) -> Dump:
    """A function equal to `schema.dump` (for the schema's own `many`)."""
    hooks = schema._hooks
    if (
        hooks[PRE_DUMP]
        or (schema.many and hooks[POST_DUMP])
        or type(schema).get_attribute is not Schema.get_attribute
    ):
        return schema.dump
    dump_one = _compile_object(schema)
    if hooks[POST_DUMP]:
        dump_one = _with_post_dump(schema, dump_one)
    if schema.many:
        return lambda objects: None if objects is None else [dump_one(item) for item in objects]
    return dump_one


def _with_post_dump(schema: Schema, dump_one: Dump) -> Dump:
    # The schema's own @post_dump methods, run as Schema.dump runs them for one object.
    def dump_and_process(obj: Any) -> Any:
        return schema._invoke_dump_processors(POST_DUMP, dump_one(obj), many=False, original_data=obj)

    return dump_and_process


def _compile_object(schema: Schema) -> Dump:
    steps = [
        (_key(name, field), _compile_field(schema, name, field)) for name, field in schema.dump_fields.items()
    ]

    def dump_object(obj: Any) -> dict[str, Any]:
        result = {}
        for key, dump_field in steps:
            value = dump_field(obj)
            if value is not missing:
                result[key] = value
        return result

    return dump_object


def _key(name: str, field: fields.Field) -> str:
    return field.data_key if field.data_key is not None else name


def _compile_field(schema: Schema, name: str, field: fields.Field) -> Dump:
    attribute = field.attribute or name
    plain_lookup = (
        field._CHECK_ATTRIBUTE and type(field).get_value is fields.Field.get_value and "." not in attribute
    )
    if not plain_lookup:
        return lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)
    convert = _converter(field, name)
    default = field.dump_default

    def dump_field(obj: Any) -> Any:
        value = _lookup(obj, attribute)
        if value is missing:
            value = default() if callable(default) else default
            if value is missing:
                return missing
        return convert(value, obj)

    return dump_field


def _lookup(obj: Any, attribute: str) -> Any:
    """marshmallow's get_value for an undotted name: obj[name] on what is subscriptable, else (or if
    that fails) the attribute. The records here are dataclasses and the pages dicts."""
    if type(obj) is dict:
        return obj[attribute] if attribute in obj else getattr(obj, attribute, missing)
    if hasattr(obj, "__getitem__"):
        return get_value(obj, attribute, missing)
    return getattr(obj, attribute, missing)


def _converter(field: fields.Field, name: str) -> Convert:
    """What field._serialize(value) does, without the call chain where the result is known."""
    serialize = type(field)._serialize
    if serialize is fields.Field._serialize:  # Raw, and custom fields that only deserialize
        return lambda value, obj: value
    if serialize is fields.String._serialize:
        return _passing(str, field, name)
    if serialize is fields.Boolean._serialize:
        return _passing(bool, field, name)
    if serialize is fields.Number._serialize and isinstance(field, fields.Integer) and not field.as_string:
        return _passing(int, field, name)
    if serialize is fields.Nested._serialize and isinstance(field, fields.Nested):
        return _nested_converter(field)
    if serialize is fields.List._serialize and isinstance(field, fields.List):
        inner = _converter(field.inner, name)
        return lambda value, obj: None if value is None else [inner(item, obj) for item in value]
    return lambda value, obj: field._serialize(value, name, obj)


def _passing(kind: type, field: fields.Field, name: str) -> Convert:
    # None, and a value already of exactly `kind`, come out as they go in; anything else is converted
    # by the field (a bool is not passed as an int: Integer makes True 1).
    def convert(value: Any, obj: Any) -> Any:
        return value if value is None or type(value) is kind else field._serialize(value, name, obj)

    return convert


def _nested_converter(field: fields.Nested) -> Convert:
    schema = field.schema  # built once here, with the field's only/exclude applied
    dump = compile_dump(schema)  # a list of them already, if the schema itself is `many`
    if field.many and not schema.many:
        return lambda value, obj: None if value is None else [dump(item) for item in value]
    return lambda value, obj: None if value is None else dump(value)


def dumper(schema: Schema) -> Dump:
    """What a route dumps its responses with: `schema.dump`, compiled when that speed-up is on."""
    return compile_dump(schema) if "compiled_dump" in ENABLED else schema.dump


class CachedEnsureSync:
    """A Flask mixin: ensure_sync asked once per function. Flask documents ensure_sync as the method to
    override; the cache is safe because every view and hook here is registered once and never changes."""

    def ensure_sync(self, func: Callable) -> Callable:
        if "cached_ensure_sync" not in ENABLED:
            return super().ensure_sync(func)  # type: ignore[misc]
        cache: dict[Callable, Callable] = self.__dict__.setdefault("_sync_functions", {})
        sync = cache.get(func)
        if sync is None:
            sync = cache[func] = super().ensure_sync(func)  # type: ignore[misc]
        return sync


def current_request() -> Request:
    """This request: the object itself when that speed-up is on, else the proxy (which behaves the same)."""
    if "direct_request" in ENABLED:
        return request._get_current_object()  # type: ignore[attr-defined]
    return request  # type: ignore[return-value]
