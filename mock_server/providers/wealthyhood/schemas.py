"""Wealthyhood request and response schemas: POST /users (seed 002) and its user object, employment info,
wallets, bank accounts, and the sandbox's test routes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_dump,
    validate,
    validates,
    validates_schema,
)

from mock_server.core.http import EMAIL_MAX_LENGTH
from mock_server.core.openapi import JSON_SCHEMA

# The seed shows whole seconds in UTC with a Z: "2024-10-03T10:30:00Z".
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TIMESTAMP_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"  # TIMESTAMP_FORMAT's shape
# Portfolios and deposits are shown with milliseconds in the docs: "2024-01-15T10:30:00.000Z".
MILLISECOND_TIMESTAMP_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{3}Z$"
KYC_STATUSES = ("pending", "failed", "passed")
LANGUAGES = ("en", "el")
# The statuses industry is required for (the docs' own list).
EMPLOYED_STATUSES = ("FullTime", "PartTime", "SelfEmployed")
WALLET_STATUSES = ("created", "delayed", "active", "deactivated", "closed")
# The only statuses the B2B test user builder takes (GET /test/help/statuses).
TEST_USER_STATUSES = ("INVESTED", "INVESTED_WITH_CASH", "INVESTED_WITH_SAVINGS")
BANK_ACCOUNT_CURRENCIES = ("EUR", "GBP", "USD")
YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ALPHA_2 = re.compile(r"[A-Z]{2}")
# As x-user-id is read: either case. \Z, not $ (which Python also matches before a final newline).
OBJECT_ID_PATTERN = r"\A[0-9a-fA-F]{24}\Z"
NAME_LENGTH = (1, 100)


def _messages(path: str, kind: str) -> dict[str, str]:
    """One sentence naming the field by its path, e.g. "address.city is required." (wording assumed)."""
    return {
        "required": f"{path} is required.",
        "null": f"{path} may not be null.",
        "invalid": f"{path} must be {kind}.",
    }


def text(
    path: str, *, length: tuple[int, int] | None = None, required: bool = True, **kwargs: Any
) -> fields.String:
    """A string (required unless told); non-empty, or within `length` characters."""
    low, high = length or (1, None)
    error = f"{path} must be {low} to {high} characters long." if high else f"{path} must not be empty."
    return fields.String(
        required=required,
        validate=validate.Length(low, high, error=error),
        error_messages=_messages(path, "a string"),
        **kwargs,
    )


def one_of(path: str, choices: tuple[str, ...], **kwargs: Any) -> fields.String:
    return fields.String(
        validate=validate.OneOf(choices, error=f"{path} must be one of: {', '.join(choices)}."),
        error_messages=_messages(path, "a string"),
        **kwargs,
    )


def object_id(path: str, **kwargs: Any) -> fields.String:
    """A MongoDB ObjectId: 24 hexadecimal characters (either case, as x-user-id is read)."""
    return fields.String(
        validate=validate.Regexp(
            OBJECT_ID_PATTERN, error=f"{path} must be a valid ObjectId (24 hexadecimal characters)."
        ),
        error_messages=_messages(path, "a string"),
        **kwargs,
    )


def _country_codes(_ref: Any) -> dict[str, Any]:
    import pycountry  # only when a document is built

    return {"enum": sorted(country.alpha_2 for country in pycountry.countries)}


def _is_iso_country(code: str) -> bool:
    import pycountry  # imported on first use: start-up does not pay for it

    # pycountry looks codes up case-insensitively; the API takes the canonical upper case only.
    return bool(ALPHA_2.fullmatch(code)) and pycountry.countries.get(alpha_2=code) is not None


def country(path: str, *, required: bool = True, **kwargs: Any) -> fields.String:
    """A two-letter ISO 3166-1 alpha-2 code that names a real country."""
    message = f"{path} must be an ISO 3166-1 alpha-2 country code, such as GB."
    return fields.String(
        required=required,
        validate=lambda code: _is_iso_country(code) or _fail(message),
        error_messages=_messages(path, "a string"),
        metadata={JSON_SCHEMA: _country_codes},
        **kwargs,
    )


def _fail(message: str) -> bool:
    raise ValidationError(message)


class CalendarDate(fields.Field):
    """A date written exactly YYYY-MM-DD that exists in the calendar (no 2023-02-30)."""

    json_schema = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        if not isinstance(value, str) or not YYYY_MM_DD.fullmatch(value):
            raise self.make_error("invalid")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.make_error("invalid") from None

    def _serialize(self, value: date | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.isoformat() if value is not None else None


def nested(schema: type[Schema], path: str, **kwargs: Any) -> fields.Nested:
    return fields.Nested(schema, error_messages=_messages(path, "an object"), **kwargs)


class AddressSchema(Schema):
    """`address`: every documented part is required when an address is given (assumed)."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "address must be an object."}

    line1 = text("address.line1")
    city = text("address.city")
    postal_code = text("address.postalCode", data_key="postalCode")
    country_code = country("address.countryCode", data_key="countryCode")


class TaxResidencySchema(Schema):
    """`taxResidency`: all three parts required; `proofType` is free text (its values are unpublished)."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "taxResidency must be an object."}

    country_code = country("taxResidency.countryCode", data_key="countryCode")
    proof_type = text("taxResidency.proofType", data_key="proofType")
    value = text("taxResidency.value")


SOURCE_OF_WEALTH = "employmentInfo.sourcesOfWealth must list non-empty strings."


class EmploymentInfoSchema(Schema):
    """`employmentInfo`: the docs publish no list of values, so each is free text; `industry` is needed
    for the employed statuses the docs name, and kept (echoed) for any other."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "employmentInfo must be an object."}

    income_range_id = text("employmentInfo.incomeRangeId", data_key="incomeRangeId")
    employment_status = text("employmentInfo.employmentStatus", data_key="employmentStatus")
    sources_of_wealth = fields.List(
        fields.String(
            validate=validate.Length(min=1, error=SOURCE_OF_WEALTH),
            error_messages={"invalid": SOURCE_OF_WEALTH, "null": SOURCE_OF_WEALTH},
        ),
        required=True,
        data_key="sourcesOfWealth",
        validate=validate.Length(min=1, error="employmentInfo.sourcesOfWealth must not be empty."),
        error_messages=_messages("employmentInfo.sourcesOfWealth", "a list of strings"),
    )
    industry = text("employmentInfo.industry", required=False)

    @validates_schema
    def industry_when_employed(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["employment_status"] in EMPLOYED_STATUSES and "industry" not in data:
            statuses = ", ".join(EMPLOYED_STATUSES)
            raise ValidationError(
                f"employmentInfo.industry is required when employmentStatus is one of: {statuses}.",
                "industry",
            )

    @post_dump
    def omit_absent_industry(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


def employment_info(**kwargs: Any) -> fields.Nested:
    return nested(EmploymentInfoSchema, "employmentInfo", data_key="employmentInfo", **kwargs)


class UserCreate(Schema):
    """POST /users, fields in the seed's order, then those the current docs add. Unknown fields are
    ignored (assumed)."""

    class Meta:
        unknown = EXCLUDE

    email = fields.Email(
        required=True,
        validate=validate.Length(max=EMAIL_MAX_LENGTH, error="email must be a valid email address."),
        error_messages=_messages("email", "a valid email address"),
    )
    first_name = text("firstName", length=NAME_LENGTH, data_key="firstName")
    last_name = text("lastName", length=NAME_LENGTH, data_key="lastName")
    date_of_birth = CalendarDate(
        required=True,
        data_key="dateOfBirth",
        error_messages=_messages("dateOfBirth", "a real date in YYYY-MM-DD format"),
        metadata={"description": "A date before today."},
    )
    residency_country = country("residencyCountry", data_key="residencyCountry")
    address = nested(AddressSchema, "address")
    tax_residency = nested(TaxResidencySchema, "taxResidency", data_key="taxResidency")
    language = one_of("language", LANGUAGES)
    nationality = country("nationality", required=False)
    # "Required on create user" on one version of the page, "(optional)" on another; seed 002 creates a
    # user without it, and the seed wins.
    employment_info = employment_info()

    def __init__(self, today: Callable[[], date], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._today = today  # the app's clock: "in the past" moves with it

    @validates("date_of_birth")
    def born_in_the_past(self, value: date, data_key: str) -> None:
        if value >= self._today():
            raise ValidationError(f"{data_key} must be a date in the past.")


class EmploymentInfoUpdate(Schema):
    """PATCH /users/me/employment-info: the whole `employmentInfo`, as on create."""

    class Meta:
        unknown = EXCLUDE

    employment_info = employment_info(required=True)


def timestamp(data_key: str) -> fields.DateTime:
    return fields.DateTime(
        required=True,
        format=TIMESTAMP_FORMAT,
        data_key=data_key,
        metadata={JSON_SCHEMA: {"format": "date-time", "pattern": TIMESTAMP_PATTERN}},
    )


class MillisecondTimestamp(fields.Field):
    """A UTC time with milliseconds and a Z, as the docs show portfolios and deposits."""

    json_schema = {"type": "string", "format": "date-time", "pattern": MILLISECOND_TIMESTAMP_PATTERN}

    def _serialize(self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


OBJECT_ID_ANSWERED = {JSON_SCHEMA: {"pattern": "^[0-9a-f]{24}$"}}  # ids are answered in lower case


class HoldingSchema(Schema):
    isin = fields.String(required=True)
    asset_common_id = fields.String(required=True, data_key="assetCommonId")
    # As the docs' example writes it: 12.5, and 8 (not 8.0) for a whole number of shares.
    quantity = fields.Raw(required=True, metadata={JSON_SCHEMA: {"type": "number"}})


class PortfolioSchema(Schema):
    """A portfolio as GET /users/me lists it: {id, currency, holdings, createdAt, updatedAt}."""

    id = fields.String(required=True, metadata=OBJECT_ID_ANSWERED)
    currency = fields.String(required=True)
    holdings = fields.List(fields.Nested(HoldingSchema), required=True)
    created_at = MillisecondTimestamp(required=True, data_key="createdAt")
    updated_at = MillisecondTimestamp(required=True, data_key="updatedAt")


class User(Schema):
    """The user object, keys in the seed's order with the current docs' fields after the ones the user
    sent; `address`, `taxResidency` and `employmentInfo` only when given. `required` and the validators
    say, in the OpenAPI document, what is always sent and how."""

    id = fields.String(required=True, metadata=OBJECT_ID_ANSWERED)
    email = fields.String(required=True)
    first_name = fields.String(required=True, data_key="firstName")
    last_name = fields.String(required=True, data_key="lastName")
    date_of_birth = CalendarDate(required=True, data_key="dateOfBirth")
    residency_country = fields.String(required=True, data_key="residencyCountry")
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    nationalities = fields.List(fields.String(validate=validate.Regexp("^[A-Z]{2}$")), required=True)
    address = fields.Nested(AddressSchema)
    tax_residency = fields.Nested(TaxResidencySchema, data_key="taxResidency")
    employment_info = fields.Nested(EmploymentInfoSchema, data_key="employmentInfo")
    portfolios = fields.List(fields.Nested(PortfolioSchema), required=True)
    email_verified = fields.Boolean(required=True, data_key="emailVerified")
    kyc_status = fields.String(required=True, data_key="kycStatus", validate=validate.OneOf(KYC_STATUSES))
    created_at = timestamp("createdAt")
    updated_at = timestamp("updatedAt")

    @post_dump
    def omit_absent_objects(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


# --- wallets and bank accounts ---------------------------------------------------------------------


class WalletQuery(Schema):
    """GET /wallets?owner=<user id>. Other query parameters are ignored (assumed)."""

    class Meta:
        unknown = EXCLUDE

    owner = object_id("owner", required=True)


class Wallet(Schema):
    """The wallet provisioned with a user, keys in the docs' example order."""

    id = fields.String(required=True, metadata={JSON_SCHEMA: {"pattern": "^wal_[0-9a-f]{24}$"}})
    owner = fields.String(required=True, metadata=OBJECT_ID_ANSWERED)
    iban = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(WALLET_STATUSES))
    created_at = timestamp("createdAt")
    updated_at = timestamp("updatedAt")


class IbanText(fields.Field):
    """An IBAN, checked by schwifty (country, length, check digits and, where a country has them, the
    national check digits); spaces and lower case are taken, the compact upper-case form is kept."""

    json_schema = {"type": "string", "minLength": 1, "description": "An IBAN; spaces are allowed."}

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(error_messages=_messages(path, "a string"), **kwargs)
        self.path = path

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        from schwifty import IBAN  # imported on first use: start-up does not pay for it
        from schwifty.exceptions import SchwiftyException

        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            raise ValidationError(f"{self.path} must not be empty.")
        try:
            return IBAN(value, validate_bban=True).compact
        except SchwiftyException as error:
            reason = str(error)
            raise ValidationError(
                f"{self.path} is not a valid IBAN: {reason[:1].lower()}{reason[1:]}."
            ) from None


def bank_account_details(name: str, prefix: str = "") -> type[Schema]:
    """The body of POST /bank-accounts, or the `bankAccount` of a test deposit (`prefix` "bankAccount."):
    `holderName` and the IBAN, as `iban` or as `accountNumber` (the cash-movements guide's name for it);
    `accountName` and `bankName` as the guide sends them. Messages name each field by its full path."""

    class Details(Schema):
        class Meta:
            unknown = EXCLUDE

        error_messages = {"type": f"{prefix.rstrip('.')} must be an object."} if prefix else {}

        holder_name = text(f"{prefix}holderName", length=NAME_LENGTH, data_key="holderName")
        iban = IbanText(f"{prefix}iban")
        account_number = IbanText(f"{prefix}accountNumber", data_key="accountNumber")
        account_name = text(
            f"{prefix}accountName", length=NAME_LENGTH, required=False, data_key="accountName"
        )
        bank_name = text(f"{prefix}bankName", length=NAME_LENGTH, required=False, data_key="bankName")

        @validates_schema
        def one_iban(self, data: dict[str, Any], **kwargs: Any) -> None:
            given = [key for key in ("iban", "account_number") if key in data]
            if not given:
                raise ValidationError(f"{prefix}iban is required.", "iban")
            if len(given) == 2:
                raise ValidationError(f"Send {prefix}iban or {prefix}accountNumber, not both.", "iban")

    Details.__name__ = Details.__qualname__ = name  # the OpenAPI component's name
    return Details


BankAccountCreate = bank_account_details("BankAccountCreate")


class BankAccount(Schema):
    """A linked bank account, keys in the reference page's order; `bic` and `bankName` are null for a
    bank the IBAN registry does not know (and no `bankName` was sent)."""

    id = fields.String(required=True, metadata=OBJECT_ID_ANSWERED)
    owner = fields.String(required=True, metadata=OBJECT_ID_ANSWERED)
    holder_name = fields.String(required=True, data_key="holderName")
    iban = fields.String(required=True)
    currency = fields.String(required=True, validate=validate.OneOf(BANK_ACCOUNT_CURRENCIES))
    bic = fields.String(required=True, allow_none=True)
    bank_name = fields.String(required=True, allow_none=True, data_key="bankName")


# --- the sandbox's test routes ----------------------------------------------------------------------


class SandboxStatuses(Schema):
    statuses = fields.List(fields.String(validate=validate.OneOf(TEST_USER_STATUSES)), required=True)


class SandboxUserProps(Schema):
    """`props`: what a test user overrides; random names where none are given."""

    class Meta:
        unknown = EXCLUDE

    error_messages = {"type": "props must be an object."}

    first_name = text("props.firstName", length=NAME_LENGTH, required=False, data_key="firstName")
    last_name = text("props.lastName", length=NAME_LENGTH, required=False, data_key="lastName")


class SandboxUserCreate(Schema):
    """POST /test/users."""

    class Meta:
        unknown = EXCLUDE

    email = fields.Email(
        required=True,
        validate=validate.Length(max=EMAIL_MAX_LENGTH, error="email must be a valid email address."),
        error_messages=_messages("email", "a valid email address"),
    )
    status = one_of("status", TEST_USER_STATUSES, required=True)
    props = nested(SandboxUserProps, "props")


class SandboxUser(Schema):
    """The test user as POST /test/users answers it: `_id`, not `id`."""

    id = fields.String(required=True, data_key="_id", metadata=OBJECT_ID_ANSWERED)
    email = fields.String(required=True)
    status = fields.String(
        required=True, attribute="test_status", validate=validate.OneOf(TEST_USER_STATUSES)
    )
    currency = fields.String(required=True)
    portfolios = fields.List(fields.Nested(PortfolioSchema), required=True)


class SandboxUserCreated(Schema):
    user = fields.Nested(SandboxUser, required=True)


class Amount(fields.Field):
    """Whole currency units with at most two decimals (100.50), loaded as cents (10050)."""

    json_schema = {"type": "number", "minimum": 0.01}
    default_error_messages = {
        "invalid": "amount must be a number.",
        "positive": "amount must be greater than 0.",
        "cents": "amount must have at most two decimal places.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        # The number as written, not as a binary float: 100.1 is 100.1, with one decimal place.
        units = Decimal(repr(value))
        if not units.is_finite():  # 1e999 parses as infinity
            raise self.make_error("invalid")
        if units <= 0:
            raise self.make_error("positive")
        if units.as_tuple().exponent < -2:  # type: ignore[operator]
            raise self.make_error("cents")
        return int(units * 100)


class SandboxDepositCreate(Schema):
    """POST /test/deposits: a bank account by id, or by its details, or neither (the user's first)."""

    class Meta:
        unknown = EXCLUDE

    user_id = object_id("userId", required=True, data_key="userId")
    amount = Amount(required=True, error_messages=_messages("amount", "a number"))
    bank_account_id = object_id("bankAccountId", data_key="bankAccountId")
    bank_account = nested(
        bank_account_details("DepositBankAccount", "bankAccount."), "bankAccount", data_key="bankAccount"
    )

    @validates_schema
    def one_bank_account(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "bank_account_id" in data and "bank_account" in data:
            raise ValidationError("Send bankAccountId or bankAccount, not both.", "bankAccountId")


class Deposit(Schema):
    """A test deposit, keys in the docs' example order; `amount` in cents."""

    id = fields.String(required=True, metadata={JSON_SCHEMA: {"pattern": "^dep_[0-9a-f]{24}$"}})
    amount = fields.Integer(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("Settled"))
    reference = fields.String(required=True, metadata={JSON_SCHEMA: {"pattern": "^[0-9A-Za-z]{16}$"}})
    created_at = MillisecondTimestamp(required=True, data_key="createdAt")


# --- the Auth0 token endpoint ----------------------------------------------------------------------


class TokenRequest(Schema):
    """POST /oauth/token, JSON or form-encoded: what auth.read_token_request reads. The client's
    credentials go here, or in HTTP Basic (client_secret_basic) instead."""

    class Meta:
        unknown = EXCLUDE  # Auth0 ignores parameters it does not know

    grant_type = fields.String(required=True, validate=validate.Equal("client_credentials"))
    client_id = fields.String()
    client_secret = fields.String()
    audience = fields.String(required=True, validate=validate.Length(min=1))
    scope = fields.String(metadata={"description": "Space-separated scopes; all granted when absent."})


class TokenResponse(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, validate=validate.Equal("Bearer"))
    expires_in = fields.Integer(required=True)
    scope = fields.String(required=True)
