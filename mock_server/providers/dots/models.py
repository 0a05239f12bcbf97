"""The Dots backend: users per client id, knowing nothing of HTTP."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.ids import is_uuid
from mock_server.base.store import Collection
from mock_server.core.http import validate
from mock_server.core.provider import BackendContext
from mock_server.providers.dots.schemas import UserCreate

if TYPE_CHECKING:
    from faker import Faker

USER_NOT_FOUND = "User not found."
EMAIL_TAKEN = "A user with this email already exists."
USERNAME_TAKEN = "A user with this username already exists."
PHONE_TAKEN = "A user with this phone number already exists."  # only a fixtures file can hit this
INVALID_FIXTURE_ID = "id must be a valid UUID."
UNKNOWN_CURSOR = "{name} does not refer to a user."
NO_PAYOUT_METHOD = "default_payout_method must be a payout method already configured by the user."
CONFLICT_MESSAGES = {"email": EMAIL_TAKEN, "username": USERNAME_TAKEN, "phone": PHONE_TAKEN}


@dataclass(frozen=True, slots=True)
class Phone:
    country_code: str
    phone_number: str


@dataclass(frozen=True, slots=True)
class Wallet:
    """A new user has no money: every balance starts at zero cents."""

    amount: int = 0
    withdrawable_amount: int = 0
    credit_balance: int = 0


@dataclass(frozen=True, slots=True)
class Compliance:
    """Nothing is collected or verified yet, except a date of birth given at creation."""

    tax_id_collected: bool = False
    address_collected: bool = False
    date_of_birth_collected: bool = False
    must_collect_1099: bool = False
    collected_1099: bool = False
    w8_ben_collected: bool = False
    flagged: bool = False
    id_verified: bool = False


# Records are immutable, so every new user can share these: two objects fewer per stored user.
NO_MONEY = Wallet()
NOTHING_COLLECTED = {dob_given: Compliance(date_of_birth_collected=dob_given) for dob_given in (False, True)}


@dataclass(frozen=True, slots=True)
class DotsUser:
    id: str
    first_name: str
    last_name: str
    email: str
    phone: Phone
    username: str | None = None
    date_of_birth: date | None = None
    metadata: str | dict | None = None
    status: str = "unverified"
    wallet: Wallet = NO_MONEY
    compliance: Compliance = NOTHING_COLLECTED[False]
    payout_options_exclude_list: tuple[str, ...] = ()
    auto_payout_enabled: bool = False
    adjustment_1099: dict | None = None


class DotsBackend:
    """One backend per Dots environment; `dedupe_by_phone` is what tells production from the sandbox."""

    def __init__(self, context: BackendContext, *, dedupe_by_phone: bool) -> None:
        self._ids = context.ids
        self._dedupe_by_phone = dedupe_by_phone
        self._users: Collection[DotsUser] = context.collection(
            not_found=lambda: NotFound(USER_NOT_FOUND),
            conflict=lambda field, _user: Conflict(CONFLICT_MESSAGES[field], field=field),
            bad_cursor=lambda name: InvalidRequest(fields={name: [UNKNOWN_CURSOR.format(name=name)]}),
        )

    def create(self, scope: str, fields: dict[str, Any]) -> tuple[DotsUser, bool]:
        """The new user and True; in production, the existing user with that phone number and False."""

        def build() -> tuple[str, DotsUser, dict[str, Any]]:
            user = self._new_user(fields)
            return user.id, user, self._unique_values(user)

        if self._dedupe_by_phone:
            phone = (fields["country_code"], fields["phone_number"])
            return self._users.get_or_insert(scope, ("phone", phone), build)
        user_id, user, unique = build()
        self._users.insert(scope, user_id, user, unique)
        return user, True

    def _unique_values(self, user: DotsUser) -> dict[str, Any]:
        # Emails and usernames compare case-insensitively (assumed: addresses are case-insensitive).
        unique: dict[str, Any] = {
            "email": user.email.lower(),
            "username": user.username.lower() if user.username else None,
        }
        if self._dedupe_by_phone:
            unique["phone"] = (user.phone.country_code, user.phone.phone_number)
        return unique

    def _new_user(self, fields: dict[str, Any], user_id: str | None = None) -> DotsUser:
        dob = fields.get("date_of_birth")
        return DotsUser(
            id=user_id or self._ids.uuid4(),
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            email=fields["email"],
            phone=Phone(fields["country_code"], fields["phone_number"]),
            username=fields.get("username"),
            date_of_birth=dob,
            metadata=fields.get("metadata"),
            compliance=NOTHING_COLLECTED[dob is not None],
            payout_options_exclude_list=tuple(fields.get("payout_options_exclude_list", ())),
            adjustment_1099=fields.get("adjustment_1099"),
        )

    def load_fixture(self, scope: str, entry: dict[str, Any]) -> None:
        """Store a fixtures-file user under its own id, validated as a create request is."""
        user_id = entry.get("id")
        if not isinstance(user_id, str) or not is_uuid(user_id):
            raise InvalidRequest(fields={"id": [INVALID_FIXTURE_ID]})
        body = {key: value for key, value in entry.items() if key != "id"}
        user = self._new_user(validate(UserCreate(), body), user_id)
        self._users.insert(scope, user.id, user, self._unique_values(user))

    def fixture_entries(self, faker: Faker, count: int) -> list[dict[str, Any]]:
        """Realistic US users, each with a distinct email and phone number."""
        entries = []
        for _ in range(count):
            first, last = faker.first_name(), faker.last_name()
            entries.append(
                {
                    "id": self._ids.uuid4(),
                    "first_name": first,
                    "last_name": last,
                    "email": faker.unique.email(),
                    "country_code": "1",
                    "phone_number": faker.unique.numerify("$##$######"),  # NANP: area code, exchange 2-9
                    "metadata": {"internal_id": f"user_{faker.unique.random_number(digits=6, fix_len=True)}"},
                }
            )
        return entries

    def reset(self) -> None:
        self._users.clear()

    def get(self, scope: str, user_id: str) -> DotsUser:
        return self._users.get(scope, user_id)

    def list(
        self,
        scope: str,
        limit: int,
        status: str | None = None,
        starting_after: str | None = None,
        ending_before: str | None = None,
    ) -> tuple[list[DotsUser], bool]:
        """Newest first, as Stripe-style cursors expect; returns the page and whether more remain
        beyond it in the direction of travel. A cursor must name a user of that status."""
        users = [user for user in reversed(self._users.values(scope)) if status in (None, user.status)]
        page = self._users.page(users, limit, starting_after=starting_after, ending_before=ending_before)
        return page.items, page.has_more_before if ending_before is not None else page.has_more_after

    def update(self, scope: str, user_id: str, changes: dict[str, Any]) -> DotsUser:
        user = self.get(scope, user_id)
        if "default_payout_method" in changes:
            # The mock emulates no payout-method routes, so no user has one configured.
            raise InvalidRequest(fields={"default_payout_method": [NO_PAYOUT_METHOD]})
        replacements: dict[str, Any] = {
            name: changes[name]
            for name in ("auto_payout_enabled", "metadata", "adjustment_1099")
            if name in changes
        }
        if "payout_options_exclude_list" in changes:
            replacements["payout_options_exclude_list"] = tuple(changes["payout_options_exclude_list"])
        if "date_of_birth" in changes:
            replacements["date_of_birth"] = changes["date_of_birth"]
            replacements["compliance"] = dataclasses.replace(user.compliance, date_of_birth_collected=True)
        updated = dataclasses.replace(user, **replacements)
        self._users.replace(scope, user_id, updated, self._unique_values(updated))
        return updated

    def delete(self, scope: str, user_id: str) -> DotsUser:
        return self._users.delete(scope, user_id)
