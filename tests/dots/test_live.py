"""Dots over real sockets, against the production server as `make run` starts it."""

import base64
import json
import shutil
import subprocess

import pytest
import requests

from tests.concurrency import race
from tests.dots.helpers import SEED_BODY, expected_user, person


def auth(client_id: str) -> tuple[str, str]:
    return (client_id, "sk_dev_secret")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_seed_curl_command_works_as_written(live_server, unique_client):
    encoded = base64.b64encode(f"{unique_client}:sk_dev_secret".encode()).decode()
    # Seed 000's command, with the host swapped for the mock and <encoded-value> filled in.
    command = f"""curl --request POST \\
  --url {live_server.url}/dots/api/v2/users \\
  --header 'Authorization: Basic {encoded}' \\
  --header 'Content-Type: application/json' \\
  --data '{{
  "first_name": "Bob",
  "last_name": "Loblaw",
  "email": "bob@bobloblaw.com",
  "country_code": "1",
  "phone_number": "4154332334",
  "metadata": {{
    "internal_id": "user_121344"
  }}
}}' --silent --write-out '\\n%{{http_code}}'"""
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    body, status = result.stdout.rsplit("\n", 1)
    user = json.loads(body)
    assert status == "200"
    assert user == expected_user(user["id"], SEED_BODY)


def test_the_real_host_reaches_the_sandbox_over_a_socket(live_server, unique_client):
    response = requests.post(
        f"{live_server.url}/api/v2/users",
        headers={"Host": "api.senddotssandbox.com"},
        auth=auth(unique_client),
        json=person(1),
        timeout=5,
    )
    assert response.status_code == 200
    listed = requests.get(f"{live_server.url}/dots-sandbox/api/v2/users", auth=auth(unique_client), timeout=5)
    assert [user["id"] for user in listed.json()["data"]] == [response.json()["id"]]


def test_error_bodies_are_exact_over_a_socket(live_server):
    response = requests.post(f"{live_server.url}/dots/api/v2/users", data=b"{", timeout=5, auth=auth("c"))
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "success": False,
        "error_code": "invalid-input",
        "message": "Request body must be a valid JSON object.",
    }


def _post_concurrently(url: str, client_id: str, bodies: list[dict]) -> list[requests.Response]:
    return race(len(bodies), lambda i: requests.post(url, json=bodies[i], auth=auth(client_id), timeout=30))


def test_concurrent_creates_with_one_phone_in_production_make_one_user(live_server, unique_client):
    url = f"{live_server.url}/dots/api/v2/users"
    # 24 different people (distinct emails) sharing one phone number, all at once.
    responses = _post_concurrently(
        url, unique_client, [person(n, phone_number="4150000000") for n in range(24)]
    )
    assert {response.status_code for response in responses} == {200}
    assert len({response.json()["id"] for response in responses}) == 1
    listed = requests.get(url, auth=auth(unique_client), timeout=5).json()["data"]
    assert len(listed) == 1


def test_concurrent_creates_with_one_email_make_one_user(live_server, unique_client):
    url = f"{live_server.url}/dots-sandbox/api/v2/users"
    responses = _post_concurrently(
        url, unique_client, [person(n, email="same@example.com") for n in range(24)]
    )
    assert sorted(response.status_code for response in responses) == [200] + [409] * 23
    assert len(requests.get(url, auth=auth(unique_client), timeout=5).json()["data"]) == 1
