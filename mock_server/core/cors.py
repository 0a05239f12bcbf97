"""CORS on every route, so a frontend on another origin can call the emulated APIs directly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, current_app
from flask_cors import CORS

from mock_server.core.provider import Provider

# What every API's clients send; each provider adds its own (Provider.request_headers).
COMMON_REQUEST_HEADERS = ("Authorization", "Content-Type")
# What a browser script may read of any answer: rate limits, idempotent replays, allowed methods.
COMMON_EXPOSED_HEADERS = (
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Idempotent-Replayed",
    "Allow",
)
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]
PREFLIGHT_MAX_AGE_SECONDS = 600


def _union(common: tuple[str, ...], declared: Iterable[tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys([*common, *(name for names in declared for name in names)]))


def init_cors(app: Flask, origins: tuple[str, ...], providers: Iterable[Provider[Any]]) -> None:
    """flask-cors, answering browsers (requests with an Origin) with every header a provider declares;
    answers to other clients carry no CORS headers, only `Vary: Origin` (see vary_on_origin)."""
    providers = list(providers)
    CORS(
        app,
        origins="*" if "*" in origins else list(origins),
        allow_headers=_union(COMMON_REQUEST_HEADERS, (p.request_headers for p in providers)),
        expose_headers=_union((), (p.exposed_headers for p in providers)) + list(COMMON_EXPOSED_HEADERS),
        methods=METHODS,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
        vary_header=True,
        always_send=False,
    )


def answer_preflight(req: Any) -> Response | None:
    """Answer a browser's CORS preflight to a provider path before routing. A route that refuses
    OPTIONS (Taliware, as ASP.NET Core does) or does not exist would fail it with 405 or 404, and the
    browser would then never send the real request, whose answer in the provider's own shape the
    script could read. flask-cors adds the Access-Control-* headers afterwards."""
    if req.method != "OPTIONS" or "Access-Control-Request-Method" not in req.headers:
        return None
    return current_app.make_default_options_response()


def vary_on_origin(req: Any, response: Response) -> None:
    """Every answer may differ by Origin (a browser's gets CORS headers), so caches must key on it."""
    if "Origin" in req.headers:
        return  # flask-cors says so itself
    if "Vary" in response.headers:
        response.vary.add("Origin")
    else:
        response.headers["Vary"] = "Origin"
