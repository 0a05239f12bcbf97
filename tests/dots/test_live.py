"""Dots over real sockets, against the production server as `make run` starts it."""

import base64
import json
import shutil
import subprocess
import time

import pytest
import requests

from tests.concurrency import race
from tests.dots.helpers import ACH, SEED_BODY, W9, expected_user, person


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


# --- the routes under a user, over real sockets --------------------------------------------------


class LiveDots:
    """One client of the live server's Dots production API."""

    def __init__(self, url: str, client_id: str) -> None:
        self.url, self.client_id = url, client_id
        self.users = f"{url}/dots/api/v2/users"

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, self.users + path, auth=auth(self.client_id), timeout=10, **kwargs)

    def create(self, n: int = 1) -> dict:
        return self.call("POST", "", json=person(n)).json()

    def last_code(self, user_id: str) -> str:
        query = {"provider": "dots", "user_id": user_id}
        messages = requests.get(f"{self.url}/__admin/messages", params=query, timeout=5).json()["messages"]
        return messages[-1]["code"]


@pytest.fixture
def dots(live_server, unique_client) -> LiveDots:
    return LiveDots(live_server.url, unique_client)


def test_a_user_is_verified_with_the_code_from_the_outbox(dots):
    user = dots.create()
    sent = dots.call("POST", f"/{user['id']}/send-verification-token")
    assert (sent.status_code, sent.json()) == (202, {})
    wrong = dots.call("POST", f"/{user['id']}/verify", json={"token": "not-the-code"})
    assert (wrong.status_code, wrong.json()) == (
        400,
        {"success": False, "error_code": "incorrect-token", "message": "Incorrect token"},
    )
    right = dots.call("POST", f"/{user['id']}/verify", json={"token": dots.last_code(user["id"])})
    assert (right.status_code, right.json()) == (200, {})
    verified = dots.call("GET", "", params={"status": "verified"}).json()
    assert verified == {"data": [{**user, "status": "verified"}], "has_more": False}


def test_five_concurrent_wrong_tokens_spend_the_code(dots):
    user = dots.create()
    dots.call("POST", f"/{user['id']}/send-verification-token")
    code = dots.last_code(user["id"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    responses = race(5, lambda _: dots.call("POST", f"/{user['id']}/verify", json={"token": wrong}))
    assert {response.status_code for response in responses} == {400}
    # Each try counted, however the requests interleaved (none lost to a racing write): the code is spent.
    assert dots.call("POST", f"/{user['id']}/verify", json={"token": code}).status_code == 400
    assert dots.call("GET", f"/{user['id']}").json()["status"] == "unverified"


def test_a_tin_is_pending_then_matched_on_the_real_clock(dots):
    user = dots.create()
    assert dots.call("PUT", f"/{user['id']}/compliance", json={"w9": W9}).status_code == 200
    assert dots.call("GET", f"/{user['id']}").json()["compliance"]["tax_id_verification"] == "pending"
    deadline = time.monotonic() + 10
    while dots.call("GET", f"/{user['id']}").json()["compliance"]["tax_id_verification"] == "pending":
        assert time.monotonic() < deadline, "the TIN check never settled"
        time.sleep(0.2)
    assert dots.call("GET", f"/{user['id']}").json()["compliance"]["w9"]["tax_id_verification"] == "matched"


def test_a_payout_method_set_as_default_shows_on_the_user(dots):
    user = dots.create()
    added = dots.call("PUT", f"/{user['id']}/payout-methods", json={**ACH, "is_default": True})
    assert added.status_code == 200
    shown = dots.call("GET", f"/{user['id']}").json()
    assert (shown["default_payout_method"], shown["default_payout_method_details"]["id"]) == (
        "ach",
        added.json()["id"],
    )
    assert dots.call("GET", f"/{user['id']}/payout-methods").json() == [
        shown["default_payout_method_details"]
    ]


def test_an_admin_puts_a_user_in_review_over_a_socket(dots):
    user = dots.create()
    change = {"provider": "dots", "user_id": user["id"], "status": "in_review"}
    assert requests.post(f"{dots.url}/__admin/users/status", json=change, timeout=5).status_code == 200
    assert dots.call("GET", "", params={"status": "in_review"}).json()["data"] == [
        {**user, "status": "in_review"}
    ]


def test_racing_sends_leave_the_newest_message_holding_the_code_that_works(dots):
    user = dots.create()
    sends = race(8, lambda _: dots.call("POST", f"/{user['id']}/send-verification-token"))
    assert {response.status_code for response in sends} == {202}
    # Drawn, stored and sent in one step: the last message sent holds the code the user keeps.
    verified = dots.call("POST", f"/{user['id']}/verify", json={"token": dots.last_code(user["id"])})
    assert (verified.status_code, verified.json()) == (200, {})
