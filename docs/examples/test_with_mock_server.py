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
    response = requests.post(url, headers=mock_server.credentials("dots"), json=BOB, timeout=5)
    assert response.status_code == 200
    assert mock_server.requests()[-1]["method"] == "POST"  # the journal of what your code sent


def test_each_test_starts_with_no_users(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    response = requests.get(url, headers=mock_server.credentials("dots"), timeout=5)
    assert response.json()["data"] == []


def test_another_scope_is_another_client(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    requests.post(url, headers=mock_server.credentials("dots", "team-a"), json=BOB, timeout=5)
    team_b = requests.get(url, headers=mock_server.credentials("dots", "team-b"), timeout=5)
    assert team_b.json()["data"] == []
