"""CORS on every route, so a frontend on another origin can call the emulated APIs directly."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# Every request header these APIs use, so a browser's preflight never blocks a real call.
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "x-api-key",
    "x-idempotency-key",
    "tenant",
    "X-API-Key",
    "x-user-id",
    "x-request-id",
)
# Response headers a browser script may read: request ids, rate limits, idempotent replays.
EXPOSED_HEADERS = (
    "x-request-id",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Idempotent-Replayed",
    "Allow",
)


def parse_origins(origins: str) -> str | list[str]:
    names = [origin.strip() for origin in origins.split(",") if origin.strip()]
    return "*" if not names or "*" in names else names


def answer_preflight() -> Response | None:
    """Answer a browser's CORS preflight to a provider path before routing. A route that refuses
    OPTIONS (Taliware, as ASP.NET Core does) or does not exist would fail it with 405 or 404, and the
    browser would then never send the real request, whose answer in the provider's own shape the
    script could read. flask-cors adds the Access-Control-* headers afterwards."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if request.provider is None:
        return None
    return current_app.make_default_options_response()


def init_cors(app: Flask, origins: str) -> None:
    from flask_cors import CORS

    app.before_request(answer_preflight)

    CORS(
        app,
        origins=parse_origins(origins),
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        max_age=600,
        vary_header=True,
    )
    # flask-cors matches its resources and builds headers on every response; only a browser's request (one
    # with an Origin) needs any of that, so it runs for those alone. The rest get the Vary it would add.
    add_cors_headers = app.after_request_funcs[None].pop()

    @app.after_request
    def cors_for_browsers(response: Response) -> Response:
        if "Origin" in request.headers:
            return add_cors_headers(response)
        if "Vary" in response.headers:
            response.vary.add("Origin")
        else:  # the usual case, without parsing and rewriting the header through response.vary
            response.headers["Vary"] = "Origin"
        return response
