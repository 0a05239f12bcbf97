"""The pytest plugin, exercised the way a user's suite would use it (pytester runs a suite of its own)."""

USER_SUITE = """
import pytest
import requests

BOB = {"first_name": "Bob", "last_name": "Loblaw", "email": "bob@bobloblaw.com",
       "country_code": "1", "phone_number": "4154332334"}


def test_create_user(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    response = requests.post(url, json=BOB, headers=mock_server.credentials("dots"), timeout=5)
    assert response.status_code == 200
    assert [entry["method"] for entry in mock_server.requests()] == ["POST"]


def test_state_is_reset_between_tests(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    response = requests.get(url, headers=mock_server.credentials("dots"), timeout=5)
    assert response.json() == {"data": [], "has_more": False}
    assert mock_server.requests()[0]["path"] == "/dots/api/v2/users"


def test_the_server_lives_for_the_session(mock_server, mock_server_session):
    assert mock_server is mock_server_session
    assert requests.get(mock_server.url + "/__admin/health", timeout=5).json()["status"] == "ok"


def test_scopes_isolate_clients(mock_server):
    url = mock_server.base_url("dots-sandbox") + "/api/v2/users"
    requests.post(url, json=BOB, headers=mock_server.credentials("dots-sandbox", "team-a"), timeout=5)
    other = requests.get(url, headers=mock_server.credentials("dots-sandbox", "team-b"), timeout=5)
    assert other.json()["data"] == []


# provider: (create path, body, extra headers, status, path reading one user back ({id}), id header)
CASES = {
    "dots": ("/api/v2/users", BOB, {}, 200, "/api/v2/users/{id}", None),
    "dots-sandbox": ("/api/v2/users", BOB, {}, 200, "/api/v2/users/{id}", None),
    "wealthyhood": (
        "/users",
        {"email": "john.doe@example.com", "firstName": "John", "lastName": "Doe",
         "dateOfBirth": "1990-05-15", "residencyCountry": "GB"},
        {}, 201, "/users/me", "x-user-id",
    ),
    "dakota": (
        "/users",
        {"first_name": "John", "last_name": "Doe", "email": "john@example.com", "role": "admin"},
        {"x-idempotency-key": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}, 201, "/users/{id}", None,
    ),
    "taliware": (
        "/v1/cl2c/user",
        {"firstName": "John", "lastName": "Doe", "email": "john.doe@example.com",
         "userName": "johndoe", "phoneNumber": "+1234567890"},
        {}, 200, "/v1/cl2c/users/{id}", None,
    ),
}


@pytest.mark.parametrize("provider", sorted(CASES))
def test_every_providers_credentials_create_and_read_back_a_user_only_in_their_scope(mock_server, provider):
    create_path, body, extra, status, read_path, id_header = CASES[provider]
    base = mock_server.base_url(provider)
    headers = {**mock_server.credentials(provider), **extra}
    created = requests.post(base + create_path, json=body, headers=headers, timeout=5)
    assert created.status_code == status, created.text
    user = created.json()

    def read(scope):
        sent = mock_server.credentials(provider, scope)
        if id_header:
            sent[id_header] = user["id"]
        return requests.get(base + read_path.format(id=user["id"]), headers=sent, timeout=5)

    assert read("pytest").json() == user
    assert read("another-team").status_code == 404
"""

WEBHOOK_SUITE = """
import time
import uuid

import pytest
import requests

from mock_server.receiver import check

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "role": "admin"}


def post(mock_server, provider, path, body):
    headers = {**mock_server.credentials(provider), "x-idempotency-key": str(uuid.uuid4())}
    return requests.post(mock_server.base_url(provider) + path, json=body, headers=headers, timeout=5)


def create_user_with_a_target(mock_server, provider, receiver):
    target = post(mock_server, provider, "/webhooks/targets", {"url": receiver.url})
    assert target.status_code == 201, target.text
    user = post(mock_server, provider, "/users", ADA)
    assert user.status_code == 201, user.text
    return user.json()


@pytest.mark.parametrize("provider", ["dakota", "dakota-sandbox"])
def test_the_receiver_gets_a_verified_user_created(mock_server, mock_webhook_receiver, provider):
    user = create_user_with_a_target(mock_server, provider, mock_webhook_receiver)
    webhook = mock_webhook_receiver.wait_for("user.created", timeout=10)
    assert webhook.verified
    assert webhook.event["data"]["object"]["user_id"] == user["id"]
    assert mock_webhook_receiver.rejected == []


def test_webhook_public_key_is_the_key_the_receiver_trusts_for_production(mock_server, mock_webhook_receiver):
    key = mock_server.webhook_public_key()
    assert key == mock_server.webhook_public_key("dakota")
    assert key in mock_webhook_receiver.public_keys
    assert sorted(mock_webhook_receiver.public_keys) == sorted(mock_server.webhook_public_keys())
    create_user_with_a_target(mock_server, "dakota", mock_webhook_receiver)
    webhook = mock_webhook_receiver.wait_for("user.created", timeout=10)
    assert check(webhook.headers, webhook.body, [key], 300, time.time()) == (200, None)
    sandbox = mock_server.webhook_public_key("dakota-sandbox")
    assert check(webhook.headers, webhook.body, [sandbox], 300, time.time())[0] == 401


def test_deliver_webhooks_after_a_failure_delivers_on_the_second_attempt(mock_server, mock_webhook_receiver):
    mock_webhook_receiver.fail_next(1)
    create_user_with_a_target(mock_server, "dakota", mock_webhook_receiver)
    # The first attempt (made at once in the background, or by this call if it has not begun) is answered
    # 500, and its retry is 30 s away: deliver_webhooks makes it now.
    outcomes = mock_server.deliver_webhooks()
    if [(d["status"], d["attempts"]) for d in outcomes] == [("pending", 1)]:
        outcomes = mock_server.deliver_webhooks()
    [delivery] = outcomes
    outcome = (delivery["status"], delivery["attempts"], delivery["last_response_status"])
    assert outcome == ("delivered", 2, 200)
    assert mock_webhook_receiver.wait_for("user.created", timeout=5).status == 200
    assert [attempt.status for attempt in mock_webhook_receiver.attempts] == [500, 200]
"""


def test_the_plugin_gives_a_user_suite_a_live_server_reset_per_test(pytester):
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


def test_the_plugin_reports_its_fixtures(pytester):
    result = pytester.runpytest_subprocess("--fixtures")
    result.stdout.fnmatch_lines(["*mock_server_session*", "*mock_server -- *"])


def test_the_plugin_receives_verified_webhooks_and_delivers_them_on_demand(pytester):
    pytester.makepyfile(test_webhook_suite=WEBHOOK_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
