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
