"""Every error path of Dots' user routes (issue 14) over a real socket, against the production server
(`python -m mock_server`): each case of the test-client suites' tables, with the exact status and body
those suites expect. The tables and bodies are imported from them, not copied; whatever a case needs (a
user, a sent code, a payout method) is set up over the socket too, under a client id of the test's own.

Not here, as no request can reach them on a live server: a code's 10-minute expiry (the test client moves
a manual clock; the live server runs on the wall clock)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.dots import test_admin_routes as admin_routes
from tests.dots import test_compliance as compliance
from tests.dots import test_payout_methods as payout_methods
from tests.dots import test_verification as verification
from tests.dots.helpers import PAYPAL, SANDBOX, VENMO, W9, error, person
from tests.dots.test_live import LiveDots, auth

NO_MESSAGES = {"messages": [], "total": 0}


def answered(response: requests.Response) -> tuple[int, object]:
    """The status and JSON body of an answer, which must say it is JSON."""
    assert response.headers["Content-Type"] == "application/json", response.headers
    return response.status_code, response.json()


@pytest.fixture
def dots(live_server, unique_client) -> LiveDots:
    return LiveDots(live_server.url, unique_client)


@pytest.fixture
def other(live_server, unique_client) -> LiveDots:
    """Another client of the same server, whose users the first client's are not."""
    return LiveDots(live_server.url, f"{unique_client}-other")


@pytest.fixture
def user(dots) -> dict:
    """A new production user of the test's client, as create answered it."""
    response = dots.call("POST", "", json=person(1))
    assert response.status_code == 200, response.text
    return response.json()


def shown(dots: LiveDots, user: dict) -> dict:
    return dots.call("GET", f"/{user['id']}").json()


def messages_to(dots: LiveDots, user_id: str) -> dict:
    return requests.get(f"{dots.url}/__admin/messages", params={"user_id": user_id}, timeout=10).json()


def send(dots: LiveDots, user: dict) -> str:
    """A code sent to the user: the one now in the outbox."""
    assert dots.call("POST", f"/{user['id']}/send-verification-token").status_code == 202
    return dots.last_code(user["id"])


def verify(dots: LiveDots, user_id: str, token) -> requests.Response:
    return dots.call("POST", f"/{user_id}/verify", json={"token": token})


# --- PUT compliance -----------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "message"), compliance.REFUSED, ids=lambda value: json.dumps(value)[:60])
def test_a_bad_compliance_submission_is_400_and_changes_nothing(dots, user, body, message):
    response = dots.call("PUT", f"/{user['id']}/compliance", json=body)
    assert answered(response) == (400, error("invalid-input", message))
    assert shown(dots, user) == user


@pytest.mark.parametrize("user_id", compliance.UNKNOWN_USER_IDS)
def test_compliance_for_an_unknown_user_is_404(dots, user_id):
    response = dots.call("PUT", f"/{user_id}/compliance", json={"w9": W9})
    assert answered(response) == (404, compliance.USER_NOT_FOUND)


def test_compliance_for_another_clients_user_is_404_and_changes_nothing(dots, other, user):
    response = other.call("PUT", f"/{user['id']}/compliance", json={"w9": W9})
    assert answered(response) == (404, compliance.USER_NOT_FOUND)
    assert shown(dots, user) == user


# --- PUT addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "message"), compliance.BAD_ADDRESSES)
def test_a_bad_address_is_400_and_changes_nothing(dots, user, body, message):
    response = dots.call("PUT", f"/{user['id']}/addresses", json=body)
    assert answered(response) == (400, error("invalid-input", message))
    assert shown(dots, user) == user


@pytest.mark.parametrize("user_id", compliance.UNKNOWN_USER_IDS)
def test_an_address_for_an_unknown_user_is_404(dots, user_id):
    response = dots.call("PUT", f"/{user_id}/addresses", json=compliance.US_ADDRESS)
    assert answered(response) == (404, compliance.USER_NOT_FOUND)


def test_an_address_for_another_clients_user_is_404_and_changes_nothing(dots, other, user):
    response = other.call("PUT", f"/{user['id']}/addresses", json=compliance.US_ADDRESS)
    assert answered(response) == (404, compliance.USER_NOT_FOUND)
    assert shown(dots, user) == user


# --- GET and PUT payout-methods, PATCH default_payout_method ------------------------------------


@pytest.mark.parametrize(("body", "code", "message"), payout_methods.BAD_METHODS)
def test_a_bad_payout_method_is_400_and_changes_nothing(dots, user, body, code, message):
    response = dots.call("PUT", f"/{user['id']}/payout-methods", json=body)
    assert answered(response) == (400, error(code, message))
    assert dots.call("GET", f"/{user['id']}/payout-methods").json() == []
    assert shown(dots, user) == user


@pytest.mark.parametrize("method", payout_methods.METHODS)
def test_payout_methods_take_only_a_uuid_user_id(dots, method):
    response = dots.call(method, "/not-a-uuid/payout-methods", json=PAYPAL)
    assert answered(response) == (400, payout_methods.NOT_A_UUID)


@pytest.mark.parametrize("method", payout_methods.METHODS)
def test_payout_methods_of_an_unknown_user_are_404(dots, method):
    response = dots.call(method, f"/{payout_methods.UNKNOWN_ID}/payout-methods", json=PAYPAL)
    assert answered(response) == (404, payout_methods.USER_NOT_FOUND)


@pytest.mark.parametrize("method", payout_methods.METHODS)
def test_payout_methods_of_another_clients_user_are_404(dots, other, user, method):
    assert dots.call("PUT", f"/{user['id']}/payout-methods", json=PAYPAL).status_code == 200
    response = other.call(method, f"/{user['id']}/payout-methods", json=VENMO)
    assert answered(response) == (404, payout_methods.USER_NOT_FOUND)
    assert len(dots.call("GET", f"/{user['id']}/payout-methods").json()) == 1


def test_a_deleted_users_payout_methods_are_404(dots, user):
    assert dots.call("PUT", f"/{user['id']}/payout-methods", json=PAYPAL).status_code == 200
    assert dots.call("DELETE", f"/{user['id']}").status_code == 200
    response = dots.call("GET", f"/{user['id']}/payout-methods")
    assert answered(response) == (404, payout_methods.USER_NOT_FOUND)


@pytest.mark.parametrize("rail", payout_methods.UNCONFIGURED_RAILS)
def test_patch_default_payout_method_refuses_a_platform_not_configured(dots, user, rail):
    assert dots.call("PUT", f"/{user['id']}/payout-methods", json=PAYPAL).status_code == 200
    response = dots.call("PATCH", f"/{user['id']}", json={"default_payout_method": rail})
    assert answered(response) == (400, error("invalid-input", payout_methods.NO_METHOD))
    assert "default_payout_method" not in shown(dots, user)


def test_a_refused_patch_changes_nothing_else_either(dots, user):
    response = dots.call("PATCH", f"/{user['id']}", json=payout_methods.REFUSED_CHANGES)
    assert answered(response) == (400, error("invalid-input", payout_methods.NO_METHOD))
    assert shown(dots, user) == user


# --- POST send-verification-token ---------------------------------------------------------------


@pytest.mark.parametrize(("body", "message"), verification.BAD_SEND_BODIES)
def test_send_refuses_a_bad_body_and_sends_nothing(dots, user, body, message):
    response = dots.call(
        "POST",
        f"/{user['id']}/send-verification-token",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert answered(response) == (400, error("invalid-input", message))
    assert messages_to(dots, user["id"]) == NO_MESSAGES


@pytest.mark.parametrize("user_id", verification.UNKNOWN_USER_IDS)
def test_send_to_an_unknown_user_is_404(dots, user_id):
    response = dots.call("POST", f"/{user_id}/send-verification-token")
    assert answered(response) == (404, verification.USER_NOT_FOUND)
    assert messages_to(dots, user_id) == NO_MESSAGES


def test_send_to_another_clients_user_is_404(dots, other, user):
    response = other.call("POST", f"/{user['id']}/send-verification-token")
    assert answered(response) == (404, verification.USER_NOT_FOUND)
    assert messages_to(dots, user["id"]) == NO_MESSAGES


# --- POST verify ----------------------------------------------------------------------------------


def test_a_wrong_code_is_incorrect_and_leaves_the_user_unverified(dots, user):
    code = send(dots, user)
    assert answered(verify(dots, user["id"], verification.wrong(code))) == (400, verification.INCORRECT)
    assert shown(dots, user) == user


def test_without_a_code_sent_every_token_is_incorrect(dots, user):
    assert answered(verify(dots, user["id"], "123456")) == (400, verification.INCORRECT)


def test_a_code_used_once_is_incorrect_the_second_time(dots, user):
    code = send(dots, user)
    assert answered(verify(dots, user["id"], code)) == (200, {})
    assert answered(verify(dots, user["id"], code)) == (400, verification.INCORRECT)


def test_after_five_wrong_tries_the_right_code_is_incorrect(dots, user):
    code = send(dots, user)
    for _ in range(5):
        assert answered(verify(dots, user["id"], verification.wrong(code))) == (400, verification.INCORRECT)
    assert answered(verify(dots, user["id"], code)) == (400, verification.INCORRECT)
    assert shown(dots, user)["status"] == "unverified"


def test_a_replaced_code_is_incorrect(dots, user):
    old = send(dots, user)
    new = send(dots, user)
    assert answered(verify(dots, user["id"], old)) == (400, verification.INCORRECT)
    assert answered(verify(dots, user["id"], new)) == (200, {})


@pytest.mark.parametrize(("body", "message"), verification.BAD_TOKENS)
def test_a_malformed_token_is_invalid_input_and_spends_no_try(dots, user, body, message):
    code = send(dots, user)
    for _ in range(5):
        response = dots.call("POST", f"/{user['id']}/verify", json=body)
        assert answered(response) == (400, error("invalid-input", message))
    assert answered(verify(dots, user["id"], code)) == (200, {})


def test_verify_takes_only_a_uuid_user_id(dots):
    assert answered(verify(dots, "not-a-uuid", "123456")) == (400, verification.NOT_A_UUID)


def test_verify_an_unknown_user_is_404(dots):
    assert answered(verify(dots, verification.UNKNOWN_ID, "123456")) == (404, verification.USER_NOT_FOUND)


def test_another_clients_user_cannot_be_verified_with_its_code(dots, other, user):
    code = send(dots, user)
    assert answered(verify(other, user["id"], code)) == (404, verification.USER_NOT_FOUND)
    assert answered(verify(dots, user["id"], code)) == (200, {})


# --- the admin routes: GET /__admin/messages, POST /__admin/users/status --------------------------


@pytest.mark.parametrize(("query", "reason"), admin_routes.BAD_MESSAGE_QUERIES)
def test_a_bad_messages_query_is_400(live_server, query, reason):
    response = requests.get(f"{live_server.url}/__admin/messages?{query}", timeout=10)
    assert answered(response) == (400, {"error": reason})


@pytest.mark.parametrize(("body", "status", "reason"), admin_routes.STATUS_REFUSALS)
def test_a_bad_status_request_is_refused_and_changes_nothing(dots, user, body, status, reason):
    response = requests.post(f"{dots.url}/__admin/users/status", json=body, timeout=10)
    assert answered(response) == (status, {"error": reason})
    assert shown(dots, user) == user


def test_a_status_for_a_user_of_the_other_environment_is_404_and_changes_nothing(live_server, unique_client):
    sandbox = f"{live_server.url}{SANDBOX}"
    user = requests.post(sandbox, auth=auth(unique_client), json=person(1), timeout=10).json()
    change = {"provider": "dots", "user_id": user["id"], "status": "disabled"}
    response = requests.post(f"{live_server.url}/__admin/users/status", json=change, timeout=10)
    # The test client's suite checks the status only; the body is the one its table gives an unknown user.
    assert answered(response) == (404, {"error": "User not found."})
    assert requests.get(f"{sandbox}/{user['id']}", auth=auth(unique_client), timeout=10).json() == user
    change["provider"] = "dots-sandbox"
    assert (
        requests.post(f"{live_server.url}/__admin/users/status", json=change, timeout=10).status_code == 200
    )
