"""Dots user routes (spec v2, /api/v2/users); create answers 200, as seed 000 says. The routes the spec
gives no answer body (compliance, addresses, verify, send-verification-token) answer `{}`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from marshmallow import Schema

from mock_server.base.errors import InvalidRequest
from mock_server.base.ids import is_uuid
from mock_server.core.auth import current_scope
from mock_server.core.http import body_bytes, json_response, load_body, validate
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from mock_server.core.state import current_state
from mock_server.providers.dots.models import DotsBackend
from mock_server.providers.dots.schemas import (
    AddedPayoutMethod,
    AddressUpdate,
    ComplianceSubmission,
    ListQuery,
    PaymentMethod,
    PayoutMethodCreate,
    TokenRequest,
    User,
    UserCreate,
    UserList,
    UserUpdate,
    VerifyRequest,
)

INVALID_USER_ID = "user_id must be a valid UUID."
USER = "/api/v2/users/<user_id>"


def checked_id(user_id: str) -> str:
    """A user_id the spec types as a UUID (elsewhere it is any string, and an unknown one is a 404)."""
    if not is_uuid(user_id):
        raise InvalidRequest(fields={"user_id": [INVALID_USER_ID]})
    return user_id


def optional_body(schema: Schema) -> dict[str, Any]:
    """A body the spec does not require: none at all reads as an empty object."""
    return load_body(schema) if body_bytes().strip() else validate(schema, {})


def no_content(status: int = 200) -> Response:
    return json_response({}, status)


def build_blueprint(provider: Provider[DotsBackend], users: DotsBackend) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    create_schema, update_schema, list_schema = UserCreate(), UserUpdate(), ListQuery()
    compliance_schema, address_schema = ComplianceSubmission(), AddressUpdate()
    token_schema, verify_schema, method_schema = TokenRequest(), VerifyRequest(), PayoutMethodCreate()
    dump_user, dump_page = dumper(User()), dumper(UserList())
    dump_methods, dump_added = dumper(PaymentMethod(many=True)), dumper(AddedPayoutMethod())

    @blueprint.post("/api/v2/users")
    def create_user() -> Response:
        user, _created = users.create(current_scope(), load_body(create_schema))
        return json_response(dump_user(user))

    @blueprint.get("/api/v2/users")
    def list_users() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page, has_more = users.list(current_scope(), **query)
        return json_response(dump_page({"data": page, "has_more": has_more}))

    @blueprint.get(USER)
    def get_user(user_id: str) -> Response:
        return json_response(dump_user(users.get(current_scope(), checked_id(user_id))))

    @blueprint.patch(USER)
    def update_user(user_id: str) -> Response:
        user_id = checked_id(user_id)
        return json_response(dump_user(users.update(current_scope(), user_id, load_body(update_schema))))

    @blueprint.delete(USER)
    def delete_user(user_id: str) -> Response:
        return json_response(dump_user(users.delete(current_scope(), checked_id(user_id))))

    @blueprint.put(USER + "/compliance")
    def submit_compliance(user_id: str) -> Response:
        users.submit_compliance(current_scope(), user_id, load_body(compliance_schema))
        return no_content()

    @blueprint.put(USER + "/addresses")
    def add_address(user_id: str) -> Response:
        load_body(address_schema)  # checked, not kept: nothing in the user object shows it
        users.add_address(current_scope(), user_id)
        return no_content()

    @blueprint.post(USER + "/send-verification-token")
    def send_verification_token(user_id: str) -> Response:
        use_voice = optional_body(token_schema)["use_voice"]
        users.send_verification_token(current_scope(), user_id, use_voice, current_state().outbox.send)
        return no_content(202)

    @blueprint.post(USER + "/verify")
    def verify(user_id: str) -> Response:
        user_id = checked_id(user_id)
        users.verify(current_scope(), user_id, load_body(verify_schema)["token"])
        return no_content()

    @blueprint.get(USER + "/payout-methods")
    def list_payout_methods(user_id: str) -> Response:
        return json_response(dump_methods(users.payout_methods(current_scope(), checked_id(user_id))))

    @blueprint.put(USER + "/payout-methods")
    def add_payout_method(user_id: str) -> Response:
        user_id = checked_id(user_id)
        return json_response(
            dump_added(users.add_payout_method(current_scope(), user_id, load_body(method_schema)))
        )

    return blueprint
