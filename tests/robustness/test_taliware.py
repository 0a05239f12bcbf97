"""Taliware CL2C, route by route: every kind of bad input gets what ASP.NET Core and the starter kit
answer (ValidationProblemDetails, ProblemDetails, ErrorResult, or no body at all), and nothing stored
changes."""

from __future__ import annotations

import json

import pytest

from tests.robustness.helpers import (
    BIG,
    BIG_EMAIL,
    LONE_SURROGATE,
    NAMES_IN_MANY_SCRIPTS,
    NOT_JSON_CONTENT_TYPES,
    ODD_CASE_CONTENT_TYPE,
    SPACED_EMAIL,
    UTF16_BODY,
    WRONG_TYPES,
    first,
    methods_not_allowed,
    odd_case,
    refused,
    without,
)
from tests.taliware.helpers import (
    CREATE,
    PROBLEM_JSON,
    TRACE_ID,
    USERS,
    error_result,
    expected_user,
    headers,
    person,
    validation_problem,
)

TENANT = "robust-tenant"
AUTH = headers(TENANT)
USER = USERS + "/{id}"
REQUEST_TYPE = "Taliware.CL2C.Application.Users.CreateUserRequest"
KESTREL_SOURCE = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1ContentLengthMessageBody"
NO_BODY = {"": ["A non-empty request body is required."]}


def at(message: str, line: int, position: int, path: str = "$") -> dict[str, list[str]]:
    return {path: [f"{message} Path: {path} | LineNumber: {line} | BytePositionInLine: {position}."]}


def not_the_request_type(position: int) -> dict[str, list[str]]:
    return at(f"The JSON value could not be converted to {REQUEST_TYPE}.", 0, position)


# (raw body sent as application/json, the ModelState errors System.Text.Json and MVC leave)
NOT_A_JSON_OBJECT = [
    pytest.param(
        b"{",
        at(
            "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or "
            "array that should be closed.",
            0,
            1,
        ),
        id="unclosed",
    ),
    pytest.param(b'{"a": NaN}', at("'N' is an invalid start of a value.", 0, 6, "$.a"), id="nan"),
    pytest.param(b"\xff\xfe\xfd", at("'0xFF' is an invalid start of a value.", 0, 0), id="not-utf8"),
    pytest.param(UTF16_BODY, at("'0xFF' is an invalid start of a value.", 0, 0), id="utf16"),
    pytest.param(b"[]", not_the_request_type(1), id="array"),
    pytest.param(b'"a string"', not_the_request_type(10), id="string"),
    pytest.param(b"42", not_the_request_type(2), id="number"),
    pytest.param(b"true", not_the_request_type(4), id="boolean"),
    pytest.param(b"null", NO_BODY, id="null"),
    pytest.param(b"", NO_BODY, id="empty"),
    pytest.param(
        b" \r\n\t",
        at(
            "The input does not contain any JSON tokens. Expected the input to start with a valid JSON "
            "token, when isFinalBlock is true.",
            1,
            1,
        ),
        id="blank",
    ),
]
ROUTES = [
    pytest.param("POST", CREATE, id="create"),
    pytest.param("GET", USERS, id="list"),
    pytest.param("GET", USER, id="get"),
]
ALLOWED = {CREATE: "POST", USERS: "GET, HEAD", USER: "GET, HEAD"}
NOT_ALLOWED = methods_not_allowed(
    ALLOWED,
    {CREATE: "create", USERS: "users", USER: "user"},
    methods=("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
)
# The request's properties: (JSON name, C# property name, which is the ModelState key)
PROPERTIES = [
    ("firstName", "FirstName"),
    ("lastName", "LastName"),
    ("email", "Email"),
    ("userName", "UserName"),
    ("phoneNumber", "PhoneNumber"),
]


@pytest.fixture
def existing(client) -> dict:
    """A user already stored for this tenant, which no refused request may touch."""
    response = client.post(CREATE, headers=AUTH, json=person(1))
    assert response.status_code == 200
    return response.get_json()


def post_raw(client, state, raw: bytes, content_type: str = "application/json"):
    return refused(client, state, "POST", CREATE, headers=AUTH, data=raw, content_type=content_type)


def assert_validation_problem(response, errors: dict[str, list[str]]) -> None:
    assert (response.status_code, response.headers["Content-Type"]) == (400, PROBLEM_JSON)
    body = response.get_json()
    assert body == validation_problem(body, errors)


@pytest.mark.parametrize(("raw", "errors"), NOT_A_JSON_OBJECT)
def test_create_with_a_body_that_is_not_a_json_object_is_400(client, state, existing, raw, errors):
    assert_validation_problem(post_raw(client, state, raw), errors)


@pytest.mark.parametrize("content_type", [*NOT_JSON_CONTENT_TYPES, None])
def test_create_with_a_body_not_declared_as_json_is_415(client, state, existing, content_type):
    response = post_raw(client, state, json.dumps(person(2)).encode(), content_type)
    assert (response.status_code, response.headers["Content-Type"]) == (415, PROBLEM_JSON)
    body = response.get_json()
    assert TRACE_ID.fullmatch(body["traceId"])
    assert body == {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        "title": "Unsupported Media Type",
        "status": 415,
        "traceId": body["traceId"],
    }


def test_create_with_a_body_over_the_limit_is_413(app, client, state, existing):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = refused(client, state, "POST", CREATE, headers=AUTH, json=person(2, lastName="x" * limit))
    assert response.status_code == 413
    message = f"Request body too large. The max request body size is {limit} bytes."
    assert response.get_json() == error_result(response.get_json(), 413, message, KESTREL_SOURCE)


@pytest.mark.parametrize(("name", "property_name"), PROPERTIES)
@pytest.mark.parametrize("value", ["absent", None, "", "  \t"])
def test_create_without_a_required_value_is_400(client, state, existing, name, property_name, value):
    body = without(person(2), name) if value == "absent" else person(2, **{name: value})
    response = refused(client, state, "POST", CREATE, headers=AUTH, json=body)
    messages = [f"The {property_name} field is required."]
    if name == "email" and value is not None and value != "absent":  # [EmailAddress] judges a string too
        messages.append("The Email field is not a valid e-mail address.")
    assert_validation_problem(response, {property_name: messages})


@pytest.mark.parametrize(("name", "_"), PROPERTIES)
@pytest.mark.parametrize(("value", "token"), WRONG_TYPES)
def test_create_with_a_wrong_type_is_400_at_the_value(client, state, existing, name, _, value, token):
    # Written first and compactly, the value ends at len('{"name":') + len(token) bytes.
    position = len(name) + 4 + len(token)
    message = "The JSON value could not be converted to System.String."
    errors = at(message, 0, position, f"$.{name}")
    assert_validation_problem(post_raw(client, state, first(name, value, person(2))), errors)


@pytest.mark.parametrize(("name", "_"), PROPERTIES)
def test_create_keeps_strings_of_100000_characters_whole(client, state, name, _):
    # No length rule is known for any property ([Required] and [EmailAddress] only).
    body = person(2, **{name: BIG_EMAIL if name == "email" else BIG})
    response = client.post(CREATE, headers=AUTH, json=body)
    assert response.status_code == 200
    user = response.get_json()
    assert user == expected_user(user, body)
    assert state.store.get("taliware", TENANT, user["id"]) is not None


@pytest.mark.parametrize("name", NAMES_IN_MANY_SCRIPTS)
def test_create_keeps_unicode_and_emoji_in_names_exactly(client, state, name):
    body = person(2, firstName=name, lastName=name[::-1], userName=name)
    response = client.post(CREATE, headers=AUTH, json=body)
    assert response.status_code == 200
    user = response.get_json()
    assert user == expected_user(user, body)
    stored = state.store.get("taliware", TENANT, user["id"])
    assert (stored.first_name, stored.last_name, stored.user_name) == (name, name[::-1], name)


def test_create_keeps_spaces_around_the_email_as_email_address_attribute_does(client, state):
    # [EmailAddress] checks for one '@' neither first nor last; it trims nothing.
    response = client.post(CREATE, headers=AUTH, json=person(2, email=SPACED_EMAIL))
    assert response.status_code == 200
    assert response.get_json()["email"] == SPACED_EMAIL


def test_create_with_an_email_without_an_at_sign_is_400(client, state, existing):
    response = refused(client, state, "POST", CREATE, headers=AUTH, json=person(2, email=BIG))
    assert_validation_problem(response, {"Email": ["The Email field is not a valid e-mail address."]})


def test_create_ignores_unknown_fields_and_stores_none_of_them(client, state):
    sent = person(2, emailConfirmed=True, walletAddress="0x" + "0" * 40, authenticated=False, tenant="other")
    response = client.post(CREATE, headers=AUTH, json=sent)
    assert response.status_code == 200
    user = response.get_json()
    assert user == expected_user(user, person(2))
    assert user["walletAddress"] != sent["walletAddress"]
    assert state.store.get("taliware", TENANT, user["id"]).email_confirmed is False
    assert state.store.values("taliware", "other") == []


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_reads_header_names_and_media_types_in_any_case(client, existing, method, path):
    sent = {**odd_case(AUTH), "cOnTeNt-TyPe": ODD_CASE_CONTENT_TYPE}
    response = client.open(
        path.format(id=existing["id"]), method=method, headers=sent, data=json.dumps(person(2))
    )
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_with_a_trailing_slash_is_404_without_a_body(client, state, existing, method, path):
    path = path.format(id=existing["id"]) + "/"
    response = refused(client, state, method, path, headers=AUTH, json=person(2))
    assert (response.status_code, response.get_data()) == (404, b"")
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize(("path", "method"), NOT_ALLOWED)
def test_every_route_refuses_other_methods_with_405_allow_and_no_body(client, state, existing, path, method):
    response = refused(client, state, method, path.format(id=existing["id"]), headers=AUTH, json=person(2))
    assert (response.status_code, response.get_data()) == (405, b"")
    assert response.headers["Allow"] == ALLOWED[path]


def test_create_with_a_lone_surrogate_is_400_as_system_text_json_refuses_it(client, state, existing):
    raw = first("firstName", LONE_SURROGATE, person(2))  # {"firstName":"Zo\ud83d" ends at byte 23
    message = "The JSON value could not be converted to System.String."
    assert_validation_problem(post_raw(client, state, raw), at(message, 0, 23, "$.firstName"))
