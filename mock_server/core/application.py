"""The Flask app and request classes: Flask's, with what every request asks more than once worked out
once. Each hook used to look up the request's provider for itself (five lookups a request), and
Flask asks, of every hook on every request, whether it is a coroutine function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from werkzeug.utils import cached_property

from mock_server.core.openapi import is_document_request
from mock_server.core.provider import Provider
from mock_server.core.state import current_state


class MockRequest(Request):
    @cached_property
    def provider(self) -> Provider | None:
        """The emulated API this request is for, by its path; None for /__admin and unknown paths."""
        return current_state().provider_for_path(self.path)

    @cached_property
    def real_path(self) -> str:
        """The path as the real API would see it: without our mount prefix."""
        return self.provider.real_path(self.path) if self.provider else self.path

    @cached_property
    def api_call(self) -> bool:
        """A call to an emulated API: faults, latency, rate limits and the journal apply to it, and not
        to the mock's own endpoints (/__admin, each provider's OpenAPI document)."""
        return self.provider is not None and not is_document_request(self.provider, self.path)


class MockFlask(Flask):
    request_class = MockRequest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        # Every view and hook here is registered once and never changes: ask Flask once per function.
        sync = self._sync_functions.get(func)
        if sync is None:
            sync = self._sync_functions[func] = super().ensure_sync(func)
        return sync
