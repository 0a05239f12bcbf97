"""Wealthyhood, route by route: every kind of bad input gets Wealthyhood's own error body (OAuth's on
the Auth0 token endpoint), and nothing stored changes."""

from __future__ import annotations

import json

import pytest

from tests.robustness.helpers import (
    BIG,
    BIG_EMAIL,
    EMPTY,
    LONE_SURROGATE,
    NAMES_IN_MANY_SCRIPTS,
    NOT_AN_OBJECT,
    NOT_JSON_CONTENT_TYPES,
    ODD_CASE_CONTENT_TYPE,
    SPACED_EMAIL,
    UTF16_BODY,
    WRONG_TYPES,
    methods_not_allowed,
    odd_case,
    refused,
    without,
)
from tests.wealthyhood.helpers import (
    ADDRESS,
    ME,
    PREFIX,
    TAX_RESIDENCY,
    TOKEN,
    USERS,
    authorized,
    error,
    expected_user,
    oauth_error,
    person,
    token_request,
)

CLIENT = "robust-client"
SCOPE = f"{CLIENT}@clients"  # users are scoped per token subject
NOT_AN_OBJECT_BODY = error("Request body must be a JSON object.", "BAD_REQUEST")
NOT_JSON_TYPE = error("Content-Type must be application/json (UTF-8).", "UNSUPPORTED_MEDIA_TYPE")
UNREADABLE_TOKEN_BODY = oauth_error(
    "invalid_request", "Request body must be a JSON object or application/x-www-form-urlencoded."
)


def not_json(reason: str, line: int, column: int) -> dict:
    return error(f"Request body is not valid JSON: {reason} at line {line}, column {column}.", "BAD_REQUEST")


# (raw body sent as application/json, Wealthyhood's answer)
NOT_JSON = [
    pytest.param(b"{", not_json("Expecting property name enclosed in double quotes", 1, 2), id="unclosed"),
    pytest.param(b"not json", not_json("Expecting value", 1, 1), id="text"),
    pytest.param(b'{"a": NaN}', NOT_AN_OBJECT_BODY, id="nan"),
    pytest.param(b"\xff\xfe\xfd", not_json("Expecting value", 1, 1), id="not-utf8"),
    pytest.param(UTF16_BODY, not_json("Expecting value", 1, 1), id="utf16"),
]

ROUTES = [
    pytest.param("POST", TOKEN, id="token"),
    pytest.param("POST", USERS, id="create"),
    pytest.param("GET", ME, id="me"),
]
ALLOWED = {TOKEN: "OPTIONS, POST", USERS: "OPTIONS, POST", ME: "GET, HEAD, OPTIONS"}
NOT_ALLOWED = methods_not_allowed(ALLOWED)

# Create's fields: (name, what a wrong type is told)
REQUIRED = [
    ("email", "email must be a valid email address."),
    ("firstName", "firstName must be a string."),
    ("lastName", "lastName must be a string."),
    ("dateOfBirth", "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ("residencyCountry", "residencyCountry must be a string."),
]
OPTIONAL = [("address", "address must be an object."), ("taxResidency", "taxResidency must be an object.")]


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client, CLIENT)


@pytest.fixture
def existing(client, auth) -> dict:
    """A user already stored for this client, which no refused request may touch."""
    response = client.post(USERS, headers=auth, json=person(1, address=ADDRESS))
    assert response.status_code == 201
    return response.get_json()


def create(client, state, auth, body: dict):
    return refused(client, state, "POST", USERS, headers=auth, json=body)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *NOT_JSON,
        *(pytest.param(raw.values[0], NOT_AN_OBJECT_BODY, id=raw.id) for raw in NOT_AN_OBJECT + EMPTY),
    ],
)
def test_create_with_a_body_that_is_not_a_json_object_is_400(client, state, auth, existing, raw, expected):
    response = refused(client, state, "POST", USERS, headers=auth, data=raw, content_type="application/json")
    assert (response.status_code, response.get_json()) == (400, expected)


@pytest.mark.parametrize("content_type", NOT_JSON_CONTENT_TYPES)
def test_create_with_a_body_not_declared_as_json_is_415(client, state, auth, existing, content_type):
    raw = json.dumps(person(2)).encode()
    response = refused(client, state, "POST", USERS, headers=auth, data=raw, content_type=content_type)
    assert (response.status_code, response.get_json()) == (415, NOT_JSON_TYPE)


def test_create_with_a_body_over_the_limit_is_413(app, client, state, auth, existing):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = create(client, state, auth, person(2, lastName="x" * limit))
    assert response.status_code == 413
    assert response.get_json() == error(
        f"Request body is larger than the limit of {limit} bytes.", "PAYLOAD_TOO_LARGE"
    )


@pytest.mark.parametrize(("field", "_"), REQUIRED)
def test_create_without_a_required_field_is_400(client, state, auth, existing, field, _):
    response = create(client, state, auth, without(person(2), field))
    assert (response.status_code, response.get_json()) == (400, error(f"{field} is required.", "BAD_REQUEST"))


@pytest.mark.parametrize(("field", "message"), REQUIRED + OPTIONAL)
@pytest.mark.parametrize(("value", "_token"), WRONG_TYPES)
def test_create_with_a_wrong_type_is_400(client, state, auth, existing, field, message, value, _token):
    if field in ("address", "taxResidency") and isinstance(value, dict):
        value = "an object is the right type"
    response = create(client, state, auth, person(2, **{field: value}))
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))


@pytest.mark.parametrize(
    "field", [name for name, _ in REQUIRED + OPTIONAL] + ["address.city", "taxResidency.value"]
)
def test_create_with_a_null_is_400(client, state, auth, existing, field):
    body = person(2, address=dict(ADDRESS), taxResidency=dict(TAX_RESIDENCY))
    parent, _, child = field.partition(".")
    if child:
        body[parent][child] = None
    else:
        body[parent] = None
    response = create(client, state, auth, body)
    assert (response.status_code, response.get_json()) == (
        400,
        error(f"{field} may not be null.", "BAD_REQUEST"),
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", BIG_EMAIL, "email must be a valid email address."),
        ("firstName", BIG, "firstName must be 1 to 100 characters long."),
        ("lastName", BIG, "lastName must be 1 to 100 characters long."),
        ("dateOfBirth", BIG, "dateOfBirth must be a real date in YYYY-MM-DD format."),
        ("residencyCountry", BIG, "residencyCountry must be an ISO 3166-1 alpha-2 country code, such as GB."),
    ],
)
def test_create_with_a_string_of_100000_characters_is_400(
    client, state, auth, existing, field, value, message
):
    response = create(client, state, auth, person(2, **{field: value}))
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))


def test_create_keeps_an_address_line_of_100000_characters_whole(client, state, auth):
    body = person(2, address={**ADDRESS, "line1": BIG})
    response = client.post(USERS, headers=auth, json=body)
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], body)
    assert state.store.get("wealthyhood", SCOPE, user["id"]).address.line1 == BIG


@pytest.mark.parametrize("name", NAMES_IN_MANY_SCRIPTS)
def test_create_keeps_unicode_and_emoji_in_names_exactly(client, state, auth, name):
    body = person(2, firstName=name, lastName=name[::-1])
    response = client.post(USERS, headers=auth, json=body)
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], body)
    assert f'"firstName":"{name}"' in response.get_data(as_text=True)  # sent as UTF-8, not \u escapes
    stored = state.store.get("wealthyhood", SCOPE, user["id"])
    assert (stored.first_name, stored.last_name) == (name, name[::-1])


def test_create_with_spaces_around_the_email_is_400(client, state, auth, existing):
    response = create(client, state, auth, person(2, email=SPACED_EMAIL))
    assert (response.status_code, response.get_json()) == (
        400,
        error("email must be a valid email address.", "BAD_REQUEST"),
    )


def test_create_ignores_unknown_fields_at_any_depth_and_stores_none_of_them(client, state, auth):
    sent = person(2, kycStatus="passed", emailVerified=True, address={**ADDRESS, "floor": 3})
    response = client.post(USERS, headers=auth, json=sent)
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], person(2, address=ADDRESS))
    stored = state.store.get("wealthyhood", SCOPE, user["id"])
    assert (stored.kyc_status, stored.email_verified) == ("pending", False)


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        *(pytest.param(p.values[0], "application/json", UNREADABLE_TOKEN_BODY, id=p.id) for p in NOT_JSON),
        *(
            pytest.param(p.values[0], "application/json", UNREADABLE_TOKEN_BODY, id=p.id)
            for p in NOT_AN_OBJECT
        ),
        pytest.param(
            b"", "application/json", oauth_error("invalid_request", "Missing required parameter: grant_type")
        ),
        pytest.param(b"grant_type=client_credentials", "text/plain", UNREADABLE_TOKEN_BODY, id="text-plain"),
    ],
)
def test_token_with_a_body_it_cannot_read_is_400_in_oauth_shape(client, state, raw, content_type, expected):
    response = refused(client, state, "POST", TOKEN, data=raw, content_type=content_type)
    assert (response.status_code, response.get_json()) == (400, expected)


def test_token_with_a_body_over_the_limit_is_413_in_oauth_shape(app, client, state):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = refused(client, state, "POST", TOKEN, json=token_request(CLIENT, audience="x" * limit))
    assert response.status_code == 413
    assert response.get_json() == oauth_error(
        "invalid_request", f"Request body is larger than the limit of {limit} bytes."
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_reads_header_names_and_media_types_in_any_case(client, auth, existing, method, path):
    credential = {} if path == TOKEN else odd_case(auth)  # the token endpoint takes its client in the body
    headers = {**credential, "CONTENT-TYPE": ODD_CASE_CONTENT_TYPE, "X-uSeR-iD": existing["id"]}
    data = json.dumps(token_request(CLIENT) if path == TOKEN else person(2))
    response = client.open(path, method=method, headers=headers, data=data)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    if path == ME:
        assert response.get_json() == existing


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_with_a_trailing_slash_is_404(client, state, auth, existing, method, path):
    response = refused(client, state, method, path + "/", headers=auth, json=person(2))
    assert (response.status_code, response.get_json()) == (
        404,
        error(f"Cannot {method} {path.removeprefix(PREFIX)}/", "NOT_FOUND"),
    )


@pytest.mark.parametrize(("path", "method"), NOT_ALLOWED)
def test_every_route_refuses_other_methods_with_405_and_allow(client, state, auth, path, method):
    response = refused(client, state, method, path, headers=auth, json=person(2))
    assert response.status_code == 405
    assert response.headers["Allow"] == ALLOWED[path]
    message = f"Method {method} is not allowed."
    expected = (
        oauth_error("invalid_request", message) if path == TOKEN else error(message, "METHOD_NOT_ALLOWED")
    )
    assert response.get_json() == expected


def test_create_stores_a_lone_surrogate_as_the_replacement_character(client, state, auth):
    response = client.post(USERS, headers=auth, data=json.dumps(person(2, firstName=LONE_SURROGATE)))
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], person(2, firstName="Zo\ufffd"))
    assert state.store.get("wealthyhood", SCOPE, user["id"]).first_name == "Zo\ufffd"
