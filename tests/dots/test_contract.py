"""Every Dots response has the types and enums of the real spec's response schema for its operation."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.conftest import basic
from tests.dots.helpers import (
    ACH,
    CASH_APP,
    PAYPAL,
    PROD,
    SANDBOX,
    SEED_BODY,
    VENMO,
    W8BEN,
    W9,
    person,
    under,
)

SCHEMA = json.loads((Path(__file__).parent.parent / "contracts" / "dots-user.schema.json").read_text())
AUTH = basic("client-a")


def validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator(
        {**SCHEMA, "$ref": f"#/$defs/{definition}"}, format_checker=FormatChecker(["uuid", "email"])
    )


USER, USER_LIST = validator("user"), validator("user_list")
METHODS, ADDED_METHOD = validator("payment_method_list"), validator("added_payout_method")


def test_the_schema_copy_can_fail():
    """Guard against a schema that accepts anything."""
    assert not USER.is_valid({"id": "nope"})
    assert not USER.is_valid({"status": "asleep"})
    assert not USER.is_valid({"wallet": {"amount": "12"}})
    assert not USER_LIST.is_valid({"data": [{"compliance": {"flagged": "no"}}], "has_more": False})
    assert not USER.is_valid({"compliance": {"w9": {"entity_type": "trust"}}})
    assert not USER.is_valid({"default_payout_method_details": {"platform": "crypto"}})
    assert not METHODS.is_valid([{"platform": "intl_bank"}])
    assert not METHODS.is_valid({"data": []})
    assert not ADDED_METHOD.is_valid({"platform": "intl_transfer"})
    assert not ADDED_METHOD.is_valid({"id": "acc_1"})


@pytest.mark.parametrize("path", [PROD, SANDBOX])
def test_every_user_operation_answers_the_spec_schema(client, path):
    created = client.post(path, headers=AUTH, json=SEED_BODY).get_json()
    client.post(path, headers=AUTH, json=person(2, metadata="text", date_of_birth="1990-01-01"))
    user_url = f"{path}/{created['id']}"
    USER.validate(created)
    USER.validate(client.get(user_url, headers=AUTH).get_json())
    USER_LIST.validate(client.get(path, headers=AUTH).get_json())
    USER_LIST.validate(client.get(f"{path}?limit=1&starting_after={created['id']}", headers=AUTH).get_json())
    patched = client.patch(user_url, headers=AUTH, json={"payout_options_exclude_list": ["crypto"]})
    USER.validate(patched.get_json())
    USER.validate(client.delete(user_url, headers=AUTH).get_json())


@pytest.mark.parametrize("path", [PROD, SANDBOX])
def test_every_user_route_answers_the_spec_schema(client, clock, path):
    user_id = client.post(path, headers=AUTH, json=SEED_BODY).get_json()["id"]

    def user_shown() -> dict:
        user = client.get(under(path, user_id), headers=AUTH).get_json()
        USER.validate(user)
        return user

    def call(method: str, route: str, body=None) -> dict:
        response = client.open(under(path, user_id, route), method=method, headers=AUTH, json=body)
        assert response.status_code < 300, response.get_json()
        return response.get_json()

    # The spec gives these no body: the mock's `{}` is what they answer.
    assert call("POST", "send-verification-token", {"use_voice": True}) == {}
    code = client.get(f"/__admin/messages?user_id={user_id}").get_json()["messages"][-1]["code"]
    assert call("POST", "verify", {"token": code}) == {}
    assert call("PUT", "compliance", {"w8ben": W8BEN}) == {}
    assert user_shown()["compliance"]["w9"] is None
    assert call("PUT", "compliance", {"w9": W9}) == {}
    assert user_shown()["compliance"]["tax_id_verification"] == "pending"
    clock.advance(3)
    assert (
        call(
            "PUT", "addresses", {"postcode": "1", "city": "c", "state": "CA", "country": "US", "line_1": "l"}
        )
        == {}
    )
    for body in (
        PAYPAL,
        VENMO,
        {"platform": "venmo", "handle": "@bob"},
        CASH_APP,
        {**ACH, "is_default": True},
    ):
        ADDED_METHOD.validate(call("PUT", "payout-methods", body))
    METHODS.validate(call("GET", "payout-methods"))
    assert user_shown()["default_payout_method_details"]["platform"] == "ach"
    USER_LIST.validate(client.get(path, headers=AUTH).get_json())
