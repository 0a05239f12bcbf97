"""The Dots backend: users per client id, and what hangs off them (verification codes, compliance forms,
payout methods), knowing nothing of HTTP. The records and the rules that change them are in records.py."""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.ids import is_uuid
from mock_server.base.store import Collection
from mock_server.core.http import validate
from mock_server.core.outbox import OutboxMessage
from mock_server.core.provider import BackendContext
from mock_server.providers.dots.errors import IncorrectToken
from mock_server.providers.dots.records import (
    TIN_CHECK_TIME,
    TOKEN_DIGITS,
    TOKEN_LIFETIME,
    Compliance,
    DotsUser,
    PayoutMethod,
    PendingToken,
    Phone,
    Wallet,
    payout_method,
    with_address,
    with_payout_method,
    with_w8ben,
    with_w9,
)
from mock_server.providers.dots.schemas import USER_STATUSES, UserCreate

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
VERIFICATION_TEXT = "Your Dots verification code is {code}. It expires in 10 minutes."
# The spec's example ids: `acc_dfsf983kkjdsf`, a prefix and 14 lower-case letters and digits.
ACH_ID_PREFIX = "acc_"
ACH_ID_ALPHABET = string.ascii_lowercase + string.digits
ACH_ID_LENGTH = 14

# Records are immutable, so every new user can share these: two objects fewer per stored user.
NO_MONEY = Wallet()
NOTHING_COLLECTED = {dob_given: Compliance(date_of_birth_collected=dob_given) for dob_given in (False, True)}


class DotsBackend:
    """One backend per Dots environment; `dedupe_by_phone` is what tells production from the sandbox."""

    user_statuses = USER_STATUSES  # any of them can be set by the admin API (core/admin.py)

    def __init__(self, context: BackendContext, *, dedupe_by_phone: bool) -> None:
        self._provider = context.provider.name
        self._store = context.store
        self._ids = context.ids
        self._clock = context.clock
        self._rng = context.rng
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
            user, created = self._users.get_or_insert(scope, ("phone", phone), build)
            return self._seen(user), created
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
            wallet=NO_MONEY,
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

    def reset_scope(self, scope: str) -> None:
        self._users.clear_scope(scope)

    # --- reading and changing a user --------------------------------------------------------------

    def _seen(self, user: DotsUser) -> DotsUser:
        return user.as_of(self._clock.now())

    def get(self, scope: str, user_id: str) -> DotsUser:
        return self._seen(self._users.get(scope, user_id))

    def _change(self, scope: str, user_id: str, change: Callable[[DotsUser], DotsUser]) -> DotsUser:
        """The user after `change`, stored in one atomic step, so two racing requests (two wrong tokens,
        say) cannot both start from the same record and lose one's write; whatever `change` raises leaves
        the user as it was. The store may run `change` again after a concurrent write."""
        updated = self._users.update(scope, user_id, lambda user: self._with_unique(change(user)))
        return self._seen(updated)

    def _with_unique(self, user: DotsUser) -> tuple[DotsUser, dict[str, Any]]:
        return user, self._unique_values(user)

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
        has_more = page.has_more_before if ending_before is not None else page.has_more_after
        return [self._seen(user) for user in page.items], has_more

    def update(self, scope: str, user_id: str, changes: dict[str, Any]) -> DotsUser:
        return self._change(scope, user_id, lambda user: updated_user(user, changes))

    def delete(self, scope: str, user_id: str) -> DotsUser:
        return self._seen(self._users.delete(scope, user_id))

    def set_user_status(self, user_id: str, status: str) -> None:
        """The admin API's way to a status no API call reaches (in_review, disabled), for any client."""
        namespace = self._users.namespace
        scope = next(
            (scope for scope in self._store.scopes(namespace) if self._store.get(namespace, scope, user_id)),
            None,
        )
        if scope is None:
            raise NotFound(USER_NOT_FOUND)
        self._change(scope, user_id, lambda user: dataclasses.replace(user, status=status))

    # --- verification ----------------------------------------------------------------------------

    def send_verification_token(
        self, scope: str, user_id: str, use_voice: bool, deliver: Callable[[OutboxMessage], None]
    ) -> OutboxMessage:
        """A new code for the user (any earlier one stops working), and the message that "sends" it,
        handed to `deliver`. An unknown user is refused before any random draw; with two sends racing,
        the user keeps the code of the later write, and both messages reach the outbox."""
        now = self._clock.now()
        self._users.get(scope, user_id)
        code = f"{self._rng.randrange(10**TOKEN_DIGITS):0{TOKEN_DIGITS}d}"
        pending = PendingToken(code, now + TOKEN_LIFETIME)
        user = self._change(scope, user_id, lambda user: dataclasses.replace(user, verification=pending))
        message = OutboxMessage(
            id=self._ids.uuid4(),
            time=now,
            provider=self._provider,
            scope=scope,
            user_id=user.id,
            channel="voice" if use_voice else "sms",
            to=user.phone.e164,
            body=VERIFICATION_TEXT.format(code=code),
            code=code,
        )
        deliver(message)
        return message

    def verify(self, scope: str, user_id: str, token: str) -> DotsUser:
        """The user verified by the code it was sent; IncorrectToken otherwise. A wrong token uses up one
        of the code's tries: the one change a refused request makes, as the limit requires."""
        now = self._clock.now()
        outcome: dict[str, bool] = {}

        def check(user: DotsUser) -> DotsUser:
            updated, outcome["correct"] = after_token(user, token, now)
            return updated

        updated = self._change(scope, user_id, check)
        if not outcome["correct"]:
            raise IncorrectToken()
        return updated

    # --- compliance and addresses ----------------------------------------------------------------

    def submit_compliance(self, scope: str, user_id: str, forms: dict[str, Any]) -> DotsUser:
        settles_at = self._clock.now() + TIN_CHECK_TIME

        def submit(user: DotsUser) -> DotsUser:
            # The W-8BEN first, so that a W-9 sent along with it leaves the user a US payee.
            if "w8ben" in forms:
                user = with_w8ben(user, forms["w8ben"])
            if "w9" in forms:
                user = with_w9(user, forms["w9"], settles_at)
            return user

        return self._change(scope, user_id, submit)

    def add_address(self, scope: str, user_id: str) -> DotsUser:
        return self._change(scope, user_id, with_address)

    # --- payout methods --------------------------------------------------------------------------

    def payout_methods(self, scope: str, user_id: str) -> tuple[PayoutMethod, ...]:
        return self._users.get(scope, user_id).payout_methods

    def add_payout_method(self, scope: str, user_id: str, fields: dict[str, Any]) -> PayoutMethod:
        """The method added, replacing the user's method of its platform if it had one (assumed: one per
        platform, since a default payout method names a platform)."""
        platform = fields["platform"]

        def add(user: DotsUser) -> DotsUser:
            method = self._new_method(fields, user.payout_method(platform))
            return with_payout_method(user, method, fields)

        added = self._change(scope, user_id, add).payout_method(platform)
        assert added is not None  # just stored
        return added

    def _new_method(self, fields: dict[str, Any], previous: PayoutMethod | None) -> PayoutMethod:
        """A bank account gets an id; the same account sent again keeps the one it had."""
        method = payout_method(fields, None)
        if method.platform != "ach":
            return method
        kept_id = previous.id if previous is not None and method.same_account(previous) else None
        return dataclasses.replace(method, id=kept_id or self._ach_id())

    def _ach_id(self) -> str:
        return ACH_ID_PREFIX + "".join(self._rng.choices(ACH_ID_ALPHABET, k=ACH_ID_LENGTH))


def after_token(user: DotsUser, token: str, now: datetime) -> tuple[DotsUser, bool]:
    """The user after `token` was tried, and whether it was right. With no live code (none sent, used,
    expired or out of tries) IncorrectToken, and nothing changes."""
    pending = user.verification
    if pending is None or not pending.live(now):
        raise IncorrectToken()
    if pending.matches(token):
        return verified(user), True
    return dataclasses.replace(user, verification=pending.after_a_wrong_try()), False


def verified(user: DotsUser) -> DotsUser:
    """A correct code verifies an unverified user (assumed: no source says which call sets `verified`); a
    user in review or disabled stays so, as only Dots' staff lift those."""
    status = "verified" if user.status == "unverified" else user.status
    return dataclasses.replace(user, status=status, verification=None)


def updated_user(user: DotsUser, changes: dict[str, Any]) -> DotsUser:
    """PATCH's changes; a default payout method must be one the user has configured."""
    replacements: dict[str, Any] = {
        name: changes[name]
        for name in ("auto_payout_enabled", "metadata", "adjustment_1099")
        if name in changes
    }
    if "default_payout_method" in changes:
        if user.payout_method(changes["default_payout_method"]) is None:
            raise InvalidRequest(fields={"default_payout_method": [NO_PAYOUT_METHOD]})
        replacements["default_payout_method"] = changes["default_payout_method"]
    if "payout_options_exclude_list" in changes:
        replacements["payout_options_exclude_list"] = tuple(changes["payout_options_exclude_list"])
    if "date_of_birth" in changes:
        replacements["date_of_birth"] = changes["date_of_birth"]
        replacements["compliance"] = dataclasses.replace(user.compliance, date_of_birth_collected=True)
    return dataclasses.replace(user, **replacements)
