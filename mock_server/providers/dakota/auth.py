"""Dakota authenticates with an `x-api-key` header; data is scoped per API key."""

from __future__ import annotations

from typing import Any

from flask import Request

from mock_server.base.errors import Unauthorized
from mock_server.core.auth import Credential

API_KEY_HEADER = "x-api-key"
INVALID_API_KEY = "Missing or invalid API key"  # Dakota's docs (authentication troubleshooting)


def api_key(request: Request) -> str | None:
    """The caller's API key, or None when there is none that could be valid (empty, or with blanks
    inside: Dakota's docs name stray spaces as the usual cause of a 401)."""
    value = request.headers.get(API_KEY_HEADER, "").strip()
    if not value or any(char.isspace() for char in value):
        return None
    return value


def verify_api_key(request: Request, _backend: Any = None) -> Credential:
    """Any well-formed key is accepted (stripe-mock's way): each key is its own account."""
    key = api_key(request)
    if key is None:
        raise Unauthorized(INVALID_API_KEY)
    return Credential(scope=key)


def credential_headers(_backend: Any, key: str) -> dict[str, str]:
    """A valid credential for the API key `key` (any well-formed key is one)."""
    return {API_KEY_HEADER: key}
