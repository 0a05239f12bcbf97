import pytest

from tests.conftest import basic
from tests.dots.helpers import PROD, error, person

AUTH = basic("client-a")
INVALID_JSON = error("invalid-input", "Request body must be a valid JSON object.")


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b"{", b"not json", b"[1, 2]", b'"a string"', b"null", b'{"first_name": NaN}', b"\xff\xfe"],
)
def test_a_body_that_is_not_a_json_object_is_400(client, state, raw):
    response = client.post(PROD, headers=AUTH, data=raw, content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, INVALID_JSON)
    assert state.store.count() == 0


def test_an_unknown_route_is_404_in_dots_shape(client):
    response = client.get("/dots/api/v2/nothing", headers=AUTH)
    assert response.status_code == 404
    assert response.get_json() == error("not-found", "Cannot GET /api/v2/nothing")


def test_a_wrong_method_is_405_with_allow(client):
    response = client.put(PROD, headers=AUTH, json={})
    assert response.status_code == 405
    assert response.get_json() == error("method-not-allowed", "Method PUT is not allowed.")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_a_body_over_the_limit_is_413_before_it_is_read(app, state):
    client = app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]
    padding = "x" * (limit + 1)
    response = client.post(PROD, headers=AUTH, json=person(1, metadata=padding))
    assert response.status_code == 413
    assert response.get_json() == error(
        "payload-too-large", f"Request body is larger than the limit of {limit} bytes."
    )
    assert state.store.count() == 0


def test_an_unexpected_failure_is_500_in_dots_shape_without_a_trace(app, client, monkeypatch):
    backend = app.extensions["mock_server"].backends["dots"]
    monkeypatch.setattr(backend, "create", lambda *args: 1 / 0)
    app.logger.disabled = True
    response = client.post(PROD, headers=AUTH, json=person(1))
    assert response.status_code == 500
    assert response.get_json() == error("internal-server-error", "An unexpected error occurred.")
    assert "Traceback" not in response.get_data(as_text=True)
