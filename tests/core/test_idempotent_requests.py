"""The replaying view decorator, on a test route mounted inside the Dots prefix (so errors render in a
real provider's shape), independent of any provider that uses it."""

import itertools

import pytest
from flask import Blueprint, jsonify, request

from mock_server import create_app
from mock_server.base.clock import ManualClock
from mock_server.base.errors import Conflict, InternalError, InvalidRequest
from mock_server.core.idempotency import fingerprint
from mock_server.core.idempotent_requests import canonical_body, idempotent

KEY = "Idempotency-Key"


def require_key(key: str | None) -> str:
    if not key:
        raise InvalidRequest("the key is required")
    return key


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def app(clock):
    app = create_app({"seed": 1, "idempotency_ttl_seconds": 60}, clock=clock)
    runs = itertools.count(1)
    blueprint = Blueprint("idempotency-test", __name__)

    @blueprint.post("/things")
    @idempotent(KEY, require_key)
    def create_thing():
        body = request.get_json()
        if body.get("fail") == "conflict":
            raise Conflict("taken")
        if body.get("fail") == "crash":
            raise InternalError("boom")
        response = jsonify({"run": next(runs)})
        response.status_code = 201
        response.headers["Location"] = "/things/1"
        response.headers["X-Per-Response"] = "not replayed"
        return response

    app.register_blueprint(blueprint, url_prefix="/dots/__test")
    app.logger.disabled = True
    return app


@pytest.fixture
def post(app):
    client = app.test_client()

    def send(body, key="k1", **headers):
        return client.post(
            "/dots/__test/things", json=body, headers={KEY: key, **headers} if key else headers
        )

    return send


def test_the_first_request_runs_and_a_repeat_is_replayed_byte_for_byte(post):
    first, again = post({"a": 1}), post({"a": 1})
    assert (first.status_code, first.get_json()) == (201, {"run": 1})
    assert (again.status_code, again.data) == (201, first.data)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == "/things/1" and again.content_type == first.content_type
    assert "Idempotent-Replayed" not in first.headers
    assert "X-Per-Response" not in again.headers


def test_the_same_json_with_other_spacing_or_key_order_is_the_same_request(post):
    post({"a": 1, "b": 2})
    assert post({"b": 2, "a": 1}).headers.get("Idempotent-Replayed") == "true"


def test_another_body_under_the_same_key_is_refused_with_422(post):
    post({"a": 1})
    response = post({"a": 2})
    assert response.status_code == 422
    assert "Idempotent-Replayed" not in response.headers


def test_a_failure_of_the_request_is_stored_and_replayed(post):
    first = post({"fail": "conflict"})
    again = post({"fail": "conflict"})
    assert first.status_code == again.status_code == 409
    assert again.data == first.data and again.headers["Idempotent-Replayed"] == "true"


def test_a_crash_forgets_the_key_so_a_retry_runs_again(post):
    assert post({"fail": "crash"}).status_code == 500
    assert post({"fail": "crash"}).headers.get("Idempotent-Replayed") is None


def test_a_refused_key_reserves_nothing(app, post):
    assert post({"a": 1}, key=None).status_code == 400
    assert len(app.extensions["mock_server"].idempotency) == 0


def test_keys_expire_after_the_window(post, clock):
    post({"a": 1})
    clock.advance(61)
    assert post({"a": 1}).get_json() == {"run": 2}


def test_a_key_still_in_flight_is_409(app, post):
    state = app.extensions["mock_server"]
    # The same request (method, path as the provider sees it, canonical body) is already running.
    state.idempotency.begin("dots", "", "busy", fingerprint("POST", "/__test/things", b'{"a":1}'))
    assert post({"a": 1}, key="busy").status_code == 409


def test_canonical_body_normalises_json_and_keeps_anything_else():
    assert canonical_body(b'{ "b": 1, "a": [1, 2] }') == b'{"a":[1,2],"b":1}'
    assert canonical_body(b"not json") == b"not json"
    assert canonical_body(b"[" * 100_000) == b"[" * 100_000
