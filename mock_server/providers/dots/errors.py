"""Every Dots error is {"success": false, "error_code": ..., "message": ...} (v1 spec, v2 integration)."""

from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields, validate

from mock_server.base.errors import (
    ApiError,
    Conflict,
    InvalidRequest,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RequestTimeout,
    Unauthorized,
    UnsupportedMediaType,
)
from mock_server.core.http import json_response

INVALID_JSON = "Request body must be a valid JSON object."
INCORRECT_TOKEN = "Incorrect token"  # the spec's own words for verify's 400


class IncorrectToken(InvalidRequest):
    """A verification token that is wrong, expired, used up, or was never sent: the spec's one 400."""

    def __init__(self) -> None:
        super().__init__(INCORRECT_TOKEN)


# Documented codes for a field's validation error; any other field is plain invalid-input.
FIELD_ERROR_CODES = {
    "email": "invalid-email",
    "country_code": "invalid-phone-number",
    "phone_number": "invalid-phone-number",
}
CONFLICT_CODES = {"email": "auth-email-already-exists", "username": "auth-username-already-exists"}

# Codes for errors Dots documents no code for (assumed), by error type, most specific first.
ASSUMED_CODES: tuple[tuple[type[ApiError], str], ...] = (
    (Unauthorized, "unauthorized"),
    (NotFound, "not-found"),
    (MethodNotAllowed, "method-not-allowed"),
    (PayloadTooLarge, "payload-too-large"),
    (RequestTimeout, "request-timeout"),
    (UnsupportedMediaType, "unsupported-media-type"),
    (RateLimited, "rate-limit-exceeded"),
)
# Any other error (a fault rule can ask for any status) gets a code named after its status (assumed).
STATUS_CODES = {
    400: "invalid-input",
    403: "forbidden",
    409: "conflict",
    422: "invalid-input",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


# Every code an error body can carry, documented or assumed.
ERROR_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(
        [
            "invalid-input",
            "incorrect-token",
            *FIELD_ERROR_CODES.values(),
            *CONFLICT_CODES.values(),
            "conflict",
            *(code for _, code in ASSUMED_CODES),
            *STATUS_CODES.values(),
            "internal-server-error",
        ]
    )
)


class ErrorBody(Schema):
    """The body of every Dots error, for the OpenAPI document."""

    success = fields.Boolean(required=True, validate=validate.Equal(False))
    error_code = fields.String(required=True, validate=validate.OneOf(ERROR_CODES))
    message = fields.String(required=True)


def error_body(code: str, message: str) -> dict:
    return {"success": False, "error_code": code, "message": message}


def _code_and_message(error: ApiError) -> tuple[str, str]:
    if isinstance(error, MalformedBody):
        return "invalid-input", INVALID_JSON
    if isinstance(error, IncorrectToken):
        return "incorrect-token", error.message
    if isinstance(error, InvalidRequest):
        # Dots reports one problem at a time: the first failed field, in declared order.
        field, messages = next(iter(error.fields.items()), ("", [error.message]))
        return FIELD_ERROR_CODES.get(field, "invalid-input"), messages[0]
    if isinstance(error, Conflict):
        return CONFLICT_CODES.get(error.field or "", "conflict"), error.message
    code = next((code for kind, code in ASSUMED_CODES if isinstance(error, kind)), None)
    return code or STATUS_CODES.get(error.status, "internal-server-error"), error.message


def render_error(error: ApiError) -> Response:
    code, message = _code_and_message(error)
    return json_response(error_body(code, message), error.status)
