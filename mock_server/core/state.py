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
from mock_server.base.store import Store, in_part
from mock_server.core.event_log import EventLog
from mock_server.core.faults import FaultRules
from mock_server.core.fixtures import FixtureFile, load_documents
from mock_server.core.idempotency import IdempotencyStore
from mock_server.core.journal import Journal
from mock_server.core.outbox import Outbox
from mock_server.core.provider import SECRET_BYTES, Backend, Provider, memory_event_logs
from mock_server.core.ratelimit import RateLimiter
from mock_server.core.webhooks import WebhookDispatcher


class ScopeResetUnsupported(ValueError):
    """The provider's backend keeps no per-scope reset (`reset_scope` is optional)."""


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
    # The fixtures files loaded at start (config.fixtures), kept to load their users again on a reset.
    fixtures: list[FixtureFile] = field(default_factory=list)

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

    def webhook_public_keys(self) -> dict[str, str]:
        """The public key (64 hex characters) each served provider that sends webhooks signs them with."""
        return {
            name: provider.webhook_public_key(self.backends[name])
            for name, provider in self.providers.items()
            if provider.webhook_signing_key is not None
        }

    def reset(self, provider: str | None = None, scope: str | None = None) -> dict[str, int]:
        """Back to the start state: of everything, of one `provider`, or of one `scope` of a provider (one
        credential's data: a Dots client id, a Wealthyhood token subject, a Dakota API key, a Taliware
        tenant). Forgets users (and every other record), idempotency keys, journal entries, sent messages
        and webhook deliveries, then loads again the fixtures users loaded at start that belong to what was
        reset. A full reset forgets fault rules too, so one test's faults never leak into the next; a
        scope's reset, the rules for that scope. Answers the fixture users loaded again, per provider.
        ValueError for a provider not served, or a scope without its provider."""
        self._check_reset(provider, scope)
        if scope is not None and provider is not None:
            self._reset_scope(provider, scope)
        else:
            self._reset_provider(provider)
        wanted = [
            document
            for document in self.fixtures
            if in_part(provider, scope, document.provider, document.scope)
        ]
        return load_documents(self.backends, wanted)

    def _check_reset(self, provider: str | None, scope: str | None) -> None:
        if provider is not None and provider not in self.backends:
            raise ValueError(f"unknown provider {provider!r}")
        if scope is not None and provider is None:
            raise ValueError("a scope belongs to one provider: name the provider too")
        if scope is not None and provider is not None and not hasattr(self.backends[provider], "reset_scope"):
            raise ScopeResetUnsupported(f"{provider} cannot reset one scope.")

    def _reset_provider(self, provider: str | None) -> None:
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

    def _reset_scope(self, provider: str, scope: str) -> None:
        self.backends[provider].reset_scope(scope)
        self.idempotency.clear(provider, scope)
        self.journal.clear(provider, scope)
        self.outbox.clear(provider, scope)
        self.webhooks.clear(provider, scope)
        self.faults.clear(provider, scope)
        if self.rate_limiter is not None:
            # The client a window counts is the provider's rate-limit key: Dakota's, the only limited
            # provider, is its API key, which is also its scope.
            self.rate_limiter.clear(provider, scope)


def current_state() -> MockState:
    return current_app.extensions["mock_server"]
