import pytest

from tests.dakota.helpers import PRODUCTION, SEED_BODY, USERS, headers, invalid, key, rid, unauthorized

KSUID = "1NFHrqBHb3cTfLVkFSGmHZqdDPi"


@pytest.mark.parametrize(
    ("api_key", "status"),
    [
        (None, 401),
        ("", 401),
        ("   ", 401),
        ("two words", 401),  # a stray space inside: the usual mistake, per Dakota's docs
        ("AHGlPZaxDSMz8Wf1l8VRH4ObdbHiKsWFWnmRyHtiwAc=", 200),
        ("dk_live_4KLkSmzQbL6Xs8xnUjssdGHX7PfhHpAb", 200),
        ("  padded  ", 200),  # surrounding blanks are not part of an HTTP header value
    ],
)
def test_auth_table(client, api_key, status):
    response = client.get(USERS, headers={} if api_key is None else {"x-api-key": api_key})
    assert response.status_code == status
    if status == 401:
        assert response.get_json() == unauthorized(request_id=rid(response))


def test_the_header_name_is_case_insensitive(client):
    assert client.get(USERS, headers={"X-API-Key": "key-a"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", USERS),
        ("GET", USERS),
        ("GET", f"{USERS}/{KSUID}"),
        ("PATCH", f"{USERS}/{KSUID}"),
        ("DELETE", f"{USERS}/{KSUID}"),
        ("DELETE", f"{USERS}/not-a-ksuid"),
    ],
)
def test_every_route_needs_an_api_key_before_anything_else(client, state, method, path):
    response = client.open(path, method=method, json=SEED_BODY, headers={"x-idempotency-key": key(1)})
    assert response.status_code == 401
    assert response.get_json() == unauthorized(
        PRODUCTION + path.removeprefix("/dakota"), request_id=rid(response)
    )
    assert state.store.count() == 0 and len(state.idempotency) == 0


MISSING_KEY = ("x-idempotency-key", "x-idempotency-key header is required", "required")
KEY_NOT_UUID = ("x-idempotency-key", "x-idempotency-key must be a UUID", "invalid_format")


@pytest.mark.parametrize(
    ("idempotency_key", "error"),
    [
        (None, MISSING_KEY),
        ("", MISSING_KEY),
        ("<x-idempotency-key>", KEY_NOT_UUID),  # the seed's placeholder, sent as written
        ("retry-1", KEY_NOT_UUID),
        ("3c90c3cc0d444b5088888dd25736052a", KEY_NOT_UUID),  # no hyphens
        ("{3c90c3cc-0d44-4b50-8888-8dd25736052a}", KEY_NOT_UUID),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_need_a_uuid_idempotency_key(client, state, method, idempotency_key, error):
    path = USERS if method == "POST" else f"{USERS}/{KSUID}"
    response = client.open(path, method=method, json=SEED_BODY, headers=headers("key-a", idempotency_key))
    assert response.status_code == 400
    body = invalid([error], instance=PRODUCTION + path.removeprefix("/dakota"), request_id=rid(response))
    assert response.get_json() == {**body, "detail": error[1]}
    assert state.store.count() == 0 and len(state.idempotency) == 0


def test_get_and_delete_need_no_idempotency_key(client):
    assert client.get(USERS, headers=headers()).status_code == 200
    assert client.delete(f"{USERS}/{KSUID}", headers=headers()).status_code == 404
