"""Taliware CL2C (seed 004): an ASP.NET Core service on the fullstackhero starter kit, users per tenant."""

from mock_server.core.provider import Provider
from mock_server.providers.taliware.auth import (
    API_KEY_HEADER,
    TENANT_HEADER,
    TaliwareSettings,
    credential_headers,
    verify_tenant_and_key,
)
from mock_server.providers.taliware.errors import render_error
from mock_server.providers.taliware.models import TaliwareBackend
from mock_server.providers.taliware.openapi import API
from mock_server.providers.taliware.routes import build_blueprint

TALIWARE = Provider(
    name="taliware",
    title="Taliware CL2C",
    prefix="/taliware",
    hosts=(),  # no public host is known
    example_path="/v1/cl2c/users",
    build_backend=TaliwareBackend,
    build_blueprint=build_blueprint,
    render_error=render_error,
    authenticate=verify_tenant_and_key,
    credential_headers=credential_headers,
    # "root" is the tenant the fullstackhero starter kit seeds; the bundled users belong to it.
    fixture_scope="root",
    request_headers=(TENANT_HEADER, API_KEY_HEADER),
    api=API,
    settings=TaliwareSettings,
)
