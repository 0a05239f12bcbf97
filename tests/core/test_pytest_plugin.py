"""The pytest plugin, exercised the way a user's suite would use it (pytester runs a suite of its own)."""

USER_SUITE = """
import pytest
import requests

BOB = {"first_name": "Bob", "last_name": "Loblaw", "email": "bob@bobloblaw.com",
       "country_code": "1", "phone_number": "4154332334"}


def test_create_user(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    response = requests.post(url, json=BOB, headers=mock_server.credentials("dots"), timeout=5)
    assert response.status_code == 200
    assert [entry["method"] for entry in mock_server.requests()] == ["POST"]


def test_state_is_reset_between_tests(mock_server):
    url = mock_server.base_url("dots") + "/api/v2/users"
    response = requests.get(url, headers=mock_server.credentials("dots"), timeout=5)
    assert response.json() == {"data": [], "has_more": False}
    assert mock_server.requests()[0]["path"] == "/dots/api/v2/users"


def test_the_server_lives_for_the_session(mock_server, mock_server_session):
    assert mock_server is mock_server_session
    assert requests.get(mock_server.url + "/__admin/health", timeout=5).json()["status"] == "ok"


def test_scopes_isolate_clients(mock_server):
    url = mock_server.base_url("dots-sandbox") + "/api/v2/users"
    requests.post(url, json=BOB, headers=mock_server.credentials("dots-sandbox", "team-a"), timeout=5)
    other = requests.get(url, headers=mock_server.credentials("dots-sandbox", "team-b"), timeout=5)
    assert other.json()["data"] == []


# provider: (create path, body, extra headers, status, path reading one user back ({id}), id header)
CASES = {
    "dots": ("/api/v2/users", BOB, {}, 200, "/api/v2/users/{id}", None),
    "dots-sandbox": ("/api/v2/users", BOB, {}, 200, "/api/v2/users/{id}", None),
    "wealthyhood": (
        "/users",
        {"email": "john.doe@example.com", "firstName": "John", "lastName": "Doe",
         "dateOfBirth": "1990-05-15", "residencyCountry": "GB"},
        {}, 201, "/users/me", "x-user-id",
    ),
    "dakota": (
        "/users",
        {"first_name": "John", "last_name": "Doe", "email": "john@example.com", "role": "admin"},
        {"x-idempotency-key": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}, 201, "/users/{id}", None,
    ),
    "taliware": (
        "/v1/cl2c/user",
        {"firstName": "John", "lastName": "Doe", "email": "john.doe@example.com",
         "userName": "johndoe", "phoneNumber": "+1234567890"},
        {}, 200, "/v1/cl2c/users/{id}", None,
    ),
}


@pytest.mark.parametrize("provider", sorted(CASES))
def test_every_providers_credentials_create_and_read_back_a_user_only_in_their_scope(mock_server, provider):
    create_path, body, extra, status, read_path, id_header = CASES[provider]
    base = mock_server.base_url(provider)
    headers = {**mock_server.credentials(provider), **extra}
    created = requests.post(base + create_path, json=body, headers=headers, timeout=5)
    assert created.status_code == status, created.text
    user = created.json()

    def read(scope):
        sent = mock_server.credentials(provider, scope)
        if id_header:
            sent[id_header] = user["id"]
        return requests.get(base + read_path.format(id=user["id"]), headers=sent, timeout=5)

    assert read("pytest").json() == user
    assert read("another-team").status_code == 404
"""


def test_the_plugin_gives_a_user_suite_a_live_server_reset_per_test(pytester):
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


def test_the_plugin_reports_its_fixtures(pytester):
    result = pytester.runpytest_subprocess("--fixtures")
    result.stdout.fnmatch_lines(["*mock_server_session*", "*mock_server -- *"])
