"""Every Dots response has the types and enums of the real spec's response schema for its operation."""

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.conftest import basic
from tests.dots.helpers import PROD, SANDBOX, SEED_BODY, person

SCHEMA = json.loads((Path(__file__).parent.parent / "contracts" / "dots-user.schema.json").read_text())
AUTH = basic("client-a")


def validator(definition: str) -> Draft202012Validator:
    return Draft202012Validator(
        {**SCHEMA, "$ref": f"#/$defs/{definition}"}, format_checker=FormatChecker(["uuid", "email"])
    )


USER, USER_LIST = validator("user"), validator("user_list")


def test_the_schema_copy_can_fail():
    """Guard against a schema that accepts anything."""
    assert not USER.is_valid({"id": "nope"})
    assert not USER.is_valid({"status": "asleep"})
    assert not USER.is_valid({"wallet": {"amount": "12"}})
    assert not USER_LIST.is_valid({"data": [{"compliance": {"flagged": "no"}}], "has_more": False})


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
