"""Dakota user routes (spec: /users, /users/{user_id}; seed 003 for create)."""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from mock_server.core.auth import current_credential, guard
from mock_server.core.errors import InvalidRequest
from mock_server.core.http import json_response, load_body, validate
from mock_server.core.idempotent_requests import idempotent
from mock_server.core.ids import is_uuid
from mock_server.core.provider import Provider
from mock_server.core.serialization import compile_dump
from mock_server.core.state import backend
from mock_server.providers.dakota.auth import verify_api_key
from mock_server.providers.dakota.errors import with_request_id
from mock_server.providers.dakota.schemas import (
    KSUID_PATTERN,
    ListQuery,
    User,
    UserCreate,
    UserPage,
    UserUpdate,
    message,
)

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


def no_content() -> Response:
    response = Response(status=204)
    response.headers.remove("Content-Type")  # a 204 has no body, so no media type either
    return response


def build_blueprint(provider: Provider) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    guard(blueprint, verify_api_key)
    blueprint.after_request(with_request_id)
    once_per_key = idempotent(IDEMPOTENCY_HEADER, checked_idempotency_key)
    create_schema, update_schema, list_schema = UserCreate(), UserUpdate(), ListQuery()
    dump_user, dump_page = compile_dump(User()), compile_dump(UserPage())

    def users():
        return backend(provider)

    def scope() -> str:
        return current_credential().scope

    @blueprint.post("/users")
    @once_per_key
    def create_user() -> Response:
        user = users().create(scope(), load_body(create_schema))
        return json_response(dump_user(user), 201)

    @blueprint.get("/users")
    def list_users() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page = users().list(scope(), **query)
        return json_response(dump_page({"data": page.users, "meta": page}))

    @blueprint.get("/users/<user_id>")
    def get_user(user_id: str) -> Response:
        return json_response(dump_user(users().get(scope(), checked_user_id(user_id))))

    @blueprint.patch("/users/<user_id>")
    @once_per_key
    def update_user(user_id: str) -> Response:
        user_id = checked_user_id(user_id)
        users().update(scope(), user_id, load_body(update_schema))
        return no_content()  # the spec answers 204, without the user

    @blueprint.delete("/users/<user_id>")
    def delete_user(user_id: str) -> Response:
        users().delete(scope(), checked_user_id(user_id))
        return no_content()

    return blueprint
