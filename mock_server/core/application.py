"""The Flask app and request classes: Flask's, with what every request asks more than once worked out
once (each hook used to look up the request's provider for itself: five lookups a request)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from werkzeug.utils import cached_property

from mock_server.core.auth import Credential
from mock_server.core.documents import is_document_request
from mock_server.core.http import UNPARSED
from mock_server.core.provider import Provider
from mock_server.core.speedups import CachedEnsureSync
from mock_server.core.state import current_state


class MockRequest(Request):
    # What the pipeline learns of a request, kept on it (see core/pipeline.py): who is calling, the
    # idempotency key it reserved, its rate-limit window, and its body, read and parsed once.
    credential: Credential | None = None
    idempotency_slot: Any = None
    rate_limit_usage: Any = None
    body_read: Any = None  # bytes, or the PayloadTooLarge that reading it ran into
    body_parsed: Any = UNPARSED  # the JSON value, or the MalformedBody that parsing it ran into

    @cached_property
    def provider(self) -> Provider[Any] | None:
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


class MockFlask(CachedEnsureSync, Flask):
    request_class = MockRequest
