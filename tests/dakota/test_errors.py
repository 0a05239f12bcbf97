import pytest

from mock_server import create_app
from tests.dakota.conftest import ContractClient
from tests.dakota.helpers import REQUEST_ID, SEED_BODY, USERS, headers, key, problem, rid


def test_an_unknown_route_is_404_in_dakota_shape(client):
    response = client.get("/dakota/customers", headers=headers())
    assert response.status_code == 404
    assert response.get_json() == problem(
        "not-found", "Not Found", 404, "Cannot GET /customers", "/customers", request_id=rid(response)
    )


def test_a_wrong_method_is_405_with_allow(client):
    response = client.put(USERS, headers=headers(), json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.get_json() == problem(
        "method-not-allowed",
        "Method Not Allowed",
        405,
        "Method PUT is not allowed.",
        request_id=rid(response),
    )


def test_an_unexpected_failure_is_500_without_a_trace(app, client, state, monkeypatch):
    monkeypatch.setattr(state.backends["dakota"], "list", lambda *args, **kwargs: 1 / 0)
    app.logger.disabled = True
    response = client.get(USERS, headers=headers())
    assert response.status_code == 500
    assert response.get_json() == problem(
        "internal-error",
        "Internal server error",
        500,
        "An unexpected error occurred",
        request_id=rid(response),
    )
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path", "sent"),
    [
        ("POST", USERS, headers("key-a", key(1))),
        ("POST", USERS, headers("key-a", key(2))),
        ("GET", USERS, headers()),
        ("GET", USERS, {}),
        ("PUT", USERS, headers()),
        ("GET", "/dakota/nothing", {}),
        ("GET", "/dakota", {}),
        ("DELETE", f"{USERS}/1NFHrqBHb3cTfLVkFSGmHZqdDPi", headers()),
    ],
)
def test_every_response_carries_a_request_id(client, method, path, sent):
    response = client.open(path, method=method, headers=sent, json=SEED_BODY)
    assert REQUEST_ID.match(response.headers["x-request-id"])


def test_request_ids_differ_per_request(client):
    seen = {rid(client.get(USERS, headers=headers())) for _ in range(5)}
    assert len(seen) == 5


@pytest.mark.parametrize("host", ["api.platform.dakota.xyz", "api.platform.sandbox.dakota.xyz:443"])
def test_a_real_host_reaches_dakota_without_the_prefix(client, state, host):
    created = client.post("/users", headers={**headers("key-a", key(1)), "Host": host}, json=SEED_BODY)
    assert created.status_code == 201
    missing = client.get("/users/1NFHrqBHb3cTfLVkFSGmHZqdDPi", headers={**headers(), "Host": host})
    assert missing.get_json()["instance"] == "/users/1NFHrqBHb3cTfLVkFSGmHZqdDPi"
    assert state.store.count("dakota") == 1


def test_dakota_served_alone_answers_at_the_root():
    app = create_app({"provider": "dakota"})
    app.test_client_class = ContractClient
    client = app.test_client()
    response = client.post("/users", headers=headers("key-a", key(1)), json=SEED_BODY)
    assert response.status_code == 201


def test_the_banner_shows_where_dakota_is_served():
    from mock_server.base.config import Config
    from mock_server.serve import banner

    assert (
        "Dakota         http://127.0.0.1:9000/dakota/users"
        "  (or Host: api.platform.dakota.xyz, api.platform.sandbox.dakota.xyz)"
    ) in banner(Config(port=9000))
