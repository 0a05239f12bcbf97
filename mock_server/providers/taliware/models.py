"""The Taliware CL2C backend: users per tenant, knowing nothing of HTTP."""

from __future__ import annotations

import dataclasses
import json
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.ids import is_uuid
from mock_server.base.store import Collection
from mock_server.core.fixtures import creation_times
from mock_server.core.http import validate
from mock_server.core.provider import BackendContext
from mock_server.providers.taliware import system_text_json
from mock_server.providers.taliware.auth import well_formed_tenant
from mock_server.providers.taliware.schemas import DESERIALIZER, FixtureFields, UserCreate, milliseconds_utc

if TYPE_CHECKING:
    from faker import Faker

USER_NOT_FOUND = "User Not Found."
# ASP.NET Core Identity's IdentityErrorDescriber.DuplicateUserName.
USERNAME_TAKEN = "Username '{0}' is already taken."
INVALID_FIXTURE_ID = "id must be a valid UUID."
NOT_A_STRING = system_text_json.UNABLE_TO_CONVERT.format("System.String")
# How long a new user's authentication lasts (assumed: the real window is not published).
AUTH_VALIDITY = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class TaliwareUser:
    id: str
    user_name: str
    first_name: str
    last_name: str
    email: str
    phone_number: str
    auth_valid_upto: datetime
    auth_location: str
    wallet_address: str
    email_confirmed: bool = False  # nobody has clicked a confirmation link in the mock
    authenticated: bool = True  # recomputed on every read: true until auth_valid_upto


class WalletAddresses:
    """Ethereum-style addresses from mimesis, seeded from the app's random source on first use, so
    the same seed and the same requests give the same addresses."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._lock = threading.Lock()
        self._payment: Any = None

    def next(self) -> str:
        with self._lock:
            if self._payment is None:
                from mimesis import Payment  # imported on first use: start-up does not pay for it

                self._payment = Payment(seed=self._rng.getrandbits(64))
            return self._payment.ethereum_address()


class TaliwareBackend:
    def __init__(self, context: BackendContext) -> None:
        self._ids = context.ids
        self._clock = context.clock
        self._wallets = WalletAddresses(context.rng)
        self._tenants: frozenset[str] | None = context.settings.tenants
        self._users: Collection[TaliwareUser] = context.collection(
            not_found=lambda: NotFound(USER_NOT_FOUND),
            conflict=lambda _field, user: Conflict(USERNAME_TAKEN.format(user.user_name), field="userName"),
        )

    def tenant_exists(self, tenant: str) -> bool:
        """Any well-formed tenant id, or only the configured ones (MOCK_SERVER_TALIWARE_TENANTS)."""
        return well_formed_tenant(tenant, self._tenants)

    def create(self, tenant: str, fields: dict[str, str], auth_location: str) -> TaliwareUser:
        now = self._clock.now()
        user = TaliwareUser(
            id=self._ids.uuid4(),
            user_name=fields["user_name"],
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            email=fields["email"],
            phone_number=fields["phone_number"],
            auth_valid_upto=now + AUTH_VALIDITY,
            auth_location=auth_location,
            wallet_address=self._wallets.next(),
        )
        self._insert(tenant, user)
        return self._as_of_now(user)

    def _insert(self, tenant: str, user: TaliwareUser) -> None:
        # Identity compares normalised (upper-cased) user names, so "Bob" and "bob" collide.
        self._users.insert(tenant, user.id, user, {"user_name": user.user_name.upper()})

    def load_fixture(self, tenant: str, entry: dict[str, Any]) -> None:
        """Store a fixtures-file user under its own id, its fields read and validated as a create
        request's body is. `walletAddress`, `authLocation` and `authValidUpto` are kept when given;
        otherwise they are set as a create would set them now."""
        user_id = entry.get("id")
        if not isinstance(user_id, str) or not is_uuid(user_id):
            raise InvalidRequest(fields={"id": [INVALID_FIXTURE_ID]})
        try:
            model = DESERIALIZER.deserialize(json.dumps(entry).encode())
        except system_text_json.JsonReadError as error:
            # Only a value that is not a string can fail here; the position would be in our own
            # re-encoding of the entry, not in the file, so it is left out.
            raise InvalidRequest(fields={error.path: [NOT_A_STRING]}) from None
        fields = validate(UserCreate(), model or {})
        kept = validate(FixtureFields(), entry)
        user = TaliwareUser(
            id=user_id.lower(),  # as .NET writes a Guid
            auth_valid_upto=kept.get("auth_valid_upto", self._clock.now() + AUTH_VALIDITY).astimezone(UTC),
            auth_location=kept.get("auth_location", ""),
            wallet_address=kept.get("wallet_address") or self._wallets.next(),
            **fields,
        )
        self._insert(tenant, user)

    def fixture_entries(self, faker: Faker, count: int) -> list[dict[str, Any]]:
        """Realistic US users with E.164 phone numbers, created over the months before now (so their
        authentication has lapsed), each from a public IP address."""
        entries = []
        for created in creation_times(faker, count, self._clock.now()):
            entries.append(
                {
                    "id": self._ids.uuid4(),
                    "firstName": faker.first_name(),
                    "lastName": faker.last_name(),
                    "email": faker.unique.email(),
                    "userName": faker.unique.user_name(),
                    "phoneNumber": "+1" + faker.numerify("$##$######"),  # NANP: area code, exchange 2-9
                    "walletAddress": self._wallets.next(),
                    "authValidUpto": milliseconds_utc(created + AUTH_VALIDITY),
                    "authLocation": faker.ipv4_public(),
                }
            )
        return entries

    def reset(self) -> None:
        self._users.clear()

    def reset_scope(self, scope: str) -> None:
        self._users.clear_scope(scope)

    def get(self, tenant: str, user_id: str) -> TaliwareUser:
        return self._as_of_now(self._users.get(tenant, user_id))

    def list(self, tenant: str) -> list[TaliwareUser]:
        """Oldest first."""
        return [self._as_of_now(user) for user in self._users.values(tenant)]

    def _as_of_now(self, user: TaliwareUser) -> TaliwareUser:
        return dataclasses.replace(user, authenticated=self._clock.now() < user.auth_valid_upto)
