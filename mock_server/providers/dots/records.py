"""The Dots records (a user and what hangs off it), immutable values, and the pure rules that change them:
what a compliance form, a verification attempt or a payout method does to a user. The backend
(models.py) stores them; nothing here knows of HTTP or the store."""

from __future__ import annotations

import dataclasses
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

# A TIN is checked against the IRS "in a few seconds" (docs); the mock takes this long on the app clock.
TIN_CHECK_TIME = timedelta(seconds=3)
# No SSN begins with area 000 and no EIN with prefix 00: a TIN beginning 000 is never a real person's or
# business's, so it is the mock's "does not match" number (as Stripe's test numbers are).
MISMATCHED_TIN_PREFIX = "000"
NINE_DIGITS = re.compile(r"[0-9]{9}")
# A verification code lives 10 minutes and survives 5 wrong tries (assumed, as common OTP services do).
TOKEN_LIFETIME = timedelta(minutes=10)
TOKEN_ATTEMPTS = 5
TOKEN_DIGITS = 6  # the spec's minLength for a token


@dataclass(frozen=True, slots=True)
class Phone:
    country_code: str
    phone_number: str

    @property
    def e164(self) -> str:
        return f"+{self.country_code}{self.phone_number}"


@dataclass(frozen=True, slots=True)
class Wallet:
    """A new user has no money: every balance starts at zero cents."""

    amount: int = 0
    withdrawable_amount: int = 0
    credit_balance: int = 0


@dataclass(frozen=True, slots=True)
class W9Status:
    """compliance.w9. Before any W-9 the user is taken to be an individual (assumed: a user is a person
    until a W-9 says it is a business)."""

    entity_type: str = "individual"
    business_name: str | None = None
    tax_id_collected: bool = False
    address_collected: bool = False
    tax_id_verification: str = "unsubmitted"


NO_W9_YET = W9Status()


@dataclass(frozen=True, slots=True)
class Compliance:
    """Nothing is collected or verified yet, except a date of birth given at creation. `w9` is None for a
    foreign payee: one who filed a W-8BEN and no W-9."""

    tax_id_collected: bool = False
    address_collected: bool = False
    date_of_birth_collected: bool = False
    must_collect_1099: bool = False
    collected_1099: bool = False
    w8_ben_collected: bool = False
    flagged: bool = False
    id_verified: bool = False
    tax_id_verification: str = "unsubmitted"
    w9: W9Status | None = NO_W9_YET


@dataclass(frozen=True, slots=True)
class TaxIdCheck:
    """A submitted TIN's verification: pending until `settles_at` on the app clock, then its outcome."""

    outcome: str  # "matched" or "mismatched"
    settles_at: datetime

    def status(self, now: datetime) -> str:
        return self.outcome if now >= self.settles_at else "pending"


@dataclass(frozen=True, slots=True)
class PendingToken:
    """The verification code last sent to a user, until it is used, expires or is guessed at too often."""

    code: str
    expires_at: datetime
    attempts_left: int = TOKEN_ATTEMPTS

    def live(self, now: datetime) -> bool:
        return now < self.expires_at

    def matches(self, token: str) -> bool:
        # Compared in constant time, as a real service compares secrets.
        return hmac.compare_digest(token.encode(), self.code.encode())

    def after_a_wrong_try(self) -> PendingToken | None:
        """What is left of the code after a wrong token: None once the tries are spent."""
        left = self.attempts_left - 1
        return dataclasses.replace(self, attempts_left=left) if left > 0 else None


@dataclass(frozen=True, slots=True)
class PayoutMethod:
    """A payout method, as added; the listing's description, mask, country and currency derive from it."""

    platform: str
    id: str | None = None  # only ach gets one, as the spec says of the platforms that can be added
    routing_number: str | None = None
    account_number: str | None = None
    account_type: str | None = None
    email: str | None = None
    phone_number: str | None = None
    handle: str | None = None
    cash_tag: str | None = None
    meta: Any = None

    @property
    def description(self) -> str:
        """A label for people (assumed wording: the spec gives the field, not its text)."""
        if self.platform == "ach":
            return f"{(self.account_type or '').capitalize()} account"
        if self.platform == "venmo" and self.handle:
            return f"Venmo {self.handle}"
        return PLATFORM_NAMES[self.platform]

    @property
    def mask(self) -> str | None:
        return self.account_number[-4:] if self.account_number else None

    @property
    def country(self) -> str:
        return "US"  # every platform that can be added is a US one

    @property
    def currency(self) -> str:
        return "USD"

    @property
    def rtp_enabled(self) -> bool | None:
        # "applies to ach only"; the mock's banks do not offer real-time payments (assumed).
        return False if self.platform == "ach" else None

    def same_account(self, other: PayoutMethod | None) -> bool:
        return other is not None and (other.routing_number, other.account_number) == (
            self.routing_number,
            self.account_number,
        )


PLATFORM_NAMES = {"ach": "Bank account", "paypal": "PayPal", "venmo": "Venmo", "cash_app": "Cash App"}
# What each platform keeps of a request (a PayPal method keeps no routing number sent along with it).
KEPT_FIELDS = {
    "ach": ("routing_number", "account_number", "account_type"),
    "cash_app": ("routing_number", "account_number", "cash_tag"),
    "paypal": ("email",),
    "venmo": ("phone_number", "handle"),
}


def payout_method(fields: dict[str, Any], method_id: str | None) -> PayoutMethod:
    """The method a valid add-payout-method body describes, with only its platform's fields."""
    platform = fields["platform"]
    kept = {name: fields[name] for name in KEPT_FIELDS[platform] if name in fields}
    return PayoutMethod(platform=platform, id=method_id, meta=fields.get("metadata"), **kept)


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
    wallet: Wallet = Wallet()
    compliance: Compliance = Compliance()
    payout_options_exclude_list: tuple[str, ...] = ()
    auto_payout_enabled: bool = False
    adjustment_1099: dict | None = None
    default_payout_method: str | None = None
    payout_methods: tuple[PayoutMethod, ...] = ()  # one per platform, in the order first added
    verification: PendingToken | None = None
    tax_id_check: TaxIdCheck | None = None

    @property
    def default_payout_method_details(self) -> PayoutMethod | None:
        return self.payout_method(self.default_payout_method)

    def payout_method(self, platform: str | None) -> PayoutMethod | None:
        return next((method for method in self.payout_methods if method.platform == platform), None)

    def as_of(self, now: datetime) -> DotsUser:
        """The user as a read at `now` sees it: a TIN check that has settled shows its outcome."""
        check = self.tax_id_check
        if check is None or self.compliance.tax_id_verification == check.status(now):
            return self
        return with_tax_id_verification(self, check.status(now))


def with_tax_id_verification(user: DotsUser, status: str) -> DotsUser:
    compliance = user.compliance
    w9 = compliance.w9 and dataclasses.replace(compliance.w9, tax_id_verification=status)
    return dataclasses.replace(
        user, compliance=dataclasses.replace(compliance, tax_id_verification=status, w9=w9)
    )


def tin_outcome(tin: str) -> str:
    """What the IRS check will say: a TIN that is not nine digits, or begins 000, cannot match."""
    matches = NINE_DIGITS.fullmatch(tin) is not None and not tin.startswith(MISMATCHED_TIN_PREFIX)
    return "matched" if matches else "mismatched"


def with_w9(user: DotsUser, w9: dict[str, Any], settles_at: datetime) -> DotsUser:
    """A W-9 collects the TIN, the address, the date of birth and the 1099 information (assumed: a W-9
    is what a 1099 is filed from), and starts a TIN check; a resubmission starts a new one."""
    status = W9Status(
        entity_type=w9["entity_type"],
        business_name=w9.get("business_name"),
        tax_id_collected=True,
        address_collected=True,
        tax_id_verification="pending",
    )
    compliance = dataclasses.replace(
        user.compliance,
        tax_id_collected=True,
        address_collected=True,
        date_of_birth_collected=True,
        collected_1099=True,
        tax_id_verification="pending",
        w9=status,
    )
    check = TaxIdCheck(tin_outcome(w9["tin"]), settles_at)
    return dataclasses.replace(
        user, compliance=compliance, tax_id_check=check, date_of_birth=w9["date_of_birth"]
    )


def with_w8ben(user: DotsUser, w8ben: dict[str, Any]) -> DotsUser:
    """A W-8BEN collects the form, the address and the date of birth; a user with no W-9 is then a
    foreign payee, whose `w9` is null as the spec says."""
    compliance = dataclasses.replace(
        user.compliance,
        address_collected=True,
        date_of_birth_collected=True,
        w8_ben_collected=True,
        w9=user.compliance.w9 if user.tax_id_check else None,
    )
    return dataclasses.replace(user, compliance=compliance, date_of_birth=w8ben["date_of_birth"])


def with_address(user: DotsUser) -> DotsUser:
    compliance = user.compliance
    w9 = compliance.w9 and dataclasses.replace(compliance.w9, address_collected=True)
    return dataclasses.replace(
        user, compliance=dataclasses.replace(compliance, address_collected=True, w9=w9)
    )


def with_payout_method(user: DotsUser, method: PayoutMethod, fields: dict[str, Any]) -> DotsUser:
    """The user with `method` replacing any of its platform (in its place) or added last; `is_default`
    and `auto_payout_enabled` applied when true or false (null and absent change nothing)."""
    methods = list(user.payout_methods)
    at = next((i for i, known in enumerate(methods) if known.platform == method.platform), len(methods))
    methods[at : at + 1] = [method]
    changes: dict[str, Any] = {"payout_methods": tuple(methods)}
    if fields.get("is_default"):
        changes["default_payout_method"] = method.platform
    if fields.get("auto_payout_enabled") is not None:
        changes["auto_payout_enabled"] = fields["auto_payout_enabled"]
    return dataclasses.replace(user, **changes)
