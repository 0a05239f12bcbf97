import platform
import subprocess
import sys

import pytest

from mock_server.base.config import Config, parse_quotas
from mock_server.cli import build_parser
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
