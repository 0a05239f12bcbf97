"""Wealthyhood errors are {"message": ..., "code": ...}; its Auth0 token endpoint answers OAuth 2.0
errors instead ({"error": ..., "error_description": ...}, RFC 6749 section 5.2)."""

from __future__ import annotations

import re
from http import HTTPStatus

from flask import Response, request
from marshmallow import Schema, fields, validate

from mock_server.base.errors import (
    ApiError,
    Conflict,
    Forbidden,
    IdempotencyKeyReused,
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

TOKEN_PATH = "/oauth/token"
NOT_A_JSON_OBJECT = "Request body must be a JSON object."
INVALID_JSON = "Request body is not valid JSON: {reason} at line {line}, column {column}."

# Codes by error type, most specific first: the documented BAD_REQUEST and NOT_FOUND, and the
# same spelling (the HTTP reason, upper snake case) for the rest (assumed).
CODES: tuple[tuple[type[ApiError], str], ...] = (
    (InvalidRequest, "BAD_REQUEST"),
    (Unauthorized, "UNAUTHORIZED"),
    (Forbidden, "FORBIDDEN"),
    (NotFound, "NOT_FOUND"),
    (MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (Conflict, "CONFLICT"),
    (PayloadTooLarge, "PAYLOAD_TOO_LARGE"),
    (RequestTimeout, "REQUEST_TIMEOUT"),
    (UnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"),
    (IdempotencyKeyReused, "UNPROCESSABLE_ENTITY"),
    (RateLimited, "TOO_MANY_REQUESTS"),
)
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"

# An error on the token endpoint that is not an OAuthError still gets an OAuth code, by status.
OAUTH_CODES_BY_STATUS = {400: "invalid_request", 401: "invalid_client", 403: "access_denied"}


class BearerTokenRejected(Unauthorized):
    """No usable access token. `challenge_error` is the RFC 6750 error code for WWW-Authenticate;
    None when the request carried no credential at all (RFC 6750 section 3: then no code is given)."""

    def __init__(self, message: str, challenge_error: str | None = "invalid_token") -> None:
        super().__init__(message)
        self.challenge_error = challenge_error


class InsufficientScope(Forbidden):
    def __init__(self, message: str, scope: str) -> None:
        super().__init__(message)
        self.scope = scope


class OAuthError(ApiError):
    """A token request refused with an RFC 6749 error code."""

    def __init__(self, status: int, error: str, description: str, *, basic_challenge: bool = False) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        # RFC 6749 section 5.2: a client that authenticated with the Authorization header is told
        # which scheme to use on 401.
        self.basic_challenge = basic_challenge


# Every OAuth error code the token endpoint answers (RFC 6749 section 5.2).
OAUTH_ERROR_CODES = (
    "invalid_request",
    "invalid_client",
    "unsupported_grant_type",
    "access_denied",
    "server_error",
)


class ErrorBody(Schema):
    """The body of every error of the user routes, for the OpenAPI document."""

    message = fields.String(required=True)
    code = fields.String(
        required=True, validate=validate.OneOf([*(code for _, code in CODES), INTERNAL_SERVER_ERROR])
    )


class OAuthErrorBody(Schema):
    """The body of every error of the token endpoint."""

    error = fields.String(required=True, validate=validate.OneOf(OAUTH_ERROR_CODES))
    error_description = fields.String(required=True)


def error_body(message: str, code: str) -> dict[str, str]:
    return {"message": message, "code": code}


def _message(error: ApiError) -> str:
    if isinstance(error, MalformedBody):
        if error.position is None:
            return NOT_A_JSON_OBJECT
        line, column, _offset = error.position
        return INVALID_JSON.format(reason=error.message, line=line, column=column)
    if isinstance(error, InvalidRequest) and error.fields:
        # One message per response: the first failed field, in declared order.
        return next(iter(error.fields.values()))[0]
    return error.message


def error_code(error: ApiError) -> str:
    """By the error's type; an error of none (a fault rule's 502, say) by its status, spelled the
    same way (its reason phrase in upper snake case), so no status takes another's code."""
    typed = next((code for kind, code in CODES if isinstance(error, kind)), None)
    return typed or code_of_status(error.status)


def code_of_status(status: int) -> str:
    if status == 422:  # one spelling whatever Python's phrase ("Unprocessable Content" from 3.13)
        return "UNPROCESSABLE_ENTITY"
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:  # no registered phrase (a CDN's 520): its class's generic code
        return "BAD_REQUEST" if status < 500 else INTERNAL_SERVER_ERROR
    return re.sub(r"[^A-Z0-9]+", "_", phrase.upper()).strip("_")


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def bearer_challenge(error: ApiError) -> str | None:
    """The WWW-Authenticate value RFC 6750 section 3 prescribes for a refused bearer request."""
    if isinstance(error, BearerTokenRejected):
        if error.challenge_error is None:
            return "Bearer"
        return f"Bearer error={_quoted(error.challenge_error)}, error_description={_quoted(error.message)}"
    if isinstance(error, InsufficientScope):
        return (
            f"Bearer error={_quoted('insufficient_scope')}, "
            f"error_description={_quoted(error.message)}, scope={_quoted(error.scope)}"
        )
    if isinstance(error, Unauthorized):  # a fault rule's 401: no token was at fault, so no error code
        return "Bearer"
    return None


def render_oauth_error(error: ApiError) -> Response:
    if isinstance(error, OAuthError):
        code = error.error
    else:
        code = OAUTH_CODES_BY_STATUS.get(
            error.status, "server_error" if error.status >= 500 else "invalid_request"
        )
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if isinstance(error, OAuthError) and error.basic_challenge and error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="oauth"'
    return json_response({"error": code, "error_description": _message(error)}, error.status, headers)


def on_token_endpoint() -> bool:
    return request.provider is not None and request.real_path == TOKEN_PATH


def render_error(error: ApiError) -> Response:
    if isinstance(error, OAuthError) or on_token_endpoint():
        return render_oauth_error(error)
    code = error_code(error)
    challenge = bearer_challenge(error)
    headers = {"WWW-Authenticate": challenge} if challenge else None
    return json_response(error_body(_message(error), code), error.status, headers)
