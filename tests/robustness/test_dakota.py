"""Dakota, route by route: every kind of bad input gets Dakota's own problem details (checked against
the spec's schema too), and nothing stored changes."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.dakota.helpers import (
    PRODUCTION,
    USERS,
    check_contract,
    expected_user,
    invalid,
    person,
    problem,
    rid,
)
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
    crud_routes,
    methods_not_allowed,
    odd_case,
    refused,
    without,
    write_routes,
)

API_KEY = "robust-key"
USER = USERS + "/{id}"
INVALID_JSON = "Request body must be a valid JSON object"


def at(line: int, column: int) -> str:
    return f"{INVALID_JSON} (invalid JSON at line {line}, column {column})"


# (raw body sent as application/json, the problem's detail)
NOT_JSON = [
    pytest.param(b"{", at(1, 2), id="unclosed"),
    pytest.param(b"not json", at(1, 1), id="text"),
    pytest.param(b'{"a": NaN}', INVALID_JSON, id="nan"),
    pytest.param(b"\xff\xfe\xfd", at(1, 1), id="not-utf8"),
    pytest.param(UTF16_BODY, at(1, 1), id="utf16"),
    *(pytest.param(p.values[0], INVALID_JSON, id=p.id) for p in NOT_AN_OBJECT + EMPTY),
]
ROUTES = crud_routes(USERS, USER)
WRITES = write_routes(USERS, USER)
ALLOWED = {USERS: "GET, HEAD, OPTIONS, POST", USER: "DELETE, GET, HEAD, OPTIONS, PATCH"}
NOT_ALLOWED = methods_not_allowed(ALLOWED, {USERS: "users", USER: "user"})

# Create's fields: (name, what a wrong type is told, its code)
FIELDS = [
    ("first_name", "first_name must be a string", "invalid_type"),
    ("last_name", "last_name must be a string", "invalid_type"),
    ("email", "email must be a valid email address", "invalid_format"),
    ("role", "role must be a string", "invalid_type"),
]


def headers(**extra: str) -> dict[str, str]:
    """The API key, and a fresh idempotency key: every request here is a new one."""
    return {"x-api-key": API_KEY, "x-idempotency-key": str(uuid.uuid4()), **extra}


@pytest.fixture
def existing(client) -> dict:
    """A user already stored under this API key, which no refused request may touch."""
    response = client.post(USERS, headers=headers(), json=person(1))
    assert response.status_code == 201
    return response.get_json()


def url(path: str, existing: dict) -> str:
    return path.format(id=existing["id"])


def refused_checked(client, state, method: str, path: str, **kwargs):
    """A refused request, its answer also checked against the spec's schemas."""
    return refused(client, state, method, path, send=send, **kwargs)


def send(client, method: str, path: str, **kwargs):
    """The response, once it is checked against the spec's contract for the operation."""
    response = client.open(path, method=method, **kwargs)
    check_contract(method, path, response)
    return response


def create(client, state, body: dict):
    return refused_checked(client, state, "POST", USERS, headers=headers(), json=body)


def real(path: str) -> str:
    return path.removeprefix("/dakota")


def instance(path: str) -> str:
    """A problem's `instance`: the path on production's host, where a /dakota request is taken to go."""
    return PRODUCTION + real(path)


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(("raw", "detail"), NOT_JSON)
def test_write_with_a_body_that_is_not_a_json_object_is_400(
    client, state, existing, method, path, raw, detail
):
    path = url(path, existing)
    response = refused(
        client, state, method, path, headers=headers(), data=raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json() == problem(
        "invalid-request", "Invalid Request", 400, detail, instance(path), request_id=rid(response)
    )


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("content_type", NOT_JSON_CONTENT_TYPES)
def test_write_with_a_body_not_declared_as_json_is_415(client, state, existing, method, path, content_type):
    path, raw = url(path, existing), json.dumps(person(2)).encode()
    response = refused_checked(
        client, state, method, path, headers=headers(), data=raw, content_type=content_type
    )
    assert response.status_code == 415
    assert response.get_json() == problem(
        "unsupported-media-type",
        "Unsupported Media Type",
        415,
        "Content-Type must be application/json (UTF-8).",
        instance(path),
        request_id=rid(response),
    )


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_write_with_a_body_over_the_limit_is_413(app, client, state, existing, method, path):
    limit, path = app.config["MAX_CONTENT_LENGTH"], url(path, existing)
    response = refused_checked(
        client, state, method, path, headers=headers(), json=person(2, last_name="x" * limit)
    )
    assert response.status_code == 413
    assert response.get_json() == problem(
        "payload-too-large",
        "Payload Too Large",
        413,
        f"Request body is larger than the limit of {limit} bytes.",
        instance(path),
        request_id=rid(response),
    )


@pytest.mark.parametrize("field", [name for name, _, _ in FIELDS])
def test_create_without_a_required_field_is_400(client, state, existing, field):
    response = create(client, state, without(person(2), field))
    assert response.status_code == 400
    assert response.get_json() == invalid(
        [(field, f"{field} is required", "required")], request_id=rid(response)
    )


def test_create_with_every_field_missing_names_each_in_order(client, state, existing):
    response = create(client, state, {})
    assert response.get_json() == invalid(
        [(field, f"{field} is required", "required") for field, _, _ in FIELDS], request_id=rid(response)
    )


@pytest.mark.parametrize(("field", "message", "code"), FIELDS)
@pytest.mark.parametrize(("value", "_token"), WRONG_TYPES)
def test_create_with_a_wrong_type_is_400(client, state, existing, field, message, code, value, _token):
    response = create(client, state, person(2, **{field: value}))
    assert response.status_code == 400
    assert response.get_json() == invalid([(field, message, code)], request_id=rid(response))


@pytest.mark.parametrize("field", [name for name, _, _ in FIELDS])
def test_create_with_a_null_is_400(client, state, existing, field):
    response = create(client, state, person(2, **{field: None}))
    assert response.status_code == 400
    assert response.get_json() == invalid(
        [(field, f"{field} must not be null", "invalid_type")], request_id=rid(response)
    )


@pytest.mark.parametrize(
    ("field", "value", "message", "code"),
    [
        ("email", BIG_EMAIL, "email must be a valid email address", "invalid_format"),
        ("role", BIG, "role must be one of: admin, viewer", "invalid_value"),
    ],
)
def test_create_with_a_string_of_100000_characters_is_400(
    client, state, existing, field, value, message, code
):
    response = create(client, state, person(2, **{field: value}))
    assert response.status_code == 400
    assert response.get_json() == invalid([(field, message, code)], request_id=rid(response))


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_create_keeps_a_name_of_100000_characters_whole(client, clock, state, field):
    # The spec sets a minimum length for names and no maximum: a long name is stored as sent.
    body = person(2, **{field: BIG})
    response = send(client, "POST", USERS, headers=headers(), json=body)
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], body, int(clock.now().timestamp()))
    assert getattr(state.store.get("dakota", API_KEY, user["id"]), field) == BIG


@pytest.mark.parametrize("name", NAMES_IN_MANY_SCRIPTS)
def test_create_keeps_unicode_and_emoji_in_names_exactly(client, clock, state, name):
    body = person(2, first_name=name, last_name=name[::-1])
    response = send(client, "POST", USERS, headers=headers(), json=body)
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], body, int(clock.now().timestamp()))
    assert f'"first_name":"{name}"' in response.get_data(as_text=True)  # sent as UTF-8, not \u escapes
    stored = state.store.get("dakota", API_KEY, user["id"])
    assert (stored.first_name, stored.last_name) == (name, name[::-1])


def test_create_with_spaces_around_the_email_is_400(client, state, existing):
    response = create(client, state, person(2, email=SPACED_EMAIL))
    assert response.get_json() == invalid(
        [("email", "email must be a valid email address", "invalid_format")], request_id=rid(response)
    )


def test_create_ignores_unknown_fields_and_stores_none_of_them(client, clock, state):
    sent = person(2, is_super_admin=True, swift_enabled=True, id="2mvK2CiZiteBZjo60CFYy3in00X")
    response = send(client, "POST", USERS, headers=headers(), json=sent)
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], person(2), int(clock.now().timestamp()))
    stored = state.store.get("dakota", API_KEY, user["id"])
    assert (stored.id, stored.is_super_admin, stored.swift_enabled) == (user["id"], False, False)


@pytest.mark.parametrize(
    ("changes", "field", "message", "code"),
    [
        ({"first_name": 7}, "first_name", "first_name must be a string", "invalid_type"),
        ({"last_name": ["x"]}, "last_name", "last_name must be a string", "invalid_type"),
        ({"role": True}, "role", "role must be a string", "invalid_type"),
        ({"first_name": None}, "first_name", "first_name must not be null", "invalid_type"),
        ({"role": None}, "role", "role must not be null", "invalid_type"),
        ({"last_name": ""}, "last_name", "last_name must not be empty", "too_short"),
        ({"role": BIG}, "role", "role must be one of: admin, viewer", "invalid_value"),
    ],
)
def test_update_with_a_bad_value_is_400(client, state, existing, changes, field, message, code):
    path = url(USER, existing)
    response = refused_checked(client, state, "PATCH", path, headers=headers(), json=changes)
    assert response.status_code == 400
    assert response.get_json() == invalid(
        [(field, message, code)], request_id=rid(response), instance=instance(path)
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_reads_header_names_and_media_types_in_any_case(client, existing, method, path):
    sent = {**odd_case(headers()), "CONTENT-TYPE": ODD_CASE_CONTENT_TYPE}
    data = json.dumps(person(2) if method == "POST" else {"role": "admin"})
    response = send(client, method, url(path, existing), headers=sent, data=data)
    assert response.status_code < 300, response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_with_a_trailing_slash_is_404(client, state, existing, method, path):
    path = url(path, existing) + "/"
    response = refused_checked(client, state, method, path, headers=headers(), json=person(2))
    assert response.status_code == 404
    assert response.get_json() == problem(
        "not-found",
        "Not Found",
        404,
        f"Cannot {method} {real(path)}",
        instance(path),
        request_id=rid(response),
    )


@pytest.mark.parametrize(("path", "method"), NOT_ALLOWED)
def test_every_route_refuses_other_methods_with_405_and_allow(client, state, existing, path, method):
    path_of_user = url(path, existing)
    response = refused_checked(client, state, method, path_of_user, headers=headers(), json=person(2))
    assert response.status_code == 405
    assert response.headers["Allow"] == ALLOWED[path]
    assert response.get_json() == problem(
        "method-not-allowed",
        "Method Not Allowed",
        405,
        f"Method {method} is not allowed.",
        instance(path_of_user),
        request_id=rid(response),
    )


def test_create_stores_a_lone_surrogate_as_the_replacement_character(client, clock, state):
    raw = json.dumps(person(2, first_name=LONE_SURROGATE))
    response = send(client, "POST", USERS, headers=headers(), data=raw, content_type="application/json")
    assert response.status_code == 201
    user = response.get_json()
    assert user == expected_user(user["id"], person(2, first_name="Zo\ufffd"), int(clock.now().timestamp()))
    assert state.store.get("dakota", API_KEY, user["id"]).first_name == "Zo\ufffd"
