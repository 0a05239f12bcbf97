"""The pytest plugin, exercised the way a user's suite would use it (pytester runs a suite of its own)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "test_with_mock_server.py"

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

WEBHOOK_SUITE = """
import time
import uuid

import pytest
import requests

from mock_server.receiver import check

ADA = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "role": "admin"}


def post(mock_server, provider, path, body):
    headers = {**mock_server.credentials(provider), "x-idempotency-key": str(uuid.uuid4())}
    return requests.post(mock_server.base_url(provider) + path, json=body, headers=headers, timeout=5)


def create_user_with_a_target(mock_server, provider, receiver):
    target = post(mock_server, provider, "/webhooks/targets", {"url": receiver.url})
    assert target.status_code == 201, target.text
    user = post(mock_server, provider, "/users", ADA)
    assert user.status_code == 201, user.text
    return user.json()


@pytest.mark.parametrize("provider", ["dakota", "dakota-sandbox"])
def test_the_receiver_gets_a_verified_user_created(mock_server, mock_webhook_receiver, provider):
    user = create_user_with_a_target(mock_server, provider, mock_webhook_receiver)
    webhook = mock_webhook_receiver.wait_for("user.created", timeout=10)
    assert webhook.verified
    assert webhook.event["data"]["object"]["user_id"] == user["id"]
    assert mock_webhook_receiver.rejected == []


def test_webhook_public_key_is_the_key_the_receiver_trusts_for_production(mock_server, mock_webhook_receiver):
    key = mock_server.webhook_public_key()
    assert key == mock_server.webhook_public_key("dakota")
    assert key in mock_webhook_receiver.public_keys
    assert sorted(mock_webhook_receiver.public_keys) == sorted(mock_server.webhook_public_keys())
    create_user_with_a_target(mock_server, "dakota", mock_webhook_receiver)
    webhook = mock_webhook_receiver.wait_for("user.created", timeout=10)
    assert check(webhook.headers, webhook.body, [key], 300, time.time()) == (200, None)
    sandbox = mock_server.webhook_public_key("dakota-sandbox")
    assert check(webhook.headers, webhook.body, [sandbox], 300, time.time())[0] == 401


def test_deliver_webhooks_after_a_failure_delivers_on_the_second_attempt(mock_server, mock_webhook_receiver):
    mock_webhook_receiver.fail_next(1)
    create_user_with_a_target(mock_server, "dakota", mock_webhook_receiver)
    # The first attempt (made at once in the background, or by this call if it has not begun) is answered
    # 500, and its retry is 30 s away: deliver_webhooks makes it now.
    outcomes = mock_server.deliver_webhooks()
    if [(d["status"], d["attempts"]) for d in outcomes] == [("pending", 1)]:
        outcomes = mock_server.deliver_webhooks()
    [delivery] = outcomes
    outcome = (delivery["status"], delivery["attempts"], delivery["last_response_status"])
    assert outcome == ("delivered", 2, 200)
    assert mock_webhook_receiver.wait_for("user.created", timeout=5).status == 200
    assert [attempt.status for attempt in mock_webhook_receiver.attempts] == [500, 200]
"""


def test_the_plugin_gives_a_user_suite_a_live_server_reset_per_test(pytester):
    pytester.makepyfile(test_user_suite=USER_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


FIXTURE_DOCS = {
    "mock_server_options [[]session scope[]]": "The MockServer keywords the session's mock server*",
    "mock_server_session [[]session scope[]]": "One live mock server (a MockServer) for the whole session*",
    "mock_server": "The session's MockServer, reset first*",
    "mock_webhook_receiver": "A live WebhookReceiver trusting the mock server's webhook signing keys*",
}


def test_the_plugin_shows_each_fixture_with_its_doc_line(pytester):
    result = pytester.runpytest_subprocess("--fixtures")
    for fixture, doc in FIXTURE_DOCS.items():
        result.stdout.fnmatch_lines([f"{fixture} -- *pytest_plugin.py:*", f"    {doc}"])


def test_the_plugin_receives_verified_webhooks_and_delivers_them_on_demand(pytester):
    pytester.makepyfile(test_webhook_suite=WEBHOOK_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


# --- options: the ini file, the command line, an overriding fixture ------------------------------

REPORTING_SUITE = """
import json
import requests

def test_report(mock_server_options, mock_server_session):
    server = mock_server_session
    users = 0
    if "dots" in server.state.providers:
        url = server.base_url("dots") + "/api/v2/users"
        users = len(requests.get(url, headers=server.credentials("dots"), timeout=5).json()["data"])
    report = {"seed": server.state.config.seed, "providers": sorted(server.state.providers), "users": users}
    print("REPORT", json.dumps(report))
"""

EVERY_PROVIDER = sorted(
    ["dots", "dots-sandbox", "wealthyhood", "wealthyhood-sandbox", "dakota", "dakota-sandbox", "taliware"]
)
ADA = {
    "id": "11111111-2222-4333-8444-555555555555",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "country_code": "1",
    "phone_number": "4154332334",
}
INI = {
    "mock_server_seed": "7",
    "mock_server_fixtures": "data/users.json",
    "mock_server_providers": "dots, dakota",
}


@pytest.fixture
def suite(pytester):
    """A user's project: the reporting suite and a fixtures file with one Dots user, data/users.json."""
    pytester.makepyfile(test_report=REPORTING_SUITE)
    (pytester.path / "data").mkdir()
    users = {"provider": "dots", "scope": "pytest", "users": [ADA]}
    (pytester.path / "data" / "users.json").write_text(json.dumps(users))
    return pytester


def with_ini(pytester, settings):
    lines = "\n".join(f'{name} = "{value}"' for name, value in settings.items())
    pytester.makepyprojecttoml(f"[tool.pytest.ini_options]\n{lines}\n")


def report(pytester, *args):
    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=1)
    [line] = [line for line in result.outlines if "REPORT " in line]
    return json.loads(line.split("REPORT ", 1)[1])


def test_without_settings_the_server_serves_every_provider_with_no_users_and_no_seed(suite):
    assert report(suite) == {"seed": None, "providers": EVERY_PROVIDER, "users": 0}


def test_the_ini_settings_take_effect(suite):
    with_ini(suite, INI)
    assert report(suite) == {"seed": 7, "providers": ["dakota", "dots"], "users": 1}


def test_an_ini_fixtures_path_is_relative_to_the_ini_file_not_to_where_pytest_runs(suite):
    with_ini(suite, INI)
    (suite.path / "tests").mkdir()
    (suite.path / "test_report.py").rename(suite.path / "tests" / "test_report.py")
    suite.chdir()
    assert report(suite, "tests")["users"] == 1


def test_the_command_line_options_take_effect_over_the_ini_settings(suite):
    with_ini(suite, INI)
    options = ["--mock-server-seed", "8", "--mock-server-providers", "taliware,dots"]
    assert report(suite, *options, "--mock-server-fixtures", "none") == {
        "seed": 8,
        "providers": ["dots", "taliware"],
        "users": 0,
    }
    assert report(suite, "--mock-server-fixtures=data/users.json")["users"] == 1


def test_an_overriding_fixture_takes_effect_over_options_and_ini(suite):
    with_ini(suite, INI)
    suite.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mock_server_options():
            return {"seed": 9, "providers": ["dots"], "fixtures": "data/users.json"}
        """
    )
    assert report(suite, "--mock-server-seed", "8") == {"seed": 9, "providers": ["dots"], "users": 1}


def test_an_overriding_fixture_may_start_from_the_configured_options(suite):
    suite.makeconftest(
        """
        import pytest
        from mock_server.pytest_plugin import options_from_config

        @pytest.fixture(scope="session")
        def mock_server_options(pytestconfig):
            return {**options_from_config(pytestconfig), "providers": ["dots"]}
        """
    )
    assert report(suite, "--mock-server-seed", "5") == {"seed": 5, "providers": ["dots"], "users": 0}


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (["--mock-server-seed", "abc"], {}, "ERROR: --mock-server-seed: 'abc' is not a whole number"),
        ([], {"mock_server_seed": "1.5"}, "ERROR: ini mock_server_seed: '1.5' is not a whole number"),
        (["--mock-server-fixtures", "nope.json"], {}, "ERROR: --mock-server-fixtures: no fixtures file or *"),
        ([], {"mock_server_fixtures": "nope.json"}, "ERROR: ini mock_server_fixtures: no fixtures file or *"),
        (
            ["--mock-server-providers", " , "],
            {},
            "ERROR: --mock-server-providers: name at least one provider",
        ),
    ],
)
def test_a_bad_setting_stops_the_run_in_one_line(suite, args, ini, message):
    with_ini(suite, ini)
    result = suite.runpytest_subprocess(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def test_an_unknown_provider_fails_the_tests_using_the_server_in_one_line(suite):
    result = suite.runpytest_subprocess("--mock-server-providers", "dots,nope")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mock server: unknown provider 'nope'; choose from: dots, *"])
    assert "Traceback" not in result.stdout.str()
    assert "another exception occurred" not in result.stdout.str()


def test_the_options_are_in_pytests_help(pytester):
    result = pytester.runpytest_subprocess("--help")
    result.stdout.fnmatch_lines(
        ["*--mock-server-seed=N*", "*--mock-server-fixtures=PATH*", "*--mock-server-providers=NAMES*"]
    )
    result.stdout.fnmatch_lines(["*mock_server_seed (string)*", "*mock_server_fixtures (string)*"])


def test_a_suite_can_run_on_the_production_server(pytester):
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mock_server_options():
            return {"server": "granian"}
        """
    )
    on_granian = """
import requests

def test_the_server_is_granian(mock_server):
    assert requests.get(mock_server.url + "/__admin/health", timeout=5).headers["Server"] == "granian"
"""
    pytester.makepyfile(test_user_suite=USER_SUITE, test_on_granian=on_granian)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=10)


# --- what loading the plugin costs ---------------------------------------------------------------

HEAVY_MODULES = [
    "flask",
    "werkzeug",
    "mock_server.app",
    "mock_server.providers",
    "mock_server.core",
    "cryptography",
    "requests",
    "urllib3",
    "jwt",
    "faker",
    "mimesis",
    "marshmallow",
    "granian",
    "redis",
    "pymongo",
    "schwifty",
    "pycountry",
    "urllib.request",  # with http.client, email and ssl: 7 ms, paid by the production server only
    "ssl",
]


@pytest.mark.parametrize("module", ["mock_server.pytest_plugin", "mock_server.testing"])
def test_loading_the_plugin_or_the_library_imports_nothing_heavy(module):
    script = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert module in loaded  # the check sees what was imported
    heavy = [name for name in loaded if any(name == h or name.startswith(h + ".") for h in HEAVY_MODULES)]
    assert heavy == []


# --- the documented example ---------------------------------------------------------------------


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.DOTALL | re.MULTILINE)


def test_the_docs_show_the_example_file_as_it_is():
    assert EXAMPLE.read_text() in python_blocks((DOCS / "pytest-plugin.md").read_text())


def test_the_documented_example_passes(pytester):
    pytester.makepyfile(test_with_mock_server=EXAMPLE.read_text())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
