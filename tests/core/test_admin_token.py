"""--admin-token: every /__admin path asks for it, the emulated APIs never do, and the token itself shows
nowhere (answers, journal, banner, the server's output)."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from mock_server.app import create_app
from mock_server.base.config import Config
from mock_server.core import admin_auth
from mock_server.core.admin_auth import COOKIE_NAME, cookie_value, tokens_match
from mock_server.providers import REGISTRY
from mock_server.serve import banner
from mock_server.testing import MockServer
from tests.conftest import LiveServer, basic

TOKEN = "tok-5f1c9e0a7b3d4e2f"
WRONG = "tok-00000000deadbeef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
REFUSED = {
    "error": "This admin API requires the admin token: send Authorization: Bearer <token>, "
    "or log in at /__admin/ui/login."
}
# A harmless request per route parameter: ids that name nothing, a provider that exists.
PARAMETER_VALUES = {"provider": "dakota", "rule_id": "no-such-rule"}
# Bodies for the routes that need one to get past validation without changing anything that matters.
BODIES = {
    ("POST", "/__admin/fixtures"): {"path": "/no/such/fixtures.json"},
    ("POST", "/__admin/users/status"): {},
    ("POST", "/__admin/webhooks/deliver"): {"due_only": True},
    ("POST", "/__admin/faults"): {"provider": "dakota", "path": "/nothing", "status": 500, "times": 1},
}
# Open without the token: the login form, and health (a container's probe), which then says only up/down.
OPEN = {("GET", "/__admin/ui/login"), ("POST", "/__admin/ui/login"), ("GET", "/__admin/health")}


@pytest.fixture
def app():
    return create_app({"seed": 7, "admin_token": TOKEN})


@pytest.fixture
def client(app):
    return app.test_client()


def admin_requests(app) -> list[tuple[str, str, Any]]:
    """(method, path, JSON body) for every method of every rule under /__admin, from the app's own URL
    map: a route added later is in the table without anyone adding it."""
    table = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/__admin"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: PARAMETER_VALUES.get(m.group(1), "x"), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            table.append((method, path, BODIES.get((method, rule.rule))))
    return table


def guarded_requests(app) -> list[tuple[str, str, Any]]:
    return [entry for entry in admin_requests(app) if entry[:2] not in OPEN]


def send(client, method: str, path: str, body: Any, headers: dict[str, str] | None = None):
    return client.open(path, method=method, json=body, headers=headers or {})


def test_the_table_covers_the_admin_api():
    paths = {path for _, path, _ in admin_requests(create_app({"admin_token": TOKEN}))}
    assert {
        "/__admin/reset",
        "/__admin/requests",
        "/__admin/faults/no-such-rule",
        "/__admin/ui/login",
    } <= paths
    assert len(paths) >= 15


def is_page(method: str, path: str) -> bool:
    return method == "GET" and path.startswith("/__admin/ui/")


def test_every_admin_route_refuses_without_the_token(app, client):
    for method, path, body in guarded_requests(app):
        if is_page(method, path):
            continue
        response = send(client, method, path, body)
        assert (method, path, response.status_code, response.json) == (method, path, 401, REFUSED)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_every_dashboard_page_sends_a_browser_without_the_token_to_the_login_form(app, client):
    pages = [path for method, path, _ in guarded_requests(app) if is_page(method, path)]
    assert "/__admin/ui/" in pages and "/__admin/ui/journal" in pages
    for path in pages:
        response = client.get(path)
        assert (path, response.status_code, response.headers.get("Location")) == (
            path,
            303,
            "/__admin/ui/login",
        )


def test_every_admin_route_refuses_a_wrong_token(app, client):
    for headers in ({"Authorization": f"Bearer {WRONG}"}, {"X-Admin-Token": WRONG}):
        for method, path, body in guarded_requests(app):
            response = send(client, method, path, body, headers)
            refused = 303 if is_page(method, path) else 401
            assert (method, path, response.status_code) == (method, path, refused)


def test_every_admin_route_accepts_the_bearer_token(app, client):
    for method, path, body in guarded_requests(app):
        response = send(client, method, path, body, BEARER)
        assert (method, path, response.status_code) != (method, path, 401)
        assert response.status_code < 500, (method, path, response.get_data(True))


def test_every_admin_route_accepts_the_token_header(app, client):
    for method, path, body in guarded_requests(app):
        response = send(client, method, path, body, {"X-Admin-Token": TOKEN})
        assert (method, path, response.status_code) != (method, path, 401)


def test_every_admin_route_accepts_the_login_cookie(app, client):
    login = client.post("/__admin/ui/login", data={"token": TOKEN})
    assert (login.status_code, login.headers["Location"]) == (303, "/__admin/ui/")
    for method, path, body in guarded_requests(app):
        response = send(client, method, path, body)
        assert (method, path, response.status_code) != (method, path, 401)


def test_a_path_under_admin_that_matches_no_route_refuses_too(client):
    assert send(client, "GET", "/__admin/no-such-route", None).status_code == 401
    assert send(client, "GET", "/__admin", None).status_code == 401
    assert send(client, "GET", "/__admin/no-such-route", None, BEARER).status_code == 404


def test_a_browser_asking_for_a_dashboard_page_is_sent_to_log_in(client):
    response = client.get("/__admin/ui/")
    assert (response.status_code, response.headers["Location"]) == (303, "/__admin/ui/login")


def test_the_login_cookie_is_httponly_strict_and_not_the_token(client):
    response = client.post("/__admin/ui/login", data={"token": TOKEN})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}={cookie_value(TOKEN)};")
    assert {"HttpOnly", "SameSite=Strict", "Path=/__admin"} <= {part.strip() for part in cookie.split(";")}
    assert TOKEN not in cookie


def test_a_wrong_token_in_the_form_shows_the_form_again_with_a_message(client):
    response = client.post("/__admin/ui/login", data={"token": WRONG})
    page = response.get_data(True)
    assert response.status_code == 401
    assert "That is not the admin token." in page and 'role="alert"' in page
    assert WRONG not in page and "Set-Cookie" not in response.headers


def test_the_login_form_has_a_labelled_password_field(client):
    page = client.get("/__admin/ui/login").get_data(True)
    assert '<label for="token">Admin token</label>' in page
    assert 'id="token" name="token" type="password"' in page
    assert '<button type="submit">Log in</button>' in page


def test_a_change_from_another_origin_with_the_cookie_is_refused(client):
    client.post("/__admin/ui/login", data={"token": TOKEN})
    other = send(client, "POST", "/__admin/reset", {}, {"Origin": "http://localhost:3000"})
    own = send(client, "POST", "/__admin/reset", {}, {"Origin": "http://localhost"})
    assert (other.status_code, own.status_code) == (401, 200)


def test_a_cors_preflight_is_answered_so_a_script_with_the_token_can_call(client):
    preflight = client.options(
        "/__admin/requests",
        headers={"Origin": "http://app.test", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200


def test_health_without_the_token_says_only_up_or_down(client):
    assert (client.get("/__admin/health").status_code, client.get("/__admin/health").json) == (
        200,
        {"status": "ok"},
    )
    detailed = client.get("/__admin/health", headers=BEARER).json
    assert detailed["status"] == "ok" and "providers" in detailed and "users" in detailed


def test_the_emulated_apis_do_not_ask_for_the_token(client):
    assert client.get("/dakota/users", headers={"x-api-key": "dk_test_any"}).status_code == 200
    assert client.get("/dots/api/v2/users", headers=basic("client-a")).status_code == 200
    assert client.get("/dakota/openapi.json").status_code == 200


def test_the_admin_bearer_is_not_taken_for_a_provider_credential(client):
    """Wealthyhood's credential is a bearer token too: a reset of the provider with the admin bearer
    resets it all, not refused as a bad Wealthyhood token."""
    response = client.post("/__admin/reset", json={"provider": "wealthyhood"}, headers=BEARER)
    assert (response.status_code, response.json["reset"]) == (200, ["wealthyhood"])


def test_the_token_appears_in_no_admin_answer(app, client):
    client.post("/__admin/ui/login", data={"token": TOKEN})  # the cookie, sent from here on too
    for method, path, body in admin_requests(app):
        for headers in (BEARER, {"X-Admin-Token": TOKEN}, {}):
            response = send(client, method, path, body, headers)
            shown = response.get_data(True) + json.dumps(list(response.headers.items()))
            assert TOKEN not in shown, (method, path)


def test_the_token_is_not_in_the_journal(client):
    for headers in (BEARER, {"X-Admin-Token": TOKEN}, {"Cookie": f"{COOKIE_NAME}={TOKEN}"}):
        client.get("/dakota/users", headers={"x-api-key": "dk_test_any", **headers})
        client.get("/wealthyhood/users/me", headers=headers)
    journal = client.get("/__admin/requests", headers=BEARER)
    assert journal.json["total"] == 6
    assert TOKEN not in journal.get_data(True)


def test_the_admin_token_header_is_hidden_whole_in_the_journal(client):
    client.get("/dakota/users", headers={"x-api-key": "dk_test_any", "X-Admin-Token": TOKEN})
    entry = client.get("/__admin/requests", headers=BEARER).json["requests"][-1]
    assert entry["headers"]["X-Admin-Token"] == "…"


def test_without_a_token_the_admin_api_is_open_and_login_leads_to_the_dashboard():
    client = create_app({"seed": 7}).test_client()
    assert client.post("/__admin/reset", json={}).status_code == 200
    assert (
        client.get("/__admin/health").json["status"] == "ok"
        and "providers" in client.get("/__admin/health").get_json()
    )
    assert client.get("/__admin/ui/login").headers["Location"] == "/__admin/ui/"


# --- the checker ------------------------------------------------------------------------------------


def test_tokens_are_compared_in_constant_time(monkeypatch):
    compared = []

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return given == expected

    monkeypatch.setattr(admin_auth.hmac, "compare_digest", spy)
    assert tokens_match(TOKEN, TOKEN) is True
    assert tokens_match(WRONG, TOKEN) is False
    assert compared == [(TOKEN.encode(), TOKEN.encode()), (WRONG.encode(), TOKEN.encode())]


def test_the_checker_refuses_what_is_not_the_token():
    assert not tokens_match(None, TOKEN)
    assert not tokens_match("", TOKEN)
    assert not tokens_match(TOKEN[:-1], TOKEN)
    assert not tokens_match(TOKEN + "x", TOKEN)
    assert not tokens_match("tök", TOKEN)  # not ASCII: compared, not an error


# --- settings, banner ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "has space", " lead", "tab\there", "é-accent"])
def test_an_unusable_token_is_refused_in_a_line_that_does_not_repeat_it(bad):
    with pytest.raises(ValueError, match="admin_token must be") as refused:
        REGISTRY.config({"admin_token": bad})
    assert bad.strip() == "" or bad not in str(refused.value)


def test_the_token_is_not_in_the_config_repr_but_reaches_a_worker_through_the_environment():
    config = REGISTRY.config({"admin_token": TOKEN})
    assert TOKEN not in repr(config)
    assert config.to_environ(REGISTRY.catalog)["MOCK_SERVER_ADMIN_TOKEN"] == TOKEN
    assert REGISTRY.config_from_env({"MOCK_SERVER_ADMIN_TOKEN": TOKEN}).admin_token == TOKEN


def test_the_banner_warns_when_bound_beyond_loopback_without_a_token():
    text = banner(Config(host="0.0.0.0"))
    assert "anyone who can reach this server can read and reset it" in text
    assert "MOCK_SERVER_ADMIN_TOKEN" in text


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_the_banner_does_not_warn_on_loopback(host):
    assert "anyone who can reach" not in banner(Config(host=host))


def test_with_a_token_the_banner_says_so_without_it():
    text = banner(Config(host="0.0.0.0", admin_token=TOKEN))
    assert "admin API requires a token" in text
    assert "anyone who can reach" not in text and TOKEN not in text


# --- the library ---------------------------------------------------------------------------------------


def test_the_library_sends_the_token_it_was_given():
    with MockServer(admin_token=TOKEN, fixtures=None) as server:
        server.reset("wealthyhood", scope="team-a")  # the credential's Authorization and the token, both
        server.reset()
        assert server.app.test_client().post("/__admin/reset", json={}).status_code == 401


def test_the_library_sends_the_token_to_a_production_server_through_its_environment():
    with MockServer(admin_token=TOKEN, server="granian") as server:
        server.reset("wealthyhood", scope="team-a")
        assert server.requests() == []
        assert call(server.url + "/__admin/requests")[0] == 401
        assert TOKEN not in server._running.output()


# --- a real server process ----------------------------------------------------------------------------


def call(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """(status, body, headers) of a request, without a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, method=method, headers=headers or {})
    if method == "POST":
        request.data = b"{}"
        request.add_header("Content-Type", "application/json")
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode(), str(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), str(error.headers)


@pytest.fixture
def token_server():
    server = LiveServer("--admin-token", TOKEN, "--no-fixtures")
    try:
        deadline = time.monotonic() + 10
        while "admin API requires a token" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)  # the banner is printed once the worker serves
        yield server
    finally:
        if server.process.poll() is None:  # the test may have stopped it to read all it printed
            server.stop()


def test_a_real_server_asks_for_the_token_and_never_shows_it(token_server):
    url = token_server.url
    refused = call(url + "/__admin/requests")
    assert (refused[0], json.loads(refused[1])) == (401, REFUSED)
    assert call(url + "/__admin/requests", headers={"Authorization": f"Bearer {WRONG}"})[0] == 401
    assert call(url + "/dakota/users", headers={"x-api-key": "dk_test_any", **BEARER})[0] == 200
    assert call(url + "/dakota/users", headers={"x-api-key": "dk_test_any"})[0] == 200
    answers = [
        call(url + "/__admin/requests", headers=BEARER),
        call(url + "/__admin/reset", "POST", headers=BEARER),
        call(url + "/__admin/health"),
    ]
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert json.loads(answers[0][1])["total"] == 2
    output = token_server.stop()
    assert "admin API requires a token" in output and "/__admin/requests 401" in output
    for shown in (*(body + headers for _, body, headers in answers), output):
        assert TOKEN not in shown
