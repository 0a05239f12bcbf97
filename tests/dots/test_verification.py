"""send-verification-token and verify: the code goes to the outbox, a correct one verifies the user."""

from __future__ import annotations

import re

import pytest

from mock_server import create_app
from mock_server.base.ids import is_uuid
from tests.conftest import basic
from tests.dots.helpers import PROD, SANDBOX, error, expected_user, last_code, person, sent_messages, under

AUTH = basic("client-a")
UNKNOWN_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
INCORRECT = error("incorrect-token", "Incorrect token")
UNKNOWN_USER_IDS = [UNKNOWN_ID, "not-a-uuid"]
USER_NOT_FOUND = error("not-found", "User not found.")
NOT_A_UUID = error("invalid-input", "user_id must be a valid UUID.")


def send(client, user_id: str, base: str = PROD, **body):
    url = under(base, user_id, "send-verification-token")
    return client.post(url, headers=AUTH, json=body) if body else client.post(url, headers=AUTH)


def verify(client, user_id: str, token, base: str = PROD):
    return client.post(under(base, user_id, "verify"), headers=AUTH, json={"token": token})


def shown(client, user_id: str, base: str = PROD) -> dict:
    return client.get(under(base, user_id), headers=AUTH).get_json()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- send-verification-token ------------------------------------------------------------------


def test_send_answers_202_and_the_outbox_holds_the_sms(client, user):
    response = send(client, user["id"])  # no body at all: the spec's body is optional
    assert (response.status_code, response.get_json()) == (202, {})
    [message] = sent_messages(client, user["id"])
    code = message["code"]
    assert re.fullmatch(r"[0-9]{6}", code) and is_uuid(message["id"])
    assert message == {
        "id": message["id"],
        "time": "2024-10-03T10:30:00+00:00",
        "provider": "dots",
        "scope": "client-a",
        "user_id": user["id"],
        "channel": "sms",
        "to": "+14155550001",
        "body": f"Your Dots verification code is {code}. It expires in 10 minutes.",
        "code": code,
    }


def test_use_voice_sends_the_code_by_call(client, user):
    assert send(client, user["id"], use_voice=True).status_code == 202
    assert send(client, user["id"], use_voice=False).status_code == 202
    assert [message["channel"] for message in sent_messages(client, user["id"])] == ["voice", "sms"]


def test_codes_come_from_the_seeded_random_source(clock):
    def first_code() -> str:
        client = create_app({"seed": 99}, clock=clock).test_client()
        user = client.post(PROD, headers=AUTH, json=person(1)).get_json()
        send(client, user["id"])
        return last_code(client, user["id"])

    assert first_code() == first_code()


def test_sending_changes_nothing_the_user_shows(client, user):
    send(client, user["id"])
    assert shown(client, user["id"]) == user


BAD_SEND_BODIES = [
    (b'{"use_voice": "yes"}', "use_voice must be a boolean."),
    (b'{"use_voice": 1}', "use_voice must be a boolean."),
    (b'{"use_voice": null}', "use_voice may not be null."),
    (b"{", "Request body must be a valid JSON object."),
    (b"[]", "Request body must be a valid JSON object."),
]


@pytest.mark.parametrize(("body", "message"), BAD_SEND_BODIES)
def test_send_refuses_a_bad_body_and_sends_nothing(client, user, body, message):
    url = under(PROD, user["id"], "send-verification-token")
    response = client.post(url, headers=AUTH, data=body, content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, error("invalid-input", message))
    assert sent_messages(client, user["id"]) == []


@pytest.mark.parametrize("user_id", UNKNOWN_USER_IDS)
def test_send_to_an_unknown_user_is_404(client, user_id):
    # The spec types this user_id as any string: one that is no user's id is simply not found.
    response = send(client, user_id)
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)
    assert client.get("/__admin/messages").get_json() == {"messages": [], "total": 0}


def test_send_to_another_clients_user_is_404(client, user):
    response = client.post(under(PROD, user["id"], "send-verification-token"), headers=basic("client-b"))
    assert response.status_code == 404
    assert sent_messages(client, user["id"]) == []


# --- verify -----------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [PROD, SANDBOX])
def test_a_correct_code_verifies_the_user(client, base):
    user = client.post(base, headers=AUTH, json=person(1)).get_json()
    send(client, user["id"], base)
    response = verify(client, user["id"], last_code(client, user["id"]), base)
    assert (response.status_code, response.get_json()) == (200, {})
    assert shown(client, user["id"], base) == {**user, "status": "verified"}
    listed = client.get(f"{base}?status=verified", headers=AUTH).get_json()
    assert listed == {"data": [{**user, "status": "verified"}], "has_more": False}
    assert client.get(f"{base}?status=unverified", headers=AUTH).get_json()["data"] == []


def test_the_sandbox_outbox_names_the_sandbox(client):
    user = client.post(SANDBOX, headers=AUTH, json=person(1)).get_json()
    send(client, user["id"], SANDBOX)
    assert [message["provider"] for message in sent_messages(client, user["id"])] == ["dots-sandbox"]


def test_a_wrong_code_is_400_incorrect_token_and_leaves_the_user_unverified(client, user):
    send(client, user["id"])
    response = verify(client, user["id"], wrong(last_code(client, user["id"])))
    assert (response.status_code, response.get_json()) == (400, INCORRECT)
    assert shown(client, user["id"]) == user


def test_without_a_code_sent_every_token_is_incorrect(client, user):
    response = verify(client, user["id"], "123456")
    assert (response.status_code, response.get_json()) == (400, INCORRECT)


def test_a_code_works_once(client, user):
    send(client, user["id"])
    code = last_code(client, user["id"])
    assert verify(client, user["id"], code).status_code == 200
    assert verify(client, user["id"], code).get_json() == INCORRECT


def test_a_code_expires_after_10_minutes(client, clock, user):
    send(client, user["id"])
    code = last_code(client, user["id"])
    clock.advance(600)
    assert verify(client, user["id"], code).get_json() == INCORRECT
    assert shown(client, user["id"])["status"] == "unverified"


def test_a_code_still_works_just_before_it_expires(client, clock, user):
    send(client, user["id"])
    clock.advance(599)
    assert verify(client, user["id"], last_code(client, user["id"])).status_code == 200


def test_five_wrong_tries_spend_the_code(client, user):
    send(client, user["id"])
    code = last_code(client, user["id"])
    for _ in range(5):
        assert verify(client, user["id"], wrong(code)).get_json() == INCORRECT
    assert verify(client, user["id"], code).get_json() == INCORRECT
    assert shown(client, user["id"])["status"] == "unverified"


def test_four_wrong_tries_leave_the_code_usable(client, user):
    send(client, user["id"])
    code = last_code(client, user["id"])
    for _ in range(4):
        verify(client, user["id"], wrong(code))
    assert verify(client, user["id"], code).status_code == 200


def test_a_new_code_replaces_the_last_one(client, user):
    send(client, user["id"])
    old = last_code(client, user["id"])
    send(client, user["id"])
    new = last_code(client, user["id"])
    assert old != new
    assert verify(client, user["id"], old).get_json() == INCORRECT
    assert verify(client, user["id"], new).status_code == 200


def test_a_new_code_has_all_its_tries(client, user):
    send(client, user["id"])
    for _ in range(5):
        verify(client, user["id"], "999999x")
    send(client, user["id"])
    assert verify(client, user["id"], last_code(client, user["id"])).status_code == 200


BAD_TOKENS = [
    ({}, "token is required."),
    ({"token": "12345"}, "token must be at least 6 characters long."),
    ({"token": 123456}, "token must be a string."),
    ({"token": None}, "token may not be null."),
]


@pytest.mark.parametrize(("body", "message"), BAD_TOKENS)
def test_a_malformed_token_is_invalid_input_and_spends_no_try(client, user, body, message):
    send(client, user["id"])
    url = under(PROD, user["id"], "verify")
    for _ in range(5):
        response = client.post(url, headers=AUTH, json=body)
        assert (response.status_code, response.get_json()) == (400, error("invalid-input", message))
    assert verify(client, user["id"], last_code(client, user["id"])).status_code == 200


def test_verify_takes_only_a_uuid_user_id(client):
    response = verify(client, "not-a-uuid", "123456")
    assert (response.status_code, response.get_json()) == (400, NOT_A_UUID)


def test_verify_an_unknown_user_is_404(client):
    response = verify(client, UNKNOWN_ID, "123456")
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)


def test_another_clients_user_cannot_be_verified_with_its_code(client, user):
    send(client, user["id"])
    url = under(PROD, user["id"], "verify")
    response = client.post(url, headers=basic("client-b"), json={"token": last_code(client, user["id"])})
    assert response.status_code == 404
    assert verify(client, user["id"], last_code(client, user["id"])).status_code == 200


@pytest.mark.parametrize("status", ["in_review", "disabled"])
def test_a_correct_code_leaves_a_held_user_as_it_is(client, user, status):
    client.post("/__admin/users/status", json={"provider": "dots", "user_id": user["id"], "status": status})
    send(client, user["id"])
    assert verify(client, user["id"], last_code(client, user["id"])).status_code == 200
    assert shown(client, user["id"]) == expected_user(user["id"], person(1), status=status)
