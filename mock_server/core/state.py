"""All of an app's state, built by create_app: a new app is a clean world."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from mock_server.base.clock import Clock
from mock_server.base.config import Config
from mock_server.base.ids import IdFactory
from mock_server.base.store import Store
from mock_server.core.event_log import EventLog
from mock_server.core.faults import FaultRules
from mock_server.core.idempotency import IdempotencyStore
from mock_server.core.journal import Journal
from mock_server.core.outbox import Outbox
from mock_server.core.provider import SECRET_BYTES, Backend, Provider, memory_event_logs
from mock_server.core.ratelimit import RateLimiter
from mock_server.core.webhooks import WebhookDispatcher


@dataclass
class MockState:
    config: Config
    clock: Clock
    rng: random.Random
    ids: IdFactory
    store: Store
    idempotency: IdempotencyStore
    journal: Journal
    providers: dict[str, Provider[Any]]
    faults: FaultRules
    webhooks: WebhookDispatcher  # outbound webhook deliveries, attempted in the background
    outbox: Outbox = field(default_factory=Outbox)  # what the APIs "sent": SMS codes, calls
    backends: dict[str, Backend] = field(default_factory=dict)
    rate_limiter: RateLimiter | None = None  # None: no provider is rate limited (the default)
    # What the shared store raises when it cannot be reached (answered 503), and whether it answers now.
    store_errors: tuple[type[BaseException], ...] = ()
    event_logs: Callable[[str, int, int], EventLog] = memory_event_logs  # capped logs (Dakota's events)
    secrets: Callable[[str], bytes] = field(default=lambda _name: os.urandom(SECRET_BYTES))
    store_alive: Callable[[], bool] = lambda: True

    def __post_init__(self) -> None:
        # Longest prefix first, so "/dots-sandbox/..." is not taken for "/dots"; sorted once, not per request.
        self._by_prefix_length = sorted(self.providers.values(), key=lambda p: len(p.prefix), reverse=True)

    def reseed(self, entropy: str) -> None:
        """A worker forked from the process that built this app draws its own ids from here on, so that no
        two workers ever make the same one (called in each worker, see serve.py)."""
        self.rng.seed(entropy)
        self.ids.restart()
        for backend in self.backends.values():
            reseed = getattr(backend, "reseed", None)
            if reseed is not None:
                reseed(entropy)

    def provider_for_path(self, path: str) -> Provider[Any] | None:
        for provider in self._by_prefix_length:
            if provider.owns_path(path):
                return provider
        return None

    def reset(self, provider: str | None = None) -> None:
        """Forget users (and every other record), idempotency keys, journal entries, sent messages and
        webhook deliveries; a full reset forgets fault rules too, so one test's faults never leak into the
        next."""
        for name in [provider] if provider else list(self.backends):
            self.backends[name].reset()
        self.idempotency.clear(provider)
        self.journal.clear(provider)
        self.outbox.clear(provider)
        self.webhooks.clear(provider)
        if provider is None:
            self.faults.clear()
        if self.rate_limiter is not None:
            self.rate_limiter.clear(provider)


def current_state() -> MockState:
    return current_app.extensions["mock_server"]
