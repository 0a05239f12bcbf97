"""The pytest plugin's example, as a project that installs fintech-mock-server writes it: the `mock_server`
fixture is a live server on a free loopback port, reset before each test. tests/test_packaging.py runs this
file in a fresh virtualenv, outside the clone, beside an older Flask."""

import requests

BOB = {
    "first_name": "Bob",
    "last_name": "Loblaw",
    "email": "bob@bobloblaw.com",
    "country_code": "1",
    "phone_number": "4154332334",
}


def test_signup_creates_a_dots_user(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    response = requests.post(url, headers=mock_server.credentials("dots"), json=BOB, timeout=10)

    assert response.status_code == 200
    assert set(response.json()) == {
        "id", "first_name", "last_name", "email", "phone_number", "wallet", "status", "compliance",
        "metadata", "payout_options_exclude_list",
    }  # fmt: skip
    sent = mock_server.requests()[-1]  # the journal of what the code under test sent
    assert (sent["method"], sent["path"]) == ("POST", "/dots/api/v2/users")
