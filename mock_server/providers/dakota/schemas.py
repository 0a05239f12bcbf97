"""Dakota request and response schemas (spec: CreateClientUserRequest, UpdateClientUserRequest,
listClientUsers, ClientUser; seed 003)."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, validate, validates_schema

from mock_server.core.http import EMAIL_MAX_LENGTH

ROLES = ("admin", "viewer")
SORT_FIELDS = ("created_at", "email", "name", "role")
SORT_DIRECTIONS = ("asc", "desc")
KSUID_PATTERN = r"^[0-9A-Za-z]{27}\Z"
INVALID_EMAIL = "email must be a valid email address"

# The machine-readable `code` of each field message. Dakota documents `invalid_format`; the other
# codes, and every message's wording, are assumed (the real texts are unpublished).
CODES: dict[str, str] = {}


def message(text: str, code: str) -> str:
    CODES[text] = code
    return text


def _messages(name: str, kind: str, invalid_code: str = "invalid_type") -> dict[str, str]:
    return {
        "required": message(f"{name} is required", "required"),
        "null": message(f"{name} must not be null", "invalid_type"),
        "invalid": message(f"{name} must be {kind}", invalid_code),
    }


def name_field(name: str, *, required: bool) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(min=1, error=message(f"{name} must not be empty", "too_short")),
        error_messages=_messages(name, "a string"),
    )


def role_field(*, required: bool) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.OneOf(
            ROLES, error=message(f"role must be one of: {', '.join(ROLES)}", "invalid_value")
        ),
        error_messages=_messages("role", "a string"),
    )


def ksuid_field(name: str, *, required: bool = False) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Regexp(
            KSUID_PATTERN, error=message(f"{name} must be a valid KSUID", "invalid_format")
        ),
    )


def choice_field(name: str, choices: tuple[str, ...], default: str) -> fields.String:
    error = message(f"{name} must be one of: {', '.join(choices)}", "invalid_value")
    return fields.String(load_default=default, validate=validate.OneOf(choices, error=error))


def date_time_field(name: str) -> fields.AwareDateTime:
    error = message(
        f"{name} must be an ISO 8601 date-time with a time zone, e.g. 2024-01-01T00:00:00Z", "invalid_format"
    )
    return fields.AwareDateTime(
        format="iso", default_timezone=None, error_messages={"invalid": error, "invalid_awareness": error}
    )


class UserCreate(Schema):
    """POST /users. Unknown fields are ignored (assumed, as Go's JSON decoding does by default)."""

    class Meta:
        unknown = EXCLUDE

    first_name = name_field("first_name", required=True)
    last_name = name_field("last_name", required=True)
    email = fields.Email(
        required=True,
        validate=validate.Length(max=EMAIL_MAX_LENGTH, error=message(INVALID_EMAIL, "invalid_format")),
        error_messages=_messages("email", "a valid email address", invalid_code="invalid_format"),
    )
    role = role_field(required=True)


class UserUpdate(Schema):
    """PATCH /users/{user_id}: "the name or role"; any other field is ignored."""

    class Meta:
        unknown = EXCLUDE

    first_name = name_field("first_name", required=False)
    last_name = name_field("last_name", required=False)
    role = role_field(required=False)


class ListQuery(Schema):
    """GET /users query string: every parameter of the spec."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(
        load_default=20,
        validate=validate.Range(1, 100, error=message("limit must be between 1 and 100", "out_of_range")),
        error_messages={"invalid": message("limit must be an integer", "invalid_type")},
    )
    starting_after = ksuid_field("starting_after")
    ending_before = ksuid_field("ending_before")
    search = fields.String()
    created_at_from = date_time_field("created_at_from")
    created_at_to = date_time_field("created_at_to")
    roles = fields.String()
    sort_by = choice_field("sort_by", SORT_FIELDS, "created_at")
    sort_dir = choice_field("sort_dir", SORT_DIRECTIONS, "desc")

    @validates_schema
    def one_cursor(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starting_after" in data and "ending_before" in data:
            text = message("Use starting_after or ending_before, not both", "invalid_value")
            raise ValidationError(text, "starting_after")


# --- responses -----------------------------------------------------------------------------------


class User(Schema):
    """ClientUser, keys in the seed's order; `is_super_admin` is sent "only if true" (seed 003).
    `required` and the validators say, in the OpenAPI document, what is always sent and how."""

    id = ksuid_field("id", required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    role = role_field(required=True)
    created_at = fields.Integer(required=True)
    is_super_admin = fields.Boolean(validate=validate.Equal(True))
    swift_enabled = fields.Boolean(required=True)

    @post_dump
    def omit_false_super_admin(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not data.get("is_super_admin"):
            data.pop("is_super_admin", None)
        return data


class PageMeta(Schema):
    total_count = fields.Integer(required=True)
    has_more_after = fields.Boolean(required=True)
    has_more_before = fields.Boolean(required=True)


class UserPage(Schema):
    """GET /users: one page, and where it stands in the whole list."""

    data = fields.List(fields.Nested(User), required=True)
    meta = fields.Nested(PageMeta, required=True)
