"""Taliware CL2C user routes (seed 004): create answers 200 with the user."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from mock_server.base.errors import InvalidRequest, UnsupportedMediaType
from mock_server.core.auth import current_scope
from mock_server.core.http import body_bytes, validate
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from mock_server.providers.taliware import system_text_json
from mock_server.providers.taliware.models import TaliwareBackend
from mock_server.providers.taliware.schemas import DESERIALIZER, User, UserCreate

# MVC's JSON output formatter always names the charset.
JSON_UTF8 = "application/json; charset=utf-8"
# What SystemTextJsonInputFormatter reads: these media types, in UTF-8 or UTF-16 (Encoding.WebName).
JSON_MEDIA_TYPES = frozenset({"application/json", "text/json"})
READABLE_CHARSETS = {"utf-8": None, "utf-16": "utf-16-le"}
EMPTY_BODY = "A non-empty request body is required."


def mvc_json(payload: Any) -> Response:
    return Response(system_text_json.dumps(payload), status=200, content_type=JSON_UTF8)


def readable_body() -> bytes:
    """The body as UTF-8 bytes, or 415 when no input formatter takes its Content-Type, or 413."""
    media_type = request.mimetype
    is_json = media_type in JSON_MEDIA_TYPES or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if not is_json or charset not in READABLE_CHARSETS:
        raise UnsupportedMediaType()
    raw = body_bytes()
    transcode = READABLE_CHARSETS[charset]
    return raw.decode(transcode, errors="replace").encode() if transcode else raw


def bind_body(schema: UserCreate) -> dict[str, str]:
    """[FromBody] model binding, then DataAnnotations validation, each failing as MVC fails."""
    raw = readable_body()
    if not raw:
        raise InvalidRequest(fields={"": [EMPTY_BODY]})
    try:
        model = DESERIALIZER.deserialize(raw)
    except system_text_json.JsonReadError as error:
        raise InvalidRequest(fields={error.path: [error.message]}) from None
    if model is None:  # a JSON null is "no value", like an empty body
        raise InvalidRequest(fields={"": [EMPTY_BODY]})
    return validate(schema, model)


def build_blueprint(provider: Provider[TaliwareBackend], users: TaliwareBackend) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    create_schema, dump_user = UserCreate(), dumper(User())

    # ASP.NET Core answers OPTIONS with 405 like any other unmapped method: no automatic OPTIONS.
    @blueprint.post("/v1/cl2c/user", provide_automatic_options=False)
    def create_user() -> Response:
        fields = bind_body(create_schema)
        user = users.create(current_scope(), fields, auth_location=request.remote_addr or "")
        return mvc_json(dump_user(user))

    @blueprint.get("/v1/cl2c/users", provide_automatic_options=False)
    def list_users() -> Response:
        return mvc_json([dump_user(user) for user in users.list(current_scope())])

    @blueprint.get("/v1/cl2c/users/<user_id>", provide_automatic_options=False)
    def get_user(user_id: str) -> Response:
        return mvc_json(dump_user(users.get(current_scope(), user_id)))

    return blueprint
