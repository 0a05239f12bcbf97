"""MockServer as a library (mock_server/testing.py): without pytest, as a context manager, on the in-process
server and on the production one (granian, in a child process)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid

import pytest
import requests

from mock_server import create_app
from mock_server.testing import MockServer

SERVERS = ["werkzeug", "granian"]
BOB = {
    "first_name": "Bob",
    "last_name": "Loblaw",
    "email": "bob@bobloblaw.com",
    "country_code": "1",
    "phone_number": "4154332334",
}
ADA_ID = "11111111-2222-4333-8444-555555555555"


class Boom(Exception):
    pass


def port_is_open(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, int(port))) == 0


def group_is_gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def create_dots_user(server: MockServer, scope: str = "pytest") -> requests.Response:
    url = server.base_url("dots") + "/api/v2/users"
    return requests.post(url, json=BOB, headers=server.credentials("dots", scope), timeout=5)


@pytest.fixture
def ada_fixtures(tmp_path):
    path = tmp_path / "users.json"
    user = {**BOB, "id": ADA_ID, "first_name": "Ada"}
    path.write_text(json.dumps({"provider": "dots", "scope": "pytest", "users": [user]}))
    return path


def test_mock_server_is_usable_where_pytest_cannot_be_imported():
    script = textwrap.dedent(
        """
        import json, sys, urllib.request
        sys.modules["pytest"] = None  # any import of pytest now fails
        from mock_server.testing import MockServer

        with MockServer(seed=1) as server:
            body = json.dumps({"first_name": "Bob", "last_name": "Loblaw", "email": "bob@bobloblaw.com",
                               "country_code": "1", "phone_number": "4154332334"}).encode()
            request = urllib.request.Request(server.base_url("dots") + "/api/v2/users", data=body,
                                             headers={**server.credentials("dots"),
                                                      "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                print(response.status, "pytest" in sys.modules and sys.modules["pytest"] is not None)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "False"]


@pytest.mark.parametrize("kind", SERVERS)
def test_both_servers_serve_a_dots_create_and_answer_every_method(kind):
    with MockServer(seed=1, server=kind) as server:
        created = create_dots_user(server)
        assert created.status_code == 200, created.text
        read = requests.get(created.url + "/" + created.json()["id"], headers=server.credentials("dots"))
        assert read.json() == created.json()
        assert requests.get(created.url, headers=server.credentials("dots", "another")).json()["data"] == []
        assert [entry["method"] for entry in server.requests()] == ["POST", "GET", "GET"]
        assert len(server.webhook_public_key("dakota")) == 64
        assert len(server.webhook_public_keys()) == 2  # dakota and dakota-sandbox
        assert server.deliver_webhooks() == []
        server.reset()
        assert server.requests() == []
        assert requests.get(created.url, headers=server.credentials("dots")).json()["data"] == []


@pytest.mark.parametrize("kind", SERVERS)
def test_both_servers_give_credentials_their_provider_accepts(kind):
    with MockServer(server=kind) as server:
        auth = server.credentials("wealthyhood", "team-a")
        assert auth["Authorization"].startswith("Bearer ")
        url = server.base_url("wealthyhood") + "/users"
        body = {"email": "j@example.com", "firstName": "J", "lastName": "D", "dateOfBirth": "1990-05-15"}
        created = requests.post(url, json={**body, "residencyCountry": "GB"}, headers=auth, timeout=5)
        assert created.status_code == 201, created.text
        me = requests.get(url + "/me", headers={**auth, "x-user-id": created.json()["id"]}, timeout=5)
        assert me.json() == created.json()


def test_the_same_seed_gives_the_same_ids_on_both_servers():
    ids = []
    for kind in SERVERS:
        with MockServer(seed=42, server=kind) as server:
            ids.append(create_dots_user(server).json()["id"])
    assert ids[0] == ids[1]


@pytest.mark.parametrize("kind", SERVERS)
def test_the_context_manager_stops_the_server_when_its_body_raises(kind):
    with pytest.raises(Boom):
        with MockServer(server=kind) as server:
            url, running = server.url, server._running
            assert port_is_open(url)
            raise Boom
    assert not port_is_open(url)
    if kind == "granian":
        assert running.process.poll() is not None
        assert group_is_gone(running.process.pid)  # its worker too
    with pytest.raises(RuntimeError, match="not running: call start"):
        server.base_url("dots")


@pytest.mark.parametrize("kind", SERVERS)
def test_start_and_stop_without_a_with_block(kind):
    server = MockServer(server=kind)
    try:
        assert server.start() is server
        url = server.url
        assert create_dots_user(server).status_code == 200
    finally:
        server.stop()
    assert not port_is_open(url)
    server.stop()  # a second stop does nothing


@pytest.mark.parametrize("kind", SERVERS)
def test_fixtures_and_one_provider_are_served(kind, ada_fixtures):
    with MockServer(fixtures=ada_fixtures, providers=["dots"], server=kind) as server:
        users = requests.get(server.base_url("dots") + "/api/v2/users", headers=server.credentials("dots"))
        assert [user["id"] for user in users.json()["data"]] == [ADA_ID]
        with pytest.raises(ValueError, match="provider 'dakota' is not served here; served: dots"):
            server.base_url("dakota")
        assert requests.get(server.url + "/dakota/users", headers={"x-api-key": "k"}).status_code == 404


def test_the_in_process_server_serves_several_providers_at_their_prefixes():
    with MockServer(providers=["dakota", "dots"]) as server:
        assert sorted(server.state.providers) == ["dakota", "dots"]
        assert create_dots_user(server).status_code == 200
        assert server.base_url("dakota") == server.url + "/dakota"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"server": "gunicorn"}, "server must be one of werkzeug, granian, not 'gunicorn'"),
        ({"providers": []}, "providers must name at least one provider"),
        ({"providers": ["nope"]}, "unknown provider 'nope'; choose from: dots, "),
        ({"providers": ["nope"], "server": "granian"}, "invalid choice: 'nope'"),
        ({"providers": ["dots", "dakota"], "server": "granian"}, "serves every provider or one"),
        ({"fixtures": "/no/such/users.json"}, "no fixtures file or folder at /no/such/users.json"),
        ({"fixtures": "/no/such/users.json", "server": "granian"}, "no fixtures file or folder at /no/such"),
    ],
)
def test_a_bad_setting_is_a_value_error_naming_it(settings, message):
    with pytest.raises(ValueError, match=message):
        with MockServer(**settings):
            pass


def test_the_production_server_is_configured_by_its_arguments_not_the_environment(monkeypatch):
    monkeypatch.setenv("MOCK_SERVER_PROVIDER", "dakota")  # would serve Dakota alone, at the root
    with MockServer(server="granian") as server:
        assert create_dots_user(server).status_code == 200


def test_the_in_process_server_exposes_its_app_and_state_and_the_production_one_says_it_cannot():
    with MockServer(seed=3) as server:
        assert server.state is server.app.extensions["mock_server"]
        assert server.state.config.seed == 3
    with MockServer(server="granian") as server:
        with pytest.raises(AttributeError, match="state is in-process only"):
            server.state  # noqa: B018


def test_the_admin_api_gives_a_credential_of_any_provider_and_scope():
    client = create_app({"seed": 1}).test_client()
    answer = client.get("/__admin/credentials/dakota?scope=key-1")
    assert answer.status_code == 200
    assert answer.json == {"provider": "dakota", "scope": "key-1", "headers": {"x-api-key": "key-1"}}
    assert client.get("/__admin/credentials/nope?scope=a").status_code == 400
    assert client.get("/__admin/credentials/dots").status_code == 400  # the scope is required


@pytest.mark.parametrize("kind", ["werkzeug", "granian"])
def test_a_scoped_reset_forgets_one_credentials_users_and_keeps_the_others(kind):
    with MockServer(server=kind) as server:
        url = server.base_url("dakota") + "/users"
        for scope in ("team-a", "team-b"):
            created = _create_dakota_user(url, server.credentials("dakota", scope), f"{scope}@example.com")
            assert created.status_code == 201, created.text
        server.reset("dakota", scope="team-a")
        team_a = requests.get(url, headers=server.credentials("dakota", "team-a"), timeout=10).json()["data"]
        team_b = requests.get(url, headers=server.credentials("dakota", "team-b"), timeout=10).json()["data"]
        assert team_a == []
        assert [user["email"] for user in team_b] == ["team-b@example.com"]


def test_a_scope_without_its_provider_is_refused():
    with MockServer() as server, pytest.raises(ValueError, match="give provider too"):
        server.reset(scope="team-a")


def _create_dakota_user(url: str, headers: dict[str, str], email: str) -> requests.Response:
    body = {"first_name": "Ada", "last_name": "Byron", "email": email, "role": "admin"}
    key = {"x-idempotency-key": str(uuid.uuid4())}
    return requests.post(url, json=body, headers={**headers, **key}, timeout=10)
