"""Wealthyhood (seed 002): Auth0 client-credentials tokens, users with MongoDB ObjectIds, their wallets and
bank accounts. Production and the sandbox are two environments, each with its own store and Auth0
tenant; only the sandbox has the test routes."""

from dataclasses import replace

from mock_server.core.provider import BackendContext, Provider
from mock_server.providers.wealthyhood.auth import (
    PRODUCTION_TENANT,
    SANDBOX_TENANT,
    bearer_headers,
    verify_bearer,
)
from mock_server.providers.wealthyhood.errors import render_error
from mock_server.providers.wealthyhood.models import WealthyhoodBackend, WealthyhoodSettings
from mock_server.providers.wealthyhood.openapi import PRODUCTION_API, SANDBOX_API
from mock_server.providers.wealthyhood.routes import (
    USER_ID_HEADER,
    build_blueprint,
    build_sandbox_blueprint,
)

# The bundled users belong to client id "mockserver"; a token's subject names its client so.
FIXTURE_SCOPE = "mockserver@clients"


def production_backend(context: BackendContext) -> WealthyhoodBackend:
    return WealthyhoodBackend(context, PRODUCTION_TENANT)


def sandbox_backend(context: BackendContext) -> WealthyhoodBackend:
    return WealthyhoodBackend(context, SANDBOX_TENANT)


WEALTHYHOOD = Provider(
    name="wealthyhood",
    title="Wealthyhood",
    prefix="/wealthyhood",
    hosts=("api.wealthyhood.com",),
    example_path="/users",
    build_backend=production_backend,
    build_blueprint=build_blueprint,
    render_error=render_error,
    authenticate=verify_bearer,
    credential_headers=bearer_headers,
    fixture_scope=FIXTURE_SCOPE,
    fixture_locale="en_GB",
    request_headers=(USER_ID_HEADER,),
    api=PRODUCTION_API,
    settings=WealthyhoodSettings,
)

# The same API in its other environment: its own prefix, host, store, Auth0 tenant and test routes.
SANDBOX = replace(
    WEALTHYHOOD,
    name="wealthyhood-sandbox",
    title="Wealthyhood sandbox",
    prefix="/wealthyhood-sandbox",
    hosts=("api.sandbox.wealthyhood.com",),
    build_backend=sandbox_backend,
    build_blueprint=build_sandbox_blueprint,
    api=SANDBOX_API,
)
