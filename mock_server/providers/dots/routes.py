"""Dots user routes (spec v2, /api/v2/users); create answers 200, as seed 000 says."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.core.auth import current_credential, guard
from mock_server.core.errors import InvalidRequest
from mock_server.core.http import json_response, load_body, validate
from mock_server.core.ids import is_uuid
from mock_server.core.provider import Provider
from mock_server.core.serialization import compile_dump
from mock_server.core.state import backend
from mock_server.providers.dots.auth import verify_basic
from mock_server.providers.dots.schemas import ListQuery, User, UserCreate, UserList, UserUpdate

INVALID_USER_ID = "user_id must be a valid UUID."


def build_blueprint(provider: Provider) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    guard(blueprint, verify_basic)
    create_schema, update_schema, list_schema = UserCreate(), UserUpdate(), ListQuery()
    dump_user, dump_page = compile_dump(User()), compile_dump(UserList())

    def users():
        return backend(provider)

    def scope() -> str:
        return current_credential().scope

    def checked_id(user_id: str) -> str:
        if not is_uuid(user_id):
            raise InvalidRequest(fields={"user_id": [INVALID_USER_ID]})
        return user_id

    @blueprint.post("/api/v2/users")
    def create_user() -> Response:
        user, _created = users().create(scope(), load_body(create_schema))
        return json_response(dump_user(user))

    @blueprint.get("/api/v2/users")
    def list_users() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page, has_more = users().list(scope(), **query)
        return json_response(dump_page({"data": page, "has_more": has_more}))

    @blueprint.get("/api/v2/users/<user_id>")
    def get_user(user_id: str) -> Response:
        return json_response(dump_user(users().get(scope(), checked_id(user_id))))

    @blueprint.patch("/api/v2/users/<user_id>")
    def update_user(user_id: str) -> Response:
        user_id = checked_id(user_id)
        return json_response(dump_user(users().update(scope(), user_id, load_body(update_schema))))

    @blueprint.delete("/api/v2/users/<user_id>")
    def delete_user(user_id: str) -> Response:
        return json_response(dump_user(users().delete(scope(), checked_id(user_id))))

    return blueprint
