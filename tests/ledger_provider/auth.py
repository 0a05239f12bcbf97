"""Ledger authenticates with an `X-Ledger-Key` header; accounts are scoped per key."""

from __future__ import annotations

from typing import Any

from flask import Request

from mock_server.base.errors import Unauthorized
from mock_server.core.auth import Credential

KEY_HEADER = "X-Ledger-Key"


def authenticate(request: Request, _backend: Any) -> Credential:
    key = request.headers.get(KEY_HEADER, "").strip()
    if not key:
        raise Unauthorized("A key is required.")
    return Credential(scope=key)


def credential_headers(_backend: Any, scope: str) -> dict[str, str]:
    return {KEY_HEADER: scope}
