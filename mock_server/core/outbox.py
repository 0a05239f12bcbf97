"""The outbox: what the emulated APIs "sent" to people (a verification code by SMS or by phone call). The
mock delivers nothing; it keeps each message, code included and unmasked (it is test data), for a test or
a person to read at GET /__admin/messages."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mock_server.base.store import in_part

# Far more than any test reads; bounded so a long soak that keeps asking for codes cannot eat memory.
OUTBOX_CAPACITY = 1000


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message as it would have reached the user: to whom, by which channel, saying what."""

    id: str
    time: datetime
    provider: str
    scope: str  # the credential the request came with (a Dots client id)
    user_id: str
    channel: str  # "sms" or "voice"
    to: str  # the phone number, E.164
    body: str
    code: str | None = None  # the one-time code the body carries, for a test to type back

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "provider": self.provider,
            "scope": self.scope,
            "user_id": self.user_id,
            "channel": self.channel,
            "to": self.to,
            "body": self.body,
            "code": self.code,
        }


class Outbox:
    """The messages sent, oldest first; at most `capacity`, the oldest fall off."""

    def __init__(self, capacity: int = OUTBOX_CAPACITY) -> None:
        self._messages: deque[OutboxMessage] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def send(self, message: OutboxMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self, provider: str | None = None, user_id: str | None = None) -> list[OutboxMessage]:
        with self._lock:
            return [
                message
                for message in self._messages
                if provider in (None, message.provider) and user_id in (None, message.user_id)
            ]

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        """Forget every message, a provider's, or one scope's of a provider (`scope` needs `provider`)."""
        with self._lock:
            kept = [
                message
                for message in self._messages
                if not in_part(provider, scope, message.provider, message.scope)
            ]
            self._messages.clear()
            self._messages.extend(kept)
