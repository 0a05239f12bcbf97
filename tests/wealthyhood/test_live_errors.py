"""Every error path of Wealthyhood's new routes (issue 14) over a real socket, against the production server
(`python -m mock_server`): each case of the test-client suites' tables, with the exact status and body
those suites expect. The tables and bodies are imported from them, not copied; whatever a case needs (a
token, a user, a linked account, a test user) is set up over the socket too, under a client id of the
test's own.

Not here, as no request can reach it: a sandbox deposit for a user with no bank account (test users come
with one, and the test client's suite takes it away through the store)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.wealthyhood import test_bank_accounts as bank_accounts
from tests.wealthyhood import test_employment_info as employment_info
from tests.wealthyhood import test_environments as environments
from tests.wealthyhood import test_test_routes as test_routes
from tests.wealthyhood import test_wallets as wallets
from tests.wealthyhood.helpers import (
    EMPLOYMENT,
    GREEK_IBAN,
    PREFIX,
    SANDBOX,
    SEED_BODY,
    as_user,
    bearer,
    error,
    person,
    token_request,
)

GREEK_ACCOUNT = {"holderName": "J", "iban": GREEK_IBAN}


class LiveWealthyhood:
    """One client of one environment of the live server's Wealthyhood API."""

    def __init__(self, url: str, client_id: str, prefix: str = PREFIX) -> None:
        self.base, self.client_id = url + prefix, client_id
        self.auth = self.token()

    def token(self, scope: str | None = None) -> dict[str, str]:
        """Headers carrying a fresh token from the environment's own token endpoint."""
        response = requests.post(
            f"{self.base}/oauth/token", json=token_request(self.client_id, scope=scope), timeout=10
        )
        assert response.status_code == 200, response.text
        return bearer(response.json()["access_token"])

    def call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs):
        headers = self.auth if headers is None else headers
        return requests.request(method, self.base + path, headers=headers, timeout=10, **kwargs)

    def as_owner(self, user_id: str) -> dict[str, str]:
        return as_user(self.auth, user_id)

    def create_user(self, body: dict) -> dict:
        response = self.call("POST", "/users", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def me(self, user_id: str) -> dict:
        return self.call("GET", "/users/me", headers=self.as_owner(user_id)).json()

    def link(self, user_id: str, body, headers: dict[str, str] | None = None) -> requests.Response:
        headers = self.as_owner(user_id) if headers is None else as_user(headers, user_id)
        return self.call("POST", "/bank-accounts", headers=headers, json=body)


def answered(response: requests.Response) -> tuple[int, object]:
    """The status and JSON body of an answer, which must say it is JSON."""
    assert response.headers["Content-Type"] == "application/json", response.headers
    return response.status_code, response.json()


@pytest.fixture
def production(live_server, unique_client) -> LiveWealthyhood:
    return LiveWealthyhood(live_server.url, unique_client)


@pytest.fixture
def sandbox(live_server, unique_client) -> LiveWealthyhood:
    return LiveWealthyhood(live_server.url, unique_client, SANDBOX)


@pytest.fixture
def user(production) -> dict:
    return production.create_user(SEED_BODY)


# --- POST /bank-accounts --------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "message"), bank_accounts.INVALID, ids=lambda value: json.dumps(value)[:60])
def test_an_invalid_bank_account_is_400_and_links_nothing(production, user, body, message):
    assert answered(production.link(user["id"], body)) == (400, error(message, "BAD_REQUEST"))
    # Nothing was linked: the IBAN is still free for this user.
    assert production.link(user["id"], GREEK_ACCOUNT).status_code == 201


def test_a_bank_account_not_declared_as_json_is_415_and_links_nothing(production, user):
    headers = {**production.as_owner(user["id"]), "Content-Type": "text/plain"}
    response = production.call("POST", "/bank-accounts", headers=headers, data=json.dumps(GREEK_ACCOUNT))
    # The test client's suite checks the status only; the body is the one employment-info's gives a 415.
    assert answered(response) == (415, employment_info.NOT_JSON)
    assert production.link(user["id"], GREEK_ACCOUNT).status_code == 201


@pytest.mark.parametrize(("value", "status", "body"), bank_accounts.USER_REFUSALS)
def test_a_bank_account_for_a_missing_malformed_or_unknown_user_is_refused(
    production, user, value, status, body
):
    headers = production.auth if value is None else production.as_owner(value)
    response = production.call("POST", "/bank-accounts", headers=headers, json=GREEK_ACCOUNT)
    assert answered(response) == (status, body)


def test_a_bank_account_for_another_clients_user_is_404(live_server, unique_client, user):
    other = LiveWealthyhood(live_server.url, f"{unique_client}-other")
    assert answered(other.link(user["id"], GREEK_ACCOUNT)) == (404, bank_accounts.USER_NOT_FOUND)


def test_a_bank_account_with_a_read_only_token_is_403(production, user):
    response = production.link(user["id"], GREEK_ACCOUNT, headers=production.token("read:users"))
    assert answered(response) == (403, bank_accounts.NEEDS_WRITE)


def test_an_iban_linked_again_is_409(production, user):
    assert production.link(user["id"], GREEK_ACCOUNT).status_code == 201
    again = production.link(user["id"], {"holderName": "Other", "accountNumber": GREEK_IBAN.lower()})
    assert answered(again) == (409, bank_accounts.IBAN_TAKEN)


# --- PATCH /users/me/employment-info --------------------------------------------------------------


@pytest.fixture
def employed(production) -> dict:
    return production.create_user(person(1, employmentInfo=EMPLOYMENT))


UNEMPLOYED = {"employmentInfo": employment_info.UNEMPLOYED}


def update(service: LiveWealthyhood, headers: dict[str, str], **kwargs) -> requests.Response:
    return service.call("PATCH", "/users/me/employment-info", headers=headers, **kwargs)


@pytest.mark.parametrize(("body", "message"), employment_info.REFUSALS)
def test_invalid_employment_info_is_400_and_changes_nothing(production, employed, body, message):
    response = update(production, production.as_owner(employed["id"]), json=body)
    assert answered(response) == (400, error(message, "BAD_REQUEST"))
    assert production.me(employed["id"]) == employed


def test_employment_info_that_is_not_json_is_400_and_changes_nothing(production, employed):
    headers = {**production.as_owner(employed["id"]), "Content-Type": "application/json"}
    response = update(production, headers, data=b"{")
    # The test client's suite checks the status only; this is the parser's message for that body.
    message = (
        "Request body is not valid JSON: "
        "Expecting property name enclosed in double quotes at line 1, column 2."
    )
    assert answered(response) == (400, error(message, "BAD_REQUEST"))
    assert production.me(employed["id"]) == employed


def test_employment_info_not_declared_as_json_is_415_and_changes_nothing(production, employed):
    headers = {**production.as_owner(employed["id"]), "Content-Type": "text/plain"}
    response = update(production, headers, data=json.dumps(UNEMPLOYED))
    assert answered(response) == (415, employment_info.NOT_JSON)
    assert production.me(employed["id"]) == employed


@pytest.mark.parametrize(("value", "status", "body"), employment_info.USER_REFUSALS)
def test_employment_info_for_a_missing_malformed_or_unknown_user_is_refused(
    production, employed, value, status, body
):
    headers = production.auth if value is None else production.as_owner(value)
    assert answered(update(production, headers, json=UNEMPLOYED)) == (status, body)


def test_employment_info_for_another_clients_user_is_404_and_changes_nothing(
    live_server, unique_client, production, employed
):
    other = LiveWealthyhood(live_server.url, f"{unique_client}-other")
    response = update(other, other.as_owner(employed["id"]), json=UNEMPLOYED)
    assert answered(response) == (404, employment_info.USER_NOT_FOUND)
    assert production.me(employed["id"]) == employed


def test_employment_info_with_a_read_only_token_is_403(production, employed):
    headers = as_user(production.token("read:users"), employed["id"])
    response = update(production, headers, json=UNEMPLOYED)
    assert answered(response) == (403, employment_info.NEEDS_WRITE)


def test_employment_info_answers_get_with_405(production, employed):
    response = production.call(
        "GET", "/users/me/employment-info", headers=production.as_owner(employed["id"])
    )
    assert (response.status_code, response.headers["Allow"], response.json()) == employment_info.GET_REFUSED
    assert response.headers["Content-Type"] == "application/json"


# --- GET /wallets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "status", "body"), wallets.OWNER_REFUSALS)
def test_a_wallet_of_a_missing_malformed_or_unknown_owner_is_refused(production, user, query, status, body):
    assert answered(production.call("GET", "/wallets", params=query)) == (status, body)


def test_another_clients_user_has_no_wallet_for_you(live_server, unique_client, user):
    other = LiveWealthyhood(live_server.url, f"{unique_client}-other")
    response = other.call("GET", "/wallets", params={"owner": user["id"]})
    assert answered(response) == (404, wallets.WALLET_NOT_FOUND)


def test_a_wallet_with_a_token_without_read_users_is_403(production, user):
    response = production.call(
        "GET", "/wallets", headers=production.token("write:users"), params={"owner": user["id"]}
    )
    assert answered(response) == (403, wallets.NEEDS_READ)


def test_a_wallet_without_a_token_is_401(production, user):
    response = production.call("GET", "/wallets", headers={}, params={"owner": user["id"]})
    # The test client's suite checks the status and challenge; the body is the one every route gives.
    assert answered(response) == (401, test_routes.NO_TOKEN)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_wallets_answer_post_with_405(production):
    response = production.call("POST", "/wallets", json={})
    # The test client's suite checks the status and Allow; the body is the one every 405 gives.
    assert answered(response) == (405, error("Method POST is not allowed.", "METHOD_NOT_ALLOWED"))
    assert response.headers["Allow"] == wallets.ALLOWED


# --- the sandbox's test routes --------------------------------------------------------------------


@pytest.fixture
def test_user(sandbox) -> dict:
    response = sandbox.call("POST", "/test/users", json={"email": "t@example.com", "status": "INVESTED"})
    assert response.status_code == 201, response.text
    return response.json()["user"]


def deposit(sandbox: LiveWealthyhood, headers: dict[str, str] | None = None, **body) -> requests.Response:
    return sandbox.call("POST", "/test/deposits", headers=headers, json=body)


def test_statuses_without_a_token_are_401(sandbox):
    assert answered(sandbox.call("GET", "/test/help/statuses", headers={})) == (401, test_routes.NO_TOKEN)


def test_a_test_user_with_a_taken_email_is_409(sandbox):
    sandbox.create_user(SEED_BODY)
    response = sandbox.call(
        "POST", "/test/users", json={"email": "JOHN.DOE@example.com", "status": "INVESTED"}
    )
    assert answered(response) == (409, test_routes.EMAIL_TAKEN)


@pytest.mark.parametrize(("body", "message"), test_routes.TEST_USER_INVALID)
def test_an_invalid_test_user_is_400(sandbox, body, message):
    response = sandbox.call("POST", "/test/users", json=body)
    assert answered(response) == (400, error(message, "BAD_REQUEST"))


@pytest.mark.parametrize(("body", "status", "expected"), test_routes.REFUSED_DEPOSITS)
def test_a_refused_deposit_answers_its_reason(sandbox, test_user, body, status, expected):
    assert answered(deposit(sandbox, **body)) == (status, expected)


@pytest.mark.parametrize("amount", test_routes.HUGE_AMOUNTS)
def test_an_amount_too_large_for_a_number_is_400(sandbox, test_user, amount):
    body = f'{{"userId": "{test_user["_id"]}", "amount": {amount}}}'
    headers = {**sandbox.auth, "Content-Type": "application/json"}
    response = sandbox.call("POST", "/test/deposits", headers=headers, data=body)
    assert answered(response) == (400, test_routes.NOT_A_NUMBER)


def test_a_user_without_a_portfolio_gets_no_deposit_and_no_account(sandbox):
    plain = sandbox.create_user(SEED_BODY)
    response = deposit(sandbox, userId=plain["id"], amount=5, bankAccount=GREEK_ACCOUNT)
    assert answered(response) == (400, test_routes.NO_PORTFOLIO)
    assert sandbox.link(plain["id"], GREEK_ACCOUNT).status_code == 201  # the failed deposit linked nothing


def test_an_unknown_bank_account_or_another_users_is_not_found(sandbox, test_user):
    other = sandbox.call("POST", "/test/users", json={"email": "other@example.com", "status": "INVESTED"})
    others_account = sandbox.link(other.json()["user"]["_id"], {"holderName": "O", "iban": GREEK_IBAN}).json()
    for account_id in (test_routes.UNKNOWN_ID, others_account["id"]):
        response = deposit(sandbox, userId=test_user["_id"], amount=1, bankAccountId=account_id)
        assert answered(response) == (404, test_routes.BANK_ACCOUNT_NOT_FOUND)


def test_another_clients_test_user_is_not_found(live_server, unique_client, test_user):
    other = LiveWealthyhood(live_server.url, f"{unique_client}-other", SANDBOX)
    assert answered(deposit(other, userId=test_user["_id"], amount=1)) == (404, test_routes.USER_NOT_FOUND)


def test_the_write_routes_need_write_users(sandbox, test_user):
    read_only = sandbox.token("read:users")
    for path, body in (("/test/users", {"email": "x@y.co", "status": "INVESTED"}),
                       ("/test/deposits", {"userId": test_user["_id"], "amount": 1})):  # fmt: skip
        response = sandbox.call("POST", path, headers=read_only, json=body)
        assert answered(response) == (403, test_routes.NEEDS_WRITE)
    assert sandbox.call("GET", "/test/help/statuses", headers=read_only).status_code == 200


# --- production refuses the sandbox's test routes -------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), environments.TEST_ROUTES)
def test_production_refuses_the_test_routes_as_any_unknown_route(production, method, path, body):
    response = production.call(method, path, json=body)
    assert answered(response) == (404, environments.REFUSED_IN_PRODUCTION[path])


@pytest.mark.parametrize(("method", "path", "body"), environments.TEST_ROUTES)
def test_production_refuses_the_test_routes_through_its_real_host_too(
    live_server, production, method, path, body
):
    headers = {"Host": "api.wealthyhood.com", **production.auth}
    response = requests.request(method, live_server.url + path, headers=headers, json=body, timeout=10)
    assert answered(response) == (404, environments.REFUSED_IN_PRODUCTION[path])
