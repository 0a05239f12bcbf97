import pytest

from tests.wealthyhood.helpers import ME, SEED_BODY, USERS, authorized, error

UNKNOWN_ID = "64f0c51e7fb3fc001234a001"  # the seed's example id: well-formed, but nobody's here


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client)


@pytest.fixture
def user(client, auth) -> dict:
    response = client.post(USERS, headers=auth, json=SEED_BODY)
    assert response.status_code == 201
    return response.get_json()


def test_get_me_returns_the_user_named_by_x_user_id(client, auth, user):
    response = client.get(ME, headers={**auth, "x-user-id": user["id"]})
    assert (response.status_code, response.get_json()) == (200, user)


def test_get_me_takes_the_id_in_upper_case_too(client, auth, user):
    response = client.get(ME, headers={**auth, "X-User-Id": user["id"].upper()})
    assert (response.status_code, response.get_json()) == (200, user)


def test_get_me_for_an_unknown_user_is_404(client, auth, user):
    response = client.get(ME, headers={**auth, "x-user-id": UNKNOWN_ID})
    assert (response.status_code, response.get_json()) == (404, error("User not found.", "NOT_FOUND"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "x-user-id header is required."),
        ("", "x-user-id header is required."),
        ("   ", "x-user-id header is required."),
        ("64f0c51e7fb3fc001234a00", "x-user-id must be a valid ObjectId (24 hexadecimal characters)."),
        ("64f0c51e7fb3fc001234a0011", "x-user-id must be a valid ObjectId (24 hexadecimal characters)."),
        ("64f0c51e7fb3fc001234a00g", "x-user-id must be a valid ObjectId (24 hexadecimal characters)."),
        (
            "3c90c3cc-0d44-4b50-8888-8dd25736052a",
            "x-user-id must be a valid ObjectId (24 hexadecimal characters).",
        ),
    ],
)
def test_get_me_with_a_missing_or_malformed_x_user_id_is_400(client, auth, value, message):
    headers = auth if value is None else {**auth, "x-user-id": value}
    response = client.get(ME, headers=headers)
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))
