"""What a provider declares to be mounted: every provider has this one shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Request, Response

from mock_server.core.errors import ApiError

if TYPE_CHECKING:
    from mock_server.core.openapi import ApiDescription
    from mock_server.core.state import MockState


@dataclass(frozen=True)
class Provider:
    name: str  # also the blueprint's name and the store's namespace
    title: str
    prefix: str  # mount point on the shared server, e.g. "/dots"
    hosts: tuple[str, ...]  # real host names routed here without the prefix
    build_blueprint: Callable[[Provider], Blueprint]
    build_backend: Callable[[MockState, Provider], Any]
    render_error: Callable[[ApiError], Response]
    example_path: str  # shown in the start-up banner
    options: Mapping[str, Any] = field(default_factory=dict)
    # Headers of a valid credential for a scope (a client id, API key, tenant...), for tests and docs.
    # Called in the app's context, so a provider may use its state (Wealthyhood signs a token).
    credential_headers: Callable[[str], dict[str, str]] | None = None
    # What identifies a client for rate limiting (an API key, say); None: the provider cannot be limited.
    rate_limit_key: Callable[[Request], str | None] | None = None
    # The OpenAPI description of what is emulated, served at <prefix>/openapi.json.
    api: ApiDescription | None = None

    def owns_path(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def real_path(self, path: str) -> str:
        """The path as the real API saw it: without our mount prefix."""
        return path[len(self.prefix) :] or "/"
