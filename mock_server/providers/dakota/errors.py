"""Every Dakota error is RFC 9457 problem details (application/problem+json), and every response,
error or not, carries the request's id in `x-request-id`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Response, g, request
from marshmallow import Schema, fields, validate

from mock_server.base.errors import (
    ApiError,
    Conflict,
    Forbidden,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidRequest,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RequestTimeout,
    RouteNotFound,
    Unauthorized,
    UnsupportedMediaType,
    reason_phrase,
)
from mock_server.core.faults import InjectedFault
from mock_server.core.http import json_response
from mock_server.core.routing import host_without_port
from mock_server.core.state import current_state
from mock_server.providers.dakota.schemas import CODES

PROBLEM_JSON = "application/problem+json"
ERRORS_PAGE = "https://docs.dakota.xyz/api-reference/errors#"
REQUEST_ID_HEADER = "x-request-id"
# What a path keeps unescaped in a URI (RFC 3986 section 3.3: pchar and "/"); the rest is percent-encoded.
PATH_CHARACTERS = "/:@!$&'()*+,;="

VALIDATION_FAILED = "One or more fields failed validation."  # Dakota's docs (errors page)
INVALID_JSON = "Request body must be a valid JSON object"
KEY_IN_FLIGHT = "A request with this x-idempotency-key is still being processed"
KEY_REUSED = "This x-idempotency-key was already used with a different request"
INTERNAL_ERROR = "An unexpected error occurred"
DEFAULT_FIELD_CODE = "invalid_value"


@dataclass(frozen=True)
class ProblemType:
    anchor: str  # of Dakota's errors page, as the spec's `type` values use them
    title: str


INVALID_REQUEST = ProblemType("invalid-request", "Invalid Request")
AUTHENTICATION = ProblemType("authentication-error", "Unauthorized")
FORBIDDEN = ProblemType("forbidden", "Forbidden")
NOT_FOUND = ProblemType("not-found", "Not Found")
CONFLICT = ProblemType("conflict", "Conflict")
DUPLICATE_REQUEST = ProblemType("conflict", "Conflict - duplicate request detected")
UNPROCESSABLE = ProblemType("validation-error", "Unprocessable entity")
TOO_LARGE = ProblemType("payload-too-large", "Payload Too Large")
INTERNAL = ProblemType("internal-error", "Internal server error")
NOT_IMPLEMENTED = ProblemType("not-implemented", "Not implemented")
PROVIDER_ERROR = ProblemType("provider-error", "Bad Gateway")  # as POST /users's own 502 example
SERVICE_UNAVAILABLE = ProblemType("service-unavailable", "Service Unavailable")
# Not in the spec (assumed, in the same style):
METHOD_NOT_ALLOWED = ProblemType("method-not-allowed", "Method Not Allowed")
UNSUPPORTED_MEDIA_TYPE = ProblemType("unsupported-media-type", "Unsupported Media Type")
RATE_LIMITED = ProblemType("rate-limit-exceeded", "Too Many Requests")
REQUEST_TIMEOUT = ProblemType("request-timeout", "Request Timeout")

# By error type, most specific first.
PROBLEM_TYPES: tuple[tuple[type[ApiError], ProblemType], ...] = (
    (InvalidRequest, INVALID_REQUEST),
    (Unauthorized, AUTHENTICATION),
    (Forbidden, FORBIDDEN),
    (NotFound, NOT_FOUND),
    (MethodNotAllowed, METHOD_NOT_ALLOWED),
    (IdempotencyKeyInFlight, DUPLICATE_REQUEST),
    (Conflict, CONFLICT),
    (IdempotencyKeyReused, UNPROCESSABLE),
    (PayloadTooLarge, TOO_LARGE),
    (RequestTimeout, REQUEST_TIMEOUT),
    (UnsupportedMediaType, UNSUPPORTED_MEDIA_TYPE),
    (RateLimited, RATE_LIMITED),
)

# By status, for an error of none of the types above (a fault rule's 502, say): the spec's own.
PROBLEM_TYPES_BY_STATUS: dict[int, ProblemType] = {
    422: UNPROCESSABLE,
    501: NOT_IMPLEMENTED,
    502: PROVIDER_ERROR,
    503: SERVICE_UNAVAILABLE,
}


REQUEST_ID_PATTERN = "^req_[0-9a-z]{26}$"
# Every `type` a problem can have: the anchors above and the internal error's.
PROBLEM_TYPE_URLS = tuple(
    dict.fromkeys(
        ERRORS_PAGE + problem.anchor
        for problem in (*(p for _, p in PROBLEM_TYPES), *PROBLEM_TYPES_BY_STATUS.values(), INTERNAL)
    )
)


class FieldError(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)
    code = fields.String(
        required=True, validate=validate.OneOf(sorted({*CODES.values(), DEFAULT_FIELD_CODE}))
    )


class Problem(Schema):
    """RFC 9457 problem details, as every Dakota error is; for the OpenAPI document."""

    type = fields.String(required=True, validate=validate.OneOf(PROBLEM_TYPE_URLS))
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    instance = fields.String(
        required=True,
        metadata={
            "format": "uri",
            "description": "The request's path as an absolute URL on the real host it was for "
            "(production unless the request came through the sandbox host), without its query string.",
        },
    )
    request_id = fields.String(required=True, validate=validate.Regexp(REQUEST_ID_PATTERN))
    errors = fields.List(fields.Nested(FieldError), metadata={"description": "Only for invalid fields."})


def request_id() -> str:
    """This request's id, made on first use: `req_` and a lower-case ULID, as the spec's examples."""
    if "dakota_request_id" not in g:
        g.dakota_request_id = "req_" + current_state().ids.ulid().lower()
    return g.dakota_request_id


def with_request_id(response: Response) -> Response:
    response.headers.setdefault(REQUEST_ID_HEADER, request_id())
    return response


def _problem_type(error: ApiError) -> ProblemType:
    for kind, problem in PROBLEM_TYPES:
        if isinstance(error, kind):
            return problem
    if error.status in PROBLEM_TYPES_BY_STATUS:
        return PROBLEM_TYPES_BY_STATUS[error.status]
    if error.status < 500:  # a framework error no provider type covers (e.g. 406)
        return ProblemType(INVALID_REQUEST.anchor, reason_phrase(error.status))
    return INTERNAL


def _title_and_detail(error: ApiError, problem: ProblemType) -> tuple[str, str]:
    if isinstance(error, InjectedFault):
        return _injected_title_and_detail(error, problem)
    if isinstance(error, MalformedBody):
        return problem.title, _invalid_json_detail(error)
    if isinstance(error, InvalidRequest):
        return problem.title, error.message or VALIDATION_FAILED
    if isinstance(error, IdempotencyKeyInFlight):
        return problem.title, KEY_IN_FLIGHT
    if isinstance(error, IdempotencyKeyReused):
        return problem.title, KEY_REUSED
    if isinstance(error, NotFound | Conflict) and not isinstance(error, RouteNotFound):
        # "User not found", "User already exists": the title is the detail, unless the error has its own
        # ("Replay limit exceeded").
        return getattr(error, "title", error.message), error.message
    if problem is INTERNAL:
        return problem.title, INTERNAL_ERROR  # never the exception's own text
    return problem.title, error.message or problem.title


def _injected_title_and_detail(error: InjectedFault, problem: ProblemType) -> tuple[str, str]:
    """As the spec's examples of every status: the detail repeats the title, unless the rule chose a
    message; a 404's or 409's title is its detail, as the backend's own ("User not found")."""
    detail = error.chosen_message or problem.title
    if isinstance(error, NotFound | Conflict):
        return detail, detail
    return problem.title, detail


def _invalid_json_detail(error: MalformedBody) -> str:
    if error.position is None:
        return INVALID_JSON
    line, column, _ = error.position
    return f"{INVALID_JSON} (invalid JSON at line {line}, column {column})"


def field_errors(error: ApiError) -> list[dict[str, str]]:
    if not isinstance(error, InvalidRequest) or isinstance(error, MalformedBody):
        return []
    return [
        {"field": field, "message": text, "code": CODES.get(text, DEFAULT_FIELD_CODE)}
        for field, texts in error.fields.items()
        for text in texts
    ]


def instance_url() -> str:
    """The spec's `instance` (format uri; its examples are absolute, on the production host): the
    request's path on the real host it was for. A request through the sandbox host names that host;
    any other (mounted under /dakota, or served on a port of its own) names production's, the first
    host the provider declares. The query string is left out: the spec calls it "the request path"
    and none of its examples has one (assumed)."""
    hosts = request.provider.hosts
    host = host_without_port(request.host)
    real_host = host if host in hosts else hosts[0]
    return f"https://{real_host}{quote(request.real_path, safe=PATH_CHARACTERS)}"


def problem_details(error: ApiError) -> dict[str, Any]:
    """The body, keys in the spec's order."""
    problem = _problem_type(error)
    title, detail = _title_and_detail(error, problem)
    body: dict[str, Any] = {
        "type": ERRORS_PAGE + problem.anchor,
        "title": title,
        "status": error.status,
        "detail": detail,
        "instance": instance_url(),
        "request_id": request_id(),
    }
    errors = field_errors(error)
    if errors:
        body["errors"] = errors
    return body


def render_error(error: ApiError) -> Response:
    # A 429's Retry-After, which the spec's info asks for, is added for every provider by
    # core/error_handling.render.
    return json_response(problem_details(error), error.status, content_type=PROBLEM_JSON)
