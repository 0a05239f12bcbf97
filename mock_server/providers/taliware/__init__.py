"""Taliware CL2C (seed 004): an ASP.NET Core service on the fullstackhero starter kit, users per tenant."""

from mock_server.core.provider import Provider
from mock_server.providers.taliware.auth import credential_headers
from mock_server.providers.taliware.errors import render_error
from mock_server.providers.taliware.models import TaliwareBackend
from mock_server.providers.taliware.openapi import API
from mock_server.providers.taliware.routes import build_blueprint

TALIWARE = Provider(
    name="taliware",
    title="Taliware CL2C",
    prefix="/taliware",
    hosts=(),  # no public host is known
    build_blueprint=build_blueprint,
    build_backend=TaliwareBackend,
    render_error=render_error,
    example_path="/v1/cl2c/users",
    # "root" is the tenant the fullstackhero starter kit seeds; the bundled users belong to it.
    options={"fixture_scope": "root"},
    credential_headers=credential_headers,
    api=API,
)
