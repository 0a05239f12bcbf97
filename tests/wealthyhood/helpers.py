"""Requests, tokens and expected bodies shared by the Wealthyhood suites."""

from __future__ import annotations

from typing import Any

import jwt

PREFIX = "/wealthyhood"
USERS = f"{PREFIX}/users"
ME = f"{USERS}/me"
TOKEN = f"{PREFIX}/oauth/token"
AUDIENCE = "https://api.wealthyhood.com"
ALL_SCOPES = "read:users write:users"
MOCK_ISSUER = "https://wealthyhood.mock-server.invalid/"

# Seed 002's request body. The seed page's email reads "[email protected]": the address was hidden
# by the page's email obfuscation when it was saved, so a real address stands in for it.
SEED_BODY: dict[str, Any] = {
    "email": "john.doe@example.com",
    "firstName": "John",
    "lastName": "Doe",
    "dateOfBirth": "1990-05-15",
    "residencyCountry": "GB",
}
# The ManualClock starts at the seed's own createdAt.
SEED_CREATED_AT = "2024-10-03T10:30:00Z"

ADDRESS = {"line1": "1 Fleet Street", "city": "London", "postalCode": "EC4Y 1AA", "countryCode": "GB"}
TAX_RESIDENCY = {"countryCode": "GB", "proofType": "NINO", "value": "QQ123456C"}


def token_request(client_id: str = "client-a", **overrides: Any) -> dict[str, Any]:
    body = {
        "grant_type": "client_credentials",
        "audience": AUDIENCE,
        "client_id": client_id,
        "client_secret": "secret",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def get_token(client, client_id: str = "client-a", scope: str | None = None) -> str:
    response = client.post(TOKEN, json=token_request(client_id, scope=scope))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authorized(client, client_id: str = "client-a", scope: str | None = None) -> dict[str, str]:
    """Headers carrying a fresh token from the mock's own token endpoint."""
    return bearer(get_token(client, client_id, scope))


def mint(
    claims: dict[str, Any], key: str = "a-test-of-its-own-secret-key-32b", algorithm: str = "HS256"
) -> str:
    """A JWT the mock did not issue, as a test would make one."""
    return jwt.encode(claims, key, algorithm=algorithm)


def foreign_claims(**overrides: Any) -> dict[str, Any]:
    claims = {"iss": "https://tenant.eu.auth0.com/", "sub": "my-test@clients", "scope": ALL_SCOPES}
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


def error(message: str, code: str) -> dict[str, str]:
    return {"message": message, "code": code}


def oauth_error(error_code: str, description: str) -> dict[str, str]:
    return {"error": error_code, "error_description": description}


def person(n: int, **overrides: Any) -> dict[str, Any]:
    body = {**SEED_BODY, "email": f"user{n}@example.com", "firstName": f"First{n}", "lastName": f"Last{n}"}
    body.update(overrides)
    return body


def expected_user(user_id: str, body: dict[str, Any], created_at: str = SEED_CREATED_AT) -> dict[str, Any]:
    """The exact body Wealthyhood answers for a user created from `body`, keys in the seed's order."""
    user: dict[str, Any] = {"id": user_id}
    for key in (
        "email",
        "firstName",
        "lastName",
        "dateOfBirth",
        "residencyCountry",
        "address",
        "taxResidency",
    ):
        if key in body:
            user[key] = body[key]
    user.update(emailVerified=False, kycStatus="pending", createdAt=created_at, updatedAt=created_at)
    return user
