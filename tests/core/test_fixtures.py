import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import requests

from mock_server import create_app
from mock_server.core.fixtures import FixtureError
from mock_server.fixtures import BUNDLED_FIXTURES, generate_fixtures
from mock_server.providers import REGISTRY
from tests.conftest import basic

BUNDLED_COUNT = 5  # users per provider in fixtures/
# The seed each bundled file was generated with: `fixtures generate --provider P --count 5 --seed S`.
BUNDLED_SEEDS = {
    "dots": 1,
    "dots-sandbox": 2,
    "wealthyhood": 3,
    "wealthyhood-sandbox": 6,
    "dakota": 4,
    "dakota-sandbox": 7,
    "taliware": 5,
}
# What the README documents for reaching each provider's bundled users.
DOCUMENTED_HEADERS = {
    "dots": basic("pk_dev_mockserver", ""),
    "dots-sandbox": basic("pk_dev_mockserver", ""),
    "dakota": {"x-api-key": "dk_test_mockserver"},
    "dakota-sandbox": {"x-api-key": "dk_test_mockserver"},
    "taliware": {"tenant": "root", "X-API-Key": "any-key"},
}
WEALTHYHOOD_GRANT = {
    "grant_type": "client_credentials",
    "client_id": "mockserver",
    "client_secret": "any-secret",
    "audience": "https://api.wealthyhood.com",
}
# Where each provider lists users; Wealthyhood has no list, only GET /users/me per user.
LIST_PATHS = {
    "dots": "/dots/api/v2/users?limit=100",
    "dots-sandbox": "/dots-sandbox/api/v2/users?limit=100",
    "dakota": "/dakota/users?limit=100",
    "dakota-sandbox": "/dakota-sandbox/users?limit=100",
    "taliware": "/taliware/v1/cl2c/users",
}

Call = Callable[..., Any]  # (method, path, headers=..., json=...) -> the answer's JSON body


def bundled_users(provider: str) -> list[dict]:
    return json.loads((BUNDLED_FIXTURES / f"{provider}.json").read_text(encoding="utf-8"))["users"]


def ids_seen_with_the_documented_credential(call: Call, provider: str) -> list[str]:
    """The ids of the bundled users a client reads back with the credential the README documents."""
    if provider.startswith("wealthyhood"):  # production and sandbox
        token = call("POST", f"/{provider}/oauth/token", json=WEALTHYHOOD_GRANT)["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        users = [
            call("GET", f"/{provider}/users/me", headers={**auth, "x-user-id": user["id"]})
            for user in bundled_users(provider)
        ]
    else:
        body = call("GET", LIST_PATHS[provider], headers=DOCUMENTED_HEADERS[provider])
        users = body if isinstance(body, list) else body["data"]
    return sorted(user["id"] for user in users)


def flask_call(client) -> Call:
    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = client.open(path, method=method, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return call


def socket_call(base_url: str) -> Call:
    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, base_url + path, timeout=5, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    return call


def generate_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mock_server", "fixtures", "generate", *args],
        capture_output=True,
        text=True,
    )


def test_generate_writes_the_same_file_for_the_same_seed():
    first = generate_cli("--provider", "dots", "--count", "3", "--seed", "9")
    second = generate_cli("--provider", "dots", "--count", "3", "--seed", "9")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert (document["provider"], document["scope"], len(document["users"])) == (
        "dots",
        "pk_dev_mockserver",
        3,
    )
    assert generate_cli("--provider", "dots", "--count", "3", "--seed", "10").stdout != first.stdout


@pytest.mark.parametrize("provider", REGISTRY.names())
def test_generate_gives_the_same_users_for_the_same_seed_and_others_for_another(provider):
    first = generate_fixtures(provider, 4, seed=11)
    assert first == generate_fixtures(provider, 4, seed=11)
    assert len(first["users"]) == 4 and len({user["id"] for user in first["users"]}) == 4
    assert generate_fixtures(provider, 4, seed=12)["users"] != first["users"]


def test_generate_to_a_file(tmp_path):
    out = tmp_path / "dots.json"
    assert generate_cli("--provider", "dots", "--count", "2", "--output", str(out)).returncode == 0
    assert len(json.loads(out.read_text())["users"]) == 2


@pytest.mark.parametrize("provider", ["dots", "dots-sandbox"])
def test_generated_users_load_and_keep_their_ids(tmp_path, provider):
    document = generate_fixtures(provider, 25, seed=3)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(document))
    client = create_app({"fixtures": str(path)}).test_client()
    prefix = "/dots" if provider == "dots" else "/dots-sandbox"
    listed = client.get(f"{prefix}/api/v2/users?limit=100", headers=basic(document["scope"])).get_json()[
        "data"
    ]
    assert sorted(user["id"] for user in listed) == sorted(entry["id"] for entry in document["users"])
    first = document["users"][0]
    fetched = client.get(f"{prefix}/api/v2/users/{first['id']}", headers=basic(document["scope"])).get_json()
    assert (fetched["email"], fetched["metadata"]) == (first["email"], first["metadata"])


@pytest.fixture(scope="module")
def bundled_app():
    return create_app({"fixtures": str(BUNDLED_FIXTURES)})


@pytest.mark.parametrize("provider", REGISTRY.names())
def test_the_bundled_users_are_seen_with_the_documented_credential(bundled_app, provider):
    assert bundled_app.extensions["mock_server"].store.count(provider) == BUNDLED_COUNT
    seen = ids_seen_with_the_documented_credential(flask_call(bundled_app.test_client()), provider)
    assert seen == sorted(user["id"] for user in bundled_users(provider))


@pytest.mark.parametrize("provider", REGISTRY.names())
def test_the_bundled_files_are_what_generate_writes_for_their_seed(provider):
    """So `fixtures generate` regenerates each bundled file byte for byte."""
    document = generate_fixtures(provider, BUNDLED_COUNT, seed=BUNDLED_SEEDS[provider])
    expected = json.dumps(document, indent=2, ensure_ascii=False)
    assert (BUNDLED_FIXTURES / f"{provider}.json").read_text(encoding="utf-8") == expected + "\n"


@pytest.mark.parametrize("provider", REGISTRY.names())
def test_each_providers_credential_headers_for_its_fixture_scope_see_its_bundled_users(bundled_app, provider):
    state = bundled_app.extensions["mock_server"]
    definition = state.providers[provider]
    headers = definition.credential_headers(state.backends[provider], definition.fixture_scope)
    if provider.startswith("wealthyhood"):  # production and sandbox
        client = bundled_app.test_client()
        for user in bundled_users(provider):
            response = client.get(f"/{provider}/users/me", headers={**headers, "x-user-id": user["id"]})
            assert response.get_json()["email"] == user["email"]
    else:
        body = bundled_app.test_client().get(LIST_PATHS[provider], headers=headers).get_json()
        assert len(body if isinstance(body, list) else body["data"]) == BUNDLED_COUNT


@pytest.mark.parametrize("provider", REGISTRY.names())
def test_the_server_command_loads_the_bundled_users_by_default(live_server, provider):
    seen = ids_seen_with_the_documented_credential(socket_call(live_server.url), provider)
    assert seen == sorted(user["id"] for user in bundled_users(provider))


def served_config(monkeypatch, *args: str):
    """The config `mock-server ARGS` would serve with, without serving."""
    from mock_server import cli

    seen = {}
    monkeypatch.setattr("mock_server.serve.serve", lambda app, config: seen.setdefault("config", config))
    assert cli.main(list(args)) == 0
    return seen["config"]


def test_no_fixtures_starts_with_no_users_even_when_the_environment_names_some(monkeypatch):
    monkeypatch.setenv("MOCK_SERVER_FIXTURES", str(BUNDLED_FIXTURES))
    config = served_config(monkeypatch, "--no-fixtures")
    assert create_app(config).extensions["mock_server"].store.count() == 0


def test_fixtures_loads_only_the_file_named(monkeypatch, tmp_path):
    monkeypatch.delenv("MOCK_SERVER_FIXTURES", raising=False)
    path = tmp_path / "team.json"
    path.write_text(json.dumps(generate_fixtures("dakota", 3, seed=2)))
    state = create_app(served_config(monkeypatch, "--fixtures", str(path))).extensions["mock_server"]
    assert (state.store.count(), state.store.count("dakota")) == (3, 3)


def test_without_an_option_the_bundled_fixtures_are_loaded(monkeypatch):
    monkeypatch.delenv("MOCK_SERVER_FIXTURES", raising=False)
    state = create_app(served_config(monkeypatch)).extensions["mock_server"]
    assert {name: state.store.count(name) for name in REGISTRY.names()} == dict.fromkeys(
        REGISTRY.names(), BUNDLED_COUNT
    )


def test_fixtures_load_over_the_admin_api(client, tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(generate_fixtures("dots", 4, seed=1)))
    response = client.post("/__admin/fixtures", json={"path": str(path)})
    assert (response.status_code, response.get_json()) == (200, {"loaded": {"dots": 4}})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "Expecting value"),
        ({"provider": "dots"}, 'expected {"provider": str, "scope": str, "users": [...]}'),
        ({"provider": "dots", "scope": "s", "users": ["a user"]}, "users[0]: expected an object"),
        (
            {"provider": "dots", "scope": "s", "users": [{"id": "x", "first_name": "A"}]},
            "users[0]: id: id must be a valid UUID.",
        ),
        (
            {"provider": "dots", "scope": "s", "users": [{"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}]},
            "users[0]: first_name: first_name is required.",
        ),
    ],
)
def test_a_bad_fixtures_file_is_refused_with_its_reason(tmp_path, document, message):
    path = tmp_path / "bad.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(FixtureError, match=message.replace("[", r"\[").replace("]", r"\]")):
        create_app({"fixtures": str(path)})


def test_a_duplicate_phone_in_a_production_fixture_is_refused(tmp_path):
    document = generate_fixtures("dots", 2, seed=1)
    document["users"][1]["phone_number"] = document["users"][0]["phone_number"]
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FixtureError, match=r"users\[1\]: A user with this phone number already exists."):
        create_app({"fixtures": str(path)})


def test_a_missing_fixtures_path_stops_the_server_with_a_message():
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--fixtures", "/nonexistent/fixtures"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "no fixtures file or folder at /nonexistent/fixtures" in result.stderr
