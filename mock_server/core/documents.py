"""Serving the providers' OpenAPI documents (built by openapi.py) at `<prefix>/openapi.json`, and listing
them for GET /__admin/openapi."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, request

from mock_server.core.auth import public
from mock_server.core.http import JSON, dump_json
from mock_server.core.openapi import build_document
from mock_server.core.provider import Provider
from mock_server.core.routing import ROUTED_PREFIX
from mock_server.core.state import current_state

DOCUMENT_PATH = "/openapi.json"


def is_document_request(provider: Provider[Any], path: str) -> bool:
    """A request for the provider's document: the mock's own, not the emulated API's, so no fault,
    latency, rate limit or journal entry applies to it."""
    return provider.api is not None and provider.real_path(path) == DOCUMENT_PATH


def document_path(provider: Provider[Any]) -> str:
    """Where the document is served: at the root when the provider is served alone."""
    return DOCUMENT_PATH if current_state().config.provider else provider.prefix + DOCUMENT_PATH


def document_index() -> list[dict[str, str]]:
    """Every provider's document, for GET /__admin/openapi."""
    base = request.host_url.rstrip("/")
    return [
        {
            "provider": provider.name,
            "title": provider.title,
            "path": document_path(provider),
            "url": base + document_path(provider),
        }
        for provider in current_state().providers.values()
        if provider.api is not None
    ]


def init_documents(app: Flask, providers: Iterable[Provider[Any]]) -> None:
    """Serve each provider's document at <prefix>/openapi.json, public like the real APIs' docs.
    Documents are built on first request and kept: they depend only on the provider and its mount."""
    built: dict[tuple[str, str], str] = {}
    lock = threading.Lock()

    def document_text(provider: Provider[Any], mount: str) -> str:
        with lock:
            key = (provider.name, mount)
            if key not in built:
                assert provider.api is not None
                built[key] = dump_json(build_document(provider.api, mount))
            return built[key]

    def view_for(provider: Provider[Any]) -> Callable[[], Response]:
        @public
        def serve_document() -> Response:
            # Reached through a real host (or served alone), the API is at the host's root.
            mount = "" if request.environ.get(ROUTED_PREFIX) == provider.prefix else provider.prefix
            return Response(document_text(provider, mount), content_type=JSON)

        return serve_document

    for provider in providers:
        if provider.api is not None:
            app.add_url_rule(
                provider.prefix + DOCUMENT_PATH,
                endpoint=f"openapi_{provider.name}",
                view_func=view_for(provider),
                methods=["GET"],
            )
