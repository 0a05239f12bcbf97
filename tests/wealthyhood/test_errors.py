import pytest

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.wealthyhood.helpers import PREFIX, SEED_BODY, USERS, authorized, error, person

NOT_AN_OBJECT = error("Request body must be a JSON object.", "BAD_REQUEST")


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client)


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"{", error("Request body is not valid JSON: Expecting property name enclosed in double quotes "
                     "at line 1, column 2.", "BAD_REQUEST")),
        (b'{"email": "a@b.co",\n "firstName": }', error(
            "Request body is not valid JSON: Expecting value at line 2, column 15.", "BAD_REQUEST")),
        (b"not json", error("Request body is not valid JSON: Expecting value at line 1, column 1.",
                            "BAD_REQUEST")),
        (b"", NOT_AN_OBJECT),
        (b"   ", NOT_AN_OBJECT),
        (b"[1, 2]", NOT_AN_OBJECT),
        (b'"a string"', NOT_AN_OBJECT),
        (b"null", NOT_AN_OBJECT),
        (b'{"firstName": NaN}', NOT_AN_OBJECT),
        (b"\xff\xfe", error("Request body is not valid JSON: Expecting value at line 1, column 1.",
                            "BAD_REQUEST")),  # a UTF-16 byte-order mark, then nothing
    ],
)  # fmt: skip
def test_a_body_that_is_not_a_json_object_is_400(client, auth, state, raw, body):
    response = client.post(USERS, headers=auth, data=raw, content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, body)
    assert state.store.count() == 0


def test_an_unknown_route_is_404_in_wealthyhood_shape(client, auth):
    response = client.get(f"{PREFIX}/accounts", headers=auth)
    assert response.status_code == 404
    assert response.get_json() == error("Cannot GET /accounts", "NOT_FOUND")


def test_a_wrong_method_is_405_with_allow(client, auth):
    response = client.get(USERS, headers=auth)
    assert response.status_code == 405
    assert response.get_json() == error("Method GET is not allowed.", "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "OPTIONS, POST"


def test_a_body_over_the_limit_is_413_before_it_is_read(app, client, auth, state):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(USERS, headers=auth, json=person(1, firstName="x" * limit))
    assert response.status_code == 413
    assert response.get_json() == error(
        f"Request body is larger than the limit of {limit} bytes.", "PAYLOAD_TOO_LARGE"
    )
    assert state.store.count() == 0


def test_an_unexpected_failure_is_500_in_wealthyhood_shape_without_a_trace(app, client, auth, monkeypatch):
    monkeypatch.setattr(app.extensions["mock_server"].backends["wealthyhood"], "create", lambda *args: 1 / 0)
    app.logger.disabled = True
    response = client.post(USERS, headers=auth, json=SEED_BODY)
    assert response.status_code == 500
    assert response.get_json() == error("An unexpected error occurred.", "INTERNAL_SERVER_ERROR")
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_journal_masks_the_bearer_token():
    app = create_app(clock=ManualClock())
    client = app.test_client()
    client.post(USERS, headers=authorized(client), json=SEED_BODY)
    entry = app.extensions["mock_server"].journal.entries()[-1]
    assert entry.headers["Authorization"] == "Bearer eyJ…"
