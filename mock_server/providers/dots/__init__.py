"""Dots (seeds 000 and 001): production dedupes users by phone number; the sandbox does not."""

from dataclasses import replace

from mock_server.core.provider import BackendContext, Provider
from mock_server.providers.dots.auth import credential_headers, verify_basic
from mock_server.providers.dots.errors import render_error
from mock_server.providers.dots.models import DotsBackend
from mock_server.providers.dots.openapi import PRODUCTION_API, SANDBOX_API
from mock_server.providers.dots.routes import build_blueprint

FIXTURE_SCOPE = "pk_dev_mockserver"


def production_backend(context: BackendContext) -> DotsBackend:
    return DotsBackend(context, dedupe_by_phone=True)


def sandbox_backend(context: BackendContext) -> DotsBackend:
    return DotsBackend(context, dedupe_by_phone=False)


PRODUCTION = Provider(
    name="dots",
    title="Dots",
    prefix="/dots",
    hosts=("api.dots.dev",),
    example_path="/api/v2/users",
    build_backend=production_backend,
    build_blueprint=build_blueprint,
    render_error=render_error,
    authenticate=verify_basic,
    credential_headers=credential_headers,
    fixture_scope=FIXTURE_SCOPE,
    api=PRODUCTION_API,
)

# The same API in its other environment: its own prefix, hosts and store, and duplicate phones allowed.
SANDBOX = replace(
    PRODUCTION,
    name="dots-sandbox",
    title="Dots sandbox",
    prefix="/dots-sandbox",
    hosts=("api.senddotssandbox.com", "pls.senddotssandbox.com"),
    build_backend=sandbox_backend,
    api=SANDBOX_API,
)
