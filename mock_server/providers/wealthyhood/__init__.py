"""Wealthyhood (seed 002): Auth0 client-credentials tokens, users with MongoDB ObjectIds."""

from mock_server.core.provider import Provider
from mock_server.core.state import backend
from mock_server.providers.wealthyhood.auth import bearer_headers
from mock_server.providers.wealthyhood.errors import render_error
from mock_server.providers.wealthyhood.models import WealthyhoodBackend
from mock_server.providers.wealthyhood.openapi import API
from mock_server.providers.wealthyhood.routes import build_blueprint


def credential_headers(scope: str) -> dict[str, str]:
    """A bearer token signed by this app's own token authority (so --strict-auth accepts it too);
    called in the app's context."""
    return bearer_headers(backend(WEALTHYHOOD).tokens, scope)


WEALTHYHOOD = Provider(
    name="wealthyhood",
    title="Wealthyhood",
    prefix="/wealthyhood",
    hosts=("api.wealthyhood.com", "api.sandbox.wealthyhood.com"),
    build_blueprint=build_blueprint,
    build_backend=WealthyhoodBackend,
    render_error=render_error,
    example_path="/users",
    # The bundled users belong to client id "mockserver"; a token's subject names its client so.
    options={"fixture_scope": "mockserver@clients", "fixture_locale": "en_GB"},
    credential_headers=credential_headers,
    api=API,
)
