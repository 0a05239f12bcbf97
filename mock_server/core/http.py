"""Reading JSON requests and writing JSON responses, the same way for every provider."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flask import Request, Response, current_app
from marshmallow import Schema, ValidationError

from mock_server.base.errors import InvalidRequest, MalformedBody, PayloadTooLarge, UnsupportedMediaType
from mock_server.core.speedups import current_request

JSON = "application/json"
# application/json, or a structured syntax suffix such as application/merge-patch+json (RFC 6839).
JSON_MEDIA_TYPE = re.compile(r"application/(?:[!#$&^_.+\w-]+\+)?json")
NOT_JSON_CONTENT = "Content-Type must be application/json (UTF-8)."
# A request whose body nobody has parsed yet (None is a JSON value).
UNPARSED = object()
# RFC 5321's limit on a path, less its angle brackets (RFC 3696 erratum 1690): no address is longer.
EMAIL_MAX_LENGTH = 254
SURROGATE = re.compile("[\ud800-\udfff]")
# A \u escape of a surrogate: a parsed body can hold a lone one only if the raw text has one of these.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; no JSON parser of the real APIs does.
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every request: json.loads with parse_constant builds a new one each call, which took
# half of a create body's parse.
JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def dump_json(payload: Any) -> str:
    """Compact JSON in the order the keys were built (the providers' own order), unicode unescaped.
    A lone surrogate (UTF-8 cannot encode one) is written as a \\u escape, as JSON.stringify does."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None, content_type: str = JSON
) -> Response:
    return Response(dump_json(payload), status=status, headers=dict(headers or {}), content_type=content_type)


def no_content() -> Response:
    """A 204: no body, so no media type either."""
    response = Response(status=204)
    response.headers.remove("Content-Type")
    return response


def body_bytes() -> bytes:
    """The request body, read once per request after its size was checked: PayloadTooLarge for a
    declared length over the limit (nothing is read), or for a body of undeclared length (chunked) that
    runs past it (werkzeug stops reading at the limit without a word: a byte more is too much)."""
    req = current_request()
    read = req.body_read
    if read is None:
        read = req.body_read = _read_body(req)
    if isinstance(read, PayloadTooLarge):
        raise read
    return read


def _read_body(req: Request) -> bytes | PayloadTooLarge:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    declared = req.content_length
    if declared is not None:
        return _too_large(limit) if declared > limit else req.get_data(cache=True)
    raw = req.get_data(cache=True)
    if len(raw) >= limit and req.environ["wsgi.input"].read(1):
        return _too_large(limit)
    return raw


def check_body_size() -> None:
    """Refuse a body over the limit (413) before any of it is parsed."""
    body_bytes()


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is larger than the limit of {limit} bytes.")


def check_media_type() -> None:
    """Refuse (415) a body declared as anything but UTF-8 JSON, as JSON body parsers do rather than
    read it; a body that declares no type at all is read as JSON."""
    req = current_request()
    media_type = req.mimetype
    if not media_type:
        return
    charset = req.mimetype_params.get("charset", "utf-8").lower()
    if not JSON_MEDIA_TYPE.fullmatch(media_type) or charset != "utf-8":
        raise UnsupportedMediaType(NOT_JSON_CONTENT)


def _replace_lone_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_replace_lone_surrogates(key): _replace_lone_surrogates(item) for key, item in value.items()}
    return value


def parse_json(raw: bytes) -> Any:
    """`raw` read as the real APIs read JSON: as UTF-8 whatever the bytes look like (json.loads would
    guess UTF-16 or UTF-32 from them), a UTF-8 byte-order mark skipped; bytes that are not UTF-8 and
    lone surrogate escapes become U+FFFD, as Node's and Go's decoders make them. Raises ValueError
    (json.JSONDecodeError with a position, where parsing stopped) or RecursionError."""
    text = raw.decode("utf-8-sig", errors="replace")
    parsed = JSON_DECODER.decode(text)
    return _replace_lone_surrogates(parsed) if SURROGATE_ESCAPE.search(text) else parsed


def read_json() -> Any:
    """The request body parsed as JSON (see parse_json), once per request, whatever the Content-Type
    says (load_body checks it). Raises MalformedBody for an empty or unparsable body."""
    req = current_request()
    parsed = req.body_parsed
    if parsed is UNPARSED:
        parsed = req.body_parsed = _parse_body(body_bytes())
    if isinstance(parsed, MalformedBody):
        raise parsed
    return parsed


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return MalformedBody("The request body is empty.")
    try:
        return parse_json(raw)
    except json.JSONDecodeError as error:
        return MalformedBody(error.msg, position=(error.lineno, error.colno, error.pos))
    except (ValueError, UnicodeDecodeError) as error:
        return MalformedBody(str(error))
    except RecursionError:  # Python's parser gives up on deep nesting; that is the body's fault, not ours
        return MalformedBody("The JSON is nested too deeply.")


def read_json_object() -> dict[str, Any]:
    body = read_json()
    if not isinstance(body, dict):
        raise MalformedBody("The request body must be a JSON object.")
    return body


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages as {"field.sub": [messages]}, in the schema's field order."""
    if isinstance(messages, list):
        # Two rules of one field can fail with one text (a length and a format): say it once.
        return {prefix or "_schema": list(dict.fromkeys(str(m) for m in messages))}
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
    """The JSON object body, validated by `schema`: 413, 415, 400 (malformed, invalid) as it fails."""
    body_bytes()
    check_media_type()
    return validate(schema, read_json_object())
