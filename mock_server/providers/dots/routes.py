"""Dots user routes (spec v2, /api/v2/users); create answers 200, as seed 000 says."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.base.errors import InvalidRequest
from mock_server.base.ids import is_uuid
from mock_server.core.auth import current_scope
from mock_server.core.http import json_response, load_body, validate
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from mock_server.providers.dots.models import DotsBackend
from mock_server.providers.dots.schemas import ListQuery, User, UserCreate, UserList, UserUpdate

INVALID_USER_ID = "user_id must be a valid UUID."


def checked_id(user_id: str) -> str:
    if not is_uuid(user_id):
        raise InvalidRequest(fields={"user_id": [INVALID_USER_ID]})
    return user_id


def build_blueprint(provider: Provider[DotsBackend], users: DotsBackend) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    create_schema, update_schema, list_schema = UserCreate(), UserUpdate(), ListQuery()
    dump_user, dump_page = dumper(User()), dumper(UserList())

    @blueprint.post("/api/v2/users")
    def create_user() -> Response:
        user, _created = users.create(current_scope(), load_body(create_schema))
        return json_response(dump_user(user))

    @blueprint.get("/api/v2/users")
    def list_users() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page, has_more = users.list(current_scope(), **query)
        return json_response(dump_page({"data": page, "has_more": has_more}))

    @blueprint.get("/api/v2/users/<user_id>")
    def get_user(user_id: str) -> Response:
        return json_response(dump_user(users.get(current_scope(), checked_id(user_id))))

    @blueprint.patch("/api/v2/users/<user_id>")
    def update_user(user_id: str) -> Response:
        user_id = checked_id(user_id)
        return json_response(dump_user(users.update(current_scope(), user_id, load_body(update_schema))))

    @blueprint.delete("/api/v2/users/<user_id>")
    def delete_user(user_id: str) -> Response:
        return json_response(dump_user(users.delete(current_scope(), checked_id(user_id))))

    return blueprint
