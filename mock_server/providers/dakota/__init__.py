"""Dakota (seed 003): client users, with required idempotency keys, KSUIDs and problem-details errors.
Production and sandbox hosts share one mount: data is scoped per API key, and keys differ between them."""

from mock_server.core.provider import Provider
from mock_server.providers.dakota.auth import api_key, credential_headers
from mock_server.providers.dakota.errors import render_error
from mock_server.providers.dakota.models import DakotaBackend
from mock_server.providers.dakota.openapi import API
from mock_server.providers.dakota.routes import build_blueprint

PROVIDER = Provider(
    name="dakota",
    title="Dakota",
    prefix="/dakota",
    hosts=("api.platform.dakota.xyz", "api.platform.sandbox.dakota.xyz"),
    build_blueprint=build_blueprint,
    build_backend=DakotaBackend,
    render_error=render_error,
    example_path="/users",
    # Shaped like the spec's keys (dk_live_...); the bundled users belong to it.
    options={"fixture_scope": "dk_test_mockserver"},
    credential_headers=credential_headers,
    rate_limit_key=api_key,
    api=API,
)
