"""The request pipeline: every hook of the app is registered here, and runs in this order.

For a request to an emulated API (a path under a provider's prefix, or its real host):

0. refusal: a request that did not arrive whole (its body timed out or ended early, or its Host header
   is missing, repeated or invalid; the server in front says so, see core/transport.py) is refused at
   once, for every path, before anything below can act on it or count it.
1. preflight: a browser's CORS preflight is answered at once, before routing could refuse it (404, or
   405 where a route takes no OPTIONS), so the browser goes on to send the real request.
2. faults and latency: the global latency, then the first fault rule that fires (a 5xx, a delay or a
   dropped connection). Before auth on purpose: a fault stands for the provider's own infrastructure
   failing, which happens whatever the credential, so a test can count on it.
3. rate limit (only when one is configured): the request is counted against its client's window, and
   refused over the quota. Before auth on purpose, as an API gateway counts in front of the service; a
   request with no client key at all is not counted (it is refused by auth next).
4. auth: the provider's `authenticate`, for its own routes' views that are not public. A path that
   matched no route skips it, so an unknown path is 404 whatever the credential.
5. idempotency: for a view marked `idempotent`, the key is checked, and a repeat is answered with the
   stored response; a first request reserves the key.
6. the view.
7. idempotency: the response (an error's too, as the provider renders it) is kept under the reserved
   key; a 5xx releases the key so a retry runs again.
8. provider headers: what the provider puts on every answer (Dakota's x-request-id).
9. rate-limit headers: the client's window (X-RateLimit-*).
10. journal: the request and its answer, and its credential's scope (asked of the provider's auth here
    when auth did not run: a fault answered first, or the path matched no route).
11. CORS: `Vary: Origin`, and for a browser the Access-Control-* headers (flask-cors, last).

Steps 2, 3, 8, 9 and 10 apply to the emulated APIs only, not to the mock's own endpoints (/__admin,
the OpenAPI documents). Anything raised in steps 0 to 6 reaches one renderer (error_handling.render,
through Flask's error handlers) and its response then takes steps 7 to 11 like any other. A request that
ends without a response (an error escaped every handler) releases its idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app

from mock_server.core.auth import is_public, request_scope
from mock_server.core.cors import answer_preflight, init_cors, vary_on_origin
from mock_server.core.error_handling import init_error_handling
from mock_server.core.faults import apply_faults
from mock_server.core.idempotent_requests import abandon, begin, finish, rule_of
from mock_server.core.journal import record_exchange
from mock_server.core.ratelimit import count_request, report_usage
from mock_server.core.speedups import current_request
from mock_server.core.state import MockState
from mock_server.core.transport import REFUSAL, refusal_error


def init_pipeline(app: Flask, state: MockState) -> None:
    init_error_handling(app)
    init_cors(app, state.config.cors_origins, state.providers.values())
    # Registered after flask-cors's own hook, so it runs before it (Flask runs them last-registered first).
    app.before_request(_before_view(state))
    app.after_request(_after_view(state))
    app.teardown_request(_abandon_keys(state))


def _before_view(state: MockState) -> Callable[[], Response | None]:
    config, limiter = state.config, state.rate_limiter

    def before_view() -> Response | None:
        req = current_request()
        refusal = req.environ.get(REFUSAL)
        if refusal is not None:
            raise refusal_error(refusal, config.body_timeout_seconds)
        provider = req.provider
        if provider is None:
            return None  # the mock's own endpoints, and paths of no API
        preflight = answer_preflight(req)
        if preflight is not None:
            return preflight
        if req.api_call:
            backend = state.backends[provider.name]
            dropped = apply_faults(
                state.faults, config.latency_ms, state.rng, req, lambda: request_scope(req, backend)
            )
            if dropped is not None:
                return dropped
            if limiter is not None:
                count_request(limiter, req)
        if req.method == "OPTIONS" or req.url_rule is None:
            return None  # no view runs: Flask answers OPTIONS itself, and a routing error is raised next
        view = current_app.view_functions[req.endpoint]
        if req.blueprint == provider.name and not is_public(view):
            req.credential = provider.authenticate(req, state.backends[provider.name])
        rule = rule_of(view)
        return begin(state.idempotency, rule, req) if rule is not None else None

    return before_view


def _after_view(state: MockState) -> Callable[[Response], Response]:
    limiter = state.rate_limiter

    def after_view(response: Response) -> Response:
        req = current_request()
        # The answer stands even if the store went away after the view: what it says was done is done.
        # Only keeping it (under its idempotency key, in the journal) fails, and is logged.
        with _store_may_fail(state):
            finish(state.idempotency, req, response)
        if req.api_call:
            response = _with_provider_headers(req.provider, response)
            if limiter is not None:
                report_usage(req, response)
            scope = request_scope(req, state.backends[req.provider.name])
            with _store_may_fail(state):
                record_exchange(state.journal, state.clock, state.config.max_body_bytes, req, response, scope)
        vary_on_origin(req, response)
        return response

    return after_view


def _abandon_keys(state: MockState) -> Callable[[BaseException | None], None]:
    def abandon_keys(_error: BaseException | None) -> None:
        with _store_may_fail(state):
            abandon(state.idempotency, current_request())

    return abandon_keys


@contextmanager
def _store_may_fail(state: MockState) -> Iterator[None]:
    try:
        yield
    except state.store_errors as error:
        current_app.logger.warning("the store is unavailable: %s", error)


def _with_provider_headers(provider: Any, response: Response) -> Response:
    decorate = provider.decorate_response
    return decorate(response) if decorate is not None else response
