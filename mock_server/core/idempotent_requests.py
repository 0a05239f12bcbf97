"""Idempotency keys at the view: the first request under a key runs, a repeat gets its stored
response back byte for byte. The keys themselves live in idempotency.py's IdempotencyStore.

A provider decorates a view with `idempotent(header, check_key)`; `check_key` raises the provider's
own error for a missing or malformed key and returns the key to use."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Response, g, make_response, request

from mock_server.core.error_handling import render
from mock_server.core.errors import ApiError
from mock_server.core.http import check_body_size, parse_json
from mock_server.core.idempotency import StoredResponse, fingerprint
from mock_server.core.state import current_state

KeyCheck = Callable[[str | None], str]
View = Callable[..., Any]

# No API of ours documents a replay marker; this is Stripe's, which clients and mocks already know.
REPLAY_HEADER = ("Idempotent-Replayed", "true")
# What a replay repeats besides status and body; per-response headers (request ids, rate limits) are new.
REPLAYED_HEADERS = ("Content-Type", "Location")


def idempotent(
    header: str,
    check_key: KeyCheck,
    *,
    replay_header: tuple[str, str] = REPLAY_HEADER,
    replayed_headers: tuple[str, ...] = REPLAYED_HEADERS,
) -> Callable[[View], View]:
    """Run the view once per (provider, credential, key); a repeat of the same request within the
    window gets the stored response plus `replay_header`. The provider's own failures (4xx) are
    stored and replayed like successes; a crash (5xx) forgets the key, so a retry runs again.
    Raises IdempotencyKeyInFlight for a key still running, IdempotencyKeyReused for another request."""
    kept = {name.lower() for name in replayed_headers}

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def run_once(*args: Any, **kwargs: Any) -> Response:
            key = check_key(request.headers.get(header))
            check_body_size()  # the fingerprint reads the body: never one over the limit
            state = current_state()
            namespace = request.provider.name if request.provider else ""
            credential = getattr(g, "credential", None)
            slot = (namespace, credential.scope if credential else "", key)
            stored = state.idempotency.begin(*slot, _request_fingerprint(request.real_path))
            if stored is not None:
                return _replay(stored, replay_header)
            try:
                response = _respond(view, args, kwargs)
            except BaseException:
                state.idempotency.release(*slot)
                raise
            state.idempotency.complete(*slot, _snapshot(response, kept))
            return response

        return run_once

    return decorate


def _respond(view: View, args: tuple, kwargs: dict) -> Response:
    """The view's response, or the provider's rendering of the error it raised on purpose."""
    try:
        return make_response(view(*args, **kwargs))
    except ApiError as error:
        if error.status >= 500:
            raise
        return render(error)


def canonical_body(raw: bytes) -> bytes:
    """The same JSON is the same request, whatever its spacing or key order; anything else as sent.
    Read as the views read it (parse_json), so two bodies are the same request when they read the same."""
    try:
        parsed = parse_json(raw)
    except (ValueError, RecursionError):
        return raw
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _request_fingerprint(path: str) -> bytes:
    return fingerprint(request.method, path, canonical_body(request.get_data(cache=True)))


def _snapshot(response: Response, kept: set[str]) -> StoredResponse:
    headers = tuple((name, value) for name, value in response.headers.items() if name.lower() in kept)
    return StoredResponse(response.status_code, headers, response.get_data())


def _replay(stored: StoredResponse, replay_header: tuple[str, str]) -> Response:
    response = Response(stored.body, status=stored.status)
    response.headers.remove("Content-Type")  # only what was stored: a 204 has none
    response.headers.extend(stored.headers)
    response.headers[replay_header[0]] = replay_header[1]
    return response
