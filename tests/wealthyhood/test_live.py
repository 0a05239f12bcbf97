"""Wealthyhood over real sockets, against the production server as `make run` starts it."""

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import requests

from tests.concurrency import race
from tests.conftest import LiveServer
from tests.wealthyhood.helpers import (
    EMPLOYMENT,
    GREEK_IBAN,
    SEED_BODY,
    expected_user,
    foreign_claims,
    mint,
    person,
    token_request,
)


def fetch_token(base_url: str, client_id: str, **headers: str) -> str:
    response = requests.post(
        f"{base_url}/oauth/token", json=token_request(client_id), headers=headers, timeout=5
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_seed_curl_command_works_as_written(live_server, unique_client):
    token = fetch_token(f"{live_server.url}/wealthyhood", unique_client)
    # Seed 002's command: the host swapped for the mock, <token> filled in with one from the mock, and
    # the email (obfuscated on the saved page as "[email protected]") replaced by a real address.
    command = f"""curl --request POST \\
  --url {live_server.url}/wealthyhood/users \\
  --header 'Authorization: Bearer {token}' \\
  --header 'Content-Type: application/json' \\
  --data '
{{
  "email": "john.doe@example.com",
  "firstName": "John",
  "lastName": "Doe",
  "dateOfBirth": "1990-05-15",
  "residencyCountry": "GB"
}}
' --silent --write-out '\\n%{{http_code}}'"""
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    body, status = result.stdout.rsplit("\n", 1)
    user = json.loads(body)
    assert status == "201"
    assert user == expected_user(user["id"], SEED_BODY, created_at=user["createdAt"])
    assert user["createdAt"] == user["updatedAt"]


def test_the_token_flow_through_the_real_host_over_a_socket(live_server, unique_client):
    host = {"Host": "api.wealthyhood.com"}
    token = fetch_token(live_server.url, unique_client, **host)
    auth = {**host, "Authorization": f"Bearer {token}"}
    created = requests.post(f"{live_server.url}/users", json=SEED_BODY, headers=auth, timeout=5)
    assert created.status_code == 201
    fetched = requests.get(
        f"{live_server.url}/users/me", headers={**auth, "x-user-id": created.json()["id"]}, timeout=5
    )
    assert (fetched.status_code, fetched.json()) == (200, created.json())


def test_error_bodies_and_challenges_are_exact_over_a_socket(live_server):
    response = requests.post(f"{live_server.url}/wealthyhood/users", json=SEED_BODY, timeout=5)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "message": "Authorization header with a Bearer access token is required.",
        "code": "UNAUTHORIZED",
    }


def test_concurrent_creates_with_one_email_make_one_user(live_server, unique_client):
    url = f"{live_server.url}/wealthyhood/users"
    auth = {"Authorization": f"Bearer {fetch_token(f'{live_server.url}/wealthyhood', unique_client)}"}
    bodies = [person(n, email="same@example.com") for n in range(24)]
    responses = race(len(bodies), lambda i: requests.post(url, json=bodies[i], headers=auth, timeout=30))
    assert sorted(response.status_code for response in responses) == [201] + [409] * 23
    conflict = next(response for response in responses if response.status_code == 409)
    assert conflict.json() == {"message": "A user with this email already exists.", "code": "CONFLICT"}
    (winner,) = [response.json() for response in responses if response.status_code == 201]
    me = requests.get(f"{url}/me", headers={**auth, "x-user-id": winner["id"]}, timeout=5)
    assert me.json() == winner


@pytest.fixture(scope="module")
def strict_server() -> Iterator[LiveServer]:
    server = LiveServer("--strict-auth")
    yield server
    server.stop()


def test_strict_auth_from_the_command_line_reaches_the_worker(strict_server):
    base = f"{strict_server.url}/wealthyhood"
    minted = requests.post(
        f"{base}/users",
        json=SEED_BODY,
        headers={"Authorization": f"Bearer {mint(foreign_claims())}"},
        timeout=5,
    )
    assert (minted.status_code, minted.json()) == (
        401,
        {"message": "Access token was not issued by this server.", "code": "UNAUTHORIZED"},
    )
    own = requests.post(
        f"{base}/users",
        json=SEED_BODY,
        headers={"Authorization": f"Bearer {fetch_token(base, 'c')}"},
        timeout=5,
    )
    assert own.status_code == 201


def test_the_live_server_prints_where_each_wealthyhood_environment_is_served(live_server):
    output = live_server.output()
    assert f"{live_server.url}/wealthyhood/users  (or Host: api.wealthyhood.com)\n" in output
    assert f"{live_server.url}/wealthyhood-sandbox/users  (or Host: api.sandbox.wealthyhood.com)\n" in output


def test_a_user_its_wallet_bank_account_and_employment_info_over_a_socket(live_server, unique_client):
    base = f"{live_server.url}/wealthyhood"
    auth = {"Authorization": f"Bearer {fetch_token(base, unique_client)}"}
    body = person(1, language="el", nationality="GR", employmentInfo=EMPLOYMENT)
    created = requests.post(f"{base}/users", json=body, headers=auth, timeout=5)
    assert created.status_code == 201
    user = created.json()
    assert user == expected_user(user["id"], body, created_at=user["createdAt"])
    as_owner = {**auth, "x-user-id": user["id"]}

    wallet = requests.get(f"{base}/wallets", params={"owner": user["id"]}, headers=auth, timeout=5)
    assert wallet.status_code == 200
    assert (wallet.json()["owner"], wallet.json()["createdAt"]) == (user["id"], user["createdAt"])
    assert wallet.json()["status"] in ("created", "active")  # active 5 s after creation, on the wall clock

    account = requests.post(
        f"{base}/bank-accounts",
        json={"holderName": "Jane Doe", "iban": GREEK_IBAN},
        headers=as_owner,
        timeout=5,
    )
    assert account.status_code == 201
    assert account.json() == {
        "id": account.json()["id"],
        "owner": user["id"],
        "holderName": "Jane Doe",
        "iban": GREEK_IBAN,
        "currency": "EUR",
        "bic": "ETHNGRAA",
        "bankName": "NATIONAL BANK OF GREECE S.A.",
    }
    taken = requests.post(
        f"{base}/bank-accounts",
        json={"holderName": "Jane Doe", "iban": GREEK_IBAN},
        headers=as_owner,
        timeout=5,
    )
    assert (taken.status_code, taken.json()) == (
        409,
        {"message": "A bank account with this IBAN is already linked to the user.", "code": "CONFLICT"},
    )

    retired = {"incomeRangeId": "2", "employmentStatus": "Retired", "sourcesOfWealth": ["Pension"]}
    patched = requests.patch(
        f"{base}/users/me/employment-info", json={"employmentInfo": retired}, headers=as_owner, timeout=5
    )
    assert (patched.status_code, patched.json()["employmentInfo"]) == (200, retired)
    assert requests.get(f"{base}/users/me", headers=as_owner, timeout=5).json() == patched.json()


def test_production_refuses_the_test_routes_over_a_socket(live_server, unique_client):
    base = f"{live_server.url}/wealthyhood"
    auth = {"Authorization": f"Bearer {fetch_token(base, unique_client)}"}
    response = requests.post(
        f"{base}/test/users", json={"email": "t@x.co", "status": "INVESTED"}, headers=auth, timeout=5
    )
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Cannot POST /test/users", "code": "NOT_FOUND"},
    )
    host = {"Host": "api.wealthyhood.com", **auth}
    through_host = requests.get(f"{live_server.url}/test/help/statuses", headers=host, timeout=5)
    assert (through_host.status_code, through_host.json()) == (
        404,
        {"message": "Cannot GET /test/help/statuses", "code": "NOT_FOUND"},
    )


def test_the_sandbox_builds_a_test_user_and_deposits_over_its_real_host(live_server, unique_client):
    host = {"Host": "api.sandbox.wealthyhood.com"}
    auth = {**host, "Authorization": f"Bearer {fetch_token(live_server.url, unique_client, **host)}"}
    statuses = requests.get(f"{live_server.url}/test/help/statuses", headers=auth, timeout=5)
    assert statuses.json() == {"statuses": ["INVESTED", "INVESTED_WITH_CASH", "INVESTED_WITH_SAVINGS"]}
    built = requests.post(
        f"{live_server.url}/test/users",
        json={"email": "test.user@example.com", "status": "INVESTED_WITH_CASH"},
        headers=auth,
        timeout=5,
    )
    assert built.status_code == 201
    test_user = built.json()["user"]
    assert (test_user["email"], test_user["status"], test_user["currency"]) == (
        "test.user@example.com",
        "INVESTED_WITH_CASH",
        "EUR",
    )
    # The docs' own request: a test user's first bank account is used.
    deposited = requests.post(
        f"{live_server.url}/test/deposits",
        json={"userId": test_user["_id"], "amount": 100.50},
        headers=auth,
        timeout=5,
    )
    assert deposited.status_code == 201
    assert (deposited.json()["amount"], deposited.json()["status"]) == (10050, "Settled")
    unknown = requests.post(
        f"{live_server.url}/test/deposits",
        json={"userId": "64f0c51e7fb3fc001234abcd", "amount": 100.50},
        headers=auth,
        timeout=5,
    )
    assert (unknown.status_code, unknown.json()) == (404, {"message": "User not found", "code": "NOT_FOUND"})
    # The sandbox's user is not production's.
    production = {"Authorization": f"Bearer {fetch_token(f'{live_server.url}/wealthyhood', unique_client)}"}
    me = requests.get(
        f"{live_server.url}/wealthyhood/users/me",
        headers={**production, "x-user-id": test_user["_id"]},
        timeout=5,
    )
    assert me.status_code == 404


def test_concurrent_bank_accounts_for_one_user_are_all_kept_and_an_iban_linked_once(
    live_server, unique_client
):
    from schwifty import IBAN

    base = f"{live_server.url}/wealthyhood"
    auth = {"Authorization": f"Bearer {fetch_token(base, unique_client)}"}
    user = requests.post(f"{base}/users", json=SEED_BODY, headers=auth, timeout=5).json()
    as_owner = {**auth, "x-user-id": user["id"]}
    ibans = [
        IBAN.generate("GR", bank_code="014", branch_code="0101", account_code=f"{n:016d}").compact
        for n in range(12)
    ]

    def link(index: int) -> requests.Response:
        body = {"holderName": "Jane", "iban": ibans[index % 6]}  # each IBAN twice, at once
        return requests.post(f"{base}/bank-accounts", json=body, headers=as_owner, timeout=30)

    responses = race(12, link)
    assert sorted(response.status_code for response in responses) == [201] * 6 + [409] * 6
    # No concurrent change was lost: each of the six IBANs is linked (linking it again is a conflict).
    for iban in ibans[:6]:
        again = requests.post(
            f"{base}/bank-accounts", json={"holderName": "J", "iban": iban}, headers=as_owner, timeout=5
        )
        assert again.status_code == 409
    assert (
        requests.post(
            f"{base}/bank-accounts", json={"holderName": "J", "iban": ibans[6]}, headers=as_owner, timeout=5
        ).status_code
        == 201
    )
