"""Dots, route by route: every kind of bad input gets Dots' own error body, and nothing stored changes.
(The sandbox runs the same code under /dots-sandbox; its one difference, phone dedupe, is in tests/dots.)"""

from __future__ import annotations

import json

import pytest

from tests.conftest import basic
from tests.dots.helpers import PROD, error, expected_user, person
from tests.robustness.helpers import (
    BIG,
    BIG_EMAIL,
    EMPTY,
    LONE_SURROGATE,
    NAMES_IN_MANY_SCRIPTS,
    NOT_AN_OBJECT,
    NOT_JSON,
    NOT_JSON_CONTENT_TYPES,
    ODD_CASE_CONTENT_TYPE,
    SPACED_EMAIL,
    WRONG_TYPES,
    crud_routes,
    methods_not_allowed,
    odd_case,
    refused,
    without,
    write_routes,
)

AUTH = basic("robust-client")
USER = PROD + "/{id}"
INVALID_JSON = error("invalid-input", "Request body must be a valid JSON object.")
NOT_JSON_TYPE = error("unsupported-media-type", "Content-Type must be application/json (UTF-8).")

ROUTES = crud_routes(PROD, USER)
WRITES = write_routes(PROD, USER)
ALLOWED = {PROD: "GET, HEAD, OPTIONS, POST", USER: "DELETE, GET, HEAD, OPTIONS, PATCH"}
NOT_ALLOWED = methods_not_allowed(ALLOWED, {PROD: "users", USER: "user"})

# Create's fields: (name, code of its errors, what a wrong type is told)
REQUIRED = [
    ("first_name", "invalid-input", "first_name must be a string."),
    ("last_name", "invalid-input", "last_name must be a string."),
    ("email", "invalid-email", "email must be a valid email address."),
    ("country_code", "invalid-phone-number", "country_code must be a string."),
    ("phone_number", "invalid-phone-number", "phone_number must be a string."),
]
OPTIONAL = [
    ("username", "invalid-input", "username must be a string."),
    ("date_of_birth", "invalid-input", "date_of_birth must be a date in YYYY-MM-DD format."),
]


@pytest.fixture
def existing(client) -> dict:
    """A user already stored for this client, which no refused request may touch."""
    response = client.post(PROD, headers=AUTH, json=person(1, username="first", metadata={"k": "v"}))
    assert response.status_code == 200
    return response.get_json()


def url(path: str, existing: dict) -> str:
    return path.format(id=existing["id"])


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("raw", [*NOT_JSON, b'{"a": 1,}', *NOT_AN_OBJECT, *EMPTY])
def test_write_with_a_body_that_is_not_a_json_object_is_400(client, state, existing, method, path, raw):
    response = refused(
        client, state, method, url(path, existing), headers=AUTH, data=raw, content_type="application/json"
    )
    assert (response.status_code, response.get_json()) == (400, INVALID_JSON)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("content_type", NOT_JSON_CONTENT_TYPES)
def test_write_with_a_body_not_declared_as_json_is_415(client, state, existing, method, path, content_type):
    raw = json.dumps(person(2)).encode()
    response = refused(
        client, state, method, url(path, existing), headers=AUTH, data=raw, content_type=content_type
    )
    assert (response.status_code, response.get_json()) == (415, NOT_JSON_TYPE)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_write_with_a_body_over_the_limit_is_413(app, client, state, existing, method, path):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = person(2, metadata="x" * limit)
    response = refused(client, state, method, url(path, existing), headers=AUTH, json=body)
    assert response.status_code == 413
    assert response.get_json() == error(
        "payload-too-large", f"Request body is larger than the limit of {limit} bytes."
    )


@pytest.mark.parametrize(("field", "code", "_"), REQUIRED)
def test_create_without_a_required_field_is_400(client, state, existing, field, code, _):
    response = refused(client, state, "POST", PROD, headers=AUTH, json=without(person(2), field))
    assert (response.status_code, response.get_json()) == (400, error(code, f"{field} is required."))


@pytest.mark.parametrize(("field", "code", "message"), REQUIRED + OPTIONAL)
@pytest.mark.parametrize(("value", "_token"), WRONG_TYPES)
def test_create_with_a_wrong_type_is_400(client, state, existing, field, code, message, value, _token):
    response = refused(client, state, "POST", PROD, headers=AUTH, json=person(2, **{field: value}))
    assert (response.status_code, response.get_json()) == (400, error(code, message))


@pytest.mark.parametrize(("field", "code", "_"), REQUIRED + OPTIONAL)
def test_create_with_a_null_is_400(client, state, existing, field, code, _):
    response = refused(client, state, "POST", PROD, headers=AUTH, json=person(2, **{field: None}))
    assert (response.status_code, response.get_json()) == (400, error(code, f"{field} may not be null."))


@pytest.mark.parametrize(
    ("field", "value", "code", "message"),
    [
        ("first_name", BIG, "invalid-input", "first_name must be 1 to 50 characters long."),
        ("last_name", BIG, "invalid-input", "last_name must be 1 to 50 characters long."),
        ("username", BIG, "invalid-input", "username must be 1 to 50 characters long."),
        ("email", BIG_EMAIL, "invalid-email", "email must be a valid email address."),
        ("country_code", "1" * 100_000, "invalid-phone-number", "country_code must be 1 to 3 digits."),
        ("phone_number", "4" * 100_000, "invalid-phone-number", "phone_number must be 1 to 20 digits."),
    ],
)
def test_create_with_a_string_of_100000_characters_is_400(
    client, state, existing, field, value, code, message
):
    response = refused(client, state, "POST", PROD, headers=AUTH, json=person(2, **{field: value}))
    assert (response.status_code, response.get_json()) == (400, error(code, message))


def test_create_keeps_metadata_of_100000_characters_whole(client, state):
    response = client.post(PROD, headers=AUTH, json=person(2, metadata=BIG))
    assert response.status_code == 200
    assert response.get_json() == expected_user(response.get_json()["id"], person(2, metadata=BIG))
    assert state.store.get("dots", "robust-client", response.get_json()["id"]).metadata == BIG


@pytest.mark.parametrize("name", NAMES_IN_MANY_SCRIPTS)
def test_create_keeps_unicode_and_emoji_in_names_exactly(client, state, name):
    body = person(2, first_name=name, last_name=name[::-1])
    response = client.post(PROD, headers=AUTH, json=body)
    assert response.status_code == 200
    user = response.get_json()
    assert user == expected_user(user["id"], body)
    assert f'"first_name":"{name}"' in response.get_data(as_text=True)  # sent as UTF-8, not \u escapes
    stored = state.store.get("dots", "robust-client", user["id"])
    assert (stored.first_name, stored.last_name) == (name, name[::-1])


def test_create_with_spaces_around_the_email_is_400(client, state, existing):
    response = refused(client, state, "POST", PROD, headers=AUTH, json=person(2, email=SPACED_EMAIL))
    assert (response.status_code, response.get_json()) == (
        400,
        error("invalid-email", "email must be a valid email address."),
    )


def test_create_ignores_unknown_fields_and_stores_none_of_them(client, state):
    body = person(2, favourite_colour="blue", wallet={"amount": 10**9}, id="not-chosen-by-the-client")
    response = client.post(PROD, headers=AUTH, json=body)
    assert response.status_code == 200
    user = response.get_json()
    assert user == expected_user(user["id"], person(2))
    assert user["id"] != "not-chosen-by-the-client"
    assert state.store.get("dots", "robust-client", user["id"]).wallet.amount == 0


# PATCH's fields: (name, a value of the wrong type, the message)
UPDATABLE = [
    ("date_of_birth", 7, "date_of_birth must be a date in YYYY-MM-DD format."),
    ("auto_payout_enabled", "yes", "auto_payout_enabled must be a boolean."),
    ("metadata", 7, "metadata must be a string or an object."),
    ("payout_options_exclude_list", "ach", "payout_options_exclude_list must be an array of payout rails."),
    ("payout_options_exclude_list", [7], "payout_options_exclude_list entries must be strings."),
    ("1099_adjustment", [], "1099_adjustment must be a 1099-NEC or 1099-K adjustment object."),
]


@pytest.mark.parametrize(("field", "value", "message"), UPDATABLE)
def test_update_with_a_wrong_type_is_400(client, state, existing, field, value, message):
    path = url(USER, existing)
    response = refused(client, state, "PATCH", path, headers=AUTH, json={field: value})
    assert (response.status_code, response.get_json()) == (400, error("invalid-input", message))


@pytest.mark.parametrize(
    "field", ["date_of_birth", "auto_payout_enabled", "payout_options_exclude_list", "1099_adjustment"]
)
def test_update_with_a_null_is_400(client, state, existing, field):
    path = url(USER, existing)
    response = refused(client, state, "PATCH", path, headers=AUTH, json={field: None})
    assert (response.status_code, response.get_json()) == (
        400,
        error("invalid-input", f"{field} may not be null."),
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_reads_header_names_and_media_types_in_any_case(client, existing, method, path):
    headers = {**odd_case(AUTH), "CONTENT-TYPE": ODD_CASE_CONTENT_TYPE}
    data = json.dumps(person(2) if method == "POST" else {"metadata": "patched"})
    response = client.open(url(path, existing), method=method, headers=headers, data=data)
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_with_a_trailing_slash_is_404(client, state, existing, method, path):
    path = url(path, existing) + "/"
    response = refused(client, state, method, path, headers=AUTH, json=person(2))
    real_path = path.removeprefix("/dots")
    assert (response.status_code, response.get_json()) == (
        404,
        error("not-found", f"Cannot {method} {real_path}"),
    )


@pytest.mark.parametrize(("path", "method"), NOT_ALLOWED)
def test_every_route_refuses_other_methods_with_405_and_allow(client, state, existing, path, method):
    response = refused(client, state, method, url(path, existing), headers=AUTH, json=person(2))
    assert response.status_code == 405
    assert response.headers["Allow"] == ALLOWED[path]
    assert response.get_json() == error("method-not-allowed", f"Method {method} is not allowed.")


def test_create_stores_a_lone_surrogate_as_the_replacement_character(client, state):
    response = client.post(PROD, headers=AUTH, data=json.dumps(person(2, first_name=LONE_SURROGATE)))
    assert response.status_code == 200
    user = response.get_json()
    assert user == expected_user(user["id"], person(2, first_name="Zo\ufffd"))
    assert state.store.get("dots", "robust-client", user["id"]).first_name == "Zo\ufffd"
