"""Dakota over real sockets, against the production server as `make run` starts it."""

import json
import shutil
import subprocess
import uuid

import pytest
import requests

from tests.concurrency import race
from tests.conftest import LiveServer
from tests.dakota.helpers import SEED_BODY, check_contract, expected_user, headers, person, problem

IN_FLIGHT = "A request with this x-idempotency-key is still being processed"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_seed_curl_command_works_as_written(live_server, unique_client):
    idempotency_key = str(uuid.uuid4())
    # Seed 003's command, with the host swapped for the mock and <api-key>, <x-idempotency-key> filled in.
    command = f"""curl --request POST \\
  --url {live_server.url}/dakota/users \\
  --header 'Content-Type: application/json' \\
  --header 'x-api-key: {unique_client}' \\
  --header 'x-idempotency-key: {idempotency_key}' \\
  --data '
{{
  "first_name": "John",
  "last_name": "Doe",
  "email": "john@example.com",
  "role": "admin"
}}
' --silent --write-out '\\n%{{http_code}}'"""
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    body, status = result.stdout.rsplit("\n", 1)
    user = json.loads(body)
    assert status == "201"
    assert user == expected_user(user["id"], SEED_BODY, user["created_at"])
    again = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    assert again.stdout == result.stdout  # the same key: the same response, byte for byte


def test_the_sandbox_host_reaches_the_sandbox_over_a_socket(live_server, unique_client):
    url = f"{live_server.url}/users"
    sent = {**headers(unique_client, str(uuid.uuid4())), "Host": "api.platform.sandbox.dakota.xyz"}
    response = requests.post(url, headers=sent, json=SEED_BODY, timeout=5)
    check_contract("POST", "/users", response)
    listed = requests.get(
        f"{live_server.url}/dakota-sandbox/users", headers=headers(unique_client), timeout=5
    )
    check_contract("GET", "/users", listed)
    assert [user["id"] for user in listed.json()["data"]] == [response.json()["id"]]


def test_error_bodies_and_headers_are_exact_over_a_socket(live_server, unique_client):
    response = requests.post(
        f"{live_server.url}/dakota/users",
        headers=headers(unique_client, str(uuid.uuid4())),
        data=b"{",
        timeout=5,
    )
    check_contract("POST", "/users", response)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json() == problem(
        "invalid-request",
        "Invalid Request",
        400,
        "Request body must be a valid JSON object (invalid JSON at line 1, column 2)",
        request_id=response.headers["x-request-id"],
    )


def test_fifty_requests_with_one_key_at_once_create_exactly_one_user(live_server, unique_client):
    url = f"{live_server.url}/dakota/users"
    sent = headers(unique_client, str(uuid.uuid4()))
    responses = race(50, lambda _: requests.post(url, headers=sent, json=SEED_BODY, timeout=30))
    for response in responses:
        check_contract("POST", "/users", response)
    created = [response for response in responses if response.status_code == 201]
    originals = [response for response in created if "Idempotent-Replayed" not in response.headers]
    assert len(originals) == 1
    assert {response.content for response in created} == {originals[0].content}
    for response in responses:
        if response.status_code != 201:
            assert response.status_code == 409
            assert response.json()["detail"] == IN_FLIGHT
    listed = requests.get(url, headers=headers(unique_client), timeout=5).json()
    assert [user["id"] for user in listed["data"]] == [originals[0].json()["id"]]


def test_concurrent_creates_with_one_email_make_one_user(live_server, unique_client):
    url = f"{live_server.url}/dakota/users"
    responses = race(
        24,
        lambda n: requests.post(
            url,
            headers=headers(unique_client, str(uuid.uuid4())),
            json=person(n, email="same@example.com"),
            timeout=30,
        ),
    )
    assert sorted(response.status_code for response in responses) == [201] + [409] * 23
    assert {response.json()["title"] for response in responses if response.status_code == 409} == {
        "User already exists"
    }
    assert requests.get(url, headers=headers(unique_client), timeout=5).json()["meta"]["total_count"] == 1


def test_the_rate_limit_option_throttles_a_live_server(unique_client):
    server = LiveServer("--rate-limit", "dakota=3/min")
    try:
        url = f"{server.url}/dakota/users"
        statuses = [requests.get(url, headers=headers(unique_client), timeout=5) for _ in range(4)]
        assert [response.status_code for response in statuses] == [200, 200, 200, 429]
        throttled = statuses[-1]
        check_contract("GET", "/users", throttled)
        assert throttled.headers["X-RateLimit-Remaining"] == "0"
        assert 1 <= int(throttled.headers["Retry-After"]) <= 60
    finally:
        server.stop()
