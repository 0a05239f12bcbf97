"""The Dakota client-user routes the mock emulates, for its OpenAPI document (spec; seed 003)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.base.ids import UUID_PATTERN
from mock_server.core.openapi import JSON, ApiDescription, Operation, Parameter, Reply, ecma_pattern
from mock_server.providers.dakota.auth import API_KEY_HEADER
from mock_server.providers.dakota.errors import PROBLEM_JSON, REQUEST_ID_HEADER, REQUEST_ID_PATTERN, Problem
from mock_server.providers.dakota.routes import IDEMPOTENCY_HEADER
from mock_server.providers.dakota.schemas import (
    ListQuery,
    User,
    UserCreate,
    UserPage,
    UserUpdate,
    ksuid_field,
)

SCHEME = "ApiKeyAuth"  # the spec's name
INTEGER = {"schema": {"type": "string", "pattern": "^[0-9]+$"}}

# Every response carries its request's id; the rate-limit headers come only with --rate-limit dakota=N/min.
ALWAYS: Mapping[str, Mapping[str, Any]] = {
    REQUEST_ID_HEADER: {"required": True, "schema": {"type": "string", "pattern": REQUEST_ID_PATTERN}},
    "X-RateLimit-Limit": INTEGER,
    "X-RateLimit-Remaining": INTEGER,
    "X-RateLimit-Reset": INTEGER,
}
# A response replayed for a repeated x-idempotency-key says so (Stripe's header; assumed).
REPLAYABLE = {**ALWAYS, "Idempotent-Replayed": {"schema": {"const": "true"}}}

IDEMPOTENCY_KEY = Parameter(
    IDEMPOTENCY_HEADER,
    "header",
    {"type": "string", "format": "uuid", "pattern": ecma_pattern(UUID_PATTERN)},
    "Unique key to ensure request idempotency. If the same key is used within a certain time window "
    "(24 hours), the original response will be returned instead of executing the request again.",
)
SEED_BODY = {"first_name": "John", "last_name": "Doe", "email": "john@example.com", "role": "admin"}
USER_ID = Parameter("user_id", "path", ksuid_field("user_id"), "The user's id (a KSUID).")


def problem(description: str, headers: Mapping[str, Mapping[str, Any]] = ALWAYS) -> Reply:
    return Reply(description, {PROBLEM_JSON: Problem}, headers)


def success(description: str, schema: Any = None, headers: Mapping[str, Mapping[str, Any]] = ALWAYS) -> Reply:
    return Reply(description, {JSON: schema} if schema is not None else {}, headers)


CURSORS = "A cursor must name a user of this key; `starting_after` and `ending_before` do not combine."
BAD_REQUEST = problem("Invalid request: `errors` names each invalid field.")
UNAUTHORIZED = problem("Missing or invalid API key.")
NOT_FOUND = problem("User not found.")
TOO_MANY = problem(
    "Over the rate limit (only with --rate-limit dakota=N/min).",
    {**ALWAYS, "Retry-After": {"required": True, **INTEGER}},
)
REPLAYED_BAD_REQUEST = problem("Invalid request: `errors` names each invalid field.", REPLAYABLE)
IN_FLIGHT = problem("A request with this x-idempotency-key is still being processed (assumed).", REPLAYABLE)
KEY_REUSED = problem("The x-idempotency-key was used with a different request (assumed).", REPLAYABLE)
TOO_LARGE = problem("The body is over the server's size limit (assumed).", REPLAYABLE)
UNSUPPORTED = problem("The body is declared as something other than UTF-8 JSON (assumed).", REPLAYABLE)

API = ApiDescription(
    title="Dakota Platform (mock-server)",
    version="1.0.0",
    description=(
        "The Dakota client-user routes, as mock-server emulates them. Any API key is accepted; each "
        "key sees only its own users. POST and PATCH need an x-idempotency-key."
    ),
    security_schemes={SCHEME: {"type": "apiKey", "in": "header", "name": API_KEY_HEADER}},
    security=[{SCHEME: []}],
    operations=[
        Operation(
            "post",
            "/users",
            "createClientUser",
            "Create a new user",
            parameters=[IDEMPOTENCY_KEY],
            body={JSON: UserCreate},
            body_example=SEED_BODY,
            responses={
                201: success("User created successfully.", User, REPLAYABLE),
                400: REPLAYED_BAD_REQUEST,
                401: UNAUTHORIZED,
                409: problem("User already exists, or the key's first request is in flight.", REPLAYABLE),
                413: TOO_LARGE,
                415: UNSUPPORTED,
                422: KEY_REUSED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/users",
            "listClientUsers",
            "List users",
            description=CURSORS,
            query=ListQuery,
            responses={
                200: success("List of users.", UserPage),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/users/{user_id}",
            "getClientUser",
            "Get a user",
            parameters=[USER_ID],
            responses={
                200: success("The user.", User),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                404: NOT_FOUND,
                429: TOO_MANY,
            },
        ),
        Operation(
            "patch",
            "/users/{user_id}",
            "updateClientUser",
            "Update a user's name or role",
            parameters=[IDEMPOTENCY_KEY, USER_ID],
            body={JSON: UserUpdate},
            responses={
                204: success("User updated successfully.", headers=REPLAYABLE),
                400: REPLAYED_BAD_REQUEST,
                401: UNAUTHORIZED,
                404: problem("User not found.", REPLAYABLE),
                409: IN_FLIGHT,
                413: TOO_LARGE,
                415: UNSUPPORTED,
                422: KEY_REUSED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "delete",
            "/users/{user_id}",
            "deleteClientUser",
            "Delete a user",
            parameters=[USER_ID],
            responses={
                204: success("User deleted successfully.", headers=ALWAYS),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                404: NOT_FOUND,
                429: TOO_MANY,
            },
        ),
    ],
)
