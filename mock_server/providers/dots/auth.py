"""Dots authenticates with HTTP Basic: base64(client_id:api_key), or base64(client_id:) from a browser."""

import base64
from typing import Any

from flask import Request

from mock_server.base.errors import Unauthorized
from mock_server.core.auth import Credential, basic_credentials

MISSING_AUTHORIZATION = "Missing Authorization header."
MALFORMED_AUTHORIZATION = "Invalid Authorization header. Expected Basic base64(client_id:api_key)."


def verify_basic(request: Request, _backend: Any = None) -> Credential:
    """Any well-formed Basic credential is accepted (stripe-mock's way); data is scoped per client id."""
    if not request.headers.get("Authorization"):
        raise Unauthorized(MISSING_AUTHORIZATION)
    credentials = basic_credentials(request.headers.get("Authorization"))
    if credentials is None or not credentials[0]:
        raise Unauthorized(MALFORMED_AUTHORIZATION)
    client_id, _api_key = credentials
    return Credential(scope=client_id)


def credential_headers(_backend: Any, client_id: str) -> dict[str, str]:
    """A valid Basic credential for `client_id` (the API key half is never checked)."""
    token = base64.b64encode(f"{client_id}:sk_dev_mockserver".encode()).decode()
    return {"Authorization": f"Basic {token}"}
