import pytest

from tests.conftest import basic
from tests.dots.helpers import PROD, error, expected_user, person

AUTH = basic("client-a")
UNKNOWN_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


def create(client, n: int, **overrides) -> dict:
    response = client.post(PROD, headers=AUTH, json=person(n, **overrides))
    assert response.status_code == 200
    return response.get_json()


def ids(users: list[dict]) -> list[str]:
    return [user["id"] for user in users]


@pytest.fixture
def five(client) -> list[dict]:
    """Five users, oldest first."""
    return [create(client, n) for n in range(5)]


def test_get_user_returns_the_user(client):
    user = create(client, 1)
    response = client.get(f"{PROD}/{user['id']}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, user)


def test_get_unknown_user_is_404(client):
    response = client.get(f"{PROD}/{UNKNOWN_ID}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (404, error("not-found", "User not found."))


def test_get_another_clients_user_is_404(client):
    user = create(client, 1)
    response = client.get(f"{PROD}/{user['id']}", headers=basic("client-b"))
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_malformed_user_id_is_400(client, method):
    response = client.open(f"{PROD}/not-a-uuid", method=method, headers=AUTH, json={})
    assert response.status_code == 400
    assert response.get_json() == error("invalid-input", "user_id must be a valid UUID.")


def test_list_is_newest_first_with_default_limit_10(client):
    created = [create(client, n) for n in range(12)]
    body = client.get(PROD, headers=AUTH).get_json()
    assert ids(body["data"]) == ids(created[::-1][:10])
    assert body["has_more"] is True


def test_list_pages_forward_with_starting_after(client, five):
    newest_first = five[::-1]
    first = client.get(f"{PROD}?limit=2", headers=AUTH).get_json()
    assert (ids(first["data"]), first["has_more"]) == (ids(newest_first[:2]), True)
    second = client.get(f"{PROD}?limit=2&starting_after={first['data'][-1]['id']}", headers=AUTH).get_json()
    assert (ids(second["data"]), second["has_more"]) == (ids(newest_first[2:4]), True)
    last = client.get(f"{PROD}?limit=2&starting_after={second['data'][-1]['id']}", headers=AUTH).get_json()
    assert (ids(last["data"]), last["has_more"]) == (ids(newest_first[4:]), False)


def test_list_pages_backward_with_ending_before(client, five):
    newest_first = five[::-1]
    body = client.get(f"{PROD}?limit=2&ending_before={newest_first[4]['id']}", headers=AUTH).get_json()
    assert (ids(body["data"]), body["has_more"]) == (ids(newest_first[2:4]), True)
    body = client.get(f"{PROD}?limit=2&ending_before={newest_first[2]['id']}", headers=AUTH).get_json()
    assert (ids(body["data"]), body["has_more"]) == (ids(newest_first[:2]), False)


def test_list_filters_by_status(client, five):
    assert len(client.get(f"{PROD}?status=unverified", headers=AUTH).get_json()["data"]) == 5
    assert client.get(f"{PROD}?status=verified", headers=AUTH).get_json() == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit must be between 1 and 100."),
        ("limit=101", "limit must be between 1 and 100."),
        ("limit=ten", "limit must be an integer."),
        ("status=sleepy", "status must be one of: verified, unverified, disabled, in_review."),
        ("starting_after=nope", "starting_after must be a valid UUID."),
        ("ending_before=nope", "ending_before must be a valid UUID."),
        (f"starting_after={UNKNOWN_ID}", "starting_after does not refer to a user."),
        (f"starting_after={UNKNOWN_ID}&ending_before={UNKNOWN_ID}",
         "Use starting_after or ending_before, not both."),
    ],
)  # fmt: skip
def test_list_rejects_bad_query_parameters(client, query, message):
    response = client.get(f"{PROD}?{query}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (400, error("invalid-input", message))


def test_patch_updates_the_mutable_fields(client):
    user = create(client, 1)
    changes = {
        "metadata": {"tier": "gold"},
        "payout_options_exclude_list": ["paypal"],
        "auto_payout_enabled": True,
    }
    response = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json=changes)
    expected = {**user, "metadata": {"tier": "gold"}, "payout_options_exclude_list": ["paypal"]}
    assert (response.status_code, response.get_json()) == (200, expected)
    assert client.get(f"{PROD}/{user['id']}", headers=AUTH).get_json() == expected


def test_patch_date_of_birth_marks_it_collected(client):
    user = create(client, 1)
    body = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"date_of_birth": "1990-01-02"}).get_json()
    assert body["compliance"]["date_of_birth_collected"] is True


def test_patch_metadata_null_clears_it(client):
    user = create(client, 1, metadata="x")
    body = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"metadata": None}).get_json()
    assert body == expected_user(user["id"], person(1))


def test_patch_ignores_immutable_fields(client):
    user = create(client, 1)
    body = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"first_name": "Mallory"}).get_json()
    assert body == user


def test_patch_default_payout_method_needs_a_configured_method(client):
    user = create(client, 1)
    response = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"default_payout_method": "paypal"})
    assert response.status_code == 400
    assert response.get_json() == error(
        "invalid-input", "default_payout_method must be a payout method already configured by the user."
    )
    assert client.get(f"{PROD}/{user['id']}", headers=AUTH).get_json() == user


def test_patch_with_an_invalid_field_changes_nothing(client):
    user = create(client, 1)
    response = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"metadata": 5})
    assert response.get_json() == error("invalid-input", "metadata must be a string or an object.")
    assert client.get(f"{PROD}/{user['id']}", headers=AUTH).get_json() == user


@pytest.mark.parametrize("value", [0, 1, 0.0, 1.0, "true", [True]])
def test_patch_auto_payout_enabled_takes_only_true_or_false(client, value):
    user = create(client, 1)
    response = client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"auto_payout_enabled": value})
    assert (response.status_code, response.get_json()) == (
        400,
        error("invalid-input", "auto_payout_enabled must be a boolean."),
    )


def test_patch_unknown_user_is_404(client):
    response = client.patch(f"{PROD}/{UNKNOWN_ID}", headers=AUTH, json={"metadata": "x"})
    assert (response.status_code, response.get_json()) == (404, error("not-found", "User not found."))


def test_patched_production_user_still_dedupes_by_phone(client, state):
    user = create(client, 1)
    client.patch(f"{PROD}/{user['id']}", headers=AUTH, json={"metadata": "x"})
    again = client.post(PROD, headers=AUTH, json=person(9, phone_number=person(1)["phone_number"]))
    assert again.get_json()["id"] == user["id"]
    assert state.store.count("dots") == 1


def test_delete_answers_200_with_the_deleted_user_and_removes_it(client):
    user = create(client, 1)
    response = client.delete(f"{PROD}/{user['id']}", headers=AUTH)
    assert (response.status_code, response.get_json()) == (200, user)
    assert client.get(f"{PROD}/{user['id']}", headers=AUTH).status_code == 404
    assert client.delete(f"{PROD}/{user['id']}", headers=AUTH).get_json() == error(
        "not-found", "User not found."
    )


def test_delete_frees_the_email_and_phone(client):
    user = create(client, 1)
    client.delete(f"{PROD}/{user['id']}", headers=AUTH)
    again = create(client, 1)
    assert again["id"] != user["id"]
