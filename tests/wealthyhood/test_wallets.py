"""GET /wallets?owner=<userId>: the wallet provisioned with every user, with a valid IBAN, `created` until
it is activated on the app's clock, then `active`."""

import pytest
from schwifty import IBAN

from mock_server import create_app
from mock_server.base.clock import ManualClock
from mock_server.providers import REGISTRY
from tests.wealthyhood.helpers import (
    SANDBOX,
    SEED_BODY,
    SEED_CREATED_AT,
    USERS,
    WALLETS,
    authorized,
    create_user,
    error,
    person,
)

UNKNOWN_ID = "64f0c51e7fb3fc001234a001"
WALLET_NOT_FOUND = error("Wallet not found.", "NOT_FOUND")
NEEDS_READ = error("Insufficient scope: this route needs read:users.", "FORBIDDEN")
ALLOWED = "GET, HEAD, OPTIONS"


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client)


@pytest.fixture
def user(client, auth) -> dict:
    return create_user(client, auth, SEED_BODY)


def wallet_of(client, headers: dict[str, str], owner: str, path: str = WALLETS):
    return client.get(path, headers=headers, query_string={"owner": owner})


def test_a_new_users_wallet_is_created_with_a_valid_greek_iban(client, auth, user):
    response = wallet_of(client, auth, user["id"])
    assert response.status_code == 200
    wallet = response.get_json()
    assert list(wallet) == ["id", "owner", "iban", "status", "createdAt", "updatedAt"]
    assert wallet == {
        "id": wallet["id"],
        "owner": user["id"],
        "iban": wallet["iban"],
        "status": "created",
        "createdAt": SEED_CREATED_AT,
        "updatedAt": SEED_CREATED_AT,
    }
    # An ObjectId of the owner's creation time, as the docs' example (wal_64f0c51e...) is.
    assert wallet["id"].startswith("wal_" + user["id"][:8]) and len(wallet["id"]) == 28
    iban = IBAN(wallet["iban"], validate_bban=True)  # raises for an invalid IBAN
    assert (iban.country_code, str(iban.bic), iban.compact) == ("GR", "ETHNGRAA", wallet["iban"])


def test_the_wallet_becomes_active_after_the_activation_delay_on_the_apps_clock(client, auth, user, clock):
    clock.advance(4.999)
    assert wallet_of(client, auth, user["id"]).get_json()["status"] == "created"
    clock.advance(0.001)
    wallet = wallet_of(client, auth, user["id"]).get_json()
    assert (wallet["status"], wallet["createdAt"], wallet["updatedAt"]) == (
        "active",
        SEED_CREATED_AT,
        "2024-10-03T10:30:05Z",
    )
    clock.advance(86_400)
    later = authorized(client)  # the first token has expired by now
    assert wallet_of(client, later, user["id"]).get_json()["updatedAt"] == "2024-10-03T10:30:05Z"


def test_each_user_has_a_wallet_of_its_own(client, auth):
    owners = [create_user(client, auth, person(n))["id"] for n in range(3)]
    wallets = [wallet_of(client, auth, owner).get_json() for owner in owners]
    assert [wallet["owner"] for wallet in wallets] == owners
    assert len({wallet["id"] for wallet in wallets}) == len({wallet["iban"] for wallet in wallets}) == 3


def test_the_owner_is_read_in_either_case(client, auth, user):
    assert wallet_of(client, auth, user["id"].upper()).get_json()["owner"] == user["id"]


def test_a_failed_create_provisions_no_wallet(client, auth, state):
    client.post(USERS, headers=auth, json={**SEED_BODY, "residencyCountry": "ZZ"})
    assert state.store.count() == 0  # nothing stored, so no wallet either


OWNER_REFUSALS = [
    ({}, 400, error("owner is required.", "BAD_REQUEST")),
    (
        {"owner": ""},
        400,
        error("owner must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    (
        {"owner": "user-12345"},
        400,
        error("owner must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    (
        {"owner": UNKNOWN_ID + "\n"},
        400,
        error("owner must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    ({"owner": UNKNOWN_ID}, 404, error("Wallet not found.", "NOT_FOUND")),
]


@pytest.mark.parametrize(("query", "status", "body"), OWNER_REFUSALS)
def test_a_missing_malformed_or_unknown_owner_is_refused(client, auth, user, query, status, body):
    response = client.get(WALLETS, headers=auth, query_string=query)
    assert (response.status_code, response.get_json()) == (status, body)


def test_another_clients_user_has_no_wallet_for_you(client, user):
    response = wallet_of(client, authorized(client, "client-b"), user["id"])
    assert (response.status_code, response.get_json()) == (404, WALLET_NOT_FOUND)


def test_a_token_without_read_users_is_403(client, user):
    response = wallet_of(client, authorized(client, scope="write:users"), user["id"])
    assert (response.status_code, response.get_json()) == (403, NEEDS_READ)


def test_no_token_is_401(client, user):
    response = wallet_of(client, {}, user["id"])
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_wallets_only_answer_get(client, auth):
    response = client.post(WALLETS, headers=auth, json={})
    assert (response.status_code, response.headers["Allow"]) == (405, ALLOWED)


# --- the activation delay is a setting, per environment ---------------------------------------------


def test_with_no_activation_delay_a_wallet_is_active_at_once():
    client = create_app({"wealthyhood_wallet_activation_seconds": 0}, clock=ManualClock()).test_client()
    auth = authorized(client)
    wallet = wallet_of(client, auth, create_user(client, auth, SEED_BODY)["id"]).get_json()
    assert (wallet["status"], wallet["updatedAt"]) == ("active", SEED_CREATED_AT)


def test_the_sandbox_has_its_own_activation_delay(clock):
    app = create_app({"wealthyhood_sandbox_wallet_activation_seconds": 60}, clock=clock)
    client = app.test_client()
    production, sandbox = authorized(client), authorized(client, prefix=SANDBOX)
    in_production = create_user(client, production, SEED_BODY)["id"]
    in_sandbox = create_user(client, sandbox, SEED_BODY, prefix=SANDBOX)["id"]
    clock.advance(30)
    assert wallet_of(client, production, in_production).get_json()["status"] == "active"
    assert wallet_of(client, sandbox, in_sandbox, f"{SANDBOX}/wallets").get_json()["status"] == "created"


def test_the_activation_delay_is_read_from_the_environment_and_checked():
    config = REGISTRY.config_from_env({"MOCK_SERVER_WEALTHYHOOD_WALLET_ACTIVATION_SECONDS": "2.5"})
    assert config.settings_for("wealthyhood").wallet_activation_seconds == 2.5
    assert config.settings_for("wealthyhood-sandbox").wallet_activation_seconds == 5.0
    assert REGISTRY.config_from_env(config.to_environ(REGISTRY.catalog)) == config
    with pytest.raises(ValueError, match="wallet_activation_seconds must be from 0 to 86400"):
        create_app({"wealthyhood_wallet_activation_seconds": -1})
    with pytest.raises(ValueError, match="is not a number"):
        REGISTRY.config_from_env({"MOCK_SERVER_WEALTHYHOOD_SANDBOX_WALLET_ACTIVATION_SECONDS": "soon"})
