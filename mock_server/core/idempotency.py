"""Idempotency keys: the first request under a key runs, later ones get its stored response back."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_server.core.clock import Clock
from mock_server.core.errors import IdempotencyKeyInFlight, IdempotencyKeyReused

# 100,000 keys are kept by default, so an entry's size is most of the mock's memory under load: slotted
# classes (no __dict__ each), a raw digest rather than its hex, and one shared copy of repeated headers.
HEADER_COPIES = 64  # how many distinct header sets are shared
Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """What is replayed byte for byte: the status, the headers worth replaying, and the body."""

    status: int
    headers: Headers
    body: bytes


@dataclass(slots=True)
class _Entry:
    fingerprint: bytes
    created: datetime
    response: StoredResponse | None = None  # None while the first request is still running


def fingerprint(*parts: bytes | str) -> bytes:
    """A digest of what makes two requests "the same request" (method, path, body)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.digest()


class IdempotencyStore:
    """Keys scoped per credential. Entries expire after `ttl` and at most `max_keys` are kept (the
    oldest go first), so memory stays bounded however many keys arrive."""

    def __init__(self, clock: Clock, ttl_seconds: float, max_keys: int) -> None:
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str], _Entry] = OrderedDict()
        self._header_copies: dict[Headers, Headers] = {}

    def begin(
        self, namespace: str, scope: str, key: str, request_fingerprint: bytes
    ) -> StoredResponse | None:
        """None if this request should run now (the key is reserved for it); the stored response if
        it is a replay. Raises IdempotencyKeyReused or IdempotencyKeyInFlight."""
        now = self._clock.now()
        with self._lock:
            self._expire(now)
            entry = self._entries.get((namespace, scope, key))
            if entry is None:
                self._entries[(namespace, scope, key)] = _Entry(request_fingerprint, now)
                while len(self._entries) > self._max_keys:
                    self._entries.popitem(last=False)
                return None
            if entry.fingerprint != request_fingerprint:
                raise IdempotencyKeyReused()
            if entry.response is None:
                raise IdempotencyKeyInFlight()
            return entry.response

    def complete(self, namespace: str, scope: str, key: str, response: StoredResponse) -> None:
        with self._lock:
            entry = self._entries.get((namespace, scope, key))
            if entry is not None:
                headers = self._shared(response.headers)
                entry.response = StoredResponse(response.status, headers, response.body)

    def _shared(self, headers: Headers) -> Headers:
        """One copy of each set of headers (most responses repeat one Content-Type), of at most
        HEADER_COPIES sets: a Location names its user, and is kept as it is."""
        if len(self._header_copies) >= HEADER_COPIES:
            return self._header_copies.get(headers, headers)
        return self._header_copies.setdefault(headers, headers)

    def release(self, namespace: str, scope: str, key: str) -> None:
        """Forget a reserved key whose request broke, so the client may retry it."""
        with self._lock:
            entry = self._entries.get((namespace, scope, key))
            if entry is not None and entry.response is None:
                del self._entries[(namespace, scope, key)]

    def _expire(self, now: datetime) -> None:
        # Entries are in creation order, so the expired ones are all at the front.
        while self._entries:
            oldest = next(iter(self._entries.values()))
            if now - oldest.created < self._ttl:
                break
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self, namespace: str | None = None) -> None:
        with self._lock:
            for key in [key for key in self._entries if namespace is None or key[0] == namespace]:
                del self._entries[key]
