"""Idempotency keys at the view: the first request under a key runs, a repeat gets its stored response back
byte for byte. The keys themselves live in idempotency.py's IdempotencyStore.

A provider marks a view with `idempotent(header, check_key)`; `check_key` raises the provider's own error
for a missing or malformed key and returns the key to use. The pipeline does the rest around the view:
`begin` after auth (answering a replay, or reserving the key), `finish` with the response (which, for an
error, is the provider's own rendering of it), and `abandon` if the request ends without one."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response

from mock_server.base.errors import MalformedBody
from mock_server.core.http import body_bytes, parse_json, read_json
from mock_server.core.idempotency import IdempotencyStore, Slot, StoredResponse, fingerprint

KeyCheck = Callable[[str | None], str]
View = Callable[..., Any]

# No API of ours documents a replay marker; this is Stripe's, which clients and mocks already know.
REPLAY_HEADER = ("Idempotent-Replayed", "true")
# What a replay repeats besides status and body; per-response headers (request ids, rate limits) are new.
REPLAYED_HEADERS = ("Content-Type", "Location")


@dataclass(frozen=True)
class IdempotencyRule:
    """How a view takes its key: which header, checked how, and what a replay carries."""

    header: str
    check_key: KeyCheck
    replay_header: tuple[str, str]
    replayed_headers: frozenset[str]  # lower case


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
    rule = IdempotencyRule(
        header, check_key, replay_header, frozenset(name.lower() for name in replayed_headers)
    )

    def mark(view: View) -> View:
        view.idempotency = rule  # type: ignore[attr-defined]
        return view

    return mark


def rule_of(view: View | None) -> IdempotencyRule | None:
    return getattr(view, "idempotency", None)


def begin(keys: IdempotencyStore, rule: IdempotencyRule, req: Any) -> Response | None:
    """Before the view: the stored response of a repeat, or None after reserving the key for `req`."""
    key = rule.check_key(req.headers.get(rule.header))
    namespace = req.provider.name if req.provider else ""
    scope = req.credential.scope if req.credential else ""
    slot: Slot = (namespace, scope, key)
    stored = keys.begin(*slot, fingerprint(req.method, req.real_path, _canonical_request_body()))
    if stored is not None:
        return _replay(stored, rule.replay_header)
    req.idempotency_slot = (slot, rule)
    return None


def finish(keys: IdempotencyStore, req: Any, response: Response) -> None:
    """After the view: keep its response under the reserved key; a 5xx forgets the key instead."""
    reserved, req.idempotency_slot = req.idempotency_slot, None
    if reserved is None:
        return
    slot, rule = reserved
    if response.status_code >= 500:
        keys.release(*slot)
    else:
        keys.complete(*slot, _snapshot(response, rule.replayed_headers))


def abandon(keys: IdempotencyStore, req: Any) -> None:
    """The request ended with no response to keep (an error escaped every handler): forget the key."""
    reserved, req.idempotency_slot = req.idempotency_slot, None
    if reserved is not None:
        keys.release(*reserved[0])


def canonical_body(raw: bytes) -> bytes:
    """The same JSON is the same request, whatever its spacing or key order; anything else as sent.
    Read as the views read it (parse_json), so two bodies are the same request when they read the same."""
    try:
        return _canonical(parse_json(raw))
    except (ValueError, RecursionError):
        return raw


def _canonical_request_body() -> bytes:
    """canonical_body of this request's body, from the one parse the view then reuses (a body over the
    limit is refused first: the fingerprint never reads one)."""
    try:
        return _canonical(read_json())
    except MalformedBody:
        return body_bytes()


def _canonical(parsed: Any) -> bytes:
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _snapshot(response: Response, kept: frozenset[str]) -> StoredResponse:
    headers = tuple((name, value) for name, value in response.headers.items() if name.lower() in kept)
    return StoredResponse(response.status_code, headers, response.get_data())


def _replay(stored: StoredResponse, replay_header: tuple[str, str]) -> Response:
    response = Response(stored.body, status=stored.status)
    response.headers.remove("Content-Type")  # only what was stored: a 204 has none
    response.headers.extend(stored.headers)
    response.headers[replay_header[0]] = replay_header[1]
    return response
