"""Taliware's error bodies: the ones ASP.NET Core writes itself, and the starter kit's ErrorResult.

- Model binding and validation (400) and an unreadable media type (415): ASP.NET Core's
  (Validation)ProblemDetails, `application/problem+json; charset=utf-8`.
- Everything the application throws (401, 403, 404, 409, 413, 500): the fullstackhero starter kit's
  ExceptionMiddleware, which serialises its ErrorResult with Newtonsoft.Json, camelCase, as
  `application/json`.
- No route (404) and a wrong method (405, with Allow): endpoint routing answers with no body at all.
"""

from __future__ import annotations

from flask import Response, current_app
from marshmallow import Schema, fields, validate

from mock_server.base.errors import (
    ApiError,
    Conflict,
    Forbidden,
    IncompleteBody,
    InvalidHost,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    RouteNotFound,
    Unauthorized,
    UnsupportedMediaType,
)
from mock_server.core.faults import InjectedFault
from mock_server.core.http import dump_json
from mock_server.core.state import current_state
from mock_server.providers.taliware import system_text_json

PROBLEM_JSON = "application/problem+json; charset=utf-8"
ERROR_RESULT_JSON = "application/json"

VALIDATION_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
VALIDATION_TITLE = "One or more validation errors occurred."
UNSUPPORTED_MEDIA_TYPE_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.16"
UNSUPPORTED_MEDIA_TYPE_TITLE = "Unsupported Media Type"

AUTHENTICATION_FAILED = "Authentication Failed."
NOT_AUTHORIZED = "You are not authorized to access this resource."
SUPPORT_MESSAGE = "Provide the ErrorId {0} to the support team for further analysis."
# Kestrel's wording for a body over its limit (BadHttpRequestException).
BODY_TOO_LARGE = "Request body too large. The max request body size is {0} bytes."
# Kestrel's wording for a body that stalls or ends early (BadHttpRequestException, thrown where the app
# reads the body, so its exception middleware answers it).
BODY_TIMED_OUT = (
    "Reading the request body timed out due to data arriving too slowly. See MinRequestBodyDataRate."
)
BODY_ENDED_EARLY = "Unexpected end of request content."
UNEXPECTED_ERROR = "An unexpected error occurred."

# ErrorResult.source is the full name of the class that threw (Exception.TargetSite.DeclaringType).
# The real class names are not public: these are assumed, in the starter kit's layering.
TENANT_SOURCE = "Taliware.CL2C.Infrastructure.Multitenancy.TenantResolutionMiddleware"
API_KEY_SOURCE = "Taliware.CL2C.Infrastructure.Auth.ApiKeyAuthenticationHandler"
USER_SERVICE_SOURCE = "Taliware.CL2C.Infrastructure.Identity.UserService"
KESTREL_SOURCE = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1ContentLengthMessageBody"
MIDDLEWARE_SOURCE = "Taliware.CL2C.Infrastructure.Middleware.ExceptionMiddleware"


TRACE_ID_PATTERN = "^00-[0-9a-f]{32}-[0-9a-f]{16}-00$"


# --- the bodies, for the OpenAPI document ------------------------------------------------------------


class ValidationProblem(Schema):
    """ValidationProblemDetails: 400, for a body that cannot be read or fails validation."""

    type = fields.String(required=True, validate=validate.Equal(VALIDATION_TYPE))
    title = fields.String(required=True, validate=validate.Equal(VALIDATION_TITLE))
    status = fields.Integer(required=True, validate=validate.Equal(400))
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Messages by property name, or by JSON path ($.email) for unreadable JSON."},
    )
    traceId = fields.String(required=True, validate=validate.Regexp(TRACE_ID_PATTERN))


class UnsupportedMediaTypeProblem(Schema):
    """ProblemDetails: 415, for a body no input formatter reads."""

    type = fields.String(required=True, validate=validate.Equal(UNSUPPORTED_MEDIA_TYPE_TYPE))
    title = fields.String(required=True, validate=validate.Equal(UNSUPPORTED_MEDIA_TYPE_TITLE))
    status = fields.Integer(required=True, validate=validate.Equal(415))
    traceId = fields.String(required=True, validate=validate.Regexp(TRACE_ID_PATTERN))


class ErrorResult(Schema):
    """The starter kit's ErrorResult: every error the application itself throws."""

    messages = fields.List(fields.String(), required=True)
    source = fields.String(required=True)
    exception = fields.String(required=True)
    errorId = fields.UUID(required=True)
    supportMessage = fields.String(required=True)
    statusCode = fields.Integer(required=True)


class TenantNotResolved(Unauthorized):
    """No `tenant` header, or one that names no tenant."""

    source = TENANT_SOURCE


class ApiKeyMissing(Unauthorized):
    source = API_KEY_SOURCE


SOURCES: tuple[tuple[type[ApiError], str], ...] = (
    (NotFound, USER_SERVICE_SOURCE),
    (Conflict, USER_SERVICE_SOURCE),
    (PayloadTooLarge, KESTREL_SOURCE),
    (RequestTimeout, KESTREL_SOURCE),
    (IncompleteBody, KESTREL_SOURCE),
    (Unauthorized, API_KEY_SOURCE),
    (Forbidden, API_KEY_SOURCE),
    (ApiError, MIDDLEWARE_SOURCE),
)


def trace_id() -> str:
    """Activity.Current.Id in W3C form: version, 16-byte trace id, 8-byte span id, flags."""
    ids = current_state().ids
    return f"00-{ids.hex_token(16)}-{ids.hex_token(8)}-00"


def _segment_key(segment: str) -> tuple[int, str]:
    # ModelStateNode.BinarySearch: shorter keys first, then OrdinalIgnoreCase.
    return len(segment), segment.upper()


def _model_state_key(key: str) -> tuple[int, list[tuple[int, str]]]:
    segments = [part for part in key.replace("[", ".[").split(".")] if key else []
    return len(segments), [_segment_key(segment) for segment in segments]


def model_state_order(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """ModelStateDictionary's enumeration order, which ValidationProblemDetails.errors keeps: a
    breadth-first walk of the key tree ("$.email" is "$" then "email"), each level sorted by length
    and then case-insensitively. So "Email" comes before "LastName", "UserName", "FirstName"."""
    return dict(sorted(fields.items(), key=lambda item: _model_state_key(item[0])))


def problem_response(body: dict, status: int) -> Response:
    return Response(system_text_json.dumps(body), status=status, content_type=PROBLEM_JSON)


def validation_problem(error: InvalidRequest) -> Response:
    # No fields: a request the framework under us refused before any JSON was read (a werkzeug 400).
    fields = error.fields or {"$": [error.message]}
    body = {
        "type": VALIDATION_TYPE,
        "title": VALIDATION_TITLE,
        "status": 400,
        "errors": model_state_order(fields),
        "traceId": trace_id(),
    }
    return problem_response(body, 400)


def unsupported_media_type() -> Response:
    body = {
        "type": UNSUPPORTED_MEDIA_TYPE_TYPE,
        "title": UNSUPPORTED_MEDIA_TYPE_TITLE,
        "status": 415,
        "traceId": trace_id(),
    }
    return problem_response(body, 415)


def newtonsoft_dumps(payload: dict) -> str:
    """Newtonsoft.Json's default escaping: control characters, quote and backslash, and the three
    characters JavaScript cannot hold in a string literal; all other text as it is."""
    text = dump_json(payload)
    return text.replace("\u0085", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _message(error: ApiError) -> str:
    if isinstance(error, InjectedFault) and error.chosen_message:
        return error.chosen_message  # a fault rule's own words win over Taliware's wording of its status
    if isinstance(error, PayloadTooLarge):
        return BODY_TOO_LARGE.format(current_app.config["MAX_CONTENT_LENGTH"])
    if isinstance(error, RequestTimeout):
        return BODY_TIMED_OUT
    if isinstance(error, IncompleteBody):
        return BODY_ENDED_EARLY
    if isinstance(error, Unauthorized):
        return AUTHENTICATION_FAILED
    if isinstance(error, Forbidden):
        return NOT_AUTHORIZED
    return error.message or UNEXPECTED_ERROR


def _source(error: ApiError) -> str:
    explicit = getattr(error, "source", None)
    return explicit or next(source for kind, source in SOURCES if isinstance(error, kind))


def error_result(error: ApiError) -> Response:
    """The starter kit's ErrorResult, keys in its declared order."""
    error_id = current_state().ids.uuid4()
    message = _message(error)
    body = {
        "messages": [message],
        "source": _source(error),
        "exception": message.strip(),
        "errorId": error_id,
        "supportMessage": SUPPORT_MESSAGE.format(error_id),
        "statusCode": error.status,
    }
    return Response(newtonsoft_dumps(body), status=error.status, content_type=ERROR_RESULT_JSON)


def empty(status: int) -> Response:
    response = Response(b"", status=status)
    del response.headers["Content-Type"]
    return response


def render_error(error: ApiError) -> Response:
    # Kestrel answers a bad Host itself, before any middleware runs: a bare 400.
    if isinstance(error, RouteNotFound | MethodNotAllowed | InvalidHost):
        return empty(error.status)
    if isinstance(error, UnsupportedMediaType):
        return unsupported_media_type()
    if isinstance(error, IncompleteBody):
        return error_result(error)
    if isinstance(error, InvalidRequest):
        return validation_problem(error)
    return error_result(error)
