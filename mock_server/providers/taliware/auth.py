"""Taliware authenticates every call with two headers: `tenant` (the tenant id) and `X-API-Key`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Request

from mock_server.base.config import names_text, parse_names, setting
from mock_server.core.auth import Credential
from mock_server.providers.taliware.errors import AUTHENTICATION_FAILED, ApiKeyMissing, TenantNotResolved

TENANT_HEADER = "tenant"
API_KEY_HEADER = "X-API-Key"
# What a tenant identifier may look like (assumed: the real rules are not published).
TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class TaliwareSettings:
    # MOCK_SERVER_TALIWARE_TENANTS: the tenant ids that exist; unset, any well-formed tenant id exists.
    tenants: frozenset[str] | None = field(
        default=None,
        metadata=setting(parse_names, names_text, "Taliware tenant ids that exist, comma-separated"),
    )


class TenantRegistry(Protocol):
    """The backend, as auth sees it: which tenants exist."""

    def tenant_exists(self, tenant: str) -> bool: ...


def well_formed_tenant(tenant: str, known: frozenset[str] | None) -> bool:
    return TENANT_ID.fullmatch(tenant) is not None and (known is None or tenant in known)


def verify_tenant_and_key(request: Request, tenants: TenantRegistry) -> Credential:
    """The tenant is resolved first, then the key; any well-formed key is accepted (stripe-mock's
    way). Data is scoped per tenant, whichever key reads it."""
    tenant = request.headers.get(TENANT_HEADER, "").strip()
    if not tenant or not tenants.tenant_exists(tenant):
        raise TenantNotResolved(AUTHENTICATION_FAILED)
    if not request.headers.get(API_KEY_HEADER, "").strip():
        raise ApiKeyMissing(AUTHENTICATION_FAILED)
    return Credential(scope=tenant, claims={"tenant": tenant})


def credential_headers(_backend: Any, tenant: str) -> dict[str, str]:
    """A valid credential for `tenant`: the key is not checked beyond being present."""
    return {TENANT_HEADER: tenant, API_KEY_HEADER: "mockserver-api-key"}
