"""Auth plumbing: each provider declares how it turns a request into a Credential; the pipeline asks it
before every view of the provider's own routes that is not public."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.base.errors import ApiError
from mock_server.core.speedups import current_request


@dataclass(frozen=True)
class Credential:
    """Who is calling. `scope` partitions the data: two credentials never see each other's users."""

    scope: str
    claims: Mapping[str, Any] = field(default_factory=dict)


def public(view: Callable) -> Callable:
    """Mark a view that needs no credential (a token endpoint, say)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable | None) -> bool:
    return getattr(view, "is_public", False)


def current_credential() -> Credential:
    return current_request().credential  # type: ignore[attr-defined]


def current_scope() -> str:
    """The caller's data partition: whose users this request may see."""
    return current_credential().scope


def current_scope_or_none() -> str | None:
    credential: Credential | None = current_request().credential  # type: ignore[attr-defined]
    return credential.scope if credential else None


def request_scope(req: Any, backend: Any) -> str | None:
    """Whose data the request is about: its credential's scope, also where auth has not run (a fault rule
    fires before it; an unknown path skips it) and so is asked here, of the request's provider; None when
    its credential is refused. What scoped fault rules match and the journal records."""
    if req.credential is not None:
        return req.credential.scope
    try:
        return req.provider.authenticate(req, backend).scope
    except ApiError:
        return None


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """The user-id and password of an `Authorization: Basic` value, or None when it is not Basic or
    is malformed: not base64, not UTF-8, or without the colon that ends the user-id (RFC 7617
    section 2). Werkzeug reads "id" with no colon as user "id" with an empty password, which would
    let a malformed credential through as a browser's `base64(client_id:)`."""
    scheme, _, token = (header or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(" \t"), validate=True).decode()
    except (binascii.Error, UnicodeError):
        return None
    user_id, colon, password = decoded.partition(":")  # the password may hold colons; the user-id not
    return (user_id, password) if colon else None
