"""Dots authenticates with HTTP Basic: base64(client_id:api_key), or base64(client_id:) from a browser."""

import base64
from typing import Any

from flask import Request

from mock_server.base.errors import Unauthorized
from mock_server.core.auth import Credential

MISSING_AUTHORIZATION = "Missing Authorization header."
MALFORMED_AUTHORIZATION = "Invalid Authorization header. Expected Basic base64(client_id:api_key)."


def verify_basic(request: Request, _backend: Any = None) -> Credential:
    """Any well-formed Basic credential is accepted (stripe-mock's way); data is scoped per client id."""
    if not request.headers.get("Authorization"):
        raise Unauthorized(MISSING_AUTHORIZATION)
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        raise Unauthorized(MALFORMED_AUTHORIZATION)
    return Credential(scope=auth.username)


def credential_headers(_backend: Any, client_id: str) -> dict[str, str]:
    """A valid Basic credential for `client_id` (the API key half is never checked)."""
    token = base64.b64encode(f"{client_id}:sk_dev_mockserver".encode()).decode()
    return {"Authorization": f"Basic {token}"}
