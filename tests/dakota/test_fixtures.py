"""Dakota fixtures: generated users load under their own KSUIDs and creation times and are listed back
exactly; a bad entry is refused with its reason, as a create request would be."""

import pytest

from mock_server.core.fixtures import FIXTURE_EPOCH
from mock_server.fixtures import generate_fixtures
from tests.dakota.helpers import USERS, expected_user, headers
from tests.fixture_files import MISSING, changed, load_users, refusal

API_KEY = "dk_test_mockserver"


@pytest.fixture(scope="module")
def document() -> dict:
    return generate_fixtures("dakota", 12, seed=3)


def test_generated_users_are_listed_back_exactly_oldest_first(client, state, tmp_path, document):
    assert load_users(state, tmp_path, "dakota", document["users"], API_KEY) == {"dakota": 12}
    response = client.get(USERS, headers=headers(API_KEY), query_string={"sort_dir": "asc"})
    assert response.status_code == 200
    assert response.get_json() == {
        "data": [expected_user(entry["id"], entry, entry["created_at"]) for entry in document["users"]],
        "meta": {"total_count": 12, "has_more_after": False, "has_more_before": False},
    }


def test_a_generated_user_is_fetched_by_its_id(client, state, tmp_path, document):
    load_users(state, tmp_path, "dakota", document["users"], API_KEY)
    entry = document["users"][3]
    response = client.get(f"{USERS}/{entry['id']}", headers=headers(API_KEY))
    assert response.get_json() == expected_user(entry["id"], entry, entry["created_at"])


def test_generated_users_are_one_team_at_a_safe_domain_starting_with_an_admin(document):
    assert document["scope"] == API_KEY
    users = document["users"]
    assert users[0]["role"] == "admin" and {entry["role"] for entry in users} <= {"admin", "viewer"}
    domains = {entry["email"].split("@")[1] for entry in users}
    assert len(domains) == 1 and domains.pop().startswith("example.")
    assert len({entry["email"] for entry in users}) == len(users)
    created = [entry["created_at"] for entry in users]
    assert created == sorted(created) and created[-1] < FIXTURE_EPOCH.timestamp()


def test_an_entry_without_created_at_takes_the_time_its_id_embeds(client, state, tmp_path, document):
    entry = document["users"][0]
    load_users(state, tmp_path, "dakota", [changed(entry, {"created_at": MISSING})], API_KEY)
    fetched = client.get(f"{USERS}/{entry['id']}", headers=headers(API_KEY)).get_json()
    assert fetched["created_at"] == entry["created_at"]


def test_users_belong_to_the_files_api_key_only(client, state, tmp_path, document):
    load_users(state, tmp_path, "dakota", document["users"], API_KEY)
    assert client.get(USERS, headers=headers("another-key")).get_json()["data"] == []


BAD_ENTRIES = [
    ({"id": MISSING}, "id: id must be a valid KSUID"),
    ({"id": "1NFHrqBHb3cTfLVkFSGmHZqdDP"}, "id: id must be a valid KSUID"),  # 26 characters
    ({"id": "zzzzzzzzzzzzzzzzzzzzzzzzzzz"}, "id: id must be a valid KSUID"),  # beyond KSUID's 160 bits
    (
        {"id": "1NFHrqBHb3cTfLVkFSGmHZqdDPi", "created_at": 1234567890},  # seed 003's own pair
        "created_at: created_at must be the time embedded in id: 1561670126",
    ),
    (
        {"id": "1NFHrqBHb3cTfLVkFSGmHZqdDPi", "created_at": "1561670126"},
        "created_at: created_at must be the time embedded in id: 1561670126",
    ),
    ({"first_name": ""}, "first_name: first_name must not be empty"),
    ({"email": MISSING}, "email: email is required"),
    ({"role": "owner"}, "role: role must be one of: admin, viewer"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_ENTRIES)
def test_a_bad_entry_is_refused_with_its_reason_and_not_stored(state, tmp_path, document, change, reason):
    entry = changed(document["users"][0], change)
    assert refusal(state, tmp_path, "dakota", [entry]) == f"users[0]: {reason}"
    assert state.store.count("dakota") == 0


def test_a_second_user_with_the_same_email_in_another_case_is_refused(state, tmp_path, document):
    first, second = document["users"][:2]
    second = {**second, "email": first["email"].upper()}
    assert refusal(state, tmp_path, "dakota", [first, second]) == "users[1]: User already exists"
