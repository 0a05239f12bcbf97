"""What the server in front of the app (mock_server/rsgi.py) tells it about a request that did not arrive
whole: the request is still handed to the app, so that its refusal is answered and journaled in the
provider's own shape, but with an empty body and a mark that the pipeline turns into an error before
any other step (no fault, no rate-limit count, no auth, no idempotency key, no view)."""

from __future__ import annotations

from enum import Enum

from mock_server.base.errors import ApiError, IncompleteBody, InvalidHost, RequestTimeout

# The WSGI environ key holding the Refusal of a request that did not arrive whole.
REFUSAL = "mock_server.refusal"


class Refusal(Enum):
    BODY_TIMEOUT = "body_timeout"
    BODY_INCOMPLETE = "body_incomplete"
    BAD_HOST = "bad_host"


def refusal_error(refusal: Refusal, body_timeout_seconds: float) -> ApiError:
    if refusal is Refusal.BODY_TIMEOUT:
        return RequestTimeout(f"The request body did not arrive within {body_timeout_seconds:g} seconds.")
    if refusal is Refusal.BODY_INCOMPLETE:
        return IncompleteBody("The request body ended before the length its headers declared.")
    return InvalidHost("The request needs exactly one valid Host header (RFC 9112, section 3.2).")
