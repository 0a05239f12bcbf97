"""POST /bank-accounts: a bank account linked to the user named by x-user-id; BIC and bank name derived
from the IBAN (schwifty's registry), currency always EUR."""

import json
import re

import pytest

from tests.wealthyhood.helpers import (
    BANK_ACCOUNTS,
    GERMAN_IBAN,
    GREEK_IBAN,
    SEED_BODY,
    as_user,
    authorized,
    create_user,
    error,
)

UNKNOWN_ID = "64f0c51e7fb3fc001234a001"
# A valid IBAN (check digits and all) of a Greek bank code the registry does not know.
UNKNOWN_BANK_IBAN = "GR3199901011234567890123456"
IBAN_TAKEN = error("A bank account with this IBAN is already linked to the user.", "CONFLICT")
USER_NOT_FOUND = error("User not found.", "NOT_FOUND")
NEEDS_WRITE = error("Insufficient scope: this route needs write:users.", "FORBIDDEN")


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client)


@pytest.fixture
def user(client, auth) -> dict:
    return create_user(client, auth, SEED_BODY)


def link(client, headers: dict[str, str], user_id: str, body: dict):
    return client.post(BANK_ACCOUNTS, headers=as_user(headers, user_id), json=body)


def test_a_bank_account_is_created_with_bic_and_bank_name_derived_from_the_iban(client, auth, user):
    response = link(client, auth, user["id"], {"holderName": "Jane Doe", "iban": GREEK_IBAN})
    assert response.status_code == 201
    account = response.get_json()
    assert re.fullmatch(r"[0-9a-f]{24}", account["id"])
    # The reference page's own example, field for field (its bank name is the registry's).
    assert account == {
        "id": account["id"],
        "owner": user["id"],
        "holderName": "Jane Doe",
        "iban": GREEK_IBAN,
        "currency": "EUR",
        "bic": "ETHNGRAA",
        "bankName": "NATIONAL BANK OF GREECE S.A.",
    }
    assert list(account) == ["id", "owner", "holderName", "iban", "currency", "bic", "bankName"]


def test_the_guides_body_with_account_number_is_taken_and_its_bank_name_gives_way_to_the_bics(
    client, auth, user
):
    body = {"accountName": "Main", "accountNumber": "de89 3704 0044 0532 0130 00", "bankName": "My bank",
            "holderName": "Jane Doe"}  # fmt: skip
    account = link(client, auth, user["id"], body).get_json()
    assert (account["iban"], account["bic"], account["bankName"], account["currency"]) == (
        GERMAN_IBAN,
        "COBADEFFXXX",
        "Commerzbank",
        "EUR",
    )
    assert "accountName" not in account


@pytest.mark.parametrize(("bank_name", "expected"), [({"bankName": "Acme Bank"}, "Acme Bank"), ({}, None)])
def test_a_bank_the_registry_lacks_keeps_the_name_sent_and_has_no_bic(
    client, auth, user, bank_name, expected
):
    account = link(client, auth, user["id"], {"holderName": "J", "iban": UNKNOWN_BANK_IBAN, **bank_name}).json
    assert (account["bic"], account["bankName"]) == (None, expected)


def test_a_user_links_several_accounts_but_an_iban_once(client, auth, user):
    first = link(client, auth, user["id"], {"holderName": "J", "iban": GREEK_IBAN})
    second = link(client, auth, user["id"], {"holderName": "J", "iban": GERMAN_IBAN})
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["id"] != second.get_json()["id"]
    again = link(client, auth, user["id"], {"holderName": "Other", "accountNumber": GREEK_IBAN.lower()})
    assert (again.status_code, again.get_json()) == (409, IBAN_TAKEN)


def test_two_users_may_link_the_same_iban(client, auth, user):
    other = create_user(client, auth, {**SEED_BODY, "email": "jane@example.com"})
    assert link(client, auth, user["id"], {"holderName": "J", "iban": GREEK_IBAN}).status_code == 201
    assert link(client, auth, other["id"], {"holderName": "J", "iban": GREEK_IBAN}).status_code == 201


INVALID = [
    ({"iban": GREEK_IBAN}, "holderName is required."),
    ({"holderName": "", "iban": GREEK_IBAN}, "holderName must be 1 to 100 characters long."),
    ({"holderName": "x" * 101, "iban": GREEK_IBAN}, "holderName must be 1 to 100 characters long."),
    ({"holderName": 5, "iban": GREEK_IBAN}, "holderName must be a string."),
    ({"holderName": "J"}, "iban is required."),
    (
        {"holderName": "J", "iban": GREEK_IBAN, "accountNumber": GREEK_IBAN},
        "Send iban or accountNumber, not both.",
    ),
    ({"holderName": "J", "iban": None}, "iban may not be null."),
    ({"holderName": "J", "iban": 1234}, "iban must be a string."),
    (
        {"holderName": "J", "iban": "GR1601101250000000012300694"},
        "iban is not a valid IBAN: invalid checksum digits.",
    ),
    ({"holderName": "J", "iban": "DE8937040044053201300"}, "iban is not a valid IBAN: invalid IBAN length."),
    ({"holderName": "J", "iban": " "}, "iban must not be empty."),
    (
        {"holderName": "J", "accountNumber": "12345678"},
        "accountNumber is not a valid IBAN: invalid characters in IBAN 12345678.",
    ),
    ({"holderName": "J", "iban": GREEK_IBAN, "bankName": ""}, "bankName must be 1 to 100 characters long."),
    ({"holderName": "J", "iban": GREEK_IBAN, "accountName": 3}, "accountName must be a string."),
]


@pytest.mark.parametrize(("body", "message"), INVALID)
def test_an_invalid_body_is_400_and_links_nothing(client, auth, user, body, message):
    response = link(client, auth, user["id"], body)
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))
    # Nothing was linked: the IBAN is still free for this user.
    assert link(client, auth, user["id"], {"holderName": "J", "iban": GREEK_IBAN}).status_code == 201


def test_a_body_not_declared_as_json_is_415(client, auth, user):
    response = client.post(
        BANK_ACCOUNTS,
        headers=as_user(auth, user["id"]),
        data=json.dumps({"holderName": "J", "iban": GREEK_IBAN}),
        content_type="text/plain",
    )
    assert response.status_code == 415
    assert link(client, auth, user["id"], {"holderName": "J", "iban": GREEK_IBAN}).status_code == 201


USER_REFUSALS = [
    (None, 400, error("x-user-id header is required.", "BAD_REQUEST")),
    (
        "bank-user-12345",
        400,
        error("x-user-id must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    (UNKNOWN_ID, 404, error("User not found.", "NOT_FOUND")),
]


@pytest.mark.parametrize(("value", "status", "body"), USER_REFUSALS)
def test_a_missing_malformed_or_unknown_user_is_refused(client, auth, user, value, status, body):
    headers = auth if value is None else as_user(auth, value)
    response = client.post(BANK_ACCOUNTS, headers=headers, json={"holderName": "J", "iban": GREEK_IBAN})
    assert (response.status_code, response.get_json()) == (status, body)


def test_another_clients_user_is_not_found(client, user):
    response = link(
        client, authorized(client, "client-b"), user["id"], {"holderName": "J", "iban": GREEK_IBAN}
    )
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)


def test_a_read_only_token_is_403(client, user):
    response = link(
        client, authorized(client, scope="read:users"), user["id"], {"holderName": "J", "iban": GREEK_IBAN}
    )
    assert (response.status_code, response.get_json()) == (403, NEEDS_WRITE)
