"""Every Wealthyhood user response has the fields, types and enum seed 002 documents, and no others."""

import json
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

from tests.wealthyhood.helpers import ADDRESS, ME, SEED_BODY, TAX_RESIDENCY, USERS, authorized, person

SCHEMA = json.loads((Path(__file__).parent.parent / "contracts" / "wealthyhood-user.schema.json").read_text())
USER = Draft202012Validator(SCHEMA, format_checker=FormatChecker(["email", "date"]))


def test_the_schema_copy_can_fail():
    """Guard against a schema that accepts anything."""
    valid = {
        "id": "64f0c51e7fb3fc001234a001",
        "email": "a@b.co",
        "emailVerified": False,
        "kycStatus": "pending",
        "createdAt": "2024-10-03T10:30:00Z",
        "updatedAt": "2024-10-03T10:30:00Z",
    }
    assert USER.is_valid(valid)
    assert not USER.is_valid({**valid, "kycStatus": "asleep"})
    assert not USER.is_valid({**valid, "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"})
    assert not USER.is_valid({**valid, "createdAt": "2024-10-03T10:30:00.000Z"})
    assert not USER.is_valid({**valid, "dateOfBirth": "1990-02-30"})
    assert not USER.is_valid({**valid, "status": "active"})
    assert not USER.is_valid({key: value for key, value in valid.items() if key != "emailVerified"})


def test_every_user_response_answers_the_seeds_schema(client):
    auth = authorized(client)
    created = [
        client.post(USERS, headers=auth, json=SEED_BODY).get_json(),
        client.post(
            USERS, headers=auth, json=person(1, address=ADDRESS, taxResidency=TAX_RESIDENCY)
        ).get_json(),
    ]
    for user in created:
        USER.validate(user)
        USER.validate(client.get(ME, headers={**auth, "x-user-id": user["id"]}).get_json())
