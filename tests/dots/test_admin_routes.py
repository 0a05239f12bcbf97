"""The admin routes Dots' user routes need: the outbox of sent codes, and statuses no API call reaches."""

from __future__ import annotations

import pytest

from tests.conftest import basic
from tests.dots.helpers import PROD, SANDBOX, expected_user, person, under

AUTH = basic("client-a")
UNKNOWN_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


def create(client, base: str = PROD, n: int = 1) -> dict:
    return client.post(base, headers=AUTH, json=person(n)).get_json()


def send(client, user: dict, base: str = PROD) -> None:
    assert client.post(under(base, user["id"], "send-verification-token"), headers=AUTH).status_code == 202


def user_ids_of(body: dict) -> list[str]:
    return [message["user_id"] for message in body["messages"]]


def set_status(client, user_id: str, status: str, provider: str = "dots"):
    return client.post(
        "/__admin/users/status", json={"provider": provider, "user_id": user_id, "status": status}
    )


# --- GET /__admin/messages --------------------------------------------------------------------


@pytest.fixture
def three_sent(client) -> list[dict]:
    """Codes sent to two production users and one sandbox user, in that order."""
    users = [create(client, PROD, 1), create(client, PROD, 2), create(client, SANDBOX, 3)]
    for user, base in zip(users, [PROD, PROD, SANDBOX], strict=True):
        send(client, user, base)
    return users


def test_messages_are_listed_oldest_first(client, three_sent):
    body = client.get("/__admin/messages").get_json()
    assert (user_ids_of(body), body["total"]) == ([user["id"] for user in three_sent], 3)


def test_messages_filter_by_provider_and_user(client, three_sent):
    first, second, sandbox = three_sent
    assert user_ids_of(client.get("/__admin/messages?provider=dots").get_json()) == [
        first["id"],
        second["id"],
    ]
    assert user_ids_of(client.get("/__admin/messages?provider=dots-sandbox").get_json()) == [sandbox["id"]]
    assert user_ids_of(client.get(f"/__admin/messages?user_id={second['id']}").get_json()) == [second["id"]]
    query = f"/__admin/messages?provider=dots-sandbox&user_id={second['id']}"
    assert client.get(query).get_json() == {"messages": [], "total": 0}


def test_messages_limit_keeps_the_newest(client, three_sent):
    body = client.get("/__admin/messages?limit=1").get_json()
    assert (user_ids_of(body), body["total"]) == ([three_sent[2]["id"]], 1)


BAD_MESSAGE_QUERIES = [
    ("provider=nope", "provider: Unknown provider 'nope'."),
    ("limit=0", "limit: Must be greater than or equal to 1."),
    ("limit=many", "limit: Not a valid integer."),
]


@pytest.mark.parametrize(("query", "reason"), BAD_MESSAGE_QUERIES)
def test_a_bad_messages_query_is_400(client, query, reason):
    response = client.get(f"/__admin/messages?{query}")
    assert (response.status_code, response.get_json()) == (400, {"error": reason})


def test_delete_messages_clears_the_outbox(client, three_sent):
    assert client.delete("/__admin/messages").status_code == 204
    assert client.get("/__admin/messages").get_json() == {"messages": [], "total": 0}


def test_reset_clears_the_outbox(client, three_sent):
    client.post("/__admin/reset")
    assert client.get("/__admin/messages").get_json()["total"] == 0


def test_reset_of_one_provider_clears_only_its_messages(client, three_sent):
    client.post("/__admin/reset", json={"provider": "dots-sandbox"})
    body = client.get("/__admin/messages").get_json()
    assert user_ids_of(body) == [three_sent[0]["id"], three_sent[1]["id"]]


def test_reading_the_outbox_is_not_journaled(client, three_sent):
    client.get("/__admin/messages")
    paths = [entry["path"] for entry in client.get("/__admin/requests").get_json()["requests"]]
    assert not any(path.startswith("/__admin") for path in paths)


# --- POST /__admin/users/status ---------------------------------------------------------------


@pytest.mark.parametrize("status", ["in_review", "disabled"])
def test_an_admin_moves_a_user_to_a_held_status(client, user, status):
    response = set_status(client, user["id"], status)
    assert (response.status_code, response.get_json()) == (
        200,
        {"provider": "dots", "user_id": user["id"], "status": status},
    )
    held = expected_user(user["id"], person(1), status=status)
    assert client.get(under(PROD, user["id"]), headers=AUTH).get_json() == held
    assert client.get(f"{PROD}?status={status}", headers=AUTH).get_json() == {
        "data": [held],
        "has_more": False,
    }
    assert client.get(f"{PROD}?status=unverified", headers=AUTH).get_json()["data"] == []


def test_an_admin_can_lift_a_hold(client, user):
    set_status(client, user["id"], "disabled")
    set_status(client, user["id"], "unverified")
    assert client.get(under(PROD, user["id"]), headers=AUTH).get_json() == user


def test_a_status_reaches_a_user_of_any_client(client):
    other = client.post(PROD, headers=basic("client-b"), json=person(1)).get_json()
    assert set_status(client, other["id"], "in_review").status_code == 200
    assert client.get(under(PROD, other["id"]), headers=basic("client-b")).get_json()["status"] == "in_review"


def test_a_status_is_set_in_the_named_environment_only(client):
    user = create(client, SANDBOX)
    response = set_status(client, user["id"], "disabled", provider="dots")
    assert response.status_code == 404
    assert set_status(client, user["id"], "disabled", provider="dots-sandbox").status_code == 200


STATUS_REFUSALS = [
    ({"provider": "dots", "user_id": UNKNOWN_ID, "status": "disabled"}, 404, "User not found."),
    (
        {"provider": "dots", "user_id": UNKNOWN_ID, "status": "asleep"},
        400,
        "status: status must be one of: verified, unverified, disabled, in_review.",
    ),
    (
        {"provider": "nope", "user_id": UNKNOWN_ID, "status": "disabled"},
        400,
        "provider: Unknown provider 'nope'.",
    ),
    (
        {"provider": "dakota", "user_id": UNKNOWN_ID, "status": "disabled"},
        400,
        "provider: dakota users have no status to set.",
    ),
    (
        {"provider": "dots", "status": "disabled"},
        400,
        "user_id: Missing data for required field.",
    ),
]


@pytest.mark.parametrize(("body", "status", "reason"), STATUS_REFUSALS)
def test_a_bad_status_request_is_refused_and_changes_nothing(client, user, body, status, reason):
    response = client.post("/__admin/users/status", json=body)
    assert (response.status_code, response.get_json()) == (status, {"error": reason})
    assert client.get(under(PROD, user["id"]), headers=AUTH).get_json() == user
