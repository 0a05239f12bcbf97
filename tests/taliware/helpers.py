"""Requests and expected bodies shared by the Taliware suites."""

from __future__ import annotations

import re
from typing import Any

from mock_server.base.ids import is_uuid

CREATE = "/taliware/v1/cl2c/user"
USERS = "/taliware/v1/cl2c/users"

# The seed's Node.js example (seed 004): its body and its two headers.
SEED_BODY: dict[str, Any] = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john.doe@example.com",
    "userName": "johndoe",
    "phoneNumber": "+1234567890",
}
SEED_HEADERS = {"tenant": "your-tenant-id", "X-API-Key": "your-api-key"}

USER_KEYS = [
    "id", "userName", "firstName", "lastName", "email", "emailConfirmed", "authenticated",
    "authValidUpto", "authLocation", "phoneNumber", "walletAddress",
]  # fmt: skip
PROBLEM_KEYS = ["type", "title", "status", "errors", "traceId"]
ERROR_RESULT_KEYS = ["messages", "source", "exception", "errorId", "supportMessage", "statusCode"]

PROBLEM_JSON = "application/problem+json; charset=utf-8"
JSON_UTF8 = "application/json; charset=utf-8"
VALIDATION_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
VALIDATION_TITLE = "One or more validation errors occurred."
TRACE_ID = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00")
WALLET_ADDRESS = re.compile(r"0x[0-9a-f]{40}")

TENANT_SOURCE = "Taliware.CL2C.Infrastructure.Multitenancy.TenantResolutionMiddleware"
API_KEY_SOURCE = "Taliware.CL2C.Infrastructure.Auth.ApiKeyAuthenticationHandler"
USER_SERVICE_SOURCE = "Taliware.CL2C.Infrastructure.Identity.UserService"
AUTH_FAILED = "Authentication Failed."


def headers(tenant: str = "tenant-a", key: str = "key-a") -> dict[str, str]:
    return {"tenant": tenant, "X-API-Key": key}


def person(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "firstName": f"First{n}",
        "lastName": f"Last{n}",
        "email": f"user{n}@example.com",
        "userName": f"user{n}",
        "phoneNumber": f"+1415555{n:04d}",
    }
    body.update(overrides)
    return body


def expected_user(user: dict[str, Any], body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The exact user Taliware answers for `body`; `id` and `walletAddress` are taken from `user`
    after their formats are checked, the rest is what a new user must be."""
    assert is_uuid(user["id"])
    assert WALLET_ADDRESS.fullmatch(user["walletAddress"])
    expected = {
        "id": user["id"],
        "userName": body["userName"],
        "firstName": body["firstName"],
        "lastName": body["lastName"],
        "email": body["email"],
        "emailConfirmed": False,
        "authenticated": True,
        "authValidUpto": "2024-10-04T10:30:00.000Z",  # the test clock's now + 24 hours
        "authLocation": "127.0.0.1",
        "phoneNumber": body["phoneNumber"],
        "walletAddress": user["walletAddress"],
    }
    expected.update(overrides)
    return expected


def validation_problem(body: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """ASP.NET Core's ValidationProblemDetails; `traceId` is taken from `body` once its form is checked."""
    assert TRACE_ID.fullmatch(body["traceId"])
    return {
        "type": VALIDATION_TYPE,
        "title": VALIDATION_TITLE,
        "status": 400,
        "errors": errors,
        "traceId": body["traceId"],
    }


def error_result(body: dict[str, Any], status: int, message: str, source: str) -> dict[str, Any]:
    """The starter kit's ErrorResult; `errorId` is taken from `body` once it is checked to be a GUID."""
    error_id = body["errorId"]
    assert is_uuid(error_id)
    return {
        "messages": [message],
        "source": source,
        "exception": message,
        "errorId": error_id,
        "supportMessage": f"Provide the ErrorId {error_id} to the support team for further analysis.",
        "statusCode": status,
    }
