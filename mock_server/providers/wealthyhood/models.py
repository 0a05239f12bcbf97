"""The Wealthyhood backend: users per API client, and the token authority; knows nothing of HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.store import Collection
from mock_server.core.fixtures import creation_times
from mock_server.core.http import validate
from mock_server.core.provider import BackendContext
from mock_server.providers.wealthyhood.auth import TokenAuthority
from mock_server.providers.wealthyhood.schemas import TIMESTAMP_FORMAT, UserCreate

if TYPE_CHECKING:
    from faker import Faker

USER_NOT_FOUND = "User not found."
EMAIL_TAKEN = "A user with this email already exists."
INVALID_FIXTURE_ID = "id must be a MongoDB ObjectId (24 hexadecimal characters)."
CREATED_AT_NOT_ID_TIME = "createdAt must be the time embedded in id: {0}."

OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
# Generated users are adults of any age an investing app sees.
YOUNGEST, OLDEST = timedelta(days=18 * 366), timedelta(days=80 * 365)


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
    def __init__(self, context: BackendContext) -> None:
        self._ids = context.ids
        self._clock = context.clock
        self._users: Collection[WealthyhoodUser] = context.collection(
            not_found=lambda: NotFound(USER_NOT_FOUND),
            conflict=lambda _field, _user: Conflict(EMAIL_TAKEN, field="email"),
        )
        self.tokens = TokenAuthority(
            context.clock, strict=context.config.strict_auth, seed=context.config.seed
        )

    def today(self) -> date:
        """Today on the app's clock: a date of birth must be before it."""
        return self._clock.now().date()

    def create(self, scope: str, fields: dict[str, Any]) -> WealthyhoodUser:
        user_id = self._ids.object_id()
        created = creation_time(user_id)
        user = _user(user_id, created, fields)
        self._insert(scope, user)
        return user

    def _insert(self, scope: str, user: WealthyhoodUser) -> None:
        # Emails compare case-insensitively (assumed: addresses are case-insensitive in practice).
        self._users.insert(scope, user.id, user, {"email": user.email.lower()})

    def load_fixture(self, scope: str, entry: dict[str, Any]) -> None:
        """Store a fixtures-file user under its own ObjectId, validated as a create request is. The id
        carries the creation time; `createdAt`, when given, must agree with it."""
        user_id = entry.get("id")
        if not isinstance(user_id, str) or not OBJECT_ID.fullmatch(user_id):
            raise InvalidRequest(fields={"id": [INVALID_FIXTURE_ID]})
        created = creation_time(user_id)
        stamp = created.strftime(TIMESTAMP_FORMAT)
        if entry.get("createdAt", stamp) != stamp:
            raise InvalidRequest(fields={"createdAt": [CREATED_AT_NOT_ID_TIME.format(stamp)]})
        body = {key: value for key, value in entry.items() if key not in ("id", "createdAt")}
        fields = validate(UserCreate(today=self.today), body)
        self._insert(scope, _user(user_id.lower(), created, fields))

    def fixture_entries(self, faker: Faker, count: int) -> list[dict[str, Any]]:
        """Realistic UK residents (the provider's Faker locale is en_GB) with an address and a National
        Insurance number, created over the months before now."""
        today = self.today()
        entries = []
        for created in creation_times(faker, count, self._clock.now()):
            born = faker.date_between_dates(today - OLDEST, today - YOUNGEST)
            entries.append(
                {
                    "id": self._ids.object_id(at=created),
                    "email": faker.unique.email(),
                    "firstName": faker.first_name(),
                    "lastName": faker.last_name(),
                    "dateOfBirth": born.isoformat(),
                    "residencyCountry": "GB",
                    "address": {
                        "line1": f"{faker.building_number()} {faker.street_name()}",
                        "city": faker.city(),
                        "postalCode": faker.postcode(),
                        "countryCode": "GB",
                    },
                    # QQ is the prefix HMRC never issues, so a generated number is never a real person's.
                    "taxResidency": {"countryCode": "GB", "proofType": "NINO", "value": _nino(faker)},
                    "createdAt": created.strftime(TIMESTAMP_FORMAT),
                }
            )
        return entries

    def reset(self) -> None:
        self._users.clear()

    def get(self, scope: str, user_id: str) -> WealthyhoodUser:
        return self._users.get(scope, user_id.lower())


def _user(user_id: str, created: datetime, fields: dict[str, Any]) -> WealthyhoodUser:
    """A user of the validated create `fields`, its optional objects as records."""
    address, tax_residency = fields.get("address"), fields.get("tax_residency")
    return WealthyhoodUser(
        id=user_id,
        created_at=created,
        updated_at=created,
        **{name: value for name, value in fields.items() if name not in ("address", "tax_residency")},
        address=Address(**address) if address is not None else None,
        tax_residency=TaxResidency(**tax_residency) if tax_residency is not None else None,
    )


def _nino(faker: Faker) -> str:
    return faker.numerify("QQ######") + faker.random_element("ABCD")
