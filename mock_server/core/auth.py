"""Auth plumbing: each provider declares how it turns a request into a Credential; the pipeline asks it
before every view of the provider's own routes that is not public."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
