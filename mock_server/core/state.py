"""All of an app's state, built by create_app: a new app is a clean world."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from mock_server.base.clock import Clock
from mock_server.base.config import Config
from mock_server.base.ids import IdFactory
from mock_server.base.store import Store
from mock_server.core.faults import FaultRules
from mock_server.core.idempotency import IdempotencyStore
from mock_server.core.journal import Journal
from mock_server.core.outbox import Outbox
from mock_server.core.provider import Backend, Provider
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

    def __post_init__(self) -> None:
        # Longest prefix first, so "/dots-sandbox/..." is not taken for "/dots"; sorted once, not per request.
        self._by_prefix_length = sorted(self.providers.values(), key=lambda p: len(p.prefix), reverse=True)

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
