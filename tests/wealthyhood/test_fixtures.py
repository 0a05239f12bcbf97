"""Wealthyhood fixtures: generated users load under their own ObjectIds and creation times and are read
back through GET /users/me; a bad entry is refused with its reason, as a create request would be."""

import pytest

from mock_server import create_app
from mock_server.core.fixtures import FIXTURE_EPOCH
from mock_server.fixtures import generate_fixtures
from tests.fixture_files import MISSING, changed, load_users, refusal
from tests.wealthyhood.helpers import ME, SANDBOX, WALLETS, authorized, expected_user

CLIENT = "mockserver"
SCOPE = "mockserver@clients"  # the data partition of client "mockserver": its tokens' subject


@pytest.fixture(scope="module")
def document() -> dict:
    return generate_fixtures("wealthyhood", 12, seed=3)


def test_generated_users_are_read_back_exactly_with_their_ids_and_creation_times(
    client, state, tmp_path, document
):
    assert load_users(state, tmp_path, "wealthyhood", document["users"], SCOPE) == {"wealthyhood": 12}
    auth = authorized(client, CLIENT)
    for entry in document["users"]:
        response = client.get(ME, headers={**auth, "x-user-id": entry["id"]})
        assert response.status_code == 200
        assert response.get_json() == expected_user(entry["id"], entry, created_at=entry["createdAt"])


def test_generated_users_are_uk_residents_created_before_the_fixture_epoch_oldest_first(document):
    assert document["scope"] == SCOPE
    users = document["users"]
    created = [entry["createdAt"] for entry in users]
    assert created == sorted(created) and created[-1] < FIXTURE_EPOCH.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len({entry["email"] for entry in users}) == len(users)
    for entry in users:
        assert entry["residencyCountry"] == entry["address"]["countryCode"] == "GB"
        assert entry["taxResidency"]["proofType"] == "NINO"
        assert entry["taxResidency"]["value"].startswith("QQ")  # a prefix HMRC never issues


def test_an_entry_without_created_at_takes_the_time_its_id_embeds(client, state, tmp_path, document):
    entry = changed(document["users"][0], {"createdAt": MISSING})
    load_users(state, tmp_path, "wealthyhood", [entry], SCOPE)
    auth = authorized(client, CLIENT)
    fetched = client.get(ME, headers={**auth, "x-user-id": entry["id"]}).get_json()
    assert fetched["createdAt"] == fetched["updatedAt"] == document["users"][0]["createdAt"]


def test_an_upper_case_id_is_stored_as_mongodb_writes_it(client, state, tmp_path, document):
    entry = {**document["users"][0], "id": document["users"][0]["id"].upper()}
    load_users(state, tmp_path, "wealthyhood", [entry], SCOPE)
    auth = authorized(client, CLIENT)
    fetched = client.get(ME, headers={**auth, "x-user-id": entry["id"].lower()}).get_json()
    assert fetched["id"] == entry["id"].lower()


def test_users_belong_to_the_files_client_only(client, state, tmp_path, document):
    load_users(state, tmp_path, "wealthyhood", document["users"][:1], SCOPE)
    other = authorized(client, "another-client")
    response = client.get(ME, headers={**other, "x-user-id": document["users"][0]["id"]})
    assert (response.status_code, response.get_json()) == (
        404,
        {"message": "User not found.", "code": "NOT_FOUND"},
    )


BAD_ENTRIES = [
    ({"id": MISSING}, "id: id must be a MongoDB ObjectId (24 hexadecimal characters)."),
    ({"id": "64f0c51e7fb3fc001234a00g"}, "id: id must be a MongoDB ObjectId (24 hexadecimal characters)."),
    (
        {"id": "64f0c51e7fb3fc001234a001", "createdAt": "2024-10-03T10:30:00Z"},
        "createdAt: createdAt must be the time embedded in id: 2023-08-31T16:51:42Z.",
    ),
    ({"firstName": None}, "firstName: firstName may not be null."),
    ({"email": "not-an-email"}, "email: email must be a valid email address."),
    ({"dateOfBirth": "2024-10-03"}, "dateOfBirth: dateOfBirth must be a date in the past."),
    (
        {"residencyCountry": "gb"},
        "residencyCountry: residencyCountry must be an ISO 3166-1 alpha-2 country code, such as GB.",
    ),
    (
        {"taxResidency": {"countryCode": "GB", "value": "QQ123456C"}},
        "taxResidency.proofType: taxResidency.proofType is required.",
    ),
]


@pytest.mark.parametrize(("change", "reason"), BAD_ENTRIES)
def test_a_bad_entry_is_refused_with_its_reason_and_not_stored(state, tmp_path, document, change, reason):
    entry = changed(document["users"][0], change)
    assert refusal(state, tmp_path, "wealthyhood", [entry]) == f"users[0]: {reason}"
    assert state.store.count("wealthyhood") == 0


def test_a_second_user_with_the_same_email_in_another_case_is_refused(state, tmp_path, document):
    first, second = document["users"][:2]
    second = {**second, "email": first["email"].upper()}
    reason = refusal(state, tmp_path, "wealthyhood", [first, second])
    assert reason == "users[1]: A user with this email already exists."


def test_fixture_users_have_wallets_active_since_their_creation_the_same_on_every_load(tmp_path, document):
    """A wallet's id and IBAN derive from its owner's id: a bundled user keeps them across restarts."""
    seen = []
    for seed in (1, 2):  # two servers with different random sources
        app = create_app({"seed": seed})
        client, state = app.test_client(), app.extensions["mock_server"]
        load_users(state, tmp_path, "wealthyhood", document["users"][:2], SCOPE)
        auth = authorized(client, CLIENT)
        seen.append(
            [
                client.get(WALLETS, headers=auth, query_string={"owner": u["id"]}).json
                for u in document["users"][:2]
            ]
        )
    assert seen[0] == seen[1]
    for entry, wallet in zip(document["users"][:2], seen[0], strict=True):
        assert (wallet["owner"], wallet["status"], wallet["createdAt"]) == (
            entry["id"],
            "active",
            entry["createdAt"],
        )
        assert wallet["id"].startswith("wal_" + entry["id"][:8])
    assert seen[0][0]["iban"] != seen[0][1]["iban"]


def test_sandbox_fixture_users_load_into_the_sandbox_only(client, state, tmp_path):
    sandbox_document = generate_fixtures("wealthyhood-sandbox", 3, seed=6)
    assert sandbox_document["scope"] == SCOPE
    assert load_users(state, tmp_path, "wealthyhood-sandbox", sandbox_document["users"], SCOPE) == {
        "wealthyhood-sandbox": 3
    }
    entry = sandbox_document["users"][0]
    sandbox_me = client.get(
        f"{SANDBOX}/users/me",
        headers={**authorized(client, CLIENT, prefix=SANDBOX), "x-user-id": entry["id"]},
    )
    assert sandbox_me.json == expected_user(entry["id"], entry, created_at=entry["createdAt"])
    production_me = client.get(ME, headers={**authorized(client, CLIENT), "x-user-id": entry["id"]})
    assert production_me.status_code == 404
    assert (state.store.count("wealthyhood"), state.store.count("wealthyhood-sandbox")) == (0, 3)
