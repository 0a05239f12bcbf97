"""Idempotency keys: the first request under a key runs, later ones get its stored response back."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_server.base.clock import Clock
from mock_server.base.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from mock_server.base.store import in_part

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


Slot = tuple[str, str, str]  # (namespace, scope, key)


class IdempotencyStore:
    """Keys scoped per credential. An entry expires after `ttl`, and at most `max_keys` are kept, in
    two generations of half that each: when the young one fills, the old one is dropped whole and the
    young one takes its place. So the oldest keys go first, half of them at a time, and memory stays
    bounded however many keys arrive. Evicting one key per new key from one big dict instead left it
    full of deleted slots, which CPython answers by rebuilding it at twice the size: RSS grew by 8%
    under a stream of new keys, where a generation is only ever filled and then dropped."""

    def __init__(self, clock: Clock, ttl_seconds: float, max_keys: int) -> None:
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._generation_size = max(1, (max_keys + 1) // 2)  # young < size, old <= size: at most max_keys
        self._lock = threading.Lock()
        self._young: dict[Slot, _Entry] = {}
        self._old: dict[Slot, _Entry] = {}
        self._old_newest: datetime | None = None  # when the old generation's last key was made
        self._header_copies: dict[Headers, Headers] = {}

    def begin(
        self, namespace: str, scope: str, key: str, request_fingerprint: bytes
    ) -> StoredResponse | None:
        """None if this request should run now (the key is reserved for it); the stored response if
        it is a replay. Raises IdempotencyKeyReused or IdempotencyKeyInFlight."""
        now = self._clock.now()
        slot = (namespace, scope, key)
        with self._lock:
            entry = self._live_entry(slot, now)
            if entry is None:
                self._young[slot] = _Entry(request_fingerprint, now)
                if len(self._young) >= self._generation_size:
                    self._old, self._young, self._old_newest = self._young, {}, now
                return None
            if entry.fingerprint != request_fingerprint:
                raise IdempotencyKeyReused()
            if entry.response is None:
                raise IdempotencyKeyInFlight()
            return entry.response

    def _live_entry(self, slot: Slot, now: datetime) -> _Entry | None:
        """The slot's entry unless it has expired (an expired one is forgotten)."""
        if self._old_newest is not None and now - self._old_newest >= self._ttl:
            self._old, self._old_newest = {}, None  # every key of the old generation has expired
        generation = self._generation_of(slot)
        if generation is None:
            return None
        entry = generation[slot]
        if now - entry.created >= self._ttl:
            del generation[slot]
            return None
        return entry

    def _generation_of(self, slot: Slot) -> dict[Slot, _Entry] | None:
        # A slot is in one generation at most: it is only added when neither holds it.
        if slot in self._young:
            return self._young
        return self._old if slot in self._old else None

    def complete(self, namespace: str, scope: str, key: str, response: StoredResponse) -> None:
        slot = (namespace, scope, key)
        with self._lock:
            generation = self._generation_of(slot)
            if generation is not None:
                headers = self._shared(response.headers)
                generation[slot].response = StoredResponse(response.status, headers, response.body)

    def _shared(self, headers: Headers) -> Headers:
        """One copy of each set of headers (most responses repeat one Content-Type), of at most
        HEADER_COPIES sets: a Location names its user, and is kept as it is."""
        if len(self._header_copies) >= HEADER_COPIES:
            return self._header_copies.get(headers, headers)
        return self._header_copies.setdefault(headers, headers)

    def release(self, namespace: str, scope: str, key: str) -> None:
        """Forget a reserved key whose request broke, so the client may retry it."""
        slot = (namespace, scope, key)
        with self._lock:
            generation = self._generation_of(slot)
            if generation is not None and generation[slot].response is None:
                del generation[slot]

    def __len__(self) -> int:
        """Keys kept; an expired one is kept until it is asked for or its generation is dropped."""
        with self._lock:
            return len(self._young) + len(self._old)

    def clear(self, namespace: str | None = None, scope: str | None = None) -> None:
        """Forget every key, a namespace's (a provider's), or one scope's of a namespace (a credential's)."""
        with self._lock:
            for generation in (self._young, self._old):
                for slot in [slot for slot in generation if in_part(namespace, scope, *slot[:2])]:
                    del generation[slot]
