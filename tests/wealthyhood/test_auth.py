import jwt
import pytest

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.wealthyhood.helpers import (
    ME,
    MOCK_ISSUER,
    SEED_BODY,
    USERS,
    authorized,
    bearer,
    error,
    foreign_claims,
    get_token,
    mint,
    person,
)

MISSING = error("Authorization header with a Bearer access token is required.", "UNAUTHORIZED")
NOT_BEARER = error("Authorization header must be of the form: Bearer <access token>.", "UNAUTHORIZED")
NOT_A_JWT = error("Access token is not a well-formed JWT.", "UNAUTHORIZED")
BAD_SIGNATURE = error("Access token signature is invalid.", "UNAUTHORIZED")
EXPIRED = error("Access token has expired.", "UNAUTHORIZED")
NOT_YET_VALID = error("Access token is not valid yet.", "UNAUTHORIZED")
NOT_ISSUED_HERE = error("Access token was not issued by this server.", "UNAUTHORIZED")

NOW = int(ManualClock().now().timestamp())


def challenge(error_code: str, body: dict[str, str]) -> str:
    return f'Bearer error="{error_code}", error_description="{body["message"]}"'


AUTH_TABLE = [
    (None, 401, MISSING, "Bearer"),
    ("", 401, MISSING, "Bearer"),
    ("Basic Y2xpZW50OnNlY3JldA==", 401, NOT_BEARER, challenge("invalid_request", NOT_BEARER)),
    ("Bearer", 401, NOT_BEARER, challenge("invalid_request", NOT_BEARER)),
    ("Bearer    ", 401, NOT_BEARER, challenge("invalid_request", NOT_BEARER)),
    ("Token " + mint(foreign_claims()), 401, NOT_BEARER, challenge("invalid_request", NOT_BEARER)),
    ("Bearer not-a-jwt", 401, NOT_A_JWT, challenge("invalid_token", NOT_A_JWT)),
    ("Bearer a.b.c", 401, NOT_A_JWT, challenge("invalid_token", NOT_A_JWT)),
    ("Bearer e30.e30.", 401, NOT_A_JWT, challenge("invalid_token", NOT_A_JWT)),  # no "alg" in the header
    # Claims to come from the mock, but signed with another key, or not at all:
    ("Bearer " + mint(foreign_claims(iss=MOCK_ISSUER)), 401, BAD_SIGNATURE,
     challenge("invalid_token", BAD_SIGNATURE)),
    ("Bearer " + mint(foreign_claims(iss=MOCK_ISSUER), key="", algorithm="none"), 401, BAD_SIGNATURE,
     challenge("invalid_token", BAD_SIGNATURE)),
    ("Bearer " + mint(foreign_claims(exp=NOW)), 401, EXPIRED, challenge("invalid_token", EXPIRED)),
    ("Bearer " + mint(foreign_claims(nbf=NOW + 1)), 401, NOT_YET_VALID,
     challenge("invalid_token", NOT_YET_VALID)),
    ("Bearer " + mint(foreign_claims(exp="tomorrow")), 401,
     error("Access token claim exp must be a number.", "UNAUTHORIZED"), None),
    ("Bearer " + mint(foreign_claims(exp=True)), 401,
     error("Access token claim exp must be a number.", "UNAUTHORIZED"), None),
    # Any well-formed JWT from another issuer is accepted by default, signed or not:
    ("Bearer " + mint(foreign_claims()), 201, None, None),
    ("Bearer " + mint(foreign_claims(exp=NOW + 1, nbf=NOW)), 201, None, None),
    ("Bearer " + mint(foreign_claims(), key="", algorithm="none"), 201, None, None),
    ("bearer " + mint(foreign_claims()), 201, None, None),  # the scheme is case-insensitive
]  # fmt: skip


@pytest.mark.parametrize(("header", "status", "body", "www_authenticate"), AUTH_TABLE)
def test_create_user_auth_table(client, state, header, status, body, www_authenticate):
    headers = {} if header is None else {"Authorization": header}
    response = client.post(USERS, headers=headers, json=SEED_BODY)
    assert response.status_code == status
    if body is not None:
        assert response.get_json() == body
        assert state.store.count("wealthyhood") == 0
    if www_authenticate is not None:
        assert response.headers["WWW-Authenticate"] == www_authenticate


def test_a_token_from_the_mock_works_until_the_apps_clock_reaches_its_expiry(client, clock):
    headers = authorized(client)
    clock.advance(3599)
    assert client.post(USERS, headers=headers, json=person(1)).status_code == 201
    clock.advance(1)  # exactly exp: RFC 7519 says no longer accepted
    response = client.post(USERS, headers=headers, json=person(2))
    assert (response.status_code, response.get_json()) == (401, EXPIRED)
    assert response.headers["WWW-Authenticate"] == challenge("invalid_token", EXPIRED)
    assert client.post(USERS, headers=authorized(client), json=person(2)).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "scope", "needed"),
    [
        ("POST", USERS, "read:users", "write:users"),
        ("GET", ME, "write:users", "read:users"),
    ],
)
def test_a_token_without_the_routes_scope_is_403(client, state, method, path, scope, needed):
    headers = {**authorized(client, scope=scope), "x-user-id": "0" * 24}
    response = client.open(path, method=method, headers=headers, json=SEED_BODY)
    assert response.status_code == 403
    assert response.get_json() == error(f"Insufficient scope: this route needs {needed}.", "FORBIDDEN")
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer error="insufficient_scope", error_description="Insufficient scope: this route needs '
        f'{needed}.", scope="{needed}"'
    )
    assert state.store.count() == 0


@pytest.mark.parametrize("scope", [None, "", "read:users", ["write:users"], 7])
def test_a_minted_token_needs_the_scope_claim_too(client, scope):
    token = mint(foreign_claims(scope=None) | ({} if scope is None else {"scope": scope}))
    response = client.post(USERS, headers=bearer(token), json=SEED_BODY)
    assert response.status_code == 403
    assert response.get_json() == error("Insufficient scope: this route needs write:users.", "FORBIDDEN")


@pytest.mark.parametrize(("method", "path"), [("POST", USERS), ("GET", ME)])
def test_every_user_route_needs_a_token(client, state, method, path):
    response = client.open(path, method=method, json=SEED_BODY, headers={"x-user-id": "0" * 24})
    assert (response.status_code, response.get_json()) == (401, MISSING)
    assert state.store.count() == 0


@pytest.fixture
def strict_client(clock):
    return create_app({"seed": 1234, "strict_auth": True}, clock=clock).test_client()


def test_strict_mode_refuses_a_token_it_did_not_issue(strict_client):
    response = strict_client.post(USERS, headers=bearer(mint(foreign_claims())), json=SEED_BODY)
    assert (response.status_code, response.get_json()) == (401, NOT_ISSUED_HERE)
    assert response.headers["WWW-Authenticate"] == challenge("invalid_token", NOT_ISSUED_HERE)


def test_strict_mode_still_checks_its_own_tokens_signature(strict_client):
    forged = mint(foreign_claims(iss=MOCK_ISSUER))
    response = strict_client.post(USERS, headers=bearer(forged), json=SEED_BODY)
    assert (response.status_code, response.get_json()) == (401, BAD_SIGNATURE)


def test_strict_mode_accepts_its_own_tokens(strict_client):
    response = strict_client.post(USERS, headers=authorized(strict_client), json=SEED_BODY)
    assert response.status_code == 201


def test_a_tampered_token_from_the_mock_is_refused(client):
    header, _payload, signature = get_token(client, scope="read:users").split(".")
    claims = jwt.decode(get_token(client), options={"verify_signature": False})
    widened = jwt.encode(claims, "k" * 32).split(".")[1]  # the payload of a token with every scope
    response = client.post(USERS, headers=bearer(f"{header}.{widened}.{signature}"), json=SEED_BODY)
    assert (response.status_code, response.get_json()) == (401, BAD_SIGNATURE)


def test_users_are_scoped_per_client(client):
    first = client.post(USERS, headers=authorized(client, "client-a"), json=SEED_BODY).get_json()
    other = client.post(USERS, headers=authorized(client, "client-b"), json=SEED_BODY)
    assert other.status_code == 201  # the same email, but another client's user
    response = client.get(ME, headers={**authorized(client, "client-b"), "x-user-id": first["id"]})
    assert response.status_code == 404


def test_two_tokens_of_one_client_see_the_same_users(client):
    user = client.post(USERS, headers=authorized(client, "client-a"), json=SEED_BODY).get_json()
    response = client.get(ME, headers={**authorized(client, "client-a"), "x-user-id": user["id"]})
    assert (response.status_code, response.get_json()) == (200, user)


def test_a_minted_token_is_scoped_by_its_subject(client):
    mine = bearer(mint(foreign_claims(sub="suite-1@clients")))
    theirs = bearer(mint(foreign_claims(sub="suite-2@clients")))
    user = client.post(USERS, headers=mine, json=SEED_BODY).get_json()
    assert client.get(ME, headers={**mine, "x-user-id": user["id"]}).status_code == 200
    assert client.get(ME, headers={**theirs, "x-user-id": user["id"]}).status_code == 404
