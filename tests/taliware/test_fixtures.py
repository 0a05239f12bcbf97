"""Taliware fixtures: generated users load with their own ids, wallets and authentication times and are
listed back exactly; a bad entry is refused with the reason ASP.NET Core would give its body."""

import pytest

from mock_server.fixtures import generate_fixtures
from tests.fixture_files import MISSING, changed, load_users, refusal
from tests.taliware.helpers import USERS, WALLET_ADDRESS, headers

TENANT = "root"
NOW = "2024-10-03T10:30:00.000Z"  # the test clock's start


def as_listed(entry: dict) -> dict:
    """A fixtures-file user as the API shows it, in the seed's key order."""
    return {
        "id": entry["id"],
        "userName": entry["userName"],
        "firstName": entry["firstName"],
        "lastName": entry["lastName"],
        "email": entry["email"],
        "emailConfirmed": False,
        "authenticated": entry["authValidUpto"] > NOW,
        "authValidUpto": entry["authValidUpto"],
        "authLocation": entry["authLocation"],
        "phoneNumber": entry["phoneNumber"],
        "walletAddress": entry["walletAddress"],
    }


@pytest.fixture(scope="module")
def document() -> dict:
    return generate_fixtures("taliware", 12, seed=3)


def test_generated_users_are_listed_back_exactly_oldest_first(client, state, tmp_path, document):
    assert load_users(state, tmp_path, "taliware", document["users"], TENANT) == {"taliware": 12}
    response = client.get(USERS, headers=headers(TENANT))
    assert response.status_code == 200
    assert response.get_json() == [as_listed(entry) for entry in document["users"]]


def test_a_generated_user_is_fetched_by_its_id(client, state, tmp_path, document):
    load_users(state, tmp_path, "taliware", document["users"], TENANT)
    entry = document["users"][-1]
    response = client.get(f"{USERS}/{entry['id']}", headers=headers(TENANT))
    assert response.get_json() == as_listed(entry)


def test_generated_users_look_real(document):
    assert document["scope"] == TENANT
    users = document["users"]
    assert len({entry["userName"].upper() for entry in users}) == len(users)
    for entry in users:
        assert entry["phoneNumber"].startswith("+1") and len(entry["phoneNumber"]) == 12
        assert WALLET_ADDRESS.fullmatch(entry["walletAddress"])
    valid_until = [entry["authValidUpto"] for entry in users]
    assert valid_until == sorted(valid_until)


def test_an_entry_with_only_the_create_body_and_an_id_is_created_as_of_loading(
    client, state, tmp_path, clock
):
    entry = {
        "id": "3FA85F64-5717-4562-B3FC-2C963F66AFA6",  # the seed's example id, upper-cased
        "firstName": "John",
        "lastName": "Doe",
        "email": "john.doe@example.com",
        "userName": "johndoe",
        "phoneNumber": "+1234567890",
    }
    load_users(state, tmp_path, "taliware", [entry], TENANT)
    (user,) = client.get(USERS, headers=headers(TENANT)).get_json()
    assert WALLET_ADDRESS.fullmatch(user["walletAddress"])
    assert user == {
        "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",  # as .NET writes a Guid
        "userName": "johndoe",
        "firstName": "John",
        "lastName": "Doe",
        "email": "john.doe@example.com",
        "emailConfirmed": False,
        "authenticated": True,
        "authValidUpto": "2024-10-04T10:30:00.000Z",  # loaded now: valid for 24 hours, as a new user
        "authLocation": "",
        "phoneNumber": "+1234567890",
        "walletAddress": user["walletAddress"],
    }


def test_users_belong_to_the_files_tenant_only(client, state, tmp_path, document):
    load_users(state, tmp_path, "taliware", document["users"], TENANT)
    assert client.get(USERS, headers=headers("another-tenant")).get_json() == []


BAD_ENTRIES = [
    ({"id": MISSING}, "id: id must be a valid UUID."),
    ({"id": "3fa85f6457174562b3fc2c963f66afa6"}, "id: id must be a valid UUID."),
    ({"email": MISSING}, "Email: The Email field is required."),
    ({"email": "john.doe"}, "Email: The Email field is not a valid e-mail address."),
    ({"userName": "  "}, "UserName: The UserName field is required."),
    (
        {"phoneNumber": 5551234},
        "$.phoneNumber: The JSON value could not be converted to System.String.",
    ),
    ({"authValidUpto": "2024-11-05T19:46:48.912"}, "authValidUpto: Not a valid aware datetime."),
    ({"walletAddress": 7}, "walletAddress: Not a valid string."),
]


@pytest.mark.parametrize(("change", "reason"), BAD_ENTRIES)
def test_a_bad_entry_is_refused_with_its_reason_and_not_stored(state, tmp_path, document, change, reason):
    entry = changed(document["users"][0], change)
    assert refusal(state, tmp_path, "taliware", [entry]) == f"users[0]: {reason}"
    assert state.store.count("taliware") == 0


def test_a_second_user_with_the_same_user_name_in_another_case_is_refused(state, tmp_path, document):
    first, second = document["users"][:2]
    second = {**second, "userName": first["userName"].upper()}
    reason = refusal(state, tmp_path, "taliware", [first, second])
    assert reason == f"users[1]: Username '{first['userName'].upper()}' is already taken."
