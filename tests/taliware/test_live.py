"""Taliware over real sockets, against the production server as `make run` starts it."""

import json
import shutil
import subprocess
import threading

import pytest
import requests

from tests.concurrency import race
from tests.taliware.helpers import (
    JSON_UTF8,
    PROBLEM_JSON,
    SEED_BODY,
    expected_user,
    person,
    validation_problem,
)


def tenant_headers(tenant: str) -> dict[str, str]:
    return {"tenant": tenant, "X-API-Key": "your-api-key"}


@pytest.fixture
def tenant(unique_client) -> str:
    """A tenant of the test's own (a well-formed id), so tests sharing the server never collide."""
    return unique_client.replace("[", "-").replace("]", "-")[-64:].lstrip("-_.")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_seed_request_works_with_the_base_url_swapped(live_server, tenant):
    # Seed 004's Node.js example as a curl command: same URL path, headers and body.
    command = f"""curl --silent --request POST '{live_server.url}/taliware/v1/cl2c/user' \\
  --header 'tenant: {tenant}' \\
  --header 'X-API-Key: your-api-key' \\
  --header 'Content-Type: application/json' \\
  --data '{{"firstName": "John", "lastName": "Doe", "email": "john.doe@example.com",
           "userName": "johndoe", "phoneNumber": "+1234567890"}}' \\
  --write-out '\\n%{{http_code}} %{{content_type}}'"""
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, check=True)
    body, status_line = result.stdout.rsplit("\n", 1)
    user = json.loads(body)
    assert status_line == f"200 {JSON_UTF8}"
    # authValidUpto and authLocation depend on the wall clock and the socket; their form is checked.
    assert user == expected_user(
        user, SEED_BODY, authValidUpto=user["authValidUpto"], authLocation=user["authLocation"]
    )
    assert user["authLocation"] == "127.0.0.1"
    assert len(user["authValidUpto"]) == len("2024-11-05T19:46:48.912Z") and user["authValidUpto"].endswith(
        "Z"
    )


def test_error_bodies_and_content_types_are_exact_over_a_socket(live_server, tenant):
    url = f"{live_server.url}/taliware/v1/cl2c/user"
    response = requests.post(
        url,
        data=b'{"email": true}',
        headers={**tenant_headers(tenant), "Content-Type": "application/json"},
        timeout=5,
    )
    assert (response.status_code, response.headers["Content-Type"]) == (400, PROBLEM_JSON)
    problem = response.json()
    message = (
        "The JSON value could not be converted to System.String. "
        "Path: $.email | LineNumber: 0 | BytePositionInLine: 14."
    )
    assert problem == validation_problem(problem, {"$.email": [message]})
    missing = requests.get(
        f"{live_server.url}/taliware/v1/cl2c/nothing", headers=tenant_headers(tenant), timeout=5
    )
    assert (missing.status_code, missing.content) == (404, b"")


def _post_concurrently(url: str, tenant: str, bodies: list[dict]) -> list[requests.Response]:
    headers = tenant_headers(tenant)
    return race(len(bodies), lambda i: requests.post(url, json=bodies[i], headers=headers, timeout=30))


def test_concurrent_creates_with_one_username_make_one_user(live_server, tenant):
    url = f"{live_server.url}/taliware/v1/cl2c/user"
    responses = _post_concurrently(url, tenant, [person(n, userName="same-name") for n in range(24)])
    assert sorted(response.status_code for response in responses) == [200] + [409] * 23
    conflict = next(response.json() for response in responses if response.status_code == 409)
    assert conflict["messages"] == ["Username 'same-name' is already taken."]
    listed = requests.get(
        f"{live_server.url}/taliware/v1/cl2c/users", headers=tenant_headers(tenant), timeout=5
    )
    assert len(listed.json()) == 1


def test_concurrent_creates_in_two_tenants_never_mix(live_server, tenant):
    url = f"{live_server.url}/taliware/v1/cl2c/user"
    other = f"{tenant[:60]}-b"
    barrier = threading.Barrier(2)
    results: dict[str, list[int]] = {}

    def create_many(name: str) -> None:
        barrier.wait()
        results[name] = [
            requests.post(url, json=person(n), headers=tenant_headers(name), timeout=30).status_code
            for n in range(10)
        ]

    threads = [threading.Thread(target=create_many, args=(name,)) for name in (tenant, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {tenant: [200] * 10, other: [200] * 10}
    for name in (tenant, other):
        users = requests.get(
            f"{live_server.url}/taliware/v1/cl2c/users", headers=tenant_headers(name), timeout=5
        ).json()
        assert sorted(user["userName"] for user in users) == sorted(f"user{n}" for n in range(10))
