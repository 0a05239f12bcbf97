"""Typed errors raised by backends and plumbing. Each provider renders them in its own exact body."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus


class ApiError(Exception):
    """Base of every error the mock answers on purpose; `status` is the HTTP status."""

    status = 500

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(ApiError):
    """The request is well-formed HTTP but fails validation. `fields` maps a field path (as the
    provider spells it, e.g. "address.city") to its messages, in the order the fields were declared."""

    status = 400

    def __init__(self, message: str = "", fields: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, list[str]] = {name: list(msgs) for name, msgs in (fields or {}).items()}


class MalformedBody(InvalidRequest):
    """The body is empty, not JSON, or JSON that is not an object. `position` is where parsing
    stopped (line, column, byte offset), when it got that far."""

    def __init__(self, message: str, position: tuple[int, int, int] | None = None) -> None:
        super().__init__(message)
        self.position = position


class IncompleteBody(InvalidRequest):
    """The body ended before its Content-Length, or its chunked framing broke: the request did not
    arrive whole, and is never acted on."""


class InvalidHost(InvalidRequest):
    """An HTTP/1.1 request without a Host header, with two, or with an invalid one (RFC 9112 section
    3.2): refused as a front end refuses it, before any step acts on it."""


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


class NotFound(ApiError):
    """A resource that does not exist (or belongs to another credential's scope)."""

    status = 404


class RouteNotFound(NotFound):
    """No route matches the path at all."""


class MethodNotAllowed(ApiError):
    status = 405

    def __init__(self, message: str = "", allowed: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.allowed = sorted(allowed)


class Conflict(ApiError):
    """A unique value is taken. `field` names it, in the provider's spelling."""

    status = 409

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IdempotencyKeyInFlight(Conflict):
    """A request with this idempotency key is still being processed."""


class IdempotencyKeyReused(ApiError):
    """The idempotency key was already used with a different request (IETF draft: 422)."""

    status = 422


class RequestTimeout(ApiError):
    """The body did not arrive within the server's time limit; the request was abandoned unread."""

    status = 408


class PayloadTooLarge(ApiError):
    status = 413


class UnsupportedMediaType(ApiError):
    status = 415


class RateLimited(ApiError):
    status = 429

    def __init__(self, message: str = "", retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InternalError(ApiError):
    """Something in the mock itself broke: answered in the provider's shape, never as a stack trace."""

    status = 500


class StoreUnavailable(ApiError):
    """The shared store (Redis) cannot be reached: the provider's own 503, and nothing was written."""

    status = 503


def reason_phrase(status: int) -> str:
    """The status's reason phrase; a generic one for a status with none registered (a fault rule may ask
    for 520, as a CDN in front of an API answers)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
