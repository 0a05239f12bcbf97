"""The Dakota backend: users per API key, knowing nothing of HTTP."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.store import Collection, Page
from mock_server.core.fixtures import creation_times
from mock_server.core.http import validate
from mock_server.core.provider import BackendContext
from mock_server.providers.dakota.schemas import KSUID_PATTERN, ROLES, UserCreate
from mock_server.providers.dakota.webhooks import DakotaWebhooks, EventCause

if TYPE_CHECKING:
    from faker import Faker

USER_NOT_FOUND = "User not found"  # the spec's title and detail for 404
USER_EXISTS = "User already exists"  # the spec's title and detail for 409
UNKNOWN_CURSOR = "{name} does not refer to a user"
INVALID_FIXTURE_ID = "id must be a valid KSUID"
CREATED_AT_NOT_ID_TIME = "created_at must be the time embedded in id: {0}"


@dataclass(frozen=True, slots=True)
class DakotaUser:
    id: str  # a KSUID embedding the creation time
    first_name: str
    last_name: str
    email: str
    role: str
    created_at: int  # Unix seconds, the same second the id embeds
    # A client-level flag; a client of the mock has no SWIFT payments enabled (assumed).
    swift_enabled: bool = False
    # Users created through the API are never super admins (assumed); the field is sent only if true.
    is_super_admin: bool = False


SortKey = Callable[[DakotaUser], tuple]
SORT_KEYS: dict[str, SortKey] = {
    "created_at": lambda user: (user.created_at,),
    "email": lambda user: (user.email.lower(),),
    "name": lambda user: (user.first_name.lower(), user.last_name.lower()),
    "role": lambda user: (user.role,),
}


class DakotaBackend:
    def __init__(self, context: BackendContext) -> None:
        self._ids = context.ids
        self._clock = context.clock
        self._users: Collection[DakotaUser] = context.collection(
            not_found=lambda: NotFound(USER_NOT_FOUND),
            conflict=lambda _field, _user: Conflict(USER_EXISTS, field="email"),
            bad_cursor=lambda name: InvalidRequest(fields={name: [UNKNOWN_CURSOR.format(name=name)]}),
        )
        self.webhooks = DakotaWebhooks(context)

    def create(self, scope: str, fields: dict[str, Any], cause: EventCause | None = None) -> DakotaUser:
        now = self._clock.now()
        user = DakotaUser(
            id=self._ids.ksuid(at=now),
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            email=fields["email"],
            role=fields["role"],
            created_at=int(now.timestamp()),
        )
        self._insert(scope, user)
        # The Go SDK's UserData carries the email; the spec's example shows only the id (both: assumed).
        self.webhooks.emit(scope, "user.created", {"user_id": user.id, "email": user.email}, cause)
        return user

    def _insert(self, scope: str, user: DakotaUser) -> None:
        self._users.insert(scope, user.id, user, self._unique_values(user))

    def load_fixture(self, scope: str, entry: dict[str, Any]) -> None:
        """Store a fixtures-file user under its own KSUID, validated as a create request is. The id
        carries the creation time; `created_at`, when given, must agree with it."""
        user_id = entry.get("id")
        created_at = ksuid_seconds(user_id)
        if created_at is None:
            raise InvalidRequest(fields={"id": [INVALID_FIXTURE_ID]})
        given = entry.get("created_at", created_at)
        if type(given) is not int or given != created_at:  # bool is an int subclass: refused too
            raise InvalidRequest(fields={"created_at": [CREATED_AT_NOT_ID_TIME.format(created_at)]})
        body = {key: value for key, value in entry.items() if key not in ("id", "created_at")}
        fields = validate(UserCreate(), body)
        self._insert(scope, DakotaUser(id=user_id, created_at=created_at, **fields))

    def fixture_entries(self, faker: Faker, count: int) -> list[dict[str, Any]]:
        """One client's team, created over the months before now: a first admin, then admins and
        viewers, all with addresses at the client's own domain."""
        domain = faker.safe_domain_name()  # example.com and the like: never a real company
        taken: set[str] = set()
        entries = []
        for index, created in enumerate(creation_times(faker, count, self._clock.now())):
            first, last = faker.first_name(), faker.last_name()
            entries.append(
                {
                    "id": self._ids.ksuid(at=created),
                    "first_name": first,
                    "last_name": last,
                    "email": _team_address(first, last, domain, taken),
                    "role": "admin" if index == 0 else faker.random_element(ROLES),
                    "created_at": int(created.timestamp()),
                }
            )
        return entries

    def reset(self) -> None:
        self._users.clear()
        self.webhooks.reset()

    def reset_scope(self, scope: str) -> None:
        """One API key's users, webhook targets and events (its deliveries are the dispatcher's)."""
        self._users.clear_scope(scope)
        self.webhooks.reset_scope(scope)

    def reseed(self, entropy: str) -> None:
        self.webhooks.reseed(entropy)

    def _with_unique(self, user: DakotaUser) -> tuple[DakotaUser, dict[str, Any]]:
        return user, self._unique_values(user)

    @staticmethod
    def _unique_values(user: DakotaUser) -> dict[str, Any]:
        # One user per email per API key, compared case-insensitively (assumed: addresses are).
        return {"email": user.email.lower()}

    def get(self, scope: str, user_id: str) -> DakotaUser:
        return self._users.get(scope, user_id)

    def update(
        self, scope: str, user_id: str, changes: dict[str, Any], cause: EventCause | None = None
    ) -> DakotaUser:
        updated = self._users.update(
            scope, user_id, lambda user: self._with_unique(dataclasses.replace(user, **changes))
        )
        # As the spec's example: the id and the email, no previous_attributes (assumed).
        self.webhooks.emit(scope, "user.updated", {"user_id": updated.id, "email": updated.email}, cause)
        return updated

    def delete(self, scope: str, user_id: str, cause: EventCause | None = None) -> None:
        self._users.delete(scope, user_id)
        self.webhooks.emit(scope, "user.deleted", {"user_id": user_id}, cause)

    def list(
        self,
        scope: str,
        limit: int,
        sort_by: str,
        sort_dir: str,
        starting_after: str | None = None,
        ending_before: str | None = None,
        search: str | None = None,
        created_at_from: datetime | None = None,
        created_at_to: datetime | None = None,
        roles: str | None = None,
    ) -> Page[DakotaUser]:
        """One page of the sorted users that match every filter. A cursor is placed in the sorted
        list of all users, so it still works when its own user does not match the filters."""
        return self._users.page(
            self._sorted(scope, sort_by, descending=sort_dir == "desc"),
            limit,
            starting_after=starting_after,
            ending_before=ending_before,
            keep=_filter(search, created_at_from, created_at_to, roles),
        )

    def _sorted(self, scope: str, sort_by: str, descending: bool) -> list[DakotaUser]:
        # Ties keep creation order (in the direction asked), so the order is total and pages are stable.
        users = self._users.values(scope)
        key = SORT_KEYS[sort_by]
        ranked = sorted(enumerate(users), key=lambda item: (key(item[1]), item[0]), reverse=descending)
        return [user for _, user in ranked]


def _filter(
    search: str | None, created_from: datetime | None, created_to: datetime | None, roles: str | None
) -> Callable[[DakotaUser], bool]:
    """The spec's filters, all at once. `search` is "fuzzy across first/last name, email, and user ID":
    here every word of it must appear, case-insensitively, in one of those (assumed)."""
    words = (search or "").lower().split()
    # Unknown role names match nothing: the spec's own example asks for `admin,member`.
    wanted_roles = {role.strip() for role in (roles or "").split(",") if role.strip()} or None
    low = created_from.timestamp() if created_from else None
    high = created_to.timestamp() if created_to else None

    def keep(user: DakotaUser) -> bool:
        if low is not None and user.created_at < low:
            return False
        if high is not None and user.created_at > high:
            return False
        if wanted_roles is not None and user.role not in wanted_roles:
            return False
        haystack = (user.first_name.lower(), user.last_name.lower(), user.email.lower(), user.id.lower())
        return all(any(word in field for field in haystack) for word in words)

    return keep


def ksuid_seconds(value: Any) -> int | None:
    """The Unix time a KSUID embeds, or None when `value` is not one (27 base62 characters that fit
    in KSUID's 160 bits)."""
    if not isinstance(value, str) or not re.match(KSUID_PATTERN, value):
        return None
    from ksuid import Ksuid  # imported on first use: start-up does not pay for it

    try:
        return int(Ksuid.from_base62(value).timestamp)
    except (OverflowError, ValueError):
        return None


def _team_address(first: str, last: str, domain: str, taken: set[str]) -> str:
    """first.last@domain, numbered when two teammates share a name."""
    local = re.sub(r"[^a-z0-9.]", "", f"{first}.{last}".lower())
    address, number = f"{local}@{domain}", 1
    while address in taken:
        number += 1
        address = f"{local}{number}@{domain}"
    taken.add(address)
    return address
