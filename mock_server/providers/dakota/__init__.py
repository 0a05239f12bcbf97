"""Dakota (seed 003): client users, with required idempotency keys, KSUIDs and problem-details errors, and
the webhooks and events they cause. Production and the sandbox are two environments, each with its own
store and its own webhook signing key; data is scoped per API key within each."""

from dataclasses import replace

from mock_server.core.provider import Provider
from mock_server.providers.dakota.auth import API_KEY_HEADER, api_key, credential_headers, verify_api_key
from mock_server.providers.dakota.errors import REQUEST_ID_HEADER, render_error, with_request_id
from mock_server.providers.dakota.models import DakotaBackend
from mock_server.providers.dakota.openapi import API
from mock_server.providers.dakota.routes import IDEMPOTENCY_HEADER, build_blueprint
from mock_server.providers.dakota.webhooks import DakotaSettings

PROVIDER = Provider(
    name="dakota",
    title="Dakota",
    prefix="/dakota",
    hosts=("api.platform.dakota.xyz",),
    example_path="/users",
    build_backend=DakotaBackend,
    build_blueprint=build_blueprint,
    render_error=render_error,
    authenticate=verify_api_key,
    credential_headers=credential_headers,
    # Shaped like the spec's keys (dk_live_...); the bundled users belong to it.
    fixture_scope="dk_test_mockserver",
    request_headers=(API_KEY_HEADER, IDEMPOTENCY_HEADER, REQUEST_ID_HEADER),
    exposed_headers=(REQUEST_ID_HEADER,),
    decorate_response=with_request_id,
    rate_limit_key=api_key,
    api=API,
    settings=DakotaSettings,
    webhook_signing_key=lambda backend: backend.webhooks.signing_key,
)

# The same API in its other environment: its own prefix, host, store and signing key.
SANDBOX = replace(
    PROVIDER,
    name="dakota-sandbox",
    title="Dakota sandbox",
    prefix="/dakota-sandbox",
    hosts=("api.platform.sandbox.dakota.xyz",),
)
