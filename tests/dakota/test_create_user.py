import json
from datetime import UTC, datetime

import pytest
from ksuid import Ksuid

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.dakota.helpers import (
    SEED_BODY,
    USERS,
    expected_user,
    headers,
    invalid,
    key,
    person,
    problem,
    rid,
)

NOW = int(datetime(2024, 10, 3, 10, 30, tzinfo=UTC).timestamp())  # the ManualClock's start


def post(client, body, n: int = 1, api_key: str = "key-a"):
    return client.post(USERS, headers=headers(api_key, key(n)), json=body)


def test_create_user_answers_201_with_the_user(client):
    response = post(client, SEED_BODY)
    assert response.status_code == 201
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body == expected_user(body["id"], SEED_BODY, NOW)


def test_create_user_sends_keys_in_the_seed_order_and_no_false_super_admin(client):
    raw = post(client, SEED_BODY).get_data(as_text=True)
    assert list(json.loads(raw)) == [
        "id", "first_name", "last_name", "email", "role", "created_at", "swift_enabled",
    ]  # fmt: skip
    assert raw.startswith('{"id":"') and "is_super_admin" not in raw


def test_the_id_is_a_ksuid_embedding_the_creation_time():
    clock = ManualClock(datetime(2025, 2, 3, 4, 5, 6, 700_000, tzinfo=UTC))  # mid-second
    client = create_app({"seed": 1}, clock=clock).test_client()
    body = post(client, SEED_BODY).get_json()
    assert len(body["id"]) == 27 and body["id"].isalnum()
    assert body["created_at"] == int(clock.now().timestamp())
    assert Ksuid.from_base62(body["id"]).timestamp == body["created_at"]


def test_users_created_later_get_later_ids_and_times(client, clock):
    first = post(client, person(1), 1).get_json()
    clock.advance(90)
    second = post(client, person(2), 2).get_json()
    assert second["created_at"] == first["created_at"] + 90
    assert second["id"] > first["id"]  # KSUIDs sort by time


def test_same_seed_gives_the_same_user_ids():
    # A KSUID embeds the second it was made: both apps read one stopped clock, or a second may tick between.
    ids = [
        post(create_app({"seed": 42}, clock=ManualClock()).test_client(), SEED_BODY).get_json()["id"]
        for _ in range(2)
    ]
    assert ids[0] == ids[1]


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_create_user_accepts_both_roles(client, role):
    assert post(client, person(1, role=role)).get_json()["role"] == role


def test_create_user_ignores_unknown_fields(client):
    response = post(client, {**SEED_BODY, "is_super_admin": True, "client_id": "x"})
    assert response.get_json() == expected_user(response.get_json()["id"], SEED_BODY, NOW)


def test_create_user_keeps_unicode_unescaped(client):
    response = post(client, person(1, first_name="Zoë 🚀", last_name="Łukasz"))
    assert "Zoë 🚀" in response.get_data(as_text=True)


def test_a_second_user_with_the_same_email_is_409(client, state):
    post(client, person(1), 1)
    response = post(client, person(2, email="USER1@example.com"), 2)
    assert response.status_code == 409
    assert response.get_json() == problem(
        "conflict", "User already exists", 409, "User already exists", request_id=rid(response)
    )
    assert state.store.count("dakota") == 1


def test_users_are_scoped_per_api_key(client):
    post(client, person(1), 1, api_key="key-a")
    other = post(client, person(1), 1, api_key="key-b")
    assert other.status_code == 201  # same email and even the same idempotency key: another account
    listed = client.get(USERS, headers=headers("key-b")).get_json()["data"]
    assert [user["id"] for user in listed] == [other.get_json()["id"]]


MISSING = ["first_name", "last_name", "email", "role"]


@pytest.mark.parametrize("field", MISSING)
def test_create_user_without_a_required_field_is_400(client, state, field):
    body = {name: value for name, value in SEED_BODY.items() if name != field}
    response = post(client, body)
    assert response.status_code == 400
    assert response.get_json() == invalid(
        [(field, f"{field} is required", "required")], request_id=rid(response)
    )
    assert state.store.count() == 0


INVALID = [
    ({"first_name": ""}, "first_name", "first_name must not be empty", "too_short"),
    ({"last_name": ""}, "last_name", "last_name must not be empty", "too_short"),
    ({"first_name": 7}, "first_name", "first_name must be a string", "invalid_type"),
    ({"last_name": ["Doe"]}, "last_name", "last_name must be a string", "invalid_type"),
    ({"first_name": None}, "first_name", "first_name must not be null", "invalid_type"),
    ({"email": "not-an-email"}, "email", "email must be a valid email address", "invalid_format"),
    ({"email": "john@"}, "email", "email must be a valid email address", "invalid_format"),
    ({"email": 12}, "email", "email must be a valid email address", "invalid_format"),
    ({"email": None}, "email", "email must not be null", "invalid_type"),
    ({"role": "owner"}, "role", "role must be one of: admin, viewer", "invalid_value"),
    ({"role": "Admin"}, "role", "role must be one of: admin, viewer", "invalid_value"),
    ({"role": True}, "role", "role must be a string", "invalid_type"),
]


@pytest.mark.parametrize(("change", "field", "message", "code"), INVALID)
def test_create_user_with_an_invalid_field_is_400(client, state, change, field, message, code):
    response = post(client, {**SEED_BODY, **change})
    assert response.status_code == 400
    assert response.get_json() == invalid([(field, message, code)], request_id=rid(response))
    assert state.store.count() == 0


def test_every_failed_field_is_reported_in_declared_order(client):
    response = post(client, {"role": "boss", "email": "nope"})
    assert response.get_json() == invalid(
        [
            ("first_name", "first_name is required", "required"),
            ("last_name", "last_name is required", "required"),
            ("email", "email must be a valid email address", "invalid_format"),
            ("role", "role must be one of: admin, viewer", "invalid_value"),
        ],
        request_id=rid(response),
    )


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"", "Request body must be a valid JSON object"),
        (b"   ", "Request body must be a valid JSON object"),
        (b"[1, 2]", "Request body must be a valid JSON object"),
        (b"null", "Request body must be a valid JSON object"),
        (b"\xff\xfe", "Request body must be a valid JSON object (invalid JSON at line 1, column 1)"),
        (b"[" * 100_000, "Request body must be a valid JSON object"),
        (b'{"first_name": NaN}', "Request body must be a valid JSON object"),
        (b"{", "Request body must be a valid JSON object (invalid JSON at line 1, column 2)"),
        (
            b'{\n  "role": admin\n}',
            "Request body must be a valid JSON object (invalid JSON at line 2, column 11)",
        ),
    ],
)
def test_a_body_that_is_not_a_json_object_is_400(client, state, raw, detail):
    response = client.post(USERS, headers=headers("key-a", key(1)), data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == problem(
        "invalid-request", "Invalid Request", 400, detail, request_id=rid(response)
    )
    assert state.store.count() == 0


def test_create_user_with_a_body_not_declared_as_json_is_415(client, state):
    response = client.post(
        USERS, headers=headers("key-a", key(1)), data=json.dumps(SEED_BODY), content_type="text/plain"
    )
    assert response.status_code == 415
    assert response.get_json() == problem(
        "unsupported-media-type",
        "Unsupported Media Type",
        415,
        "Content-Type must be application/json (UTF-8).",
        request_id=rid(response),
    )
    assert state.store.count() == 0


def test_create_user_reads_a_body_without_a_content_type_as_json(client):
    response = client.post(USERS, headers=headers("key-a", key(1)), data=json.dumps(SEED_BODY))
    assert response.status_code == 201


def test_a_body_over_the_limit_is_413_before_it_is_read(app, client, state):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = post(client, {**SEED_BODY, "padding": "x" * limit})
    assert response.status_code == 413
    assert response.get_json() == problem(
        "payload-too-large",
        "Payload Too Large",
        413,
        f"Request body is larger than the limit of {limit} bytes.",
        request_id=rid(response),
    )
    assert state.store.count() == 0 and len(state.idempotency) == 0
