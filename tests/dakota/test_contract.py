"""Every Dakota response validates against a hand-written copy of the real spec's schema for its
operation. conftest's ContractClient checks each response of the suite; these tests make sure the
copies and the check can fail, and walk every operation once explicitly."""

import pytest
from flask import Response
from jsonschema import ValidationError

from tests.dakota.helpers import PROBLEM, SEED_BODY, USER, USER_LIST, USERS, check_contract, headers, key

GOOD_USER = {
    "id": "1NFHrqBHb3cTfLVkFSGmHZqdDPi",
    "first_name": "John",
    "last_name": "Doe",
    "email": "john@example.com",
    "role": "admin",
    "created_at": 1234567890,
    "is_super_admin": True,
    "swift_enabled": True,
}


def test_the_seed_response_satisfies_the_schema_copy():
    USER.validate(GOOD_USER)


@pytest.mark.parametrize(
    "change",
    [
        {"id": "too-short"},
        {"id": "1NFHrqBHb3cTfLVkFSGmHZqdDP!"},
        {"role": "owner"},
        {"created_at": "1234567890"},
        {"created_at": 1.5},
        {"is_super_admin": False},  # "only populated if true"
        {"swift_enabled": "yes"},
        {"password": "x"},
    ],
)
def test_the_user_schema_copy_can_fail(change):
    assert not USER.is_valid({**GOOD_USER, **change})


def test_the_list_and_problem_schema_copies_can_fail():
    assert not USER_LIST.is_valid({"data": []})
    assert not USER_LIST.is_valid({"data": [], "meta": {"total_count": 0, "has_more_after": False}})
    assert not PROBLEM.is_valid({"type": "not-a-uri", "title": "x", "status": 400})
    assert not PROBLEM.is_valid({"title": "x", "status": 400})
    assert not PROBLEM.is_valid(
        {"type": "https://x.io/e", "title": "x", "status": 400, "errors": [{"field": "a"}]}
    )


@pytest.mark.parametrize(
    "response",
    [
        Response(
            '{"id":"x"}', 201, content_type="application/json", headers={"x-request-id": "req_" + "0" * 26}
        ),
        Response("{}", 201, content_type="application/json"),  # no x-request-id
        Response(
            '{"error":"x"}', 400, content_type="application/json", headers={"x-request-id": "req_" + "0" * 26}
        ),
        Response("", 200, content_type="application/json", headers={"x-request-id": "req_" + "0" * 26}),
    ],
)
def test_the_contract_check_can_fail(response):
    with pytest.raises((AssertionError, ValidationError)):
        check_contract("POST", USERS, response)


def test_every_operation_answers_its_spec_schema(client):
    created = client.post(USERS, headers=headers("key-a", key(1)), json=SEED_BODY)
    USER.validate(created.get_json())
    url = f"{USERS}/{created.get_json()['id']}"
    USER.validate(client.get(url, headers=headers()).get_json())
    USER_LIST.validate(client.get(f"{USERS}?limit=1&sort_by=name", headers=headers()).get_json())
    assert client.patch(url, headers=headers("key-a", key(2)), json={"role": "viewer"}).status_code == 204
    assert client.delete(url, headers=headers()).status_code == 204
    for failed in (
        client.post(USERS, headers=headers("key-a", key(3)), json={}),
        client.post(USERS, headers=headers(), json=SEED_BODY),
        client.get(USERS),
        client.get(url, headers=headers()),
        client.post(USERS, headers=headers("key-a", key(1)), json={"changed": True}),
    ):
        PROBLEM.validate(failed.get_json())
