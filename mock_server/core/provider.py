"""The provider contract: what every emulated API declares (`Provider`), what its backend offers the
fixtures, admin and reset machinery (`Backend`), what a backend is built from (`BackendContext`), and the
`Registry` of the providers a server knows. Adding a provider is one package that declares a Provider, and
one line in mock_server/providers/__init__.py (docs/architecture.md has the checklist)."""

from __future__ import annotations

import dataclasses
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from flask import Blueprint, Request, Response

from mock_server.base.clock import Clock
from mock_server.base.config import Config, SettingsCatalog
from mock_server.base.errors import ApiError
from mock_server.base.ids import IdFactory
from mock_server.base.signing import SigningKey
from mock_server.base.store import Collection, Store
from mock_server.core.auth import Credential
from mock_server.core.event_log import EventLog, MemoryEventLog
from mock_server.core.openapi import ApiDescription
from mock_server.core.webhooks import WebhookDispatcher

if TYPE_CHECKING:
    from faker import Faker

# The scope generated fixtures belong to when a provider names none.
DEFAULT_FIXTURE_SCOPE = "mock"


class Backend(Protocol):
    """A provider's state and rules, knowing nothing of HTTP. Its routes call it with their own methods;
    these are what the shared machinery calls."""

    def load_fixture(self, scope: str, entry: dict[str, Any]) -> None:
        """Store one fixtures-file user under `scope`, validated as the create route validates; raises
        ApiError (InvalidRequest naming the field, Conflict) when the entry is refused."""

    def fixture_entries(self, faker: Faker, count: int) -> list[dict[str, Any]]:
        """`count` realistic fixtures-file users, drawn from `faker` and the app's seeded ids."""

    def reset(self) -> None:
        """Forget every record (an admin reset, between tests)."""

    def reset_scope(self, scope: str) -> None:
        """Forget every record of one credential's scope, of every kind the provider keeps (a reset of
        one credential on a shared server). Optional: a backend without it cannot be reset per scope."""


B = TypeVar("B", bound=Backend)


SECRET_BYTES = 32


def memory_event_logs(name: str, per_scope: int, total: int) -> EventLog:
    """A log of this process's own: each one asked for is new, whatever its name."""
    return MemoryEventLog(per_scope, total)


@dataclass(frozen=True)
class BackendContext:
    """What a backend is built from: the app's shared services, and its provider's own settings."""

    provider: Provider[Any]
    store: Store
    ids: IdFactory
    clock: Clock
    rng: random.Random
    config: Config
    webhooks: WebhookDispatcher  # the app's outbound webhook deliveries
    # The app's capped logs (an event stream), by (name, per_scope, total): a log of this process's own
    # by default; a Redis app gives one that its processes share, kept under the name.
    event_logs: Callable[[str, int, int], EventLog] = memory_event_logs
    # Named random secrets (signing keys): drawn afresh in memory; kept once for all on a shared store.
    secrets: Callable[[str], bytes] = lambda _name: os.urandom(SECRET_BYTES)

    @property
    def settings(self) -> Any:
        """The provider's own settings: an instance of `Provider.settings`, or None if it declares none."""
        return self.config.settings_for(self.provider.name)

    def secret(self, name: str) -> bytes:
        """Random bytes the provider keeps under `name` (a token signing key, say): every app on one shared
        store (the workers and replicas of a sandbox on Redis, a restart) gets the same ones; an app on
        the memory store, its own."""
        return self.secrets(f"{self.provider.name}:{name}")

    def collection(
        self,
        *,
        not_found: Callable[[], ApiError],
        conflict: Callable[[str, Any], ApiError],
        bad_cursor: Callable[[str], ApiError] | None = None,
        kind: str | None = None,
    ) -> Collection[Any]:
        """The provider's own namespace of the store (its users), or of another `kind` of its records,
        answering with the provider's own errors."""
        namespace = self.provider.name if kind is None else f"{self.provider.name}:{kind}"
        return Collection(
            self.store, namespace, not_found=not_found, conflict=conflict, bad_cursor=bad_cursor
        )

    def event_log(self, kind: str, per_scope: int, total: int) -> EventLog:
        """The provider's own log of a `kind` of records (its events), at most `per_scope` per scope and
        `total` in all."""
        return self.event_logs(f"{self.provider.name}:{kind}", per_scope, total)


@dataclass(frozen=True)
class Provider(Generic[B]):
    """One emulated API, as mounted on the shared server. Everything is declared; nothing is looked up
    by name at request time."""

    name: str  # also the blueprint's name and the store's namespace
    title: str
    prefix: str  # mount point on the shared server, e.g. "/dots"
    hosts: tuple[str, ...]  # real host names routed here without the prefix
    example_path: str  # shown in the start-up banner
    build_backend: Callable[[BackendContext], B]
    # The routes, built per app around that app's backend.
    build_blueprint: Callable[[Provider[B], B], Blueprint]
    render_error: Callable[[ApiError], Response]
    # Who is calling: a Credential whose scope partitions the data, or the provider's own 401.
    authenticate: Callable[[Request, B], Credential]
    # Headers of a valid credential for a scope (a client id, API key, tenant...), for tests and docs.
    credential_headers: Callable[[B, str], dict[str, str]]
    fixture_scope: str = DEFAULT_FIXTURE_SCOPE  # the credential scope the bundled users belong to
    fixture_locale: str = "en_US"  # Faker's locale for generated users
    # Request headers a browser script sends (allowed by CORS preflights) beyond Authorization and
    # Content-Type, and response headers it may read.
    request_headers: tuple[str, ...] = ()
    exposed_headers: tuple[str, ...] = ()
    # Headers the provider puts on every response of its API (Dakota's request id), errors included.
    decorate_response: Callable[[Response], Response] | None = None
    # What identifies a client for rate limiting (an API key, say); None: the provider cannot be limited.
    rate_limit_key: Callable[[Request], str | None] | None = None
    # The OpenAPI description of what is emulated, served at <prefix>/openapi.json.
    api: ApiDescription | None = None
    # The dataclass of the provider's own settings (see base/config.py), or None.
    settings: type | None = None
    # The key its outbound webhooks are signed with (whose public half the banner and the admin API
    # publish); None: the provider sends no webhooks. Such a provider's settings have a
    # `webhook_signing_key` (hex), which a spawned worker is given so that it signs with the same key.
    webhook_signing_key: Callable[[B], SigningKey] | None = None

    def owns_path(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def webhook_public_key(self, backend: B) -> str | None:
        """The public key (64 hex) its webhooks are signed with, or None if it sends none."""
        return None if self.webhook_signing_key is None else self.webhook_signing_key(backend).public_hex

    def real_path(self, path: str) -> str:
        """The path as the real API saw it: without our mount prefix."""
        return path[len(self.prefix) :] or "/"


class Registry:
    """The providers a server can serve, in the order they are listed, and the settings they bring."""

    def __init__(self, providers: Sequence[Provider[Any]]) -> None:
        self.providers = tuple(providers)
        names = [provider.name for provider in self.providers]
        if len(set(names)) != len(names):
            raise ValueError(f"provider names repeat: {names}")

    def names(self) -> list[str]:
        return [provider.name for provider in self.providers]

    def with_provider(self, provider: Provider[Any]) -> Registry:
        return Registry((*self.providers, provider))

    def select(self, name: str | None) -> tuple[Provider[Any], ...]:
        """Every provider, or the one named (served alone, at the root)."""
        if name is None:
            return self.providers
        for provider in self.providers:
            if provider.name == name:
                return (provider,)
        raise ValueError(f"unknown provider {name!r}; choose one of: {', '.join(self.names())}")

    @cached_property
    def catalog(self) -> SettingsCatalog:
        return SettingsCatalog(
            provider_names=tuple(self.names()),
            rate_limited=frozenset(p.name for p in self.providers if p.rate_limit_key is not None),
            provider_settings={p.name: p.settings for p in self.providers if p.settings is not None},
        )

    def config(self, config: Config | Mapping[str, Any] | None = None) -> Config:
        """Settings checked against these providers: a Config as it is (checked again), or a dict of
        settings (text or typed values) read as the environment is."""
        if isinstance(config, Config):
            checked = dataclasses.replace(config, provider_settings=self._complete(config.provider_settings))
            checked.check(self.catalog)
            return checked
        return Config.from_values(dict(config or {}), self.catalog)

    def config_from_env(self, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        return Config.from_env(environ, catalog=self.catalog, **overrides)

    def _complete(self, given: Mapping[str, Any]) -> dict[str, Any]:
        # Every provider with settings has them, its defaults where none were given.
        return {name: given.get(name) or kind() for name, kind in self.catalog.provider_settings.items()}
