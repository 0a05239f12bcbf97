"""Every error, including the framework's own (unknown route, wrong method, body too large), is
answered in the owning provider's exact shape; nothing ever answers with a stack trace."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.exceptions import MethodNotAllowed as WerkzeugMethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from mock_server.base.errors import (
    ApiError,
    InternalError,
    InvalidRequest,
    MalformedBody,
    MethodNotAllowed,
    PayloadTooLarge,
    RateLimited,
    RouteNotFound,
    StoreUnavailable,
)
from mock_server.core.http import json_response
from mock_server.core.state import current_state

STORE_UNAVAILABLE = "The service is temporarily unavailable. Try again shortly."


def from_http_exception(error: HTTPException) -> ApiError:
    """The framework's routing and parsing errors, as the typed errors providers render."""
    if isinstance(error, WerkzeugNotFound):
        return RouteNotFound(f"Cannot {request.method} {request.real_path}")
    if isinstance(error, WerkzeugMethodNotAllowed):
        return MethodNotAllowed(f"Method {request.method} is not allowed.", allowed=error.valid_methods or ())
    if isinstance(error, RequestEntityTooLarge):
        return PayloadTooLarge("Request body is too large.")
    if error.code == 400:
        return MalformedBody(error.description or "Bad request.")
    generic = ApiError(error.description or error.name)
    generic.status = error.code or 500
    return generic


def _own_error_body(error: ApiError) -> dict[str, str]:
    """Outside every provider there is no provider shape to follow: say where the APIs are."""
    if isinstance(error, RouteNotFound):
        mounts = ", ".join(provider.prefix for provider in current_state().providers.values())
        return {
            "error": f"No emulated API at {request.path}. APIs are mounted at: {mounts}; "
            "or send a provider's real host in the Host header."
        }
    if isinstance(error, InvalidRequest) and error.fields:
        return {"error": "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.fields.items())}
    return {"error": error.message}


def render(error: ApiError) -> Response:
    if request.provider is None:
        response = json_response(_own_error_body(error), error.status)
    else:
        response = request.provider.render_error(error)
    if isinstance(error, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(error.allowed)
    if isinstance(error, RateLimited):  # a throttled answer says when to retry (RFC 6585 section 4)
        response.headers.setdefault("Retry-After", str(error.retry_after))
    return response


def init_error_handling(app: Flask) -> None:
    app.register_error_handler(ApiError, render)
    app.register_error_handler(HTTPException, lambda error: render(from_http_exception(error)))

    @app.errorhandler(Exception)
    def internal_error(error: Exception) -> Response:
        store_errors = current_state().store_errors
        if isinstance(error, store_errors) or isinstance(
            getattr(error, "original_exception", None), store_errors
        ):
            app.logger.warning("the store is unavailable: %s", error)
            return render(StoreUnavailable(STORE_UNAVAILABLE))
        app.logger.exception("unhandled error in the mock")  # the trace goes to the log, not the client
        return render(InternalError("An unexpected error occurred."))
