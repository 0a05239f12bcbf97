"""Dots (seeds 000 and 001): production dedupes users by phone number; the sandbox does not."""

from mock_server.core.provider import Provider
from mock_server.providers.dots.auth import credential_headers
from mock_server.providers.dots.errors import render_error
from mock_server.providers.dots.models import DotsBackend
from mock_server.providers.dots.openapi import PRODUCTION_API, SANDBOX_API
from mock_server.providers.dots.routes import build_blueprint

PRODUCTION = Provider(
    name="dots",
    title="Dots",
    prefix="/dots",
    hosts=("api.dots.dev",),
    build_blueprint=build_blueprint,
    build_backend=DotsBackend,
    render_error=render_error,
    example_path="/api/v2/users",
    options={"dedupe_by_phone": True, "fixture_scope": "pk_dev_mockserver"},
    credential_headers=credential_headers,
    api=PRODUCTION_API,
)

SANDBOX = Provider(
    name="dots-sandbox",
    title="Dots sandbox",
    prefix="/dots-sandbox",
    hosts=("api.senddotssandbox.com", "pls.senddotssandbox.com"),
    build_blueprint=build_blueprint,
    build_backend=DotsBackend,
    render_error=render_error,
    example_path="/api/v2/users",
    options={"dedupe_by_phone": False, "fixture_scope": "pk_dev_mockserver"},
    credential_headers=credential_headers,
    api=SANDBOX_API,
)
