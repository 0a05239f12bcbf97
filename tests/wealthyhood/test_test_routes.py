"""The sandbox's test routes: GET /test/help/statuses, POST /test/users (a user answered with `_id`),
POST /test/deposits (a settled deposit; errors `{message, code}` as the docs print them)."""

import dataclasses
import re

import pytest
from bson import ObjectId

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.wealthyhood.helpers import (
    GERMAN_IBAN,
    GREEK_IBAN,
    SANDBOX,
    SEED_BODY,
    SEED_CREATED_AT,
    api,
    as_user,
    authorized,
    create_user,
    error,
)

PATHS = api(SANDBOX)
STATUSES = ["INVESTED", "INVESTED_WITH_CASH", "INVESTED_WITH_SAVINGS"]
# The docs' example portfolio's holdings: what every test user is invested in.
HOLDINGS = [
    {"isin": "US0378331005", "assetCommonId": "equities_apple", "quantity": 12.5},
    {"isin": "EU0009658145", "assetCommonId": "etf_vanguard_snp500", "quantity": 8},
]
UNKNOWN_ID = "64f0c51e7fb3fc001234abcd"  # the docs' example userId: nobody's here
NO_TOKEN = error("Authorization header with a Bearer access token is required.", "UNAUTHORIZED")
EMAIL_TAKEN = error("A user with this email already exists.", "CONFLICT")
NO_PORTFOLIO = error("User has no portfolio", "BAD_REQUEST")
USER_NOT_FOUND = error("User not found", "NOT_FOUND")
BANK_ACCOUNT_NOT_FOUND = error("Bank account not found", "NOT_FOUND")
NEEDS_WRITE = error("Insufficient scope: this route needs write:users.", "FORBIDDEN")
# Amounts JSON can write but a float cannot hold, and what they are answered.
HUGE_AMOUNTS = ["1e999", "-1e999"]
NOT_A_NUMBER = error("amount must be a number.", "BAD_REQUEST")


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client, prefix=SANDBOX)


def create_test_user(client, auth, **body) -> dict:
    response = client.post(
        PATHS["test_users"], headers=auth, json={"email": "t@example.com", "status": "INVESTED", **body}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["user"]


@pytest.fixture
def test_user(client, auth) -> dict:
    return create_test_user(client, auth)


def deposit(client, auth, **body):
    return client.post(PATHS["test_deposits"], headers=auth, json=body)


# --- GET /test/help/statuses -----------------------------------------------------------------------


def test_statuses_are_the_three_the_b2b_builder_takes(client, auth):
    response = client.get(PATHS["statuses"], headers=auth)
    assert (response.status_code, response.get_json()) == (200, {"statuses": STATUSES})


def test_statuses_need_a_token(client):
    response = client.get(PATHS["statuses"])
    assert (response.status_code, response.get_json()) == (401, NO_TOKEN)


# --- POST /test/users ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_a_test_user_is_answered_with_underscore_id_its_status_and_portfolio(client, auth, status):
    response = client.post(
        PATHS["test_users"], headers=auth, json={"email": "test.user@example.com", "status": status}
    )
    assert response.status_code == 201
    user = response.get_json()["user"]
    assert re.fullmatch(r"[0-9a-f]{24}", user["_id"])
    (portfolio,) = user["portfolios"]
    assert response.get_json() == {
        "user": {
            "_id": user["_id"],
            "email": "test.user@example.com",
            "status": status,
            "currency": "EUR",
            "portfolios": [
                {
                    "id": portfolio["id"],
                    "currency": "EUR",
                    "holdings": HOLDINGS,
                    "createdAt": "2024-10-03T10:30:00.000Z",
                    "updatedAt": "2024-10-03T10:30:00.000Z",
                }
            ],
        }
    }
    assert list(user) == ["_id", "email", "status", "currency", "portfolios"]
    assert ObjectId(portfolio["id"]).generation_time == ObjectId(user["_id"]).generation_time


def test_a_test_user_is_a_whole_user_with_passed_kyc_and_an_active_wallet(client, auth):
    user = create_test_user(client, auth, props={"firstName": "John", "lastName": "Doe", "favourite": "x"})
    me = client.get(PATHS["me"], headers=as_user(auth, user["_id"])).get_json()
    assert me == {
        "id": user["_id"],
        "email": "t@example.com",
        "firstName": "John",
        "lastName": "Doe",
        "dateOfBirth": me["dateOfBirth"],
        "residencyCountry": "GR",
        "language": "en",
        "nationalities": ["GR"],
        "portfolios": user["portfolios"],
        "emailVerified": True,
        "kycStatus": "passed",
        "createdAt": SEED_CREATED_AT,
        "updatedAt": SEED_CREATED_AT,
    }
    assert "1944-10-03" <= me["dateOfBirth"] <= "2006-10-03"  # an adult
    wallet = client.get(PATHS["wallets"], headers=auth, query_string={"owner": user["_id"]}).get_json()
    assert (wallet["status"], wallet["owner"]) == ("active", user["_id"])


def test_without_props_a_test_user_gets_names_from_the_seeded_source():
    def names() -> tuple[str, str]:
        client = create_app({"seed": 9}, clock=ManualClock()).test_client()
        auth = authorized(client, prefix=SANDBOX)
        user = create_test_user(client, auth)
        me = client.get(PATHS["me"], headers=as_user(auth, user["_id"])).get_json()
        return me["firstName"], me["lastName"]

    first, last = names()
    assert first and last and names() == (first, last)


def test_a_test_users_email_is_taken_like_any_users(client, auth, state):
    create_user(client, auth, SEED_BODY, prefix=SANDBOX)
    response = client.post(
        PATHS["test_users"], headers=auth, json={"email": "JOHN.DOE@example.com", "status": "INVESTED"}
    )
    assert (response.status_code, response.get_json()) == (409, EMAIL_TAKEN)
    assert state.store.count("wealthyhood-sandbox") == 1


TEST_USER_INVALID = [
    ({"status": "INVESTED"}, "email is required."),
    ({"email": "nope", "status": "INVESTED"}, "email must be a valid email address."),
    ({"email": "t@example.com"}, "status is required."),
    (
        {"email": "t@example.com", "status": "FULL_USER_NBG"},
        "status must be one of: INVESTED, INVESTED_WITH_CASH, INVESTED_WITH_SAVINGS.",
    ),
    (
        {"email": "t@example.com", "status": "invested"},
        "status must be one of: INVESTED, INVESTED_WITH_CASH, INVESTED_WITH_SAVINGS.",
    ),
    ({"email": "t@example.com", "status": None}, "status may not be null."),
    ({"email": "t@example.com", "status": "INVESTED", "props": "John"}, "props must be an object."),
    (
        {"email": "t@example.com", "status": "INVESTED", "props": {"firstName": ""}},
        "props.firstName must be 1 to 100 characters long.",
    ),
    (
        {"email": "t@example.com", "status": "INVESTED", "props": {"lastName": 7}},
        "props.lastName must be a string.",
    ),
]


@pytest.mark.parametrize(("body", "message"), TEST_USER_INVALID)
def test_an_invalid_test_user_is_400_and_nothing_is_stored(client, auth, state, body, message):
    response = client.post(PATHS["test_users"], headers=auth, json=body)
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))
    assert state.store.count() == 0


# --- POST /test/deposits ---------------------------------------------------------------------------


def test_a_deposit_is_settled_at_once_in_cents(client, auth, test_user, clock):
    clock.advance(0.25)
    response = deposit(client, auth, userId=test_user["_id"], amount=100.50)
    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"dep_[0-9a-f]{24}", body["id"])
    assert re.fullmatch(r"[0-9A-Za-z]{16}", body["reference"])
    assert body == {
        "id": body["id"],
        "amount": 10050,
        "currency": "EUR",
        "status": "Settled",
        "reference": body["reference"],
        "createdAt": "2024-10-03T10:30:00.250Z",
    }
    assert list(body) == ["id", "amount", "currency", "status", "reference", "createdAt"]


@pytest.mark.parametrize(("amount", "cents"), [(100, 10000), (0.01, 1), (19.99, 1999), (1e3, 100000)])
def test_amounts_are_whole_units_with_up_to_two_decimals(client, auth, test_user, amount, cents):
    assert deposit(client, auth, userId=test_user["_id"], amount=amount).get_json()["amount"] == cents


def test_the_user_id_is_read_in_either_case(client, auth, test_user):
    assert deposit(client, auth, userId=test_user["_id"].upper(), amount=1).status_code == 201


def test_a_deposit_may_name_a_bank_account_linked_through_post_bank_accounts(client, auth, test_user):
    linked = client.post(
        PATHS["bank_accounts"],
        headers=as_user(auth, test_user["_id"]),
        json={"holderName": "J", "iban": GREEK_IBAN},
    ).get_json()
    response = deposit(client, auth, userId=test_user["_id"], amount=5, bankAccountId=linked["id"].upper())
    assert response.status_code == 201


def test_a_deposit_with_new_bank_account_details_links_that_account(client, auth, test_user):
    details = {"holderName": "John Doe", "iban": GERMAN_IBAN}
    assert deposit(client, auth, userId=test_user["_id"], amount=5, bankAccount=details).status_code == 201
    # The account is now the user's: linking it again is a conflict, and a second deposit reuses it.
    again = client.post(PATHS["bank_accounts"], headers=as_user(auth, test_user["_id"]), json=details)
    assert (again.status_code, again.get_json()["code"]) == (409, "CONFLICT")
    assert deposit(client, auth, userId=test_user["_id"], amount=5, bankAccount=details).status_code == 201


def test_reusing_bank_account_details_links_no_second_account(client, auth, state, test_user):
    details = {"holderName": "John Doe", "accountNumber": GERMAN_IBAN}
    for _ in range(2):
        deposit(client, auth, userId=test_user["_id"], amount=5, bankAccount=details)
    stored = state.backends["wealthyhood-sandbox"].get(
        state.store.scopes("wealthyhood-sandbox").__next__(), test_user["_id"]
    )
    assert [account.iban for account in stored.bank_accounts].count(GERMAN_IBAN) == 1
    assert len(stored.deposits) == 2


def test_a_user_without_a_portfolio_gets_no_deposit_and_no_account(client, auth):
    plain = create_user(client, auth, SEED_BODY, prefix=SANDBOX)
    response = deposit(
        client, auth, userId=plain["id"], amount=5, bankAccount={"holderName": "J", "iban": GREEK_IBAN}
    )
    assert (response.status_code, response.get_json()) == (400, NO_PORTFOLIO)
    linked = client.post(
        PATHS["bank_accounts"],
        headers=as_user(auth, plain["id"]),
        json={"holderName": "J", "iban": GREEK_IBAN},
    )
    assert linked.status_code == 201  # the failed deposit linked nothing


def test_a_user_with_no_bank_account_must_name_one(client, auth, state, test_user):
    # Test users come with an account; take it away, as no route can, to reach the rule.
    backend = state.backends["wealthyhood-sandbox"]
    scope = next(state.store.scopes("wealthyhood-sandbox"))
    user = backend.get(scope, test_user["_id"])
    state.store.replace("wealthyhood-sandbox", scope, user.id, dataclasses.replace(user, bank_accounts=()))
    response = deposit(client, auth, userId=test_user["_id"], amount=5)
    assert (response.status_code, response.get_json()) == (
        400,
        error("User has no bank account: send bankAccountId or bankAccount", "BAD_REQUEST"),
    )
    assert backend.get(scope, test_user["_id"]).deposits == ()


REFUSED_DEPOSITS = [
    ({"userId": UNKNOWN_ID, "amount": 100.5}, 404, error("User not found", "NOT_FOUND")),
    ({"amount": 100.5}, 400, error("userId is required.", "BAD_REQUEST")),
    (
        {"userId": "user-12345", "amount": 100.5},
        400,
        error("userId must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    ({"userId": UNKNOWN_ID}, 400, error("amount is required.", "BAD_REQUEST")),
    ({"userId": UNKNOWN_ID, "amount": 0}, 400, error("amount must be greater than 0.", "BAD_REQUEST")),
    ({"userId": UNKNOWN_ID, "amount": -5}, 400, error("amount must be greater than 0.", "BAD_REQUEST")),
    (
        {"userId": UNKNOWN_ID, "amount": 100.505},
        400,
        error("amount must have at most two decimal places.", "BAD_REQUEST"),
    ),
    (
        {"userId": UNKNOWN_ID, "amount": 1e-7},
        400,
        error("amount must have at most two decimal places.", "BAD_REQUEST"),
    ),
    ({"userId": UNKNOWN_ID, "amount": "100.50"}, 400, error("amount must be a number.", "BAD_REQUEST")),
    ({"userId": UNKNOWN_ID, "amount": True}, 400, error("amount must be a number.", "BAD_REQUEST")),
    ({"userId": UNKNOWN_ID, "amount": None}, 400, error("amount may not be null.", "BAD_REQUEST")),
    (
        {"userId": UNKNOWN_ID, "amount": 1, "bankAccountId": "ba_1"},
        400,
        error("bankAccountId must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    (
        {"userId": UNKNOWN_ID, "amount": 1, "bankAccountId": UNKNOWN_ID, "bankAccount": {}},
        400,
        error("bankAccount.holderName is required.", "BAD_REQUEST"),
    ),
    (
        {
            "userId": UNKNOWN_ID,
            "amount": 1,
            "bankAccountId": UNKNOWN_ID,
            "bankAccount": {"holderName": "J", "iban": GREEK_IBAN},
        },
        400,
        error("Send bankAccountId or bankAccount, not both.", "BAD_REQUEST"),
    ),
    (
        {"userId": UNKNOWN_ID, "amount": 1, "bankAccount": {"holderName": "J", "iban": "GR00"}},
        400,
        error("bankAccount.iban is not a valid IBAN: invalid characters in IBAN GR00.", "BAD_REQUEST"),
    ),
    (
        {"userId": UNKNOWN_ID, "amount": 1, "bankAccount": {"holderName": "J"}},
        400,
        error("bankAccount.iban is required.", "BAD_REQUEST"),
    ),
    (
        {"userId": UNKNOWN_ID, "amount": 1, "bankAccount": []},
        400,
        error("bankAccount must be an object.", "BAD_REQUEST"),
    ),
]


@pytest.mark.parametrize(("body", "status", "expected"), REFUSED_DEPOSITS)
def test_a_refused_deposit_answers_its_reason(client, auth, test_user, body, status, expected):
    response = deposit(client, auth, **body)
    assert (response.status_code, response.get_json()) == (status, expected)


def test_an_unknown_bank_account_or_another_users_is_not_found(client, auth, test_user):
    other = create_test_user(client, auth, email="other@example.com")
    others_account = client.post(
        PATHS["bank_accounts"],
        headers=as_user(auth, other["_id"]),
        json={"holderName": "O", "iban": GREEK_IBAN},
    ).get_json()
    for account_id in (UNKNOWN_ID, others_account["id"]):
        response = deposit(client, auth, userId=test_user["_id"], amount=1, bankAccountId=account_id)
        assert (response.status_code, response.get_json()) == (404, BANK_ACCOUNT_NOT_FOUND)


def test_another_clients_test_user_is_not_found(client, test_user):
    other = authorized(client, "client-b", prefix=SANDBOX)
    response = deposit(client, other, userId=test_user["_id"], amount=1)
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)


def test_the_write_routes_need_write_users(client, test_user):
    read_only = authorized(client, scope="read:users", prefix=SANDBOX)
    for path, body in ((PATHS["test_users"], {"email": "x@y.co", "status": "INVESTED"}),
                       (PATHS["test_deposits"], {"userId": test_user["_id"], "amount": 1})):  # fmt: skip
        response = client.post(path, headers=read_only, json=body)
        assert (response.status_code, response.get_json()) == (403, NEEDS_WRITE)
    assert client.get(PATHS["statuses"], headers=read_only).status_code == 200


@pytest.mark.parametrize("amount", HUGE_AMOUNTS)
def test_an_amount_too_large_for_a_number_is_400_not_500(client, auth, test_user, amount):
    # Python reads 1e999 as infinity; the NaN and Infinity literals are refused before, this is not.
    body = f'{{"userId": "{test_user["_id"]}", "amount": {amount}}}'
    response = client.post(PATHS["test_deposits"], headers=auth, data=body, content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, NOT_A_NUMBER)
