"""Wealthyhood (seed 002): Auth0 client-credentials tokens, users with MongoDB ObjectIds."""

from mock_server.core.provider import Provider
from mock_server.providers.wealthyhood.auth import bearer_headers, verify_bearer
from mock_server.providers.wealthyhood.errors import render_error
from mock_server.providers.wealthyhood.models import WealthyhoodBackend
from mock_server.providers.wealthyhood.openapi import API
from mock_server.providers.wealthyhood.routes import USER_ID_HEADER, build_blueprint

WEALTHYHOOD = Provider(
    name="wealthyhood",
    title="Wealthyhood",
    prefix="/wealthyhood",
    hosts=("api.wealthyhood.com", "api.sandbox.wealthyhood.com"),
    example_path="/users",
    build_backend=WealthyhoodBackend,
    build_blueprint=build_blueprint,
    render_error=render_error,
    authenticate=verify_bearer,
    credential_headers=bearer_headers,
    # The bundled users belong to client id "mockserver"; a token's subject names its client so.
    fixture_scope="mockserver@clients",
    fixture_locale="en_GB",
    request_headers=(USER_ID_HEADER,),
    api=API,
)
