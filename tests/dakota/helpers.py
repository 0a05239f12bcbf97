"""Requests, expected bodies and the response contract shared by the Dakota suites."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from jsonschema import Draft202012Validator, FormatChecker

USERS = "/dakota/users"
# A problem's `instance` is an absolute URI on the real host the request was for (spec: format uri,
# examples on the production host); a prefix-mounted request is taken as production's.
PRODUCTION = "https://api.platform.dakota.xyz"
SANDBOX = "https://api.platform.sandbox.dakota.xyz"
ERRORS_PAGE = "https://docs.dakota.xyz/api-reference/errors#"
REQUEST_ID = re.compile(r"^req_[0-9a-hjkmnp-tv-z]{26}$")  # "req_" and a lower-case ULID

# Seed 003's own request body.
SEED_BODY: dict[str, Any] = {
    "first_name": "John",
    "last_name": "Doe",
    "email": "john@example.com",
    "role": "admin",
}


def key(n: int = 1) -> str:
    """The n-th idempotency key: a canonical UUID."""
    return f"3c90c3cc-0d44-4b50-8888-{n:012d}"


def headers(api_key: str = "key-a", idempotency_key: str | None = None, **extra: str) -> dict[str, str]:
    sent = {"x-api-key": api_key, **extra}
    if idempotency_key is not None:
        sent["x-idempotency-key"] = idempotency_key
    return sent


def person(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"user{n}@example.com",
        "role": "viewer",
    }
    body.update(overrides)
    return body


def expected_user(user_id: str, body: dict[str, Any], created_at: int) -> dict[str, Any]:
    """The exact body Dakota answers for a user created from `body`, keys in the seed's order."""
    return {
        "id": user_id,
        "first_name": body["first_name"],
        "last_name": body["last_name"],
        "email": body["email"],
        "role": body["role"],
        "created_at": created_at,
        "swift_enabled": False,
    }


def problem(
    anchor: str,
    title: str,
    status: int,
    detail: str,
    instance: str = PRODUCTION + "/users",
    *,
    request_id: str,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": ERRORS_PAGE + anchor,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def invalid(
    field_errors: list[tuple[str, str, str]], *, request_id: str, instance: str = PRODUCTION + "/users"
) -> dict:
    """A 400 for failed fields, as (field, message, code)."""
    return problem(
        "invalid-request",
        "Invalid Request",
        400,
        "One or more fields failed validation.",
        instance,
        request_id=request_id,
        errors=[{"field": field, "message": message, "code": code} for field, message, code in field_errors],
    )


def unauthorized(instance: str = PRODUCTION + "/users", *, request_id: str) -> dict:
    return problem(
        "authentication-error",
        "Unauthorized",
        401,
        "Missing or invalid API key",
        instance,
        request_id=request_id,
    )


# --- the contract: every response must match the real spec's schema for its operation ------------

CONTRACTS = Path(__file__).parent.parent / "contracts"
FORMATS = FormatChecker()


@FORMATS.checks("uri")
def is_absolute_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def _validator(file: str, definition: str | None = None) -> Draft202012Validator:
    schema = json.loads((CONTRACTS / file).read_text())
    if definition:
        schema = {**schema, "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(schema, format_checker=FORMATS)


USER = _validator("dakota-user.schema.json", "user")
USER_LIST = _validator("dakota-user.schema.json", "user_list")
PROBLEM = _validator("dakota-problem.schema.json")
TARGET = _validator("dakota-webhooks.schema.json", "webhook_target")
TARGET_LIST = _validator("dakota-webhooks.schema.json", "webhook_target_list")
EVENT_LIST = _validator("dakota-webhooks.schema.json", "event_list")
DELIVERY = _validator("dakota-webhooks.schema.json", "webhook_delivery")
HISTORY = _validator("dakota-webhooks.schema.json", "webhook_history_list")
REPLAY = _validator("dakota-webhooks.schema.json", "webhook_replay_response")

# A concrete path's operation shape: the first pattern it matches names it.
SHAPES = (
    (re.compile(r"^/users/[^/]+$"), "/users/{user_id}"),
    (re.compile(r"^/webhooks/targets/[^/]+$"), "/webhooks/targets/{webhook_target_id}"),
    (re.compile(r"^/webhooks/events/[^/]+/replay$"), "/webhooks/events/{event_id}/replay"),
    (re.compile(r"^/webhooks/(?!targets$)[^/]+$"), "/webhooks/{event_id}"),
)
# (method, path shape) -> (success status, schema of its body, or None for no body)
OPERATIONS: dict[tuple[str, str], tuple[int, Draft202012Validator | None]] = {
    ("POST", "/users"): (201, USER),  # createClientUser
    ("GET", "/users"): (200, USER_LIST),  # listClientUsers
    ("GET", "/users/{user_id}"): (200, USER),  # docs only: the spec has no GET on one user
    ("PATCH", "/users/{user_id}"): (204, None),  # updateClientUser
    ("DELETE", "/users/{user_id}"): (204, None),  # deleteClientUser
    ("POST", "/webhooks/targets"): (201, TARGET),  # createWebhookTarget
    ("GET", "/webhooks/targets"): (200, TARGET_LIST),  # listWebhookTargets
    ("GET", "/webhooks/targets/{webhook_target_id}"): (200, TARGET),  # getWebhookTarget
    ("PATCH", "/webhooks/targets/{webhook_target_id}"): (200, TARGET),  # updateWebhookTarget
    ("DELETE", "/webhooks/targets/{webhook_target_id}"): (204, None),  # deleteWebhookTarget
    ("GET", "/events"): (200, EVENT_LIST),  # listEvents
    ("GET", "/webhooks"): (200, HISTORY),  # listWebhookHistory
    ("GET", "/webhooks/{event_id}"): (200, DELIVERY),  # getWebhookDelivery
    ("POST", "/webhooks/events/{event_id}/replay"): (200, REPLAY),  # replayWebhookDelivery
}
MOUNTS = ("/dakota-sandbox", "/dakota")  # longest first


def real_path(path: str) -> str:
    for mount in MOUNTS:
        if path == mount or path.startswith(mount + "/"):
            return path[len(mount) :] or "/"
    return path


def operation_shape(path: str) -> str:
    return next((shape for pattern, shape in SHAPES if pattern.match(path)), path)


def check_contract(method: str, path: str, response: Any, origin: str = PRODUCTION) -> None:
    """Assert `response` (a Flask or requests response) is what the spec allows for this operation;
    `origin` is the real API's the request was for (production unless it came through the sandbox host)."""
    path = real_path(path)
    shape = operation_shape(path)
    request_id = response.headers.get("x-request-id", "")
    assert REQUEST_ID.match(request_id), f"x-request-id {request_id!r}"
    content_type = response.headers.get("Content-Type")
    raw = response.data if hasattr(response, "data") else response.content
    if response.status_code >= 400:
        assert content_type == "application/problem+json"
        body = json.loads(raw)
        PROBLEM.validate(body)
        # The path as a URI: what a client sent percent-encoded or not, encoded once (RFC 3986).
        instance = origin + quote(unquote(path), safe="/:@!$&'()*+,;=")
        assert (body["status"], body["instance"]) == (response.status_code, instance)
        if "Idempotent-Replayed" not in response.headers:  # a replay repeats the original's body
            assert body["request_id"] == request_id
        return
    status, schema = OPERATIONS[(method, shape)]
    assert response.status_code == status
    if schema is None:
        assert raw == b"" and content_type is None
    else:
        assert content_type == "application/json"
        schema.validate(json.loads(raw))


def rid(response: Any) -> str:
    """The response's request id, which its problem body repeats."""
    return response.headers["x-request-id"]
