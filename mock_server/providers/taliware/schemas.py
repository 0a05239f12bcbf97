"""Taliware CL2C request and response schemas (seed 004), with ASP.NET Core's DataAnnotations wording."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from mock_server.core.openapi import JSON_SCHEMA
from mock_server.providers.taliware import system_text_json

# DataAnnotations' default messages; {0} is the property's name.
REQUIRED = "The {0} field is required."
INVALID_EMAIL = "The {0} field is not a valid e-mail address."
# What the rules below accept, as JSON Schema patterns: something besides blanks; one inner '@'.
NOT_BLANK = r"\S"
ONE_INNER_AT = "^[^@]+@[^@]+$"


def required_rule(name: str):
    """[Required]: null, empty and whitespace-only strings all fail (AllowEmptyStrings is false)."""

    def check(value: str) -> None:
        if not value.strip():
            raise ValidationError(REQUIRED.format(name))

    return check


def email_rule(name: str):
    """[EmailAddress] since .NET Core 3.0: exactly one '@', neither first nor last."""

    def check(value: str) -> None:
        at = value.find("@")
        if not (at > 0 and at != len(value) - 1 and at == value.rfind("@")):
            raise ValidationError(INVALID_EMAIL.format(name))

    return check


def required_string(name: str, *extra_rules) -> fields.String:
    """A string property marked [Required], named as the C# property (the ModelState key).
    Every failed rule adds its own message, [Required]'s first, as MVC runs them."""
    message = REQUIRED.format(name)
    pattern = ONE_INNER_AT if email_rule in extra_rules else NOT_BLANK
    return fields.String(
        data_key=name,
        required=True,
        validate=[required_rule(name), *(rule(name) for rule in extra_rules)],
        error_messages={"required": message, "null": message},
        metadata={JSON_SCHEMA: {"pattern": pattern}},
    )


class UserCreate(Schema):
    """POST /v1/cl2c/user, after System.Text.Json bound it: keys are the C# property names."""

    class Meta:
        unknown = EXCLUDE

    first_name = required_string("FirstName")
    last_name = required_string("LastName")
    email = required_string("Email", email_rule)
    user_name = required_string("UserName")
    phone_number = required_string("PhoneNumber")


PROPERTY_NAMES: tuple[str, ...] = tuple(field.data_key or name for name, field in UserCreate().fields.items())
# The request model's full type name, which System.Text.Json names when the body is not an object
# (assumed: the real namespace is not public).
REQUEST_TYPE_NAME = "Taliware.CL2C.Application.Users.CreateUserRequest"
DESERIALIZER = system_text_json.ObjectDeserializer(PROPERTY_NAMES, REQUEST_TYPE_NAME)


class FixtureFields(Schema):
    """What a fixtures-file user may set beyond the create request: what a create would choose."""

    class Meta:
        unknown = EXCLUDE

    wallet_address = fields.String(data_key="walletAddress")
    auth_location = fields.String(data_key="authLocation")
    auth_valid_upto = fields.AwareDateTime(data_key="authValidUpto", format="iso")


class UserCreateBody(UserCreate):
    """The JSON body as clients write it (camelCase, as seed 004 shows), for the OpenAPI document:
    System.Text.Json binds property names case-insensitively, so these reach UserCreate's fields."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        key = field_obj.data_key or field_name
        field_obj.data_key = key[:1].lower() + key[1:]


MILLISECONDS_UTC = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"


def milliseconds_utc(moment: datetime) -> str:
    """The seed's format: ISO-8601, UTC, three fractional digits, "Z" (2024-11-05T19:46:48.912Z)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def always(
    field: type[fields.Field] = fields.String, json_schema: dict[str, Any] | None = None, **kwargs: Any
):
    """A key every user has; `json_schema` says more of its value, for the OpenAPI document."""
    return field(required=True, metadata={JSON_SCHEMA: json_schema or {}}, **kwargs)


class User(Schema):
    """The user, keys in the seed's order."""

    id = always(json_schema={"format": "uuid"})
    userName = always(attribute="user_name")
    firstName = always(attribute="first_name")
    lastName = always(attribute="last_name")
    email = always()
    emailConfirmed = always(fields.Boolean, attribute="email_confirmed")
    authenticated = always(fields.Boolean)
    authValidUpto = fields.Function(
        lambda user: milliseconds_utc(user.auth_valid_upto),
        required=True,
        metadata={JSON_SCHEMA: {"type": "string", "format": "date-time", "pattern": MILLISECONDS_UTC}},
    )
    authLocation = always(attribute="auth_location")
    phoneNumber = always(attribute="phone_number")
    walletAddress = always(attribute="wallet_address", json_schema={"pattern": "^0x[0-9a-f]{40}$"})
