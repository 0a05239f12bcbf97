import pytest

from mock_server import create_app
from tests.conftest import basic

ORIGIN = "http://localhost:5173"


@pytest.mark.parametrize(
    "header",
    ["Authorization", "x-api-key", "x-idempotency-key", "tenant", "X-API-Key", "x-user-id", "Content-Type"],
)
def test_a_preflight_is_answered_for_every_header_the_apis_use(client, header):
    response = client.options(
        "/dots/api/v2/users",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": header,
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert header.lower() in response.headers["Access-Control-Allow-Headers"].lower()
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_responses_expose_the_headers_a_script_needs(client):
    response = client.get("/dots/api/v2/users", headers={"Origin": ORIGIN, **basic("c")})
    exposed = response.headers["Access-Control-Expose-Headers"].lower()
    for header in ("x-request-id", "retry-after", "x-ratelimit-remaining", "idempotent-replayed"):
        assert header in exposed


def test_error_responses_carry_cors_headers_too(client):
    response = client.get("/dots/api/v2/users", headers={"Origin": ORIGIN})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_origins_can_be_restricted():
    client = create_app({"cors_origins": "http://app.test, http://admin.test"}).test_client()
    allowed = client.get("/dots/api/v2/users", headers={"Origin": "http://app.test", **basic("c")})
    refused = client.get("/dots/api/v2/users", headers={"Origin": "http://evil.test", **basic("c")})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://app.test"
    assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/taliware/v1/cl2c/user", "POST"),  # a route that refuses OPTIONS, as ASP.NET Core does
        ("/taliware/v1/cl2c/users/3fa85f64-5717-4562-b3fc-2c963f66afa6", "GET"),
        ("/dakota/users/2mvK2DHpQsrxkVfNG4NrBpy1tS5", "PATCH"),
        ("/wealthyhood/users/me", "GET"),
        ("/dots/no-such-route", "GET"),  # the real request then gets Dots' own 404, readable by the script
    ],
)
def test_a_preflight_to_any_provider_path_is_answered_before_routing(client, path, method):
    response = client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "tenant, x-api-key, x-user-id",
        },
    )
    assert (response.status_code, response.get_data()) == (200, b"")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Headers"] == "tenant, x-api-key, x-user-id"
    assert method in response.headers["Access-Control-Allow-Methods"]


def test_an_options_request_that_is_not_a_preflight_gets_the_providers_own_answer(client):
    response = client.options("/taliware/v1/cl2c/user", headers={"Origin": ORIGIN})
    assert (response.status_code, response.headers["Allow"], response.get_data()) == (405, "POST", b"")
