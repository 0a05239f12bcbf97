"""Auth plumbing: each provider plugs in a verifier that turns a request into a Credential."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Request, current_app, g, request


@dataclass(frozen=True)
class Credential:
    """Who is calling. `scope` partitions the data: two credentials never see each other's users."""

    scope: str
    claims: Mapping[str, Any] = field(default_factory=dict)


Verifier = Callable[[Request], Credential]


def public(view: Callable) -> Callable:
    """Mark a view that needs no credential (a token endpoint, say)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def guard(blueprint: Blueprint, verifier: Verifier) -> None:
    """Run `verifier` before every view of `blueprint` except the public ones."""

    @blueprint.before_request
    def authenticate() -> None:
        req = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup, not four
        if req.method == "OPTIONS":  # a CORS preflight carries no credentials, by design
            return
        view = current_app.view_functions.get(req.endpoint or "")
        if getattr(view, "is_public", False):
            return
        g.credential = verifier(req)


def current_credential() -> Credential:
    return g.credential
