"""The Wealthyhood backend: users per API client, and the token authority; knows nothing of HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mock_server.core.errors import Conflict, NotFound
from mock_server.core.provider import Provider
from mock_server.core.state import MockState
from mock_server.core.store import UniqueViolation
from mock_server.providers.wealthyhood.auth import TokenAuthority

USER_NOT_FOUND = "User not found."
EMAIL_TAKEN = "A user with this email already exists."


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country_code: str


@dataclass(frozen=True, slots=True)
class TaxResidency:
    country_code: str
    proof_type: str
    value: str


@dataclass(frozen=True, slots=True)
class WealthyhoodUser:
    id: str  # a MongoDB ObjectId whose embedded time is created_at
    email: str
    first_name: str
    last_name: str
    date_of_birth: date
    residency_country: str
    created_at: datetime
    updated_at: datetime
    address: Address | None = None
    tax_residency: TaxResidency | None = None
    email_verified: bool = False  # nobody has clicked a verification link yet
    kyc_status: str = "pending"  # pending | failed | passed; KYC has not run yet


def creation_time(object_id: str) -> datetime:
    """The time embedded in an ObjectId, so `id` and `createdAt` can never disagree."""
    from bson import ObjectId  # imported on first use: start-up does not pay for it

    return ObjectId(object_id).generation_time


class WealthyhoodBackend:
    def __init__(self, state: MockState, provider: Provider) -> None:
        self._store = state.store
        self._ids = state.ids
        self._namespace = provider.name
        self.tokens = TokenAuthority(state.clock, strict=state.config.strict_auth, seed=state.config.seed)

    def create(self, scope: str, fields: dict[str, Any]) -> WealthyhoodUser:
        user_id = self._ids.object_id()
        created = creation_time(user_id)
        user = WealthyhoodUser(id=user_id, created_at=created, updated_at=created, **fields)
        # Emails compare case-insensitively (assumed: addresses are case-insensitive in practice).
        try:
            self._store.insert(self._namespace, scope, user_id, user, {"email": user.email.lower()})
        except UniqueViolation:
            raise Conflict(EMAIL_TAKEN, field="email") from None
        return user

    def get(self, scope: str, user_id: str) -> WealthyhoodUser:
        user = self._store.get(self._namespace, scope, user_id.lower())
        if user is None:
            raise NotFound(USER_NOT_FOUND)
        return user
