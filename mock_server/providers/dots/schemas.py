"""Dots request and response schemas (spec: create-user, update-user, get-users, submit-compliance,
send-verification-token, verify, get-payout-methods, add-payout-method, add-user-address; seed 000)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow.utils import missing

from mock_server.base.ids import UUID_PATTERN, is_uuid
from mock_server.core.http import EMAIL_MAX_LENGTH
from mock_server.core.openapi import JSON_SCHEMA

RAILS = ("ach", "paypal", "venmo", "cash_app", "intl_bank", "airtm", "payoneer", "crypto")
USER_STATUSES = ("verified", "unverified", "disabled", "in_review")
TAX_ID_VERIFICATIONS = ("unsubmitted", "pending", "matched", "mismatched")
ENTITY_TYPES = ("individual", "business")
INCOME_TYPES = (
    "interest1", "dividend6", "dividend7", "pension15", "socialSecurity",
    "equipment10", "knowhow10", "patent10", "film11", "copyright12",
)  # fmt: skip
# Citizens of these countries need no foreign tax id on a W-8BEN (the spec's if/then).
NO_FOREIGN_TAX_ID = ("AU", "BM", "VG", "KY", "JP")
# What PUT payout-methods adds, and what each platform requires besides `platform` (venmo: see below).
ADDABLE_PLATFORMS = ("paypal", "venmo", "cash_app", "ach")
PLATFORM_FIELDS = {
    "ach": ("routing_number", "account_number", "account_type"),
    "cash_app": ("routing_number", "account_number", "cash_tag"),
    "paypal": ("email",),
    "venmo": (),
}
# The platforms a listed payment-method can have (the spec's payment-method), and an added one (its
# add-payout-method response): two enums of the spec, neither the `rail` enum.
LISTED_PLATFORMS = ("ach", "paypal", "venmo", "cash_app", "intl_transfer", "airtm", "payoneer")
ADDED_PLATFORMS = ("ach", "crypto", "paypal", "venmo", "cash_app", "airtm", "payoneer", "intl_bank")
ACCOUNT_TYPES = ("checking", "savings")
TWO_LETTERS = re.compile(r"^[A-Z]{2}\Z")
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
    validators: list[Any] = []
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


def date(name: str, *, required: bool = False) -> fields.Date:
    return fields.Date(required=required, error_messages=_messages(name, "a date in YYYY-MM-DD format"))


def filled(name: str, *, required: bool = False) -> fields.String:
    """A string that must say something (assumed: the spec sets no minimum, but "" names nothing)."""
    return fields.String(
        required=required,
        validate=validate.Length(min=1, error=f"{name} must not be empty."),
        error_messages=_messages(name, "a string"),
    )


def pattern(name: str, regex: str, rule: str, *, required: bool = False) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Regexp(regex, error=f"{name} must be {rule}."),
        error_messages=_messages(name, "a string"),
    )


def country(name: str, *, required: bool = False) -> fields.String:
    return pattern(name, TWO_LETTERS.pattern, "a 2-letter ISO country code, such as US", required=required)


def email_address(name: str, *, required: bool = False) -> fields.Email:
    return fields.Email(
        required=required,
        validate=validate.Length(max=EMAIL_MAX_LENGTH, error=f"{name} must be a valid email address."),
        error_messages=_messages(name, "a valid email address"),
    )


def boolean(name: str, **kwargs: Any) -> JsonBoolean:
    return JsonBoolean(error_messages=_messages(name, "a boolean"), **kwargs)


def nested(schema: type[Schema], name: str, *, required: bool = False) -> fields.Nested:
    return fields.Nested(schema, required=required, error_messages=_messages(name, "an object"))


class JsonNumber(fields.Float):
    """A JSON number; never a numeric string (Float alone reads "0.15" as 0.15) or a boolean."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        if isinstance(value, int):
            return value  # kept exact: float() of a 400-digit integer would overflow
        return super()._deserialize(value, attr, data, **kwargs)


class Lenient(Schema):
    """A request object: unknown fields are ignored (assumed, as for create), at every depth."""

    class Meta:
        unknown = EXCLUDE


class UserCreate(Lenient):
    """POST /v2/users. Unknown fields are ignored (assumed, as most JSON APIs do)."""

    first_name = text("first_name", required=True, length=(1, 50))
    last_name = text("last_name", required=True, length=(1, 50))
    email = email_address("email", required=True)
    country_code = digits("country_code", 3)
    phone_number = digits("phone_number", 20)
    username = text("username", length=(1, 50))
    date_of_birth = date("date_of_birth")
    adjustment_1099 = Adjustment1099(data_key="1099_adjustment")
    metadata = StringOrObject()
    payout_options_exclude_list = rail_list("payout_options_exclude_list")


class UserUpdate(Lenient):
    """PATCH /v2/users/{user_id}: the mutable fields of the spec."""

    default_payout_method = choice("default_payout_method", RAILS)
    auto_payout_enabled = boolean("auto_payout_enabled")
    date_of_birth = date("date_of_birth")
    adjustment_1099 = Adjustment1099(data_key="1099_adjustment")
    metadata = StringOrObject(allow_none=True)
    payout_options_exclude_list = rail_list("payout_options_exclude_list")


class ListQuery(Lenient):
    """GET /v2/users query string."""

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


def address_schema(prefix: str, *, name: str, state_required: bool) -> type[Schema]:
    """A W-9's or W-8BEN's address: line_1, city, country and postcode required; state on a W-9 only."""
    schema = Lenient.from_dict(
        {
            "line_1": filled(f"{prefix}.line_1", required=True),
            "line_2": text(f"{prefix}.line_2"),
            "city": filled(f"{prefix}.city", required=True),
            "state": filled(f"{prefix}.state", required=state_required),
            "country": filled(f"{prefix}.country", required=True),
            "postcode": filled(f"{prefix}.postcode", required=True),
        },
        name=name,
    )
    schema.error_messages = {"type": f"{prefix} must be an object."}
    return schema


W9Address = address_schema("w9.address", name="W9Address", state_required=True)
W8BenAddress = address_schema("w8ben.address", name="W8BenAddress", state_required=False)


class W9Form(Lenient):
    """A W-9 (US payees). The spec's `required` lists date_of_birth, though its text says "Required if
    individual": the stricter reading is kept, so a client that passes here passes there."""

    error_messages = {"type": "w9 must be an object."}

    entity_type = fields.String(
        required=True,
        validate=one_of("w9.entity_type", ENTITY_TYPES),
        error_messages=_messages("w9.entity_type", "a string"),
    )
    business_name = filled("w9.business_name")
    first_name = text("w9.first_name")
    last_name = text("w9.last_name")
    date_of_birth = date("w9.date_of_birth", required=True)
    tin = fields.String(
        required=True,
        validate=validate.Length(9, 9, error="w9.tin must be exactly 9 characters long."),
        error_messages=_messages("w9.tin", "a string"),
    )
    address = nested(W9Address, "w9.address", required=True)

    @validates_schema
    def a_business_has_a_name(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["entity_type"] == "business" and "business_name" not in data:
            raise ValidationError(
                "w9.business_name is required when entity_type is business.", "business_name"
            )


class Signature(Lenient):
    error_messages = {"type": "w8ben.signature must be an object."}

    consent = boolean(
        "w8ben.signature.consent",
        required=True,
        validate=validate.Equal(True, error="w8ben.signature.consent must be true."),
    )
    name = filled("w8ben.signature.name", required=True)
    email = email_address("w8ben.signature.email", required=True)


class W8BenForm(Lenient):
    """A W-8BEN (foreign payees); a foreign tax id unless the citizenship is one of NO_FOREIGN_TAX_ID."""

    error_messages = {"type": "w8ben must be an object."}

    name = filled("w8ben.name", required=True)
    citizenship_country = country("w8ben.citizenship_country", required=True)
    date_of_birth = date("w8ben.date_of_birth", required=True)
    foreign_tax_id = filled("w8ben.foreign_tax_id")
    tax_treaty_country = country("w8ben.tax_treaty_country")
    tax_treaty_citation = text("w8ben.tax_treaty_citation")
    tax_treaty_rate = JsonNumber(
        validate=validate.Range(0, 1, error="w8ben.tax_treaty_rate must be between 0 and 1 (0.15 is 15%)."),
        error_messages={
            **_messages("w8ben.tax_treaty_rate", "a number"),
            "special": "w8ben.tax_treaty_rate must be a number.",
        },
    )
    tax_treaty_income_type = choice("w8ben.tax_treaty_income_type", INCOME_TYPES)
    tax_treaty_explanation = text("w8ben.tax_treaty_explanation")
    address = nested(W8BenAddress, "w8ben.address", required=True)
    signature = nested(Signature, "w8ben.signature", required=True)

    @validates_schema
    def a_tax_id_unless_exempt(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["citizenship_country"] not in NO_FOREIGN_TAX_ID and "foreign_tax_id" not in data:
            exempt = ", ".join(NO_FOREIGN_TAX_ID)
            raise ValidationError(
                f"w8ben.foreign_tax_id is required unless citizenship_country is one of: {exempt}.",
                "foreign_tax_id",
            )


class ComplianceSubmission(Lenient):
    """PUT /v2/users/{user_id}/compliance: a W-9, a W-8BEN, or both. Neither is required by the spec; a
    body with neither is refused (assumed: it would submit nothing)."""

    w9 = nested(W9Form, "w9")
    w8ben = nested(W8BenForm, "w8ben")

    @validates_schema
    def a_form_at_least(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("w9 or w8ben is required.", "w9")


class AddressUpdate(Lenient):
    """PUT /v2/users/{user_id}/addresses, fields in the spec's order."""

    postcode = filled("postcode", required=True)
    city = filled("city", required=True)
    state = filled("state", required=True)
    country = country("country", required=True)
    line_1 = filled("line_1", required=True)
    line_2 = text("line_2")
    line_3 = text("line_3")

    @validates_schema
    def a_us_state_is_its_code(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["country"] == "US" and not TWO_LETTERS.match(data["state"]):
            raise ValidationError(
                "state must be a 2-letter state code, such as CA, for a US address.", "state"
            )


class TokenRequest(Lenient):
    """POST /v2/users/{user_id}/send-verification-token (the body itself is optional)."""

    use_voice = boolean("use_voice", load_default=False)


class VerifyRequest(Lenient):
    """POST /v2/users/{user_id}/verify."""

    token = fields.String(
        required=True,
        validate=validate.Length(min=6, error="token must be at least 6 characters long."),
        error_messages=_messages("token", "a string"),
    )


class PayoutMethodCreate(Lenient):
    """PUT /v2/users/{user_id}/payout-methods: what each platform requires is checked after the types."""

    platform = fields.String(
        required=True,
        validate=one_of("platform", ADDABLE_PLATFORMS),
        error_messages=_messages("platform", "a string"),
    )
    # Digits only, 9 for an ABA routing number, 4 to 17 for a US account (assumed: the spec says string).
    routing_number = pattern("routing_number", r"^[0-9]{9}\Z", "9 digits")
    account_number = pattern("account_number", r"^[0-9]{4,17}\Z", "4 to 17 digits")
    account_type = choice("account_type", ACCOUNT_TYPES)
    email = email_address("email")
    phone_number = pattern("phone_number", r"^[0-9]{1,20}\Z", "1 to 20 digits")
    handle = filled("handle")
    cash_tag = filled("cash_tag")
    is_default = boolean("is_default", allow_none=True)
    auto_payout_enabled = boolean("auto_payout_enabled", allow_none=True)
    metadata = fields.Raw(allow_none=True)  # any JSON value, kept as sent

    @validates_schema
    def the_platforms_own_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        platform = data["platform"]
        for name in PLATFORM_FIELDS[platform]:
            if name not in data:
                raise ValidationError(f"{name} is required when platform is {platform}.", name)
        if platform == "venmo" and "phone_number" not in data and "handle" not in data:
            raise ValidationError(
                "phone_number or handle is required when platform is venmo.", "phone_number"
            )


# --- responses -----------------------------------------------------------------------------------


# Every key is always sent, but for the few the spec sends only when they apply (an Omitted field): the
# `required` lists and validators say which in the OpenAPI document.


class Omitted:
    """A field left out of the answer when its value is None, as the spec leaves out `id` for a PayPal
    method, or `default_payout_method` for a user who has none (its enum has no null)."""

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = missing) -> Any:
        value = super().get_value(obj, attr, accessor, default)  # type: ignore[misc]
        return missing if value is None else value


class OmittedString(Omitted, fields.String):
    pass


class OmittedBoolean(Omitted, fields.Boolean):
    pass


class OmittedNested(Omitted, fields.Nested):
    pass


class PhoneNumber(Schema):
    country_code = fields.String(required=True)
    phone_number = fields.String(required=True)


class Wallet(Schema):
    amount = fields.Integer(required=True)
    withdrawable_amount = fields.Integer(required=True)
    credit_balance = fields.Integer(required=True)


class W9Status(Schema):
    """compliance.w9 (spec), with `tax_id_verification` where the docs read it."""

    entity_type = fields.String(required=True, validate=validate.OneOf(ENTITY_TYPES))
    business_name = fields.String(required=True, allow_none=True)
    tax_id_collected = fields.Boolean(required=True)
    address_collected = fields.Boolean(required=True)
    tax_id_verification = fields.String(required=True, validate=validate.OneOf(TAX_ID_VERIFICATIONS))


class Compliance(Schema):
    """The seed's eight flags in its order, then the spec's `tax_id_verification` and `w9` (null for a
    foreign payee)."""

    tax_id_collected = fields.Boolean(required=True)
    address_collected = fields.Boolean(required=True)
    date_of_birth_collected = fields.Boolean(required=True)
    must_collect_1099 = fields.Boolean(required=True)
    collected_1099 = fields.Boolean(required=True, data_key="1099_collected")
    w8_ben_collected = fields.Boolean(required=True)
    flagged = fields.Boolean(required=True)
    id_verified = fields.Boolean(required=True)
    tax_id_verification = fields.String(required=True, validate=validate.OneOf(TAX_ID_VERIFICATIONS))
    w9 = fields.Nested(W9Status, required=True, allow_none=True)


class PaymentMethod(Schema):
    """The spec's payment-method: a listed payout method, and a user's default_payout_method_details."""

    id = OmittedString()
    platform = fields.String(required=True, validate=validate.OneOf(LISTED_PLATFORMS))
    description = fields.String(required=True)
    mask = OmittedString()
    email = OmittedString()
    phone_number = OmittedString()
    cash_tag = OmittedString()
    country = fields.String(required=True)
    currency = fields.String(required=True)
    rtp_enabled = OmittedBoolean()
    meta = fields.Raw(required=True)


class AddedPayoutMethod(Schema):
    """add-payout-method's answer: `id` only for ach (of the platforms that can be added), as the spec
    says; the platform's own fields, in the spec's order."""

    id = OmittedString()
    platform = fields.String(required=True, validate=validate.OneOf(ADDED_PLATFORMS))
    handle = OmittedString()
    email = OmittedString()
    phone_number = OmittedString()
    cash_tag = OmittedString()
    account_number = OmittedString()
    routing_number = OmittedString()
    account_type = OmittedString(validate=validate.OneOf(ACCOUNT_TYPES))
    rtp_enabled = OmittedBoolean()
    meta = fields.Raw(required=True)


class User(Schema):
    """The user object, keys in the seed's order; `default_payout_method` (and its details, when the user
    has one) where the spec puts them, `status` and `payout_options_exclude_list` from the spec."""

    id = fields.String(required=True, metadata={JSON_SCHEMA: {"format": "uuid"}})
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    phone_number = fields.Nested(PhoneNumber, required=True, attribute="phone")
    default_payout_method = OmittedString(validate=validate.OneOf(RAILS))
    default_payout_method_details = OmittedNested(PaymentMethod)
    wallet = fields.Nested(Wallet, required=True)
    status = fields.String(required=True, validate=validate.OneOf(USER_STATUSES))
    compliance = fields.Nested(Compliance, required=True)
    metadata = fields.Raw(required=True, metadata={JSON_SCHEMA: {"type": ["string", "object", "null"]}})
    payout_options_exclude_list = fields.List(fields.String(validate=validate.OneOf(RAILS)), required=True)


class UserList(Schema):
    """GET /v2/users: a page of users, newest first."""

    data = fields.List(fields.Nested(User), required=True)
    has_more = fields.Boolean(required=True)


class Empty(Schema):
    """The body of an answer the spec gives none (`{}`, as the docs' submit-compliance example shows)."""
