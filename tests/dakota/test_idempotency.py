"""x-idempotency-key: the same request under the same key is answered once and then replayed."""

import json

import pytest

from mock_server.core.idempotency import fingerprint
from tests.dakota.helpers import SEED_BODY, USERS, headers, invalid, key, person, problem, rid

DAY = 24 * 60 * 60


def post(client, body, n: int = 1, api_key: str = "key-a", **kwargs):
    return client.post(USERS, headers=headers(api_key, key(n)), json=body, **kwargs)


def test_the_same_request_is_replayed_byte_for_byte_and_creates_one_user(client, state):
    first = post(client, SEED_BODY)
    again = post(client, SEED_BODY)
    assert (again.status_code, again.data) == (201, first.data)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content_type == "application/json"
    assert "Idempotent-Replayed" not in first.headers
    assert state.store.count("dakota") == 1


def test_a_replay_has_its_own_request_id(client):
    first, again = post(client, SEED_BODY), post(client, SEED_BODY)
    assert rid(first) != rid(again)


def test_the_same_json_spaced_or_ordered_differently_is_the_same_request(client):
    first = post(client, SEED_BODY)
    reordered = json.dumps(dict(reversed(list(SEED_BODY.items()))), indent=4)
    again = client.post(
        USERS, headers=headers("key-a", key(1)), data=reordered, content_type="application/json"
    )
    assert (again.status_code, again.data, again.headers["Idempotent-Replayed"]) == (201, first.data, "true")


def test_another_body_under_the_same_key_is_422_and_changes_nothing(client, state):
    post(client, person(1))
    response = post(client, person(2))
    assert response.status_code == 422
    assert response.get_json() == problem(
        "validation-error",
        "Unprocessable entity",  # the spec's own title of its 422
        422,
        "This x-idempotency-key was already used with a different request",
        request_id=rid(response),
    )
    assert "Idempotent-Replayed" not in response.headers
    assert state.store.count("dakota") == 1


def test_a_key_used_for_a_create_cannot_be_reused_for_an_update(client):
    user = post(client, person(1)).get_json()
    response = client.patch(f"{USERS}/{user['id']}", headers=headers("key-a", key(1)), json=person(1))
    assert response.status_code == 422


def test_a_key_still_being_processed_is_409(client, state):
    # The first request under this key (same body, same path) is still running.
    canonical = json.dumps(SEED_BODY, sort_keys=True, separators=(",", ":")).encode()
    state.idempotency.begin("dakota", "key-a", key(1), fingerprint("POST", "/users", canonical))
    response = post(client, SEED_BODY)
    assert response.status_code == 409
    assert response.get_json() == problem(
        "conflict",
        "Conflict - duplicate request detected",
        409,
        "A request with this x-idempotency-key is still being processed",
        request_id=rid(response),
    )
    assert state.store.count("dakota") == 0


def test_keys_are_scoped_per_api_key(client, state):
    first = post(client, SEED_BODY, api_key="key-a")
    other = post(client, SEED_BODY, api_key="key-b")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    assert other.get_json()["id"] != first.get_json()["id"]
    assert state.store.count("dakota") == 2


def test_a_validation_failure_is_replayed_as_the_same_failure(client, state):
    first = post(client, person(1, role="owner"))
    again = post(client, person(1, role="owner"))
    assert first.status_code == again.status_code == 400
    assert again.data == first.data  # request_id included: it is the original response
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_failed_key_is_not_retried_with_a_fixed_body(client, state):
    post(client, person(1, role="owner"))
    assert post(client, person(1)).status_code == 422  # a fixed request needs a new key
    assert post(client, person(1), 2).status_code == 201


def test_a_conflict_is_replayed_even_after_the_email_is_freed(client):
    created = post(client, person(1), 1).get_json()
    conflict = post(client, person(1), 2)
    client.delete(f"{USERS}/{created['id']}", headers=headers())
    again = post(client, person(1), 2)
    assert (again.status_code, again.data) == (409, conflict.data)


def test_a_malformed_body_is_replayed_too(client):
    first = client.post(USERS, headers=headers("key-a", key(1)), data=b"{", content_type="application/json")
    again = client.post(USERS, headers=headers("key-a", key(1)), data=b"{", content_type="application/json")
    assert (again.status_code, again.data) == (400, first.data)


def test_a_crash_is_not_stored_so_a_retry_runs(app, client, state, monkeypatch):
    backend = state.backends["dakota"]
    real_create = backend.create
    monkeypatch.setattr(backend, "create", lambda *args: 1 / 0)
    app.logger.disabled = True
    crashed = post(client, SEED_BODY)
    assert crashed.status_code == 500
    assert crashed.get_json() == problem(
        "internal-error",
        "Internal server error",
        500,
        "An unexpected error occurred",
        request_id=rid(crashed),
    )
    monkeypatch.setattr(backend, "create", real_create)
    retried = post(client, SEED_BODY)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers


def test_a_key_is_remembered_for_24_hours_by_default(client, clock):
    first = post(client, SEED_BODY)
    clock.advance(DAY - 1)
    assert post(client, SEED_BODY).data == first.data


def test_after_24_hours_the_key_is_forgotten_and_the_request_runs_again(client, clock):
    post(client, SEED_BODY)
    clock.advance(DAY)
    again = post(client, SEED_BODY)
    assert again.status_code == 409  # it ran again: the user it created the first time exists
    assert "Idempotent-Replayed" not in again.headers


def test_the_window_is_configurable(make_app, clock):
    client = make_app(idempotency_ttl_seconds=60).test_client()
    post(client, SEED_BODY)
    clock.advance(60)
    assert post(client, SEED_BODY).status_code == 409


def test_memory_stays_bounded_however_many_keys_arrive(make_app):
    app = make_app(idempotency_max_keys=5)
    client = app.test_client()
    for n in range(20):
        post(client, person(n), n)
    assert len(app.extensions["mock_server"].idempotency) == 5


def test_a_patch_is_replayed_as_its_204(client):
    user = post(client, person(1), 1).get_json()
    url = f"{USERS}/{user['id']}"
    first = client.patch(url, headers=headers("key-a", key(2)), json={"first_name": "Jo"})
    client.patch(url, headers=headers("key-a", key(3)), json={"first_name": "Other"})
    again = client.patch(url, headers=headers("key-a", key(2)), json={"first_name": "Jo"})
    assert (first.status_code, again.status_code, again.data) == (204, 204, b"")
    assert again.headers["Idempotent-Replayed"] == "true" and again.content_type is None
    assert client.get(url, headers=headers()).get_json()["first_name"] == "Other"  # not run again


@pytest.mark.parametrize("api_key", [None, "key-a"])
def test_refused_requests_reserve_no_key(client, state, api_key):
    sent = {"x-idempotency-key": key(1)} if api_key is None else headers(api_key, "not-a-uuid")
    client.post(USERS, headers=sent, json=SEED_BODY)
    assert len(state.idempotency) == 0


def test_a_missing_key_is_400_whatever_the_body(client):
    response = client.post(USERS, headers=headers("key-a"), data=b"{")
    assert response.get_json() == {
        **invalid(
            [("x-idempotency-key", "x-idempotency-key header is required", "required")],
            request_id=rid(response),
        ),
        "detail": "x-idempotency-key header is required",
    }
