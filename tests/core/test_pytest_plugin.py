"""The pytest plugin, exercised the way a user's suite would use it (pytester runs a suite of its own)."""

USER_SUITE = """
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
"""


def test_the_plugin_gives_a_user_suite_a_live_server_reset_per_test(pytester):
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_the_plugin_reports_its_fixtures(pytester):
    result = pytester.runpytest_subprocess("--fixtures")
    result.stdout.fnmatch_lines(["*mock_server_session*", "*mock_server -- *"])
