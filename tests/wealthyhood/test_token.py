import base64
import json
from urllib.parse import urlencode

import jwt
import pytest

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.wealthyhood.helpers import (
    AUDIENCE,
    MOCK_ISSUER,
    SEED_BODY,
    TOKEN,
    USERS,
    bearer,
    get_token,
    oauth_error,
    token_request,
)

FORM = "application/x-www-form-urlencoded"


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_token_issues_a_bearer_jwt_for_an_hour_with_every_scope(client):
    response = client.post(TOKEN, json=token_request())
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert list(body) == ["access_token", "token_type", "expires_in", "scope"]
    assert body == {
        "access_token": body["access_token"],
        "token_type": "Bearer",
        "expires_in": 3600,
        "scope": "read:users write:users",
    }
    # RFC 6749 section 5.1: token responses are never cached.
    assert (response.headers["Cache-Control"], response.headers["Pragma"]) == ("no-store", "no-cache")


def test_token_carries_auth0s_client_credentials_claims_on_the_apps_clock(client, clock):
    token = get_token(client, "client-a")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    now = int(clock.now().timestamp())
    assert jwt.decode(token, options={"verify_signature": False}) == {
        "iss": MOCK_ISSUER,
        "sub": "client-a@clients",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        "scope": "read:users write:users",
        "gty": "client-credentials",
        "azp": "client-a",
    }


@pytest.mark.parametrize(
    ("headers", "content_type", "body"),
    [
        ({}, "application/json", json.dumps(token_request())),
        ({}, FORM, urlencode(token_request())),
        (basic("client-a", "secret"), FORM, urlencode(token_request(client_id=None, client_secret=None))),
        (basic("client-a", "secret"), FORM, urlencode(token_request(client_secret=None))),  # id in both
        (basic("client%2Da", "secret"), "application/json", json.dumps(token_request(client_secret=None))),
    ],
    ids=["json", "form", "basic-auth", "basic-auth-with-client-id-in-body", "basic-auth-form-encoded-id"],
)
def test_token_takes_json_or_form_and_client_auth_in_body_or_basic(client, headers, content_type, body):
    response = client.post(TOKEN, data=body, content_type=content_type, headers=headers)
    assert response.status_code == 200
    claims = jwt.decode(response.get_json()["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["azp"]) == ("client-a@clients", "client-a")


@pytest.mark.parametrize(
    ("requested", "granted"),
    [
        ("read:users", "read:users"),
        ("write:users", "write:users"),
        ("write:users read:users", "read:users write:users"),
        ("read:users read:users", "read:users"),
        ("", "read:users write:users"),
        ("   ", "read:users write:users"),
    ],
)
def test_token_grants_the_requested_scopes(client, requested, granted):
    body = client.post(TOKEN, json=token_request(scope=requested)).get_json()
    assert body["scope"] == granted
    assert jwt.decode(body["access_token"], options={"verify_signature": False})["scope"] == granted


MISSING_CLIENT = "Client authentication failed: client_id and client_secret are required."

TOKEN_ERRORS = [
    ({}, {}, 400, "invalid_request", "Missing required parameter: grant_type"),
    (token_request(grant_type=None), {}, 400, "invalid_request", "Missing required parameter: grant_type"),
    (token_request(grant_type=""), {}, 400, "invalid_request", "Missing required parameter: grant_type"),
    (token_request(grant_type="password"), {}, 400, "unsupported_grant_type",
     "Unsupported grant type: password"),
    (token_request(grant_type=1), {}, 400, "invalid_request", "Parameter grant_type must be a string."),
    (token_request(client_secret=["s"]), {}, 400, "invalid_request",
     "Parameter client_secret must be a string."),
    (token_request(client_id=None), {}, 401, "invalid_client", MISSING_CLIENT),
    (token_request(client_secret=None), {}, 401, "invalid_client", MISSING_CLIENT),
    (token_request(client_secret=""), {}, 401, "invalid_client", MISSING_CLIENT),
    (token_request(), basic("client-a", "secret"), 400, "invalid_request",
     "Use one client authentication method: the Authorization header or client_secret in the body."),
    (token_request(client_id=None, client_secret=None), basic("client-a", ""), 401, "invalid_client",
     MISSING_CLIENT),
    (token_request(client_id=None, client_secret=None), {"Authorization": "Bearer x"}, 401, "invalid_client",
     MISSING_CLIENT),
    (token_request(audience=None), {}, 403, "access_denied",
     "No audience parameter was provided, and no default audience has been configured"),
    (token_request(scope="read:users admin:all delete:users admin:all"), {}, 403, "access_denied",
     "Client has not been granted scopes: admin:all delete:users"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "headers", "status", "code", "description"), TOKEN_ERRORS)
def test_token_refuses_a_bad_grant_in_oauth_shape(client, body, headers, status, code, description):
    response = client.post(TOKEN, json=body, headers=headers)
    assert response.status_code == status
    assert response.get_json() == oauth_error(code, description)
    assert response.headers["Cache-Control"] == "no-store"


def test_token_refusing_basic_auth_names_the_scheme(client):
    response = client.post(
        TOKEN, json=token_request(client_id=None, client_secret=None), headers=basic("c", "")
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="oauth"'


def test_token_refusing_body_credentials_sends_no_challenge(client):
    response = client.post(TOKEN, json=token_request(client_secret=None))
    assert response.status_code == 401
    assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"{", "application/json"),
        (b"[1]", "application/json"),
        (b"grant_type=client_credentials", "text/plain"),
    ],
)
def test_token_refuses_an_unreadable_body(client, raw, content_type):
    response = client.post(TOKEN, data=raw, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json() == oauth_error(
        "invalid_request", "Request body must be a JSON object or application/x-www-form-urlencoded."
    )


def test_token_with_no_body_names_the_missing_grant_type(client):
    response = client.post(TOKEN)
    assert response.status_code == 400
    assert response.get_json() == oauth_error("invalid_request", "Missing required parameter: grant_type")


def test_token_endpoint_with_a_wrong_method_is_405_in_oauth_shape(client):
    response = client.get(TOKEN)
    assert response.status_code == 405
    assert response.get_json() == oauth_error("invalid_request", "Method GET is not allowed.")
    assert response.headers["Allow"] == "OPTIONS, POST"


def test_token_request_over_the_size_limit_is_413_in_oauth_shape():
    app = create_app({"max_body_bytes": 64})
    response = app.test_client().post(TOKEN, json=token_request(audience="x" * 100))
    assert response.status_code == 413
    assert response.get_json() == oauth_error(
        "invalid_request", "Request body is larger than the limit of 64 bytes."
    )


def test_a_seeded_server_signs_with_the_same_key_after_a_restart():
    first, restarted = create_app({"seed": 9}), create_app({"seed": 9})
    token = get_token(first.test_client())
    assert restarted.test_client().post(USERS, headers=bearer(token), json=SEED_BODY).status_code == 201


def test_an_unseeded_server_does_not_accept_another_servers_tokens():
    token = get_token(create_app(clock=ManualClock()).test_client())
    response = (
        create_app(clock=ManualClock()).test_client().post(USERS, headers=bearer(token), json=SEED_BODY)
    )
    assert response.status_code == 401
    assert response.get_json() == {"message": "Access token signature is invalid.", "code": "UNAUTHORIZED"}
