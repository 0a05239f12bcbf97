"""The Dakota routes the mock emulates, for its OpenAPI document: client users (spec; seed 003), webhook
targets, the event stream and webhook deliveries (spec: the Webhooks and Events tags)."""

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
from mock_server.providers.dakota.webhook_schemas import (
    EventListQuery,
    EventPage,
    HistoryPage,
    HistoryQuery,
    ReplayResponse,
    TargetCreate,
    TargetPage,
    TargetUpdate,
    WebhookDelivery,
    WebhookTarget,
)
from mock_server.providers.dakota.webhooks import REPLAY_LIMIT

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
# The spec's own request examples.
TARGET_BODY = {
    "url": "https://example.com/webhooks/receive",
    "global": False,
    "event_types": ["api_key.created"],
}
TARGET_CHANGES = {"global": False, "event_types": ["api_key.created"]}
WEBHOOK_TARGET_ID = Parameter(
    "webhook_target_id",
    "path",
    ksuid_field("webhook_target_id"),
    "Unique identifier (ksuid) of the webhook target.",
)


def event_id(description: str) -> Parameter:
    """The spec types an event id as any string; one the mock never made is a 404. (GET /webhooks/targets
    is the list of targets, not an event's record: the route of its own wins.)"""
    return Parameter("event_id", "path", {"type": "string", "minLength": 1}, description)


# Where a response's ids lead: schemathesis follows these links (its stateful phase).
CREATED_TARGET_ID = {"webhook_target_id": "$response.body#/id"}
NEWEST_EVENT_ID = {"event_id": "$response.body#/data/0/id"}
TARGET_LINKS = {
    "GetCreatedTarget": {"operationId": "getWebhookTarget", "parameters": CREATED_TARGET_ID},
    "UpdateCreatedTarget": {"operationId": "updateWebhookTarget", "parameters": CREATED_TARGET_ID},
    "DeleteCreatedTarget": {"operationId": "deleteWebhookTarget", "parameters": CREATED_TARGET_ID},
}
EVENT_LINKS = {
    "GetNewestEventsDelivery": {"operationId": "getWebhookDelivery", "parameters": NEWEST_EVENT_ID},
    "ReplayNewestEvent": {"operationId": "replayWebhookDelivery", "parameters": NEWEST_EVENT_ID},
}


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
TARGET_NOT_FOUND = problem("Webhook target not found.")
DELIVERY_NOT_FOUND = problem("Webhook delivery record not found.")

API = ApiDescription(
    title="Dakota Platform (mock-server)",
    version="1.0.0",
    description=(
        "The Dakota client-user, webhook and event routes, as mock-server emulates them. Any API key is "
        "accepted; each key sees only its own users, webhook targets, events and deliveries. Creating, "
        "updating or deleting a user emits a user.created, user.updated or user.deleted event, listed by "
        "GET /events and delivered in the background to each webhook target that selects it, signed "
        "with Ed25519 by a key of the mock's own (see /__admin/webhooks). POST and PATCH need an "
        "x-idempotency-key, except the replay of a webhook."
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
        Operation(
            "post",
            "/webhooks/targets",
            "createWebhookTarget",
            "Create a webhook target",
            description="A target that names no event types, or is global, receives every event type.",
            parameters=[IDEMPOTENCY_KEY],
            body={JSON: TargetCreate},
            body_example=TARGET_BODY,
            responses={
                201: Reply(
                    "Webhook target created successfully.", {JSON: WebhookTarget}, REPLAYABLE, TARGET_LINKS
                ),
                400: REPLAYED_BAD_REQUEST,
                401: UNAUTHORIZED,
                409: IN_FLIGHT,
                413: TOO_LARGE,
                415: UNSUPPORTED,
                422: KEY_REUSED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/webhooks/targets",
            "listWebhookTargets",
            "List webhook targets",
            description="Oldest first. A cursor must name a webhook target of this key; `starting_after` "
            "and `ending_before` do not combine.",
            query=EventListQuery,
            responses={
                200: success("A list of webhook targets.", TargetPage),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/webhooks/targets/{webhook_target_id}",
            "getWebhookTarget",
            "Get a webhook target",
            parameters=[WEBHOOK_TARGET_ID],
            responses={
                200: success("Webhook target retrieved successfully.", WebhookTarget),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                404: TARGET_NOT_FOUND,
                429: TOO_MANY,
            },
        ),
        Operation(
            "patch",
            "/webhooks/targets/{webhook_target_id}",
            "updateWebhookTarget",
            "Update a webhook target",
            description="`global` and `event_types` only: a target's url cannot be changed.",
            parameters=[WEBHOOK_TARGET_ID, IDEMPOTENCY_KEY],
            body={JSON: TargetUpdate},
            body_example=TARGET_CHANGES,
            responses={
                200: success("Webhook target updated successfully.", WebhookTarget, REPLAYABLE),
                400: REPLAYED_BAD_REQUEST,
                401: UNAUTHORIZED,
                404: problem("Webhook target not found.", REPLAYABLE),
                409: IN_FLIGHT,
                413: TOO_LARGE,
                415: UNSUPPORTED,
                422: KEY_REUSED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "delete",
            "/webhooks/targets/{webhook_target_id}",
            "deleteWebhookTarget",
            "Delete a webhook target",
            description="Its deliveries not yet made are not made.",
            parameters=[WEBHOOK_TARGET_ID],
            responses={
                204: success("Webhook target deleted successfully.", headers=ALWAYS),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                404: TARGET_NOT_FOUND,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/events",
            "listEvents",
            "List events",
            description="The key's event stream, newest first (assumed; its newest 10,000 events). A cursor "
            "must name an event of this key; `starting_after` and `ending_before` do not combine.",
            query=EventListQuery,
            responses={
                200: Reply("A list of events.", {JSON: EventPage}, ALWAYS, EVENT_LINKS),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/webhooks",
            "listWebhookHistory",
            "List webhook delivery history",
            description="Delivery records, one per event and target, newest first. Records are retained "
            "for 30 days; `from`/`to` is clamped to that window. `cursor` is the previous page's "
            "`cursor`, the event id of its last record.",
            query=HistoryQuery,
            responses={
                200: Reply(
                    "A paginated list of webhook delivery records.", {JSON: HistoryPage}, ALWAYS, EVENT_LINKS
                ),
                400: problem("Invalid query parameters: `errors` names each invalid one."),
                401: UNAUTHORIZED,
                429: TOO_MANY,
            },
        ),
        Operation(
            "get",
            "/webhooks/{event_id}",
            "getWebhookDelivery",
            "Get a webhook delivery record",
            description="If the event was delivered to multiple targets, the first target's record is "
            "returned.",
            parameters=[event_id("The event ID of the webhook delivery record.")],
            responses={
                200: success("The webhook delivery record.", WebhookDelivery),
                401: UNAUTHORIZED,
                404: DELIVERY_NOT_FOUND,
                429: TOO_MANY,
            },
        ),
        Operation(
            "post",
            "/webhooks/events/{event_id}/replay",
            "replayWebhookDelivery",
            "Replay a webhook delivery",
            description="Re-queues the event for delivery to every target of this key that selects it "
            "now, each attempt with an `X-Webhook-Replay: true` header. At most "
            f"{REPLAY_LIMIT} replays per event ID (lifetime). No body, and no x-idempotency-key.",
            parameters=[event_id("The event ID of the webhook delivery to replay.")],
            responses={
                200: success("Webhook successfully queued for re-delivery.", ReplayResponse),
                401: UNAUTHORIZED,
                404: DELIVERY_NOT_FOUND,
                409: problem(f"Replay limit exceeded (max {REPLAY_LIMIT} per webhook)."),
                429: TOO_MANY,
            },
        ),
    ],
)
