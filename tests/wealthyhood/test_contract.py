"""Every Wealthyhood answer has the fields, types and enums the seed and the docs give it, and no others:
users, wallets, bank accounts, and the sandbox's test users, statuses and deposits."""

import json
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

from tests.wealthyhood.helpers import (
    ADDRESS,
    EMPLOYMENT,
    GERMAN_IBAN,
    SANDBOX,
    SEED_BODY,
    TAX_RESIDENCY,
    api,
    as_user,
    authorized,
    create_user,
    person,
)

CONTRACTS = Path(__file__).parent.parent / "contracts"
USER = Draft202012Validator(
    json.loads((CONTRACTS / "wealthyhood-user.schema.json").read_text()),
    format_checker=FormatChecker(["email", "date"]),
)
BANKING = json.loads((CONTRACTS / "wealthyhood-banking.schema.json").read_text())


def banking(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {**BANKING, "$ref": f"#/$defs/{name}"}, format_checker=FormatChecker(["email"])
    )


VALID_USER = {
    "id": "64f0c51e7fb3fc001234a001",
    "email": "a@b.co",
    "emailVerified": False,
    "kycStatus": "pending",
    "portfolios": [],
    "createdAt": "2024-10-03T10:30:00Z",
    "updatedAt": "2024-10-03T10:30:00Z",
}


def test_the_schema_copies_can_fail():
    """Guard against a schema that accepts anything."""
    assert USER.is_valid(VALID_USER)
    assert not USER.is_valid({**VALID_USER, "kycStatus": "asleep"})
    assert not USER.is_valid({**VALID_USER, "id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"})
    assert not USER.is_valid({**VALID_USER, "createdAt": "2024-10-03T10:30:00.000Z"})
    assert not USER.is_valid({**VALID_USER, "dateOfBirth": "1990-02-30"})
    assert not USER.is_valid({**VALID_USER, "status": "active"})
    assert not USER.is_valid({**VALID_USER, "language": "fr"})
    assert not USER.is_valid({**VALID_USER, "nationalities": ["gr"]})
    assert not USER.is_valid({**VALID_USER, "employmentInfo": {"incomeRangeId": "5"}})
    assert not USER.is_valid({key: value for key, value in VALID_USER.items() if key != "portfolios"})
    assert not USER.is_valid({key: value for key, value in VALID_USER.items() if key != "emailVerified"})
    wallet = {
        "id": "wal_64f0c51e7fb3fc001234abcd",
        "owner": "64f0c51e7fb3fc001234a001",
        "status": "active",
        "createdAt": "2024-10-03T10:30:00Z",
        "updatedAt": "2024-10-05T09:15:00Z",
        "iban": "GR1601101250000000012300695",
    }  # the docs' example
    assert banking("wallet").is_valid(wallet)
    assert not banking("wallet").is_valid({**wallet, "status": "pending"})
    assert not banking("wallet").is_valid({**wallet, "id": "64f0c51e7fb3fc001234abcd"})
    deposit = {
        "id": "dep_64f0c51e7fb3fc001234abcd",
        "amount": 10050,
        "currency": "EUR",
        "status": "Settled",
        "reference": "a1B2c3D4e5F6g7H8",
        "createdAt": "2024-01-15T10:30:00.000Z",
    }  # the docs' example
    assert banking("deposit").is_valid(deposit)
    assert not banking("deposit").is_valid({**deposit, "amount": 100.5})
    assert not banking("deposit").is_valid({**deposit, "createdAt": "2024-01-15T10:30:00Z"})


def test_every_user_response_answers_the_docs_schema(client):
    auth = authorized(client)
    paths = api("/wealthyhood")
    created = [
        create_user(client, auth, SEED_BODY),
        create_user(client, auth, person(1, address=ADDRESS, taxResidency=TAX_RESIDENCY)),
        create_user(client, auth, person(2, language="el", nationality="GR", employmentInfo=EMPLOYMENT)),
    ]
    for user in created:
        USER.validate(user)
        USER.validate(client.get(paths["me"], headers=as_user(auth, user["id"])).get_json())
    patched = client.patch(paths["employment"], headers=as_user(auth, created[0]["id"]), json={
        "employmentInfo": EMPLOYMENT
    })  # fmt: skip
    USER.validate(patched.get_json())


def test_every_banking_and_test_route_answer_answers_the_docs_schemas(client):
    auth = authorized(client, prefix=SANDBOX)
    paths = api(SANDBOX)
    user = create_user(client, auth, SEED_BODY, prefix=SANDBOX)
    banking("wallet").validate(
        client.get(paths["wallets"], query_string={"owner": user["id"]}, headers=auth).json
    )
    account = client.post(
        paths["bank_accounts"],
        headers=as_user(auth, user["id"]),
        json={"holderName": "J D", "iban": GERMAN_IBAN},
    ).json
    banking("bankAccount").validate(account)
    banking("statuses").validate(client.get(paths["statuses"], headers=auth).json)
    test_user = client.post(
        paths["test_users"], headers=auth, json={"email": "t@x.co", "status": "INVESTED"}
    ).json
    banking("testUser").validate(test_user)
    user_id = test_user["user"]["_id"]
    USER.validate(client.get(paths["me"], headers=as_user(auth, user_id)).json)
    banking("deposit").validate(
        client.post(paths["test_deposits"], headers=auth, json={"userId": user_id, "amount": 100.5}).json
    )
