"""Wealthyhood routes: the Auth0 token endpoint, POST /users (seed 002) and GET /users/me."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.base.errors import InvalidRequest
from mock_server.core.auth import current_scope, public
from mock_server.core.http import json_response, load_body
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from mock_server.providers.wealthyhood.auth import (
    READ_USERS,
    TOKEN_LIFETIME_SECONDS,
    WRITE_USERS,
    read_token_request,
    requires_scope,
)
from mock_server.providers.wealthyhood.errors import TOKEN_PATH
from mock_server.providers.wealthyhood.models import OBJECT_ID, WealthyhoodBackend
from mock_server.providers.wealthyhood.schemas import TokenResponse, User, UserCreate

USER_ID_HEADER = "x-user-id"
MISSING_USER_ID = f"{USER_ID_HEADER} header is required."
INVALID_USER_ID = f"{USER_ID_HEADER} must be a valid ObjectId (24 hexadecimal characters)."
# RFC 6749 section 5.1: token responses must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def build_blueprint(provider: Provider[WealthyhoodBackend], wealthyhood: WealthyhoodBackend) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    create_schema = UserCreate(today=wealthyhood.today)
    dump_user, dump_token = dumper(User()), dumper(TokenResponse())

    @blueprint.post(TOKEN_PATH)
    @public
    def issue_token() -> Response:
        grant = read_token_request(request)
        body = {
            "access_token": wealthyhood.tokens.issue(grant),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(grant.scopes),
        }
        return json_response(dump_token(body), headers=NO_STORE)

    @blueprint.post("/users")
    @requires_scope(WRITE_USERS)
    def create_user() -> Response:
        user = wealthyhood.create(current_scope(), load_body(create_schema))
        return json_response(dump_user(user), 201)

    @blueprint.get("/users/me")
    @requires_scope(READ_USERS)
    def get_me() -> Response:
        return json_response(dump_user(wealthyhood.get(current_scope(), user_id_from_header())))

    return blueprint


def user_id_from_header() -> str:
    user_id = request.headers.get(USER_ID_HEADER, "").strip()
    if not user_id:
        raise InvalidRequest(fields={USER_ID_HEADER: [MISSING_USER_ID]})
    if not OBJECT_ID.fullmatch(user_id):
        raise InvalidRequest(fields={USER_ID_HEADER: [INVALID_USER_ID]})
    return user_id
