"""A fault rule's status is answered as the provider answers that status itself: its own type, code,
title and headers, never another status's (every injected 4xx was Dakota's `#invalid-request`, and
Dots' and Wealthyhood's 401, 404 and 429 were their 500's code)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import basic
from tests.dakota.helpers import ERRORS_PAGE, PRODUCTION
from tests.taliware.helpers import (
    API_KEY_SOURCE,
    AUTH_FAILED,
    PROBLEM_JSON,
    USER_SERVICE_SOURCE,
    error_result,
    validation_problem,
)

DOTS = "/dots/api/v2/users"
WEALTHYHOOD = "/wealthyhood/users"
DAKOTA = "/dakota/users"
TALIWARE = "/taliware/v1/cl2c/users"
MIDDLEWARE_SOURCE = "Taliware.CL2C.Infrastructure.Middleware.ExceptionMiddleware"
NOT_AUTHORIZED = "You are not authorized to access this resource."


def inject(client, status: int, **rule: Any) -> None:
    response = client.post("/__admin/faults", json={"status": status, "times": 1, **rule})
    assert response.status_code == 201


# --- Dakota: the spec's type and title of each status ---------------------------------------------


@pytest.mark.parametrize(
    ("status", "anchor", "title", "detail"),
    [
        (400, "invalid-request", "Invalid Request", "Invalid Request"),
        (401, "authentication-error", "Unauthorized", "Unauthorized"),
        (403, "forbidden", "Forbidden", "Forbidden"),
        (404, "not-found", "Not Found", "Not Found"),
        (409, "conflict", "Conflict", "Conflict"),
        (422, "validation-error", "Unprocessable entity", "Unprocessable entity"),
        (429, "rate-limit-exceeded", "Too Many Requests", "Too Many Requests"),
        (500, "internal-error", "Internal server error", "Internal server error"),
        (501, "not-implemented", "Not implemented", "Not implemented"),
        (502, "provider-error", "Bad Gateway", "Bad Gateway"),  # POST /users's own 502 example
        (503, "service-unavailable", "Service Unavailable", "Service Unavailable"),
        (418, "invalid-request", "I'm a Teapot", "I'm a Teapot"),  # a status Dakota has no type for
        (504, "internal-error", "Internal server error", "Internal server error"),
    ],
)
def test_dakota_answers_an_injected_status_with_its_own_type_and_title(client, status, anchor, title, detail):
    inject(client, status)
    response = client.get(DAKOTA, headers={"x-api-key": "key-a"})
    assert (response.status_code, response.content_type) == (status, "application/problem+json")
    assert response.get_json() == {
        "type": ERRORS_PAGE + anchor,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": f"{PRODUCTION}/users",
        "request_id": response.headers["x-request-id"],
    }


def test_dakota_answers_an_injected_429_with_retry_after(client):
    inject(client, 429)
    response = client.get(DAKOTA, headers={"x-api-key": "key-a"})
    assert (response.status_code, response.headers["Retry-After"]) == (429, "60")


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (DOTS, basic("c1")),
        (TALIWARE, {"tenant": "tenant-a", "X-API-Key": "key-a"}),
        ("/wealthyhood/users/me", {}),  # faults come before auth: no token needed to be throttled
    ],
    ids=["dots", "taliware", "wealthyhood"],
)
def test_every_provider_answers_an_injected_429_with_one_retry_after(client, path, headers):
    inject(client, 429)
    response = client.get(path, headers=headers)
    assert response.status_code == 429
    assert response.headers.getlist("Retry-After") == ["60"]


@pytest.mark.parametrize(
    ("status", "anchor", "title"),
    [(404, "not-found", "Customer not found"), (502, "provider-error", "Bad Gateway")],
)
def test_dakota_takes_a_rules_message_as_its_detail(client, status, anchor, title):
    inject(client, status, message="Customer not found" if status == 404 else "Provider gRPC call failed")
    body = client.get(DAKOTA, headers={"x-api-key": "key-a"}).get_json()
    detail = "Customer not found" if status == 404 else "Provider gRPC call failed"
    # A 404's title is its detail, as the backend's own "User not found" is.
    assert (body["type"], body["title"], body["detail"]) == (ERRORS_PAGE + anchor, title, detail)


# --- Dots: the error_code of each status ------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, "invalid-input", "Bad Request"),
        (401, "unauthorized", "Unauthorized"),
        (403, "forbidden", "Forbidden"),
        (404, "not-found", "Not Found"),
        (405, "method-not-allowed", "Method Not Allowed"),
        (409, "conflict", "Conflict"),
        (413, "payload-too-large", "Request Entity Too Large"),
        (415, "unsupported-media-type", "Unsupported Media Type"),
        (429, "rate-limit-exceeded", "Too Many Requests"),
        (500, "internal-server-error", "Internal Server Error"),
        (502, "bad-gateway", "Bad Gateway"),
        (503, "service-unavailable", "Service Unavailable"),
    ],
)
def test_dots_answers_an_injected_status_with_its_own_error_code(client, status, code, message):
    inject(client, status)
    response = client.get(DOTS, headers=basic("client-a"))
    assert response.status_code == status
    assert response.get_json() == {"success": False, "error_code": code, "message": message}


def test_an_injected_405_allows_no_method(client):
    # RFC 9110 section 10.2.1: an empty Allow says the resource allows none (it is out of order).
    inject(client, 405)
    response = client.get(DOTS, headers=basic("client-a"))
    assert (response.status_code, response.headers["Allow"]) == (405, "")


# --- Wealthyhood: the code of each status -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, "BAD_REQUEST", "Bad Request"),
        (401, "UNAUTHORIZED", "Unauthorized"),
        (403, "FORBIDDEN", "Forbidden"),
        (404, "NOT_FOUND", "Not Found"),
        (409, "CONFLICT", "Conflict"),
        (422, "UNPROCESSABLE_ENTITY", "Unprocessable Entity"),
        (429, "TOO_MANY_REQUESTS", "Too Many Requests"),
        (500, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
        (502, "BAD_GATEWAY", "Bad Gateway"),
        (503, "SERVICE_UNAVAILABLE", "Service Unavailable"),
        (418, "I_M_A_TEAPOT", "I'm a Teapot"),
        (520, "INTERNAL_SERVER_ERROR", "Error"),  # no reason phrase: its class's generic code
    ],
)
def test_wealthyhood_answers_an_injected_status_with_its_own_code(client, status, code, message):
    inject(client, status)
    response = client.get(WEALTHYHOOD)
    assert response.status_code == status
    assert response.get_json() == {"message": message, "code": code}


def test_wealthyhoods_injected_401_challenges_as_its_own_401s_do(client):
    # RFC 9110 section 11.6.1: a 401 names a scheme; RFC 6750 section 3: no error code when no
    # token was at fault.
    inject(client, 401)
    assert client.get(WEALTHYHOOD).headers["WWW-Authenticate"] == "Bearer"


# --- Taliware: the shape each status has there -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "message", "source"),
    [
        (401, AUTH_FAILED, API_KEY_SOURCE),
        (403, NOT_AUTHORIZED, API_KEY_SOURCE),
        (404, "Not Found", USER_SERVICE_SOURCE),
        (409, "Conflict", USER_SERVICE_SOURCE),
        (500, "Internal Server Error", MIDDLEWARE_SOURCE),
        (502, "Bad Gateway", MIDDLEWARE_SOURCE),
    ],
)
def test_taliware_answers_an_injected_status_as_its_own_error_result(client, status, message, source):
    inject(client, status)
    response = client.get(TALIWARE)
    assert (response.status_code, response.content_type) == (status, "application/json")
    assert response.get_json() == error_result(response.get_json(), status, message, source)


def test_taliware_takes_a_rules_message_over_its_own_wording(client):
    inject(client, 401, message="API key revoked")
    response = client.get(TALIWARE)
    assert response.get_json() == error_result(response.get_json(), 401, "API key revoked", API_KEY_SOURCE)


def test_taliwares_injected_400_is_a_validation_problem(client):
    inject(client, 400)
    response = client.get(TALIWARE)
    assert (response.status_code, response.content_type) == (400, PROBLEM_JSON)
    assert response.get_json() == validation_problem(response.get_json(), {"$": ["Bad Request"]})


def test_taliwares_injected_405_has_no_body_as_its_routing_405(client):
    inject(client, 405)
    response = client.get(TALIWARE)
    assert (response.status_code, response.data, response.headers["Allow"]) == (405, b"", "")
