"""Wealthyhood (seed 002): Auth0 client-credentials tokens, users with MongoDB ObjectIds."""

from mock_server.core.provider import Provider
from mock_server.providers.wealthyhood.errors import render_error
from mock_server.providers.wealthyhood.models import WealthyhoodBackend
from mock_server.providers.wealthyhood.openapi import API
from mock_server.providers.wealthyhood.routes import build_blueprint

WEALTHYHOOD = Provider(
    name="wealthyhood",
    title="Wealthyhood",
    prefix="/wealthyhood",
    hosts=("api.wealthyhood.com", "api.sandbox.wealthyhood.com"),
    build_blueprint=build_blueprint,
    build_backend=WealthyhoodBackend,
    render_error=render_error,
    example_path="/users",
    api=API,
)
