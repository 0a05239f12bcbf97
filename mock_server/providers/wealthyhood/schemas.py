"""Wealthyhood request and response schemas (seed 002: POST /users and its user object)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, validate, validates

from mock_server.core.http import EMAIL_MAX_LENGTH
from mock_server.core.openapi import JSON_SCHEMA

# The seed shows whole seconds in UTC with a Z: "2024-10-03T10:30:00Z".
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
TIMESTAMP_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"  # TIMESTAMP_FORMAT's shape
KYC_STATUSES = ("pending", "failed", "passed")
YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ALPHA_2 = re.compile(r"[A-Z]{2}")
NAME_LENGTH = (1, 100)


def _messages(path: str, kind: str) -> dict[str, str]:
    """One sentence naming the field by its path, e.g. "address.city is required." (wording assumed)."""
    return {
        "required": f"{path} is required.",
        "null": f"{path} may not be null.",
        "invalid": f"{path} must be {kind}.",
    }


def text(path: str, *, length: tuple[int, int] | None = None, **kwargs: Any) -> fields.String:
    """A required string; non-empty, or within `length` characters."""
    low, high = length or (1, None)
    error = f"{path} must be {low} to {high} characters long." if high else f"{path} must not be empty."
    return fields.String(
        required=True,
        validate=validate.Length(low, high, error=error),
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


def country(path: str, **kwargs: Any) -> fields.String:
    """A two-letter ISO 3166-1 alpha-2 code that names a real country."""
    message = f"{path} must be an ISO 3166-1 alpha-2 country code, such as GB."
    return fields.String(
        required=True,
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


class UserCreate(Schema):
    """POST /users, fields in the seed's order. Unknown fields are ignored (assumed)."""

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

    def __init__(self, today: Callable[[], date], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._today = today  # the app's clock: "in the past" moves with it

    @validates("date_of_birth")
    def born_in_the_past(self, value: date, data_key: str) -> None:
        if value >= self._today():
            raise ValidationError(f"{data_key} must be a date in the past.")


def timestamp(data_key: str) -> fields.DateTime:
    return fields.DateTime(
        required=True,
        format=TIMESTAMP_FORMAT,
        data_key=data_key,
        metadata={JSON_SCHEMA: {"format": "date-time", "pattern": TIMESTAMP_PATTERN}},
    )


class User(Schema):
    """The user object, keys in the seed's order; `address` and `taxResidency` only when given.
    `required` and the validators say, in the OpenAPI document, what is always sent and how."""

    id = fields.String(required=True, metadata={JSON_SCHEMA: {"pattern": "^[0-9a-f]{24}$"}})
    email = fields.String(required=True)
    first_name = fields.String(required=True, data_key="firstName")
    last_name = fields.String(required=True, data_key="lastName")
    date_of_birth = CalendarDate(required=True, data_key="dateOfBirth")
    residency_country = fields.String(required=True, data_key="residencyCountry")
    address = fields.Nested(AddressSchema)
    tax_residency = fields.Nested(TaxResidencySchema, data_key="taxResidency")
    email_verified = fields.Boolean(required=True, data_key="emailVerified")
    kyc_status = fields.String(required=True, data_key="kycStatus", validate=validate.OneOf(KYC_STATUSES))
    created_at = timestamp("createdAt")
    updated_at = timestamp("updatedAt")

    @post_dump
    def omit_absent_objects(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


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
