"""Wealthyhood over real sockets, against the production server as `make run` starts it."""

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
import requests

from tests.concurrency import race
from tests.conftest import LiveServer
from tests.wealthyhood.helpers import SEED_BODY, expected_user, foreign_claims, mint, person, token_request


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
    host = {"Host": "api.sandbox.wealthyhood.com"}
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


def test_the_live_server_prints_where_wealthyhood_is_served(live_server):
    assert (
        f"{live_server.url}/wealthyhood/users  (or Host: api.wealthyhood.com, api.sandbox.wealthyhood.com)"
        in live_server.output()
    )
