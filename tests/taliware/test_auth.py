import pytest

from mock_server import create_app
from tests.taliware.helpers import (
    API_KEY_SOURCE,
    AUTH_FAILED,
    CREATE,
    TENANT_SOURCE,
    USERS,
    error_result,
    person,
)

NO_TENANT = (401, TENANT_SOURCE)
NO_KEY = (401, API_KEY_SOURCE)


@pytest.mark.parametrize(
    ("tenant", "key", "outcome"),
    [
        (None, "key", NO_TENANT),
        ("", "key", NO_TENANT),
        ("   ", "key", NO_TENANT),
        ("not a tenant!", "key", NO_TENANT),  # not a well-formed tenant id: no such tenant
        ("-leading-dash", "key", NO_TENANT),
        ("t" * 65, "key", NO_TENANT),
        (None, None, NO_TENANT),  # the tenant is resolved before the key is looked at
        ("acme", None, NO_KEY),
        ("acme", "", NO_KEY),
        ("acme", "  ", NO_KEY),
        ("acme", "any-key", None),
        ("your-tenant-id", "your-api-key", None),  # the seed's own placeholders
        ("Tenant_1.eu", "k", None),
    ],
)
def test_auth_table(client, tenant, key, outcome):
    headers = {name: value for name, value in (("tenant", tenant), ("X-API-Key", key)) if value is not None}
    response = client.get(USERS, headers=headers)
    if outcome is None:
        assert response.status_code == 200
        return
    status, source = outcome
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert body == error_result(body, status, AUTH_FAILED, source)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", CREATE), ("GET", USERS), ("GET", f"{USERS}/3fa85f64-5717-4562-b3fc-2c963f66afa6")],
)
def test_every_route_needs_a_tenant_and_a_key(client, state, method, path):
    response = client.open(path, method=method, headers={"tenant": "acme"}, json=person(1))
    assert response.status_code == 401
    assert response.get_json()["source"] == API_KEY_SOURCE
    assert state.store.count() == 0


def test_auth_is_checked_before_the_body(client):
    response = client.post(CREATE, data=b"{", content_type="text/plain")
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("tenant", "status"), [("acme", 200), ("globex", 200), ("initech", 401), ("ACME", 401)]
)
def test_with_known_tenants_configured_only_those_exist(tenant, status):
    client = create_app({"taliware_tenants": " acme, globex ,"}).test_client()
    assert client.get(USERS, headers={"tenant": tenant, "X-API-Key": "k"}).status_code == status


def test_known_tenants_come_from_the_environment():
    from mock_server.providers import REGISTRY

    config = REGISTRY.config_from_env({"MOCK_SERVER_TALIWARE_TENANTS": "acme,globex"})
    assert config.settings_for("taliware").tenants == frozenset({"acme", "globex"})


def test_the_journal_masks_the_api_key(client, state):
    client.get(USERS, headers={"tenant": "acme", "X-API-Key": "sk_live_0123456789abcdef"})
    (entry,) = state.journal.entries()
    assert entry.headers["X-Api-Key"] == "sk_live_01\u2026"
    assert entry.headers["Tenant"] == "acme"
