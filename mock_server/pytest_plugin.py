"""pytest plugin (registered through the `pytest11` entry point).

Fixtures:
- `mock_server_options`: the settings the server starts with (a dict of MockServer's keywords); from the
  command line, else the ini file, else the defaults. Override it in a conftest.py to set them in code.
- `mock_server_session`: one live server for the whole test session, on a free loopback port.
- `mock_server`: the same server, reset before each test (in-process, no restart: microseconds).
Both hand over a MockServer (mock_server/testing.py): `base_url(provider)`, `credentials(provider)`,
`reset()`, `requests()`, `webhook_public_key(provider)`, `deliver_webhooks()`.
- `mock_webhook_receiver`: a live WebhookReceiver (mock_server/receiver.py) trusting the server's webhook
  signing keys; the test registers its `url` as a webhook target through the API, then `wait_for`s events.

Loading the plugin (pytest does, in every project that installs us) imports neither Flask nor any
provider nor `cryptography`: the server is built, and its modules imported, when a test first asks for a
fixture."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from mock_server.testing import MockServer

if TYPE_CHECKING:
    from mock_server.receiver import WebhookReceiver

__all__ = ["MockServer", "options_from_config"]

SEED, FIXTURES, PROVIDERS = "mock_server_seed", "mock_server_fixtures", "mock_server_providers"
NO_FIXTURES = "none"
OPTIONS = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock_server", "mock server (the mock_server, mock_server_session fixtures)")
    settings = {
        SEED: ("N", "the server's seed: the same seed gives the same ids and fake data (default: none)"),
        FIXTURES: ("PATH", f"a fixtures file or folder to load at start, or '{NO_FIXTURES}' (the default)"),
        PROVIDERS: ("NAMES", "the providers to serve, comma-separated (default: every one)"),
    }
    for name, (metavar, help_text) in settings.items():
        group.addoption("--" + name.replace("_", "-"), dest=name, metavar=metavar, help=help_text)
        parser.addini(name, help_text + "; the --" + name.replace("_", "-") + " option overrides it")


def pytest_configure(config: pytest.Config) -> None:
    # Read here, so a bad setting stops the run at once, in one line, and not at the first test using it.
    config.stash[OPTIONS] = options_from_config(config)


def options_from_config(config: pytest.Config) -> dict[str, Any]:
    """The MockServer keywords that the command line, else the ini file, set; pytest.UsageError for a bad
    one. An overriding `mock_server_options` fixture may start from these (its `pytestconfig`)."""
    seed = _setting(config, SEED)
    fixtures = _setting(config, FIXTURES)
    providers = _setting(config, PROVIDERS)
    return {
        "seed": _seed(seed),
        "fixtures": _fixtures(config, fixtures),
        "providers": None if providers is None else _providers(providers),
    }


def _setting(config: pytest.Config, name: str) -> tuple[str, str] | None:
    """(the value, where it came from: "option" or "ini"), or None when neither sets it."""
    given = config.getoption(name)
    if given is not None:
        return given, "option"
    ini = config.getini(name)
    return (ini.strip(), "ini") if isinstance(ini, str) and ini.strip() else None


def _label(name: str, source: str) -> str:
    return "--" + name.replace("_", "-") if source == "option" else f"ini {name}"


def _seed(setting: tuple[str, str] | None) -> int | None:
    if setting is None:
        return None
    value, source = setting
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(f"{_label(SEED, source)}: {value!r} is not a whole number") from None


def _fixtures(config: pytest.Config, setting: tuple[str, str] | None) -> str | None:
    """A path from the command line is relative to where pytest was started; one from the ini file, to
    the ini file's folder."""
    if setting is None or setting[0].lower() == NO_FIXTURES:
        return None
    value, source = setting
    if source == "option":
        base = config.invocation_params.dir
    else:
        base = config.inipath.parent if config.inipath else config.rootpath
    path = base / Path(value).expanduser()
    if not path.exists():
        raise pytest.UsageError(f"{_label(FIXTURES, source)}: no fixtures file or folder at {path}")
    return str(path)


def _providers(setting: tuple[str, str]) -> list[str]:
    value, source = setting
    names = [name for name in re.split(r"[\s,]+", value) if name]
    if not names:
        raise pytest.UsageError(f"{_label(PROVIDERS, source)}: name at least one provider")
    return names


@pytest.fixture(scope="session")
def mock_server_options(pytestconfig: pytest.Config) -> dict[str, Any]:
    """The MockServer keywords the session's mock server starts with: seed, fixtures, providers (from
    --mock-server-* options, else the mock_server_* ini settings); override this fixture to set them,
    or server="granian" for the production server."""
    return dict(pytestconfig.stash[OPTIONS])


@pytest.fixture(scope="session")
def mock_server_session(mock_server_options: dict[str, Any]) -> Iterator[MockServer]:
    """One live mock server (a MockServer) for the whole session, on a free loopback port; not reset."""
    server = MockServer(**mock_server_options)
    try:
        server.start()
    except ValueError as error:  # a bad setting: its one line, not a traceback into the plugin
        raise pytest.fail.Exception(f"mock server: {error}", pytrace=False) from None
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mock_server(mock_server_session: MockServer) -> MockServer:
    """The session's MockServer, reset first: no users, journal entries, webhooks or faults of other tests."""
    mock_server_session.reset()
    return mock_server_session


@pytest.fixture
def mock_webhook_receiver(mock_server: MockServer) -> Iterator[WebhookReceiver]:
    """A live WebhookReceiver trusting the mock server's webhook signing keys, closed after the test; it
    registers no target: create one through the API with its `url`."""
    from mock_server.receiver import WebhookReceiver

    with WebhookReceiver(mock_server.webhook_public_keys()) as receiver:
        yield receiver
