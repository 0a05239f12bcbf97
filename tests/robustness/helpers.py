"""What the bad-input suites share: a picture of the whole store, and the inputs every provider gets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mock_server.core.state import MockState

BIG = "x" * 100_000  # a string of 10^5 characters
BIG_EMAIL = BIG + "@example.com"  # well-formed, but past RFC 5321's 254 characters
NAMES_IN_MANY_SCRIPTS = ("Zoë 🚀 Łukasz", "李小龍 👩🏽‍💻")  # accents, CJK, a non-BMP emoji, a ZWJ sequence
# An emoji's first half, as a client cutting a string by UTF-16 units leaves it; json.dumps writes
# it as the escape "\\ud83d", which is valid JSON text but no character UTF-8 can hold.
LONE_SURROGATE = "Zo\ud83d"
SPACED_EMAIL = "  spaced@example.com "
UTF16_BODY = '\ufeff{"a": 1}'.encode("utf-16-le")  # a UTF-16 byte-order mark, then UTF-16 JSON
HUGE_LENGTH = 10**12  # a declared Content-Length no server would read

# (JSON value, the token System.Text.Json stops after, id)
WRONG_TYPES = [
    pytest.param(7, "7", id="integer"),
    pytest.param(1.5, "1.5", id="float"),
    pytest.param(True, "true", id="boolean"),
    pytest.param(["x"], "[", id="array"),
    pytest.param({"x": 1}, "{", id="object"),
]

# Bodies that are not JSON, or JSON that is not an object, sent as application/json. (No trailing
# comma: Python's own message for it changed in 3.13, and Wealthyhood and Dakota repeat Python's.)
NOT_JSON = [
    pytest.param(b"{", id="unclosed"),
    pytest.param(b"not json", id="text"),
    pytest.param(b'{"a": NaN}', id="nan"),
    pytest.param(b"\xff\xfe\xfd", id="not-utf8"),
    pytest.param(UTF16_BODY, id="utf16"),
]
NOT_AN_OBJECT = [
    pytest.param(b"[]", id="array"),
    pytest.param(b'"a string"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"true", id="boolean"),
    pytest.param(b"null", id="null"),
]
EMPTY = [pytest.param(b"", id="empty"), pytest.param(b" \r\n\t", id="blank")]
NOT_JSON_CONTENT_TYPES = [
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/json; charset=iso-8859-1",
]
# Header names and media types are case-insensitive (RFC 9110 5.1, 8.3.1).
ODD_CASE_CONTENT_TYPE = "Application/JSON; Charset=UTF-8"


def odd_case(headers: dict[str, str]) -> dict[str, str]:
    """The same headers with names in alternating case: "x-api-key" becomes "X-aPi-KeY"."""
    return {
        "".join(char.upper() if index % 2 == 0 else char.lower() for index, char in enumerate(name)): value
        for name, value in headers.items()
    }


def snapshot(state: MockState) -> dict[tuple[str, str], list[Any]]:
    """Every stored record of every provider and scope (records are immutable values), so a test can
    show that a refused request changed nothing at all."""
    return {
        (namespace, scope): records
        for namespace in state.providers
        for scope in state.store.scopes(namespace)
        if (records := state.store.values(namespace, scope))
    }


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != field}


def first(field: str, value: Any, body: dict[str, Any]) -> bytes:
    """`body` with `field` set to `value` and written first, compactly, so a reader that stops at
    the value stops at a position the test can compute."""
    return json.dumps({field: value, **without(body, field)}, separators=(",", ":")).encode()


def crud_routes(collection: str, item: str) -> list:
    """The five routes of a users collection (create, list, get, update, delete), as test parameters."""
    return [
        pytest.param("POST", collection, id="create"),
        pytest.param("GET", collection, id="list"),
        pytest.param("GET", item, id="get"),
        pytest.param("PATCH", item, id="update"),
        pytest.param("DELETE", item, id="delete"),
    ]


def write_routes(collection: str, item: str) -> list:
    return [pytest.param("POST", collection, id="create"), pytest.param("PATCH", item, id="update")]


def methods_not_allowed(
    allowed: dict[str, str],
    names: dict[str, str] | None = None,
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE"),
) -> list:
    """(path, method) parameters for every method of `methods` a route does not serve; `allowed` maps each
    path to its Allow header, `names` each path to its name in test ids (default: its last segment)."""
    names = names or {path: path.rsplit("/", 1)[-1] for path in allowed}
    return [
        pytest.param(path, method, id=f"{method}-{names[path]}")
        for path in allowed
        for method in methods
        if method not in allowed[path]
    ]


def refused(client, state, method: str, path: str, send=None, **kwargs):
    """Send the request (through `send(client, method, path, **kwargs)` when given) and check that the
    store is exactly as it was before it."""
    before = snapshot(state)
    if send is None:
        response = client.open(path, method=method, **kwargs)
    else:
        response = send(client, method, path, **kwargs)
    assert snapshot(state) == before
    return response
