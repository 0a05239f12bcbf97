"""PATCH /users/me/employment-info: the whole employmentInfo replaced, for the user named by x-user-id."""

import json

import pytest

from tests.wealthyhood.helpers import (
    EMPLOYMENT,
    EMPLOYMENT_INFO,
    ME,
    SEED_CREATED_AT,
    as_user,
    authorized,
    create_user,
    error,
    expected_user,
    person,
)

UNKNOWN_ID = "64f0c51e7fb3fc001234a001"
UNEMPLOYED = {
    "incomeRangeId": "1",
    "employmentStatus": "Unemployed",
    "sourcesOfWealth": ["Savings", "Inheritance"],
}
NOT_JSON = error("Content-Type must be application/json (UTF-8).", "UNSUPPORTED_MEDIA_TYPE")
USER_NOT_FOUND = error("User not found.", "NOT_FOUND")
NEEDS_WRITE = error("Insufficient scope: this route needs write:users.", "FORBIDDEN")
# What GET is answered: 405, the Allow header, the body.
GET_REFUSED = (405, "OPTIONS, PATCH", error("Method GET is not allowed.", "METHOD_NOT_ALLOWED"))


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client)


@pytest.fixture
def user(client, auth) -> dict:
    return create_user(client, auth, person(1, employmentInfo=EMPLOYMENT))


def test_update_answers_the_user_with_the_new_info_and_a_new_updated_at(client, auth, user, clock):
    clock.advance(90.5)
    response = client.patch(
        EMPLOYMENT_INFO, headers=as_user(auth, user["id"]), json={"employmentInfo": UNEMPLOYED}
    )
    expected = expected_user(
        user["id"], person(1, employmentInfo=UNEMPLOYED), updated_at="2024-10-03T10:31:30Z"
    )
    assert (response.status_code, response.get_json()) == (200, expected)
    assert expected["createdAt"] == SEED_CREATED_AT
    assert client.get(ME, headers=as_user(auth, user["id"])).get_json() == expected


def test_update_replaces_the_info_whole(client, auth, user):
    """An industry the new info does not carry is gone: nothing of the old info is merged in."""
    client.patch(EMPLOYMENT_INFO, headers=as_user(auth, user["id"]), json={"employmentInfo": UNEMPLOYED})
    assert "industry" not in client.get(ME, headers=as_user(auth, user["id"])).get_json()["employmentInfo"]


def test_update_gives_info_to_a_user_created_without_any(client, auth):
    plain = create_user(client, auth, person(2))
    assert "employmentInfo" not in plain
    response = client.patch(
        EMPLOYMENT_INFO, headers=as_user(auth, plain["id"]), json={"employmentInfo": EMPLOYMENT}
    )
    assert response.get_json()["employmentInfo"] == EMPLOYMENT


def test_update_ignores_other_fields_and_the_id_case(client, auth, user):
    body = {"employmentInfo": {**UNEMPLOYED, "employer": "Acme"}, "firstName": "Changed"}
    response = client.patch(EMPLOYMENT_INFO, headers=as_user(auth, user["id"].upper()), json=body)
    assert response.get_json()["employmentInfo"] == UNEMPLOYED
    assert response.get_json()["firstName"] == user["firstName"]


REFUSALS = [
    ({}, "employmentInfo is required."),
    ({"employmentInfo": None}, "employmentInfo may not be null."),
    ({"employmentInfo": []}, "employmentInfo must be an object."),
    (
        {"employmentInfo": {**EMPLOYMENT, "sourcesOfWealth": []}},
        "employmentInfo.sourcesOfWealth must not be empty.",
    ),
    (
        {"employmentInfo": {**UNEMPLOYED, "employmentStatus": "PartTime"}},
        "employmentInfo.industry is required when employmentStatus is one of: "
        "FullTime, PartTime, SelfEmployed.",
    ),
]


@pytest.mark.parametrize(("body", "message"), REFUSALS)
def test_an_invalid_body_is_400_and_changes_nothing(client, auth, user, clock, body, message):
    clock.advance(60)
    response = client.patch(EMPLOYMENT_INFO, headers=as_user(auth, user["id"]), json=body)
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))
    assert client.get(ME, headers=as_user(auth, user["id"])).get_json() == user


def test_a_body_that_is_not_json_is_refused_and_changes_nothing(client, auth, user):
    headers = as_user(auth, user["id"])
    bad_json = client.patch(EMPLOYMENT_INFO, headers=headers, data=b"{", content_type="application/json")
    assert bad_json.status_code == 400
    as_text = client.patch(
        EMPLOYMENT_INFO,
        headers=headers,
        data=json.dumps({"employmentInfo": UNEMPLOYED}),
        content_type="text/plain",
    )
    assert (as_text.status_code, as_text.get_json()) == (415, NOT_JSON)
    assert client.get(ME, headers=headers).get_json() == user


USER_REFUSALS = [
    (None, 400, error("x-user-id header is required.", "BAD_REQUEST")),
    (
        "nope",
        400,
        error("x-user-id must be a valid ObjectId (24 hexadecimal characters).", "BAD_REQUEST"),
    ),
    (UNKNOWN_ID, 404, error("User not found.", "NOT_FOUND")),
]


@pytest.mark.parametrize(("value", "status", "body"), USER_REFUSALS)
def test_a_missing_malformed_or_unknown_user_is_refused(client, auth, user, value, status, body):
    headers = auth if value is None else as_user(auth, value)
    response = client.patch(EMPLOYMENT_INFO, headers=headers, json={"employmentInfo": UNEMPLOYED})
    assert (response.status_code, response.get_json()) == (status, body)


def test_another_clients_user_is_not_found_and_unchanged(client, user):
    other = authorized(client, "client-b")
    response = client.patch(
        EMPLOYMENT_INFO, headers=as_user(other, user["id"]), json={"employmentInfo": UNEMPLOYED}
    )
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)
    owner = authorized(client)
    assert client.get(ME, headers=as_user(owner, user["id"])).get_json() == user


def test_a_read_only_token_is_403(client, user):
    read_only = authorized(client, scope="read:users")
    response = client.patch(
        EMPLOYMENT_INFO, headers=as_user(read_only, user["id"]), json={"employmentInfo": UNEMPLOYED}
    )
    assert (response.status_code, response.get_json()) == (403, NEEDS_WRITE)


def test_other_methods_are_405(client, auth, user):
    response = client.get(EMPLOYMENT_INFO, headers=as_user(auth, user["id"]))
    assert (response.status_code, response.headers["Allow"], response.get_json()) == GET_REFUSED
