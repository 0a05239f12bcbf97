"""Reading JSON requests and writing JSON responses, the same way for every provider."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, request
from marshmallow import Schema, ValidationError

from mock_server.core.errors import InvalidRequest, MalformedBody, PayloadTooLarge

JSON = "application/json"


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; no JSON parser of the real APIs does.
    raise ValueError(f"{name} is not valid JSON")


def dump_json(payload: Any) -> str:
    """Compact JSON in the order the keys were built (the providers' own order), unicode unescaped."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None, content_type: str = JSON
) -> Response:
    return Response(dump_json(payload), status=status, headers=dict(headers or {}), content_type=content_type)


def check_body_size() -> None:
    """Refuse a declared body over the limit before reading any of it."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"Request body is larger than the limit of {limit} bytes.")


def read_json() -> Any:
    """The request body parsed as JSON, whatever the Content-Type says (providers that care check
    the media type themselves). Raises MalformedBody for an empty or unparsable body."""
    check_body_size()
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise MalformedBody("The request body is empty.")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise MalformedBody(error.msg, position=(error.lineno, error.colno, error.pos)) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedBody(str(error)) from None
    except RecursionError:  # Python's parser gives up on deep nesting; that is the body's fault, not ours
        raise MalformedBody("The JSON is nested too deeply.") from None


def read_json_object() -> dict[str, Any]:
    body = read_json()
    if not isinstance(body, dict):
        raise MalformedBody("The request body must be a JSON object.")
    return body


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages as {"field.sub": [messages]}, in the schema's field order."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        flat.update(flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def ordered_like(schema: Schema, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """marshmallow reports errors in the order it hit them; the APIs report them in declared order."""
    order = {field.data_key or name: rank for rank, (name, field) in enumerate(schema.fields.items())}
    return dict(sorted(fields.items(), key=lambda item: order.get(item[0].split(".")[0], len(order))))


def validate(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` loaded through `schema`, or InvalidRequest naming each failed field."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidRequest(fields=ordered_like(schema, flatten_messages(error.messages))) from None


def load_body(schema: Schema) -> dict[str, Any]:
    return validate(schema, read_json_object())
