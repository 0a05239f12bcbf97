import pytest

from mock_server import create_app
from tests.dakota.conftest import ContractClient
from tests.dakota.helpers import PRODUCTION, REQUEST_ID, SANDBOX, SEED_BODY, USERS, headers, key, problem, rid


def test_an_unknown_route_is_404_in_dakota_shape(client):
    response = client.get("/dakota/customers", headers=headers())
    assert response.status_code == 404
    assert response.get_json() == problem(
        "not-found",
        "Not Found",
        404,
        "Cannot GET /customers",
        f"{PRODUCTION}/customers",
        request_id=rid(response),
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


@pytest.mark.parametrize(
    ("host", "origin", "provider"),
    [
        ("api.platform.dakota.xyz", PRODUCTION, "dakota"),
        ("api.platform.sandbox.dakota.xyz:443", SANDBOX, "dakota-sandbox"),
        ("API.Platform.Sandbox.Dakota.XYZ", SANDBOX, "dakota-sandbox"),  # host names in any case (RFC 9110)
    ],
)
def test_a_real_host_reaches_its_environment_without_the_prefix(client, state, host, origin, provider):
    created = client.post("/users", headers={**headers("key-a", key(1)), "Host": host}, json=SEED_BODY)
    assert created.status_code == 201
    missing = client.get("/users/1NFHrqBHb3cTfLVkFSGmHZqdDPi", headers={**headers(), "Host": host})
    assert missing.get_json()["instance"] == f"{origin}/users/1NFHrqBHb3cTfLVkFSGmHZqdDPi"
    assert state.store.count(provider) == 1  # each environment has a store of its own
    other = "dakota" if provider == "dakota-sandbox" else "dakota-sandbox"
    assert state.store.count(other) == 0


@pytest.mark.parametrize(
    ("path", "query", "instance"),
    [
        # Mounted under /dakota: production's host, the provider's own path, no query string.
        ("/dakota/users", "limit=0", f"{PRODUCTION}/users"),
        ("/dakota/users", "limit=0&search=a%20b", f"{PRODUCTION}/users"),
        # A URI has no raw spaces or non-ASCII: the path is percent-encoded (RFC 3986).
        ("/dakota/users/not a ksuid", "", f"{PRODUCTION}/users/not%20a%20ksuid"),
        ("/dakota/users/café", "", f"{PRODUCTION}/users/caf%C3%A9"),
        ("/dakota/users/100%25", "", f"{PRODUCTION}/users/100%25"),
    ],
)
def test_a_problems_instance_is_the_absolute_url_of_the_request_path(client, path, query, instance):
    response = client.get(path, query_string=query, headers=headers())
    assert response.status_code == 400
    assert response.get_json()["instance"] == instance


def test_a_request_to_another_host_at_the_root_takes_the_production_host():
    app = create_app({"provider": "dakota"})  # served alone: any Host reaches Dakota
    response = app.test_client().get("/users/x", headers={**headers(), "Host": "127.0.0.1:8083"})
    assert response.get_json()["instance"] == f"{PRODUCTION}/users/x"


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
        "Dakota              http://127.0.0.1:9000/dakota/users"  # aligned under "Wealthyhood sandbox"
        "  (or Host: api.platform.dakota.xyz)\n"
        "  Dakota sandbox      http://127.0.0.1:9000/dakota-sandbox/users"
        "  (or Host: api.platform.sandbox.dakota.xyz)"
    ) in banner(Config(port=9000))
