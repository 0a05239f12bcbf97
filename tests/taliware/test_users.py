import pytest

from tests.taliware.helpers import (
    CREATE,
    JSON_UTF8,
    USER_SERVICE_SOURCE,
    USERS,
    error_result,
    expected_user,
    headers,
    person,
)

TENANT_A = headers("tenant-a", "key-a")
TENANT_B = headers("tenant-b", "key-b")


def create(client, tenant_headers, body):
    response = client.post(CREATE, headers=tenant_headers, json=body)
    assert response.status_code == 200
    return response.get_json()


def test_list_users_is_a_plain_array_oldest_first(client):
    created = [create(client, TENANT_A, person(n)) for n in range(3)]
    response = client.get(USERS, headers=TENANT_A)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_UTF8
    assert response.get_json() == created


def test_list_users_of_a_new_tenant_is_an_empty_array(client):
    response = client.get(USERS, headers=TENANT_A)
    assert (response.status_code, response.get_data(as_text=True)) == (200, "[]")


def test_get_user_returns_the_created_user(client):
    user = create(client, TENANT_A, person(1))
    response = client.get(f"{USERS}/{user['id']}", headers=TENANT_A)
    assert response.status_code == 200
    assert response.get_json() == expected_user(user, person(1))


@pytest.mark.parametrize("user_id", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "not-a-guid", "%20"])
def test_get_unknown_user_is_404_in_error_result_shape(client, user_id):
    response = client.get(f"{USERS}/{user_id}", headers=TENANT_A)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert body == error_result(body, 404, "User Not Found.", USER_SERVICE_SOURCE)
    assert list(body) == ["messages", "source", "exception", "errorId", "supportMessage", "statusCode"]


def test_a_tenant_never_sees_another_tenants_users(client):
    user_a = create(client, TENANT_A, person(1))
    assert client.get(USERS, headers=TENANT_B).get_json() == []
    response = client.get(f"{USERS}/{user_a['id']}", headers=TENANT_B)
    assert response.status_code == 404
    assert response.get_json()["messages"] == ["User Not Found."]


def test_a_username_is_unique_only_within_its_tenant(client):
    user_a = create(client, TENANT_A, person(1, userName="shared"))
    user_b = create(client, TENANT_B, person(1, userName="shared"))
    assert user_a["id"] != user_b["id"]
    assert [user["id"] for user in client.get(USERS, headers=TENANT_A).get_json()] == [user_a["id"]]
    assert [user["id"] for user in client.get(USERS, headers=TENANT_B).get_json()] == [user_b["id"]]


def test_the_api_key_does_not_partition_a_tenants_users(client):
    user = create(client, headers("tenant-a", "key-1"), person(1))
    assert client.get(f"{USERS}/{user['id']}", headers=headers("tenant-a", "key-2")).status_code == 200


def test_taliware_served_alone_answers_at_the_root():
    from mock_server import create_app

    client = create_app({"provider": "taliware"}).test_client()
    created = client.post("/v1/cl2c/user", headers=TENANT_A, json=person(1))
    assert created.status_code == 200
    assert client.get("/v1/cl2c/users", headers=TENANT_A).get_json() == [created.get_json()]
