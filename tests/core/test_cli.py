import io
import json
import platform
import subprocess
import sys
import threading
import time
from importlib import metadata

import pytest

from mock_server.app import create_app
from mock_server.base.config import Config, default_threads, parse_quotas
from mock_server.cli import build_parser
from mock_server.fixtures import generate_fixtures
from mock_server.rsgi import AccessLog
from mock_server.serve import banner, keep_large_blocks_returnable


def test_banner_names_every_served_api():
    text = banner(Config(port=9000))
    assert "http://127.0.0.1:9000/dots/api/v2/users  (or Host: api.dots.dev)" in text
    assert "http://127.0.0.1:9000/dots-sandbox/api/v2/users" in text


def test_banner_for_one_provider_shows_it_at_the_root():
    text = banner(Config(port=9000, provider="dots"))
    assert "http://127.0.0.1:9000/api/v2/users" in text
    assert "sandbox" not in text


def test_help_lists_the_serve_options():
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "serve", "--help"], capture_output=True, text=True, check=True
    )
    for option in ("--host", "--port", "--provider", "--seed", "--rate-limit", "--strict-auth"):
        assert option in result.stdout


def test_a_bad_environment_setting_exits_with_a_message_not_a_trace():
    result = subprocess.run(
        [sys.executable, "-m", "mock_server"],
        capture_output=True,
        text=True,
        env={"MOCK_SERVER_PORT": "eighty", "PATH": ""},
    )
    assert result.returncode == 2
    assert "MOCK_SERVER_PORT='eighty' is not a number" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_live_server_prints_where_each_api_is_served(live_server):
    output = live_server.output()
    assert f"mock-server listening on {live_server.url}" in output
    assert f"{live_server.url}/dots/api/v2/users" in output
    assert f"{live_server.url}/dots-sandbox/api/v2/users" in output


def test_a_bad_rate_limit_exits_with_a_message_not_a_trace():
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--rate-limit", "dots=10/min"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "provider 'dots' has no rate limit to emulate" in result.stderr
    assert "Traceback" not in result.stderr


def test_repeated_rate_limit_options_are_joined(monkeypatch, capsys):
    from mock_server import cli

    seen = {}
    monkeypatch.setattr("mock_server.serve.serve", lambda app, config: seen.setdefault("config", config))
    assert cli.main(["--rate-limit", "dakota=60/min", "--rate-limit", "dakota=5/s"]) == 0
    # Joined in order, so the later quota of one provider wins (keeping only the first would leave 60/min).
    assert seen["config"].rate_limit == parse_quotas("dakota=5/s")
    # The first option is read too (keeping only the last would accept this and serve).
    assert cli.main(["--rate-limit", "dots=5/s", "--rate-limit", "dakota=60/min"]) == 2
    assert "provider 'dots' has no rate limit to emulate" in capsys.readouterr().err


def test_strict_auth_is_unset_unless_given_so_the_environment_still_applies():
    assert build_parser().parse_args(["serve"]).strict_auth is None
    assert build_parser().parse_args(["serve", "--strict-auth"]).strict_auth is True


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_large_blocks_are_kept_returnable_on_glibc():
    assert keep_large_blocks_returnable() is True


# --- the banner's users -------------------------------------------------------------------------------


def fixtures_file(tmp_path, provider: str, count: int) -> str:
    path = tmp_path / f"{provider}.json"
    path.write_text(json.dumps(generate_fixtures(provider, count, seed=1)))
    return str(path)


def test_the_banner_counts_the_users_of_each_credential_and_shows_its_headers(tmp_path):
    app = create_app({"fixtures": fixtures_file(tmp_path, "dakota", 3)})
    text = banner(app.extensions["mock_server"].config, app)
    assert "  Users loaded, and the headers that see them:\n" in text
    assert "\n  Dakota              3 users: x-api-key: dk_test_mockserver\n" in text
    assert "Dots " not in text.partition("Users loaded")[2]  # a provider with no users is not listed


def test_a_token_in_the_banner_is_named_not_printed(tmp_path):
    app = create_app({"fixtures": fixtures_file(tmp_path, "wealthyhood", 1)})
    text = banner(app.extensions["mock_server"].config, app)
    assert "  Wealthyhood         1 user: Authorization: Bearer <a token for mockserver@clients>\n" in text
    assert "eyJ" not in text  # a JWT (it expires within the hour)


def test_the_banner_says_when_there_are_no_users():
    app = create_app({})
    assert "\n  No users loaded\n" in banner(app.extensions["mock_server"].config, app)


def test_the_banner_lists_a_few_credentials_per_provider_and_counts_the_rest():
    app = create_app({"provider": "dakota"})
    state = app.extensions["mock_server"]
    for n in range(5):
        state.backends["dakota"].load_fixture(f"key-{n}", generate_fixtures("dakota", 1, seed=n)["users"][0])
    text = banner(state.config, app)
    assert [line for line in text.splitlines() if "user" in line.lower() and "http" not in line] == [
        "  Users loaded, and the headers that see them:",
        "  Dakota 1 user: x-api-key: key-0",
        "  Dakota 1 user: x-api-key: key-1",
        "  Dakota 1 user: x-api-key: key-2",
        "  Dakota and users of 2 more credentials",
    ]


# --- options --------------------------------------------------------------------------------------------


def test_version_is_the_installed_distributions(capsys):
    from mock_server import cli

    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"mock-server {cli.installed_version()}\n"


def test_the_version_is_looked_up_under_the_new_name_first(monkeypatch):
    from mock_server import cli

    asked = []

    def version(name: str) -> str:
        asked.append(name)
        if name == "fintech-mock-server":
            raise metadata.PackageNotFoundError(name)
        return "1.2.3"

    monkeypatch.setattr(cli.metadata, "version", version)
    assert cli.installed_version() == "1.2.3"
    assert asked == ["fintech-mock-server", "mock-server"]


def test_a_bad_option_is_said_in_one_line(capsys):
    from mock_server import cli

    with pytest.raises(SystemExit) as exited:
        cli.main(["--port", "eighty"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "mock-server: argument --port: invalid int value: 'eighty' (see mock-server serve --help)\n"
    )


def test_quiet_is_unset_unless_given_so_the_environment_still_applies():
    assert build_parser().parse_args(["serve"]).quiet is None
    assert build_parser().parse_args(["serve", "--quiet"]).quiet is True


def test_the_help_says_the_default_thread_count_and_how_it_is_chosen():
    text = build_parser()._subparsers._group_actions[0].choices["serve"].format_help()
    assert "the usable CPUs plus 4, at most 32" in " ".join(text.split())
    assert f"here {default_threads()};" in " ".join(text.split())


# --- access lines --------------------------------------------------------------------------------------


def written(log: AccessLog, out: io.StringIO) -> str:
    log.close()
    return out.getvalue()


def test_an_access_line_shows_the_query_names_but_no_value():
    out = io.StringIO()
    log = AccessLog(out)
    log.record("10.0.0.7", "GET", "/dots/api/v2/users", "limit=10&email=a@b.c&flag", 200, 0.0031)
    assert written(log, out) == "10.0.0.7 GET /dots/api/v2/users?limit=*&email=*&flag=* 200 3.1ms\n"


def test_an_access_line_cannot_be_forged_through_the_path():
    out = io.StringIO()
    log = AccessLog(out)
    log.record("127.0.0.1", "GET", "/x\n127.0.0.1 GET /admin 200 1.0ms\x1b[2J Zoë", "", 404, 0.001)
    assert (
        written(log, out)
        == "127.0.0.1 GET /x%0A127.0.0.1%20GET%20/admin%20200%201.0ms%1B%5B2J%20Zo%C3%AB 404 1.0ms\n"
    )


class StalledConsole(io.StringIO):
    """A console that takes nothing until it is let go."""

    def __init__(self) -> None:
        super().__init__()
        self.let_go = threading.Event()

    def write(self, text: str) -> int:
        self.let_go.wait(10)
        return super().write(text)


def test_a_stalled_console_drops_lines_past_the_limit_and_says_how_many(monkeypatch):
    monkeypatch.setattr("mock_server.rsgi.ACCESS_LOG_CAPACITY", 3)
    console = StalledConsole()
    log = AccessLog(console)
    for n in range(10):  # the first is taken by the writer, which waits on the console; 3 more wait
        log.record("127.0.0.1", "GET", f"/{n}", "", 200, 0.001)
        time.sleep(0.01)
    console.let_go.set()
    lines = written(log, console).splitlines()
    assert lines[:4] == [f"127.0.0.1 GET /{n} 200 1.0ms" for n in range(4)]
    assert lines[4] == "mock-server: 6 access lines dropped: the console did not keep up"
