"""Taliware authenticates every call with two headers: `tenant` (the tenant id) and `X-API-Key`."""

from __future__ import annotations

import re

from flask import Request

from mock_server.core.auth import Credential
from mock_server.core.state import current_state
from mock_server.providers.taliware.errors import AUTHENTICATION_FAILED, ApiKeyMissing, TenantNotResolved

# What a tenant identifier may look like (assumed: the real rules are not published).
TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def known_tenants(setting: str | None) -> frozenset[str] | None:
    """The configured tenant ids, or None when any well-formed id is a tenant."""
    if not setting:
        return None
    return frozenset(tenant.strip() for tenant in setting.split(",") if tenant.strip())


def tenant_exists(tenant: str) -> bool:
    known = known_tenants(current_state().config.taliware_tenants)
    return TENANT_ID.fullmatch(tenant) is not None and (known is None or tenant in known)


def verify_tenant_and_key(request: Request) -> Credential:
    """The tenant is resolved first, then the key; any well-formed key is accepted (stripe-mock's
    way). Data is scoped per tenant, whichever key reads it."""
    tenant = request.headers.get("tenant", "").strip()
    if not tenant or not tenant_exists(tenant):
        raise TenantNotResolved(AUTHENTICATION_FAILED)
    if not request.headers.get("X-API-Key", "").strip():
        raise ApiKeyMissing(AUTHENTICATION_FAILED)
    return Credential(scope=tenant, claims={"tenant": tenant})


def credential_headers(tenant: str) -> dict[str, str]:
    """A valid credential for `tenant`: the key is not checked beyond being present."""
    return {"tenant": tenant, "X-API-Key": "mockserver-api-key"}
