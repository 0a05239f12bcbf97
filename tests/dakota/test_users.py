import itertools
from datetime import UTC, datetime

import pytest

from tests.dakota.helpers import PRODUCTION, USERS, expected_user, headers, invalid, key, person, problem, rid

UNKNOWN_ID = "1NFHrqBHb3cTfLVkFSGmHZqdDPi"
START = int(datetime(2024, 10, 3, 10, 30, tzinfo=UTC).timestamp())
KEYS = itertools.count(1000)


def create(client, n: int, api_key: str = "key-a", **overrides) -> dict:
    response = client.post(USERS, headers=headers(api_key, key(next(KEYS))), json=person(n, **overrides))
    assert response.status_code == 201
    return response.get_json()


def listing(client, query: str = "", api_key: str = "key-a") -> dict:
    response = client.get(f"{USERS}?{query}", headers=headers(api_key))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(users: list[dict]) -> list[str]:
    return [user["id"] for user in users]


def meta(total: int, after: bool, before: bool) -> dict:
    return {"total_count": total, "has_more_after": after, "has_more_before": before}


@pytest.fixture
def five(client, clock) -> list[dict]:
    """Five users a minute apart, oldest first."""
    users = []
    for n in range(5):
        users.append(create(client, n))
        clock.advance(60)
    return users


def test_get_user_returns_the_user(client):
    user = create(client, 1)
    response = client.get(f"{USERS}/{user['id']}", headers=headers())
    assert (response.status_code, response.get_json()) == (200, user)


def not_found(response, user_id: str = UNKNOWN_ID) -> dict:
    return problem(
        "not-found",
        "User not found",
        404,
        "User not found",
        f"{PRODUCTION}/users/{user_id}",
        request_id=rid(response),
    )


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_unknown_user_is_404(client, method):
    response = client.open(f"{USERS}/{UNKNOWN_ID}", method=method, headers=headers("key-a", key(1)), json={})
    assert (response.status_code, response.get_json()) == (404, not_found(response))


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_another_api_keys_user_is_404(client, method):
    user = create(client, 1, api_key="key-a")
    response = client.open(f"{USERS}/{user['id']}", method=method, headers=headers("key-b", key(1)), json={})
    assert (response.status_code, response.get_json()) == (404, not_found(response, user["id"]))


@pytest.mark.parametrize(
    "user_id", ["not-a-ksuid", "1NFHrqBHb3cTfLVkFSGmHZqdDP", "1NFHrqBHb3cTfLVkFSGmHZqdDPi_"]
)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_user_id_that_is_not_a_ksuid_is_400(client, method, user_id):
    response = client.open(f"{USERS}/{user_id}", method=method, headers=headers("key-a", key(1)), json={})
    assert response.status_code == 400
    assert response.get_json() == invalid(
        [("user_id", "user_id must be a valid KSUID", "invalid_format")],
        instance=f"{PRODUCTION}/users/{user_id}",
        request_id=rid(response),
    )


# --- list -----------------------------------------------------------------------------------------


def test_list_of_no_users(client):
    assert listing(client) == {"data": [], "meta": meta(0, False, False)}


def test_list_is_newest_first_with_default_limit_20(client, clock):
    created = []
    for n in range(22):
        created.append(create(client, n))
        clock.advance(1)
    body = listing(client)
    assert ids(body["data"]) == ids(created[::-1][:20])
    assert body["meta"] == meta(22, True, False)
    assert body["data"][0] == expected_user(created[-1]["id"], person(21), START + 21)


def test_users_created_in_the_same_second_keep_their_creation_order(client):
    created = [create(client, n) for n in range(6)]
    assert ids(listing(client)["data"]) == ids(created[::-1])
    assert ids(listing(client, "sort_dir=asc")["data"]) == ids(created)


def test_list_pages_forward_with_starting_after(client, five):
    newest_first = five[::-1]
    first = listing(client, "limit=2")
    assert (ids(first["data"]), first["meta"]) == (ids(newest_first[:2]), meta(5, True, False))
    second = listing(client, f"limit=2&starting_after={first['data'][-1]['id']}")
    assert (ids(second["data"]), second["meta"]) == (ids(newest_first[2:4]), meta(5, True, True))
    last = listing(client, f"limit=2&starting_after={second['data'][-1]['id']}")
    assert (ids(last["data"]), last["meta"]) == (ids(newest_first[4:]), meta(5, False, True))


def test_list_pages_backward_with_ending_before(client, five):
    newest_first = five[::-1]
    body = listing(client, f"limit=2&ending_before={newest_first[4]['id']}")
    assert (ids(body["data"]), body["meta"]) == (ids(newest_first[2:4]), meta(5, True, True))
    body = listing(client, f"limit=2&ending_before={newest_first[2]['id']}")
    assert (ids(body["data"]), body["meta"]) == (ids(newest_first[:2]), meta(5, True, False))


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("sort_by=created_at&sort_dir=asc", ["b", "c", "a"]),
        ("sort_by=email&sort_dir=asc", ["a", "b", "c"]),
        ("sort_by=email", ["c", "b", "a"]),
        ("sort_by=name&sort_dir=asc", ["c", "a", "b"]),
        ("sort_by=role&sort_dir=asc", ["a", "b", "c"]),  # ties keep creation order
        ("sort_by=role", ["c", "b", "a"]),
    ],
)
def test_list_sorts_by_each_field_of_the_spec(client, clock, query, order):
    people = {
        "b": person(1, first_name="zed", last_name="A", email="b@example.com", role="viewer"),
        "c": person(2, first_name="Amy", last_name="Z", email="C@example.com", role="viewer"),
        "a": person(3, first_name="Bob", last_name="B", email="a@example.com", role="admin"),
    }
    created = {}
    for name, body in people.items():  # created in the order b, c, a
        response = client.post(USERS, headers=headers("key-a", key(next(KEYS))), json=body)
        created[name] = response.get_json()["id"]
        clock.advance(1)
    assert ids(listing(client, query)["data"]) == [created[name] for name in order]


def test_a_cursor_pages_within_another_sort_order(client, clock):
    for n, email in enumerate(["d@x.io", "a@x.io", "c@x.io", "b@x.io"]):
        create(client, n, email=email)
    first = listing(client, "sort_by=email&sort_dir=asc&limit=2")
    rest = listing(client, f"sort_by=email&sort_dir=asc&limit=2&starting_after={first['data'][-1]['id']}")
    assert [user["email"] for user in first["data"] + rest["data"]] == [
        "a@x.io",
        "b@x.io",
        "c@x.io",
        "d@x.io",
    ]
    assert rest["meta"] == meta(4, False, True)


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("first2", [2]),
        ("LAST3", [3]),
        ("user4@example", [4]),
        ("example.com", [4, 3, 2, 1, 0]),
        ("first1 last1", [1]),
        ("first1 last2", []),
        ("nobody", []),
    ],
)
def test_list_searches_names_and_email(client, five, search, found):
    body = listing(client, f"search={search}")
    assert ids(body["data"]) == [five[n]["id"] for n in found]
    assert body["meta"]["total_count"] == len(found)


def test_list_searches_the_user_id(client, five):
    assert ids(listing(client, f"search={five[3]['id'][:12]}")["data"]) == [five[3]["id"]]


def test_list_filters_by_creation_time_inclusive(client, five):
    # five users at 10:30, 10:31, 10:32, 10:33, 10:34 UTC
    body = listing(client, "created_at_from=2024-10-03T10:31:00Z&created_at_to=2024-10-03T12:33:00%2B02:00")
    assert ids(body["data"]) == ids([five[3], five[2], five[1]])
    assert body["meta"] == meta(3, False, False)


def test_list_filters_by_roles(client):
    admin = create(client, 1, role="admin")
    viewer = create(client, 2, role="viewer")
    assert ids(listing(client, "roles=admin")["data"]) == [admin["id"]]
    assert ids(listing(client, "roles=admin,viewer")["data"]) == [viewer["id"], admin["id"]]
    assert ids(listing(client, "roles=admin,member")["data"]) == [admin["id"]]  # the spec's own example
    assert ids(listing(client, "roles=")["data"]) == [viewer["id"], admin["id"]]


def test_filters_combine_with_cursors_and_counts(client, clock):
    users = []
    for n in range(6):
        users.append(create(client, n, role="admin" if n % 2 == 0 else "viewer"))
        clock.advance(1)
    admins_newest_first = [users[4], users[2], users[0]]
    first = listing(client, "roles=admin&limit=1")
    assert (ids(first["data"]), first["meta"]) == ([users[4]["id"]], meta(3, True, False))
    # A cursor on a user the filter leaves out still marks a place in the list.
    after_viewer = listing(client, f"roles=admin&starting_after={users[3]['id']}")
    assert (ids(after_viewer["data"]), after_viewer["meta"]) == (
        ids(admins_newest_first[1:]),
        meta(3, False, True),
    )


@pytest.mark.parametrize(
    ("query", "field", "message", "code"),
    [
        ("limit=0", "limit", "limit must be between 1 and 100", "out_of_range"),
        ("limit=101", "limit", "limit must be between 1 and 100", "out_of_range"),
        ("limit=ten", "limit", "limit must be an integer", "invalid_type"),
        ("starting_after=nope", "starting_after", "starting_after must be a valid KSUID", "invalid_format"),
        ("ending_before=nope", "ending_before", "ending_before must be a valid KSUID", "invalid_format"),
        (f"starting_after={UNKNOWN_ID}", "starting_after", "starting_after does not refer to a user",
         "invalid_value"),
        (f"ending_before={UNKNOWN_ID}", "ending_before", "ending_before does not refer to a user",
         "invalid_value"),
        (f"starting_after={UNKNOWN_ID}&ending_before={UNKNOWN_ID}", "starting_after",
         "Use starting_after or ending_before, not both", "invalid_value"),
        ("sort_by=age", "sort_by", "sort_by must be one of: created_at, email, name, role", "invalid_value"),
        ("sort_dir=up", "sort_dir", "sort_dir must be one of: asc, desc", "invalid_value"),
        ("created_at_from=yesterday", "created_at_from",
         "created_at_from must be an ISO 8601 date-time with a time zone, e.g. 2024-01-01T00:00:00Z",
         "invalid_format"),
        ("created_at_to=2024-01-01T00:00:00", "created_at_to",
         "created_at_to must be an ISO 8601 date-time with a time zone, e.g. 2024-01-01T00:00:00Z",
         "invalid_format"),
    ],
)  # fmt: skip
def test_list_rejects_bad_query_parameters(client, query, field, message, code):
    response = client.get(f"{USERS}?{query}", headers=headers())
    assert response.status_code == 400
    assert response.get_json() == invalid([(field, message, code)], request_id=rid(response))


def test_list_ignores_unknown_query_parameters(client):
    assert listing(client, "page=3&status=active") == {"data": [], "meta": meta(0, False, False)}


# --- update and delete ----------------------------------------------------------------------------


def test_patch_answers_204_and_changes_the_name_and_role(client):
    user = create(client, 1)
    changes = {"first_name": "Jane", "last_name": "Roe", "role": "admin"}
    response = client.patch(f"{USERS}/{user['id']}", headers=headers("key-a", key(1)), json=changes)
    assert (response.status_code, response.data) == (204, b"")
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).get_json() == {**user, **changes}


def test_patch_of_one_field_keeps_the_others(client):
    user = create(client, 1)
    client.patch(f"{USERS}/{user['id']}", headers=headers("key-a", key(1)), json={"role": "admin"})
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).get_json() == {**user, "role": "admin"}


def test_patch_ignores_fields_it_cannot_change(client):
    user = create(client, 1)
    body = {"email": "new@example.com", "id": UNKNOWN_ID, "created_at": 1}
    assert (
        client.patch(f"{USERS}/{user['id']}", headers=headers("key-a", key(1)), json=body).status_code == 204
    )
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).get_json() == user


@pytest.mark.parametrize(
    ("change", "field", "message", "code"),
    [
        ({"first_name": ""}, "first_name", "first_name must not be empty", "too_short"),
        ({"last_name": None}, "last_name", "last_name must not be null", "invalid_type"),
        ({"role": "owner"}, "role", "role must be one of: admin, viewer", "invalid_value"),
    ],
)
def test_patch_with_an_invalid_field_is_400_and_changes_nothing(client, change, field, message, code):
    user = create(client, 1)
    response = client.patch(
        f"{USERS}/{user['id']}", headers=headers("key-a", key(1)), json={"first_name": "Jane", **change}
    )
    assert response.get_json() == invalid(
        [(field, message, code)], instance=f"{PRODUCTION}/users/{user['id']}", request_id=rid(response)
    )
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).get_json() == user


def test_delete_answers_204_and_removes_the_user(client):
    user = create(client, 1)
    response = client.delete(f"{USERS}/{user['id']}", headers=headers())
    assert (response.status_code, response.data) == (204, b"")
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).status_code == 404
    assert listing(client) == {"data": [], "meta": meta(0, False, False)}


def test_delete_frees_the_email(client):
    user = create(client, 1)
    client.delete(f"{USERS}/{user['id']}", headers=headers())
    assert create(client, 1)["id"] != user["id"]


def test_a_deleted_user_is_no_longer_a_cursor(client):
    user = create(client, 1)
    client.delete(f"{USERS}/{user['id']}", headers=headers())
    assert client.get(f"{USERS}?starting_after={user['id']}", headers=headers()).status_code == 400
