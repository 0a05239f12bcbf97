"""Client authentication in HTTP Basic at the token endpoint: RFC 7617 credentials only."""

import base64

import pytest

from tests.wealthyhood.helpers import TOKEN, oauth_error, token_request

CLIENT_AUTH_FAILED = "Client authentication failed: client_id and client_secret are required."


def basic_of(text: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(text.encode()).decode()}


@pytest.mark.parametrize(
    "header",
    [
        basic_of("client-a"),  # no colon: RFC 7617 has no user-id without its ":"
        {"Authorization": "Basic !!!not-base64!!!"},
    ],
    ids=["no-colon", "not-base64"],
)
def test_a_malformed_basic_credential_is_401_even_with_a_secret_in_the_body(client, header):
    # Was 400 "use one method" for the colon-less one: it was read as client id "client-a", no secret.
    response = client.post(TOKEN, json=token_request(client_id=None), headers=header)
    assert response.status_code == 401
    assert response.get_json() == oauth_error("invalid_client", CLIENT_AUTH_FAILED)
    assert response.headers["WWW-Authenticate"] == 'Basic realm="oauth"'


def test_a_basic_secret_may_hold_a_colon(client):
    response = client.post(
        TOKEN, json=token_request(client_id=None, client_secret=None), headers=basic_of("c:s:t")
    )
    assert response.status_code == 200
