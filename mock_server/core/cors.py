"""CORS on every route, so a frontend on another origin can call the emulated APIs directly."""

from __future__ import annotations

from flask import Flask

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


def init_cors(app: Flask, origins: str) -> None:
    from flask_cors import CORS

    CORS(
        app,
        origins=parse_origins(origins),
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        max_age=600,
    )
