import base64

import pytest

from tests.dots.helpers import PROD, SEED_BODY, error

MISSING = error("unauthorized", "Missing Authorization header.")
MALFORMED = error("unauthorized", "Invalid Authorization header. Expected Basic base64(client_id:api_key).")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        (None, 401, MISSING),
        ("", 401, MISSING),
        ("Bearer abc", 401, MALFORMED),
        ("Basic", 401, MALFORMED),
        ("Basic !!!not-base64!!!", 401, MALFORMED),
        (f"Basic {b64(':sk_dev_secret')}", 401, MALFORMED),  # no client id
        # RFC 7617: user-id ":" password; without the colon the credential is malformed, not a bare id.
        (f"Basic {b64('nocolon')}", 401, MALFORMED),
        (f"Basic {b64('pk_dev_client')}", 401, MALFORMED),
        (f"Basic {b64('pk_dev_client:sk_dev_secret')}", 200, None),
        (f"Basic {b64('pk_dev_client:')}", 200, None),  # browser calls: empty password
        (f"basic {b64('pk_dev_client:sk')}", 200, None),  # the scheme is case-insensitive
    ],
)
def test_auth_table(client, header, status, body):
    headers = {} if header is None else {"Authorization": header}
    response = client.get(PROD, headers=headers)
    assert response.status_code == status
    if body is not None:
        assert response.get_json() == body


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", PROD), ("GET", PROD + "/3c90c3cc-0d44-4b50-8888-8dd25736052a"), ("DELETE", PROD + "/x")],
)
def test_every_route_needs_a_credential(client, state, method, path):
    response = client.open(path, method=method, json={})
    assert (response.status_code, response.get_json()) == (401, MISSING)
    assert state.store.count() == 0


def test_a_basic_credential_without_a_colon_creates_no_user(client, state):
    response = client.post(PROD, headers={"Authorization": f"Basic {b64('nocolon')}"}, json=SEED_BODY)
    assert (response.status_code, response.get_json()) == (401, MALFORMED)
    assert state.store.count() == 0


def test_a_password_may_hold_a_colon(client):
    # RFC 7617: only the user-id is colon-free; the first colon ends it.
    response = client.get(PROD, headers={"Authorization": f"Basic {b64('pk_dev_client:sk:with:colons')}"})
    assert response.status_code == 200
