"""Requests, tokens and expected bodies shared by the Wealthyhood suites."""

from __future__ import annotations

from typing import Any

import jwt

PREFIX = "/wealthyhood"
SANDBOX = "/wealthyhood-sandbox"
USERS = f"{PREFIX}/users"
ME = f"{USERS}/me"
EMPLOYMENT_INFO = f"{ME}/employment-info"
WALLETS = f"{PREFIX}/wallets"
BANK_ACCOUNTS = f"{PREFIX}/bank-accounts"
TOKEN = f"{PREFIX}/oauth/token"
AUDIENCE = "https://api.wealthyhood.com"
ALL_SCOPES = "read:users write:users"
MOCK_ISSUER = "https://wealthyhood.mock-server.invalid/"
SANDBOX_ISSUER = "https://wealthyhood-sandbox.mock-server.invalid/"
WALLET_ACTIVATION_SECONDS = 5  # the default

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
# The employment-info page's own example.
EMPLOYMENT = {
    "incomeRangeId": "5",
    "employmentStatus": "SelfEmployed",
    "sourcesOfWealth": ["BusinessOwnership"],
    "industry": "FinanceAndInsurance",
}
# The docs' example IBAN (National Bank of Greece) and one of Commerzbank's, as IBAN examples print it.
GREEK_IBAN = "GR1601101250000000012300695"
GERMAN_IBAN = "DE89370400440532013000"


def api(prefix: str) -> dict[str, str]:
    """The paths of one environment's routes, by name."""
    return {
        "token": f"{prefix}/oauth/token",
        "users": f"{prefix}/users",
        "me": f"{prefix}/users/me",
        "employment": f"{prefix}/users/me/employment-info",
        "wallets": f"{prefix}/wallets",
        "bank_accounts": f"{prefix}/bank-accounts",
        "statuses": f"{prefix}/test/help/statuses",
        "test_users": f"{prefix}/test/users",
        "test_deposits": f"{prefix}/test/deposits",
    }


def token_request(client_id: str = "client-a", **overrides: Any) -> dict[str, Any]:
    body = {
        "grant_type": "client_credentials",
        "audience": AUDIENCE,
        "client_id": client_id,
        "client_secret": "secret",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def get_token(client, client_id: str = "client-a", scope: str | None = None, prefix: str = PREFIX) -> str:
    response = client.post(f"{prefix}/oauth/token", json=token_request(client_id, scope=scope))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authorized(
    client, client_id: str = "client-a", scope: str | None = None, prefix: str = PREFIX
) -> dict[str, str]:
    """Headers carrying a fresh token from the environment's own token endpoint."""
    return bearer(get_token(client, client_id, scope, prefix))


def as_user(headers: dict[str, str], user_id: str) -> dict[str, str]:
    return {**headers, "x-user-id": user_id}


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


def expected_user(
    user_id: str, body: dict[str, Any], created_at: str = SEED_CREATED_AT, updated_at: str | None = None
) -> dict[str, Any]:
    """The exact body Wealthyhood answers for a user created from `body`: the seed's keys in its order,
    the current docs' keys after the ones sent."""
    user: dict[str, Any] = {"id": user_id}
    for key in ("email", "firstName", "lastName", "dateOfBirth", "residencyCountry"):
        if key in body:
            user[key] = body[key]
    user["language"] = body.get("language", "en")
    user["nationalities"] = [body["nationality"]] if "nationality" in body else []
    for key in ("address", "taxResidency", "employmentInfo"):
        if key in body:
            user[key] = body[key]
    user["portfolios"] = []
    user.update(
        emailVerified=False, kycStatus="pending", createdAt=created_at, updatedAt=updated_at or created_at
    )
    return user


def create_user(
    client, headers: dict[str, str], body: dict[str, Any], prefix: str = PREFIX
) -> dict[str, Any]:
    response = client.post(f"{prefix}/users", headers=headers, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()
