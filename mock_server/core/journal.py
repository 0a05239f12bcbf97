"""The request journal: what clients sent and what the mock answered, in a bounded ring."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Headers whose values are secrets: the journal keeps only enough to tell credentials apart.
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "proxy-authorization"})


def mask(value: str) -> str:
    return value[:10] + "…" if len(value) > 10 else "…"


@dataclass(frozen=True)
class JournalEntry:
    time: datetime
    provider: str | None
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: str
    status: int
    response_body: str

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "provider": self.provider,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "body": self.body,
            "status": self.status,
            "response_body": self.response_body,
        }


class Journal:
    """At most `capacity` entries; the oldest fall off, so a long soak cannot eat memory."""

    def __init__(self, capacity: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self, provider: str | None = None) -> None:
        with self._lock:
            kept = [entry for entry in self._entries if provider is not None and entry.provider != provider]
            self._entries.clear()
            self._entries.extend(kept)

    @staticmethod
    def masked(headers: Mapping[str, str]) -> dict[str, str]:
        return {
            name: mask(value) if name.lower() in SECRET_HEADERS else value for name, value in headers.items()
        }
