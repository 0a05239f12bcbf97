"""Dots request and response schemas (spec: create-user, update-user, get-users; seed 000)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mock_server.base.ids import UUID_PATTERN, is_uuid
from mock_server.core.http import EMAIL_MAX_LENGTH
from mock_server.core.openapi import JSON_SCHEMA

RAILS = ("ach", "paypal", "venmo", "cash_app", "intl_bank", "airtm", "payoneer", "crypto")
USER_STATUSES = ("verified", "unverified", "disabled", "in_review")
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip


def _messages(name: str, kind: str) -> dict[str, str]:
    """Dots answers with one sentence naming the field (wording assumed: the real text is unpublished)."""
    return {
        "required": f"{name} is required.",
        "null": f"{name} may not be null.",
        "invalid": f"{name} must be {kind}.",
    }


def text(name: str, *, required: bool = False, length: tuple[int, int] | None = None, **kwargs: Any):
    validators = []
    if length:
        low, high = length
        validators.append(
            validate.Length(low, high, error=f"{name} must be {low} to {high} characters long.")
        )
    return fields.String(
        required=required, validate=validators, error_messages=_messages(name, "a string"), **kwargs
    )


def digits(name: str, max_digits: int):
    return fields.String(
        required=True,
        validate=validate.Regexp(
            rf"^[0-9]{{1,{max_digits}}}\Z", error=f"{name} must be 1 to {max_digits} digits."
        ),
        error_messages=_messages(name, "a string"),
    )


class StringOrObject(fields.Field):
    """`metadata`: the spec allows a string or a key-value object."""

    default_error_messages = {**_messages("metadata", "a string or an object")}
    json_schema = {"type": ["string", "object"]}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str | dict):
            raise self.make_error("invalid")
        return value


class Adjustment1099(fields.Field):
    """`1099_adjustment`: one of the spec's two shapes, told apart by `form`."""

    default_error_messages = {**_messages("1099_adjustment", "a 1099-NEC or 1099-K adjustment object")}

    def json_schema(self, ref: Any) -> dict[str, Any]:
        return {"oneOf": [ref(NecAdjustment), ref(KAdjustment)]}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, dict) or value.get("form") not in ("1099-NEC", "1099-K"):
            raise self.make_error("invalid")
        shape = NecAdjustment() if value["form"] == "1099-NEC" else KAdjustment()
        try:
            return shape.load(value)
        except ValidationError:
            raise self.make_error("invalid") from None


class WholeNumber(fields.Integer):
    """A JSON number without a fractional part, 7 or 7.0 alike, as JSON Schema's "integer" counts it
    (assumed: the spec says "integer"); never a string or a boolean."""

    def _validated(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


def _strict_integer(**kwargs: Any) -> fields.Integer:
    return WholeNumber(strict=True, **kwargs)


class NecAdjustment(Schema):
    year = _strict_integer(required=True)
    form = fields.String(required=True, validate=validate.Equal("1099-NEC"))
    amount = _strict_integer(required=True, validate=validate.Range(min=1))


MonthlyAmounts = Schema.from_dict(
    {month: _strict_integer(required=True) for month in MONTHS}, name="MonthlyAmounts"
)


class KAdjustment(Schema):
    year = _strict_integer(required=True)
    form = fields.String(required=True, validate=validate.Equal("1099-K"))
    monthly_amounts = fields.Nested(MonthlyAmounts, required=True)


def one_of(name: str, choices: tuple[str, ...]) -> validate.OneOf:
    return validate.OneOf(choices, error=f"{name} must be one of: {', '.join(choices)}.")


def choice(name: str, choices: tuple[str, ...]) -> fields.String:
    return fields.String(validate=one_of(name, choices), error_messages=_messages(name, "a string"))


def uuid_text(name: str) -> fields.String:
    return fields.String(
        validate=lambda value: is_uuid(value) or _fail(f"{name} must be a valid UUID."),
        metadata={JSON_SCHEMA: {"format": "uuid", "pattern": UUID_PATTERN}},
    )


def rail_list(name: str) -> fields.List:
    return fields.List(
        fields.String(
            validate=one_of(f"{name} entries", RAILS), error_messages=_messages(f"{name} entries", "strings")
        ),
        validate=lambda rails: len(set(rails)) == len(rails) or _fail(f"{name} must not repeat a rail."),
        error_messages=_messages(name, "an array of payout rails"),
        metadata={JSON_SCHEMA: {"uniqueItems": True}},
    )


def _fail(message: str) -> bool:
    raise ValidationError(message)


class JsonBoolean(fields.Boolean):
    """true or false, nothing else: a Boolean with truthy={True} still takes 1 and 0.0, which equal them."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def date(name: str) -> fields.Date:
    return fields.Date(error_messages=_messages(name, "a date in YYYY-MM-DD format"))


class UserCreate(Schema):
    """POST /v2/users. Unknown fields are ignored (assumed, as most JSON APIs do)."""

    class Meta:
        unknown = EXCLUDE

    first_name = text("first_name", required=True, length=(1, 50))
    last_name = text("last_name", required=True, length=(1, 50))
    email = fields.Email(
        required=True,
        validate=validate.Length(max=EMAIL_MAX_LENGTH, error="email must be a valid email address."),
        error_messages=_messages("email", "a valid email address"),
    )
    country_code = digits("country_code", 3)
    phone_number = digits("phone_number", 20)
    username = text("username", length=(1, 50))
    date_of_birth = date("date_of_birth")
    adjustment_1099 = Adjustment1099(data_key="1099_adjustment")
    metadata = StringOrObject()
    payout_options_exclude_list = rail_list("payout_options_exclude_list")


class UserUpdate(Schema):
    """PATCH /v2/users/{user_id}: the mutable fields of the spec."""

    class Meta:
        unknown = EXCLUDE

    default_payout_method = choice("default_payout_method", RAILS)
    auto_payout_enabled = JsonBoolean(error_messages=_messages("auto_payout_enabled", "a boolean"))
    date_of_birth = date("date_of_birth")
    adjustment_1099 = Adjustment1099(data_key="1099_adjustment")
    metadata = StringOrObject(allow_none=True)
    payout_options_exclude_list = rail_list("payout_options_exclude_list")


class ListQuery(Schema):
    """GET /v2/users query string."""

    class Meta:
        unknown = EXCLUDE

    status = choice("status", USER_STATUSES)
    starting_after = uuid_text("starting_after")
    ending_before = uuid_text("ending_before")
    limit = fields.Integer(
        load_default=10,
        validate=validate.Range(1, 100, error="limit must be between 1 and 100."),
        error_messages=_messages("limit", "an integer"),
    )

    @validates_schema
    def one_cursor(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starting_after" in data and "ending_before" in data:
            raise ValidationError("Use starting_after or ending_before, not both.", "starting_after")


# --- responses -----------------------------------------------------------------------------------


# Every key is always sent: `required` and the validators below say so in the OpenAPI document.


class PhoneNumber(Schema):
    country_code = fields.String(required=True)
    phone_number = fields.String(required=True)


class Wallet(Schema):
    amount = fields.Integer(required=True)
    withdrawable_amount = fields.Integer(required=True)
    credit_balance = fields.Integer(required=True)


class Compliance(Schema):
    tax_id_collected = fields.Boolean(required=True)
    address_collected = fields.Boolean(required=True)
    date_of_birth_collected = fields.Boolean(required=True)
    must_collect_1099 = fields.Boolean(required=True)
    collected_1099 = fields.Boolean(required=True, data_key="1099_collected")
    w8_ben_collected = fields.Boolean(required=True)
    flagged = fields.Boolean(required=True)
    id_verified = fields.Boolean(required=True)


class User(Schema):
    """The user object, keys in the seed's order; `status` and `payout_options_exclude_list` from the spec."""

    id = fields.String(required=True, metadata={JSON_SCHEMA: {"format": "uuid"}})
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    phone_number = fields.Nested(PhoneNumber, required=True, attribute="phone")
    wallet = fields.Nested(Wallet, required=True)
    status = fields.String(required=True, validate=validate.OneOf(USER_STATUSES))
    compliance = fields.Nested(Compliance, required=True)
    metadata = fields.Raw(required=True, metadata={JSON_SCHEMA: {"type": ["string", "object", "null"]}})
    payout_options_exclude_list = fields.List(fields.String(validate=validate.OneOf(RAILS)), required=True)


class UserList(Schema):
    """GET /v2/users: a page of users, newest first."""

    data = fields.List(fields.Nested(User), required=True)
    has_more = fields.Boolean(required=True)
