"""The app factory: one Flask app serving every provider, owning all state."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request

from mock_server.config import Config
from mock_server.core.admin import ADMIN_PREFIX, apply_faults, build_admin_blueprint
from mock_server.core.application import MockFlask
from mock_server.core.clock import Clock
from mock_server.core.cors import init_cors
from mock_server.core.error_handling import init_error_handling
from mock_server.core.faults import FaultRules
from mock_server.core.idempotency import IdempotencyStore
from mock_server.core.ids import IdFactory
from mock_server.core.journal import BODY_LIMIT, Journal, JournalEntry
from mock_server.core.openapi import init_openapi
from mock_server.core.ratelimit import RateLimiter, init_rate_limiting
from mock_server.core.routing import HostRouter
from mock_server.core.state import MockState, current_state
from mock_server.core.store import Store
from mock_server.providers import select_providers, select_rate_limits


def create_app(config: Config | Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    config = Config.coerce(config)
    providers = select_providers(config.provider)
    quotas = select_rate_limits(config.rate_limit)
    clock = clock or Clock()
    rng = random.Random(config.seed)  # seed None: seeded from the OS
    state = MockState(
        config=config,
        clock=clock,
        rng=rng,
        ids=IdFactory(rng, clock),
        store=Store(),
        idempotency=IdempotencyStore(clock, config.idempotency_ttl_seconds, config.idempotency_max_keys),
        journal=Journal(config.journal_size),
        providers={provider.name: provider for provider in providers},
        faults=FaultRules(rng),
        rate_limiter=RateLimiter(clock, quotas) if quotas else None,
    )
    state.backends = {provider.name: provider.build_backend(state, provider) for provider in providers}

    app = MockFlask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["mock_server"] = state
    for provider in providers:
        app.register_blueprint(provider.build_blueprint(provider), url_prefix=provider.prefix)
    app.register_blueprint(build_admin_blueprint(), url_prefix=ADMIN_PREFIX)
    init_openapi(app, providers)
    init_error_handling(app)
    init_cors(app, config.cors_origins)
    app.before_request(apply_faults)
    init_rate_limiting(app, state.rate_limiter)
    app.after_request(record_in_journal)
    if config.fixtures:
        from mock_server.fixtures import load_fixtures_path

        load_fixtures_path(state, config.fixtures)
    app.wsgi_app = HostRouter(  # type: ignore[method-assign]
        app.wsgi_app,
        {host: provider.prefix for provider in providers for host in provider.hosts},
        default_prefix=providers[0].prefix if config.provider else None,
    )
    return app


def record_in_journal(response: Response) -> Response:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one context lookup, not ten
    if not req.api_call:
        return response  # the journal is of what clients sent the APIs, not of calls to the mock's own
    state = current_state()
    # A body refused for its size is never read, not even for the journal.
    unread = (req.content_length or 0) > state.config.max_body_bytes
    state.journal.record(
        JournalEntry(
            time=state.clock.now(),
            provider=req.provider.name,
            method=req.method,
            path=req.path,
            raw_query=req.query_string,
            raw_headers=tuple(req.headers.items()),
            raw_body=b"" if unread else req.get_data(cache=True)[: BODY_LIMIT + 1],
            media_type=req.mimetype,
            status=response.status_code,
            raw_response_body=b"" if response.is_streamed else response.get_data()[: BODY_LIMIT + 1],
        )
    )
    return response
