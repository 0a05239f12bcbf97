"""Dakota user routes (spec: /users, /users/{user_id}; seed 003 for create)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from mock_server.base.errors import InvalidRequest
from mock_server.base.ids import is_uuid
from mock_server.core.auth import current_scope
from mock_server.core.http import json_response, load_body, no_content, validate
from mock_server.core.idempotent_requests import idempotent
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from mock_server.providers.dakota.errors import request_id
from mock_server.providers.dakota.models import DakotaBackend
from mock_server.providers.dakota.schemas import (
    KSUID_PATTERN,
    ListQuery,
    User,
    UserCreate,
    UserPage,
    UserUpdate,
    message,
)
from mock_server.providers.dakota.webhook_routes import add_webhook_routes
from mock_server.providers.dakota.webhooks import EventCause

IDEMPOTENCY_HEADER = "x-idempotency-key"
KEY_MISSING = message(f"{IDEMPOTENCY_HEADER} header is required", "required")
KEY_NOT_UUID = message(f"{IDEMPOTENCY_HEADER} must be a UUID", "invalid_format")
INVALID_USER_ID = message("user_id must be a valid KSUID", "invalid_format")


def checked_idempotency_key(key: str | None) -> str:
    """Required on POST and PATCH, and a UUID (spec: IdempotencyKeyHeader, format uuid)."""
    if not key:
        raise InvalidRequest(KEY_MISSING, fields={IDEMPOTENCY_HEADER: [KEY_MISSING]})
    if not is_uuid(key):
        raise InvalidRequest(KEY_NOT_UUID, fields={IDEMPOTENCY_HEADER: [KEY_NOT_UUID]})
    return key


def checked_user_id(user_id: str) -> str:
    if not re.match(KSUID_PATTERN, user_id):
        raise InvalidRequest(fields={"user_id": [INVALID_USER_ID]})
    return user_id


def event_cause() -> EventCause:
    """This request, as the events it emits name it."""
    return EventCause(request_id(), request.headers.get(IDEMPOTENCY_HEADER) or None)


def build_blueprint(provider: Provider[DakotaBackend], users: DakotaBackend) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    once_per_key = idempotent(IDEMPOTENCY_HEADER, checked_idempotency_key)
    create_schema, update_schema, list_schema = UserCreate(), UserUpdate(), ListQuery()
    dump_user, dump_page = dumper(User()), dumper(UserPage())

    @blueprint.post("/users")
    @once_per_key
    def create_user() -> Response:
        user = users.create(current_scope(), load_body(create_schema), event_cause())
        return json_response(dump_user(user), 201)

    @blueprint.get("/users")
    def list_users() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page = users.list(current_scope(), **query)
        return json_response(dump_page({"data": page.items, "meta": page}))

    @blueprint.get("/users/<user_id>")
    def get_user(user_id: str) -> Response:
        return json_response(dump_user(users.get(current_scope(), checked_user_id(user_id))))

    @blueprint.patch("/users/<user_id>")
    @once_per_key
    def update_user(user_id: str) -> Response:
        user_id = checked_user_id(user_id)
        users.update(current_scope(), user_id, load_body(update_schema), event_cause())
        return no_content()  # the spec answers 204, without the user

    @blueprint.delete("/users/<user_id>")
    def delete_user(user_id: str) -> Response:
        users.delete(current_scope(), checked_user_id(user_id), event_cause())
        return no_content()

    add_webhook_routes(blueprint, users.webhooks, once_per_key)
    return blueprint
