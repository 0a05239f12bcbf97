"""The app factory: one Flask app serving every provider, owning all state."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from flask import Flask

from mock_server.base.clock import Clock
from mock_server.base.config import MEMORY_STORE, Config
from mock_server.base.ids import IdFactory
from mock_server.base.store import MemoryStore
from mock_server.core.admin import ADMIN_PREFIX, build_admin_blueprint
from mock_server.core.admin_auth import init_admin_auth
from mock_server.core.application import MockFlask
from mock_server.core.dashboard import UI_PREFIX, build_dashboard_blueprint
from mock_server.core.documents import init_documents
from mock_server.core.faults import FaultRules
from mock_server.core.fixtures import load_documents, read_fixtures
from mock_server.core.idempotency import IdempotencyStore
from mock_server.core.journal import Journal
from mock_server.core.outbox import Outbox
from mock_server.core.pipeline import init_pipeline
from mock_server.core.provider import BackendContext, Provider, Registry
from mock_server.core.ratelimit import RateLimiter
from mock_server.core.routing import HostRouter
from mock_server.core.state import MockState
from mock_server.core.webhooks import WebhookDispatcher, WebhookPolicy
from mock_server.providers import REGISTRY

REDIS_TIMEOUT_SECONDS = 1.0


def create_app(
    config: Config | Mapping[str, Any] | None = None,
    *,
    clock: Clock | None = None,
    registry: Registry = REGISTRY,
) -> Flask:
    """A new app, a clean world: `config` is a Config, or a dict of settings read as the environment is
    (ValueError names what is wrong); `registry` the providers it may serve."""
    config = registry.config(config)
    providers = registry.select(config.provider)
    state = build_state(config, providers, clock or Clock())

    app = MockFlask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["mock_server"] = state
    for provider in providers:
        blueprint = provider.build_blueprint(provider, state.backends[provider.name])
        app.register_blueprint(blueprint, url_prefix=provider.prefix)
    app.register_blueprint(build_admin_blueprint(), url_prefix=ADMIN_PREFIX)
    init_admin_auth(app, config.admin_token)
    app.register_blueprint(build_dashboard_blueprint(), url_prefix=UI_PREFIX)
    init_documents(app, providers)
    init_pipeline(app, state)
    if config.fixtures:
        state.fixtures = read_fixtures(config.fixtures, state.backends)
        load_documents(state.backends, state.fixtures)
    app.wsgi_app = HostRouter(  # type: ignore[method-assign]
        app.wsgi_app,
        {host: provider.prefix for provider in providers for host in provider.hosts},
        default_prefix=providers[0].prefix if config.provider else None,
        provider_prefixes={provider.name: provider.prefix for provider in providers},
    )
    return app


def build_state(config: Config, providers: tuple[Provider[Any], ...], clock: Clock) -> MockState:
    rng = random.Random(config.seed)  # seed None: seeded from the OS
    services = (
        memory_services(config, clock, rng)
        if config.store == MEMORY_STORE
        else redis_services(config, clock, rng)
    )
    state = MockState(
        config=config,
        clock=clock,
        rng=rng,
        ids=IdFactory(rng, clock),
        providers={provider.name: provider for provider in providers},
        **services,
    )
    for provider in providers:
        context = BackendContext(
            provider,
            state.store,
            state.ids,
            clock,
            rng,
            config,
            state.webhooks,
            state.event_logs,
            state.secrets,
        )
        state.backends[provider.name] = provider.build_backend(context)
    return state


def memory_services(config: Config, clock: Clock, rng: random.Random) -> dict[str, Any]:
    """The state services of one process: the default, with nothing to install."""
    return {
        "store": MemoryStore(),
        "idempotency": IdempotencyStore(clock, config.idempotency_ttl_seconds, config.idempotency_max_keys),
        "journal": Journal(config.journal_size),
        "faults": FaultRules(rng),
        "outbox": Outbox(),
        "rate_limiter": RateLimiter(clock, config.rate_limit) if config.rate_limit else None,
        "webhooks": WebhookDispatcher(clock, webhook_policy(config)),
    }


def redis_services(config: Config, clock: Clock, rng: random.Random) -> dict[str, Any]:
    """The state services on the Redis at `config.store`, under `config.store_namespace`: what several
    workers and replicas share. ValueError when that Redis cannot be reached at start."""
    import redis  # imported only when chosen: the memory store needs nothing installed

    from mock_server.base.redis_store import RedisStore
    from mock_server.core import redis_state
    from mock_server.core.redis_event_log import RedisEventLog
    from mock_server.core.redis_webhooks import RedisWebhookDispatcher

    client = redis_client(config.store)
    try:
        client.ping()
    except redis.RedisError as error:
        raise ValueError(f"cannot reach the store at {config.store}: {error}") from None
    prefix = config.store_namespace
    limiter = (
        redis_state.RedisRateLimiter(client, prefix, clock, config.rate_limit) if config.rate_limit else None
    )
    return {
        "store": RedisStore(client, prefix),
        "idempotency": redis_state.RedisIdempotencyStore(
            client, prefix, clock, config.idempotency_ttl_seconds, config.idempotency_max_keys
        ),
        "journal": redis_state.RedisJournal(client, prefix, config.journal_size),
        "faults": redis_state.RedisFaultRules(client, prefix, rng),
        "outbox": redis_state.RedisOutbox(client, prefix),
        "rate_limiter": limiter,
        "webhooks": RedisWebhookDispatcher(client, prefix, clock, webhook_policy(config)),
        "event_logs": lambda name, per_scope, total: RedisEventLog(client, prefix, name, per_scope, total),
        "secrets": redis_state.redis_secrets(client, prefix),
        "store_errors": (redis.ConnectionError, redis.TimeoutError),
        "store_alive": lambda: _answers(client),
    }


def redis_client(url: str) -> Any:
    """A client that gives up fast: an API call waits at most about a second for a Redis that is gone,
    then answers 503, rather than redis-py's default ten retries."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1),
    )


def _answers(client: Any) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def webhook_policy(config: Config) -> WebhookPolicy:
    return WebhookPolicy(
        retry_delays=config.webhook_retry_schedule,
        timeout_seconds=config.webhook_timeout_seconds,
        concurrency=config.webhook_concurrency,
        queue_size=config.webhook_queue_size,
        history_size=config.webhook_history_size,
    )
