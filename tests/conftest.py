"""Fixtures for every suite: a fresh app per test, and one live production server per session."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.processes import stop_process

pytest_plugins = ["pytester"]


# --- programs some tests need -----------------------------------------------------------------------------
# Outside CI, a test whose program is missing is skipped. Under CI=true (.ci/run installs them all) a missing
# one stops the run after collection, in one line naming each program and its Debian package, before any
# test fails for it.


@dataclass(frozen=True)
class Program:
    name: str
    package: str  # Debian's
    found: Callable[[], bool]
    needed_by: Callable[[pytest.Item], bool]


def chromium_executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def compose_tool_installed() -> bool:
    """`docker compose` (the plugin) or Debian's docker-compose, as tests/test_compose.py looks for them."""
    if shutil.which("docker-compose"):
        return True
    docker = shutil.which("docker")
    return (
        bool(docker) and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    )


def _in_file(name: str) -> Callable[[pytest.Item], bool]:
    return lambda item: Path(str(item.path)).name == name


REDIS_FIXTURES = frozenset({"redis_server", "redis_url", "durable_redis"})

PROGRAMS = (
    Program(
        "chromium",
        "chromium",
        lambda: chromium_executable() is not None,
        lambda item: _in_file("test_browser.py")(item) or _in_file("test_dashboard_e2e.py")(item),
    ),
    Program(
        "redis-server",
        "redis-server",
        lambda: shutil.which("redis-server") is not None,
        lambda item: not REDIS_FIXTURES.isdisjoint(getattr(item, "fixturenames", ())),
    ),
    Program(
        "docker compose or docker-compose",
        "docker-compose",
        compose_tool_installed,
        _in_file("test_compose.py"),
    ),
    Program("zsh", "zsh", lambda: shutil.which("zsh") is not None, _in_file("test_doc_commands.py")),
    Program(
        "uuidgen",
        "uuid-runtime",
        lambda: shutil.which("uuidgen") is not None,
        _in_file("test_doc_commands.py"),
    ),
)


def missing_programs(items: list[pytest.Item]) -> list[Program]:
    return [program for program in PROGRAMS if any(map(program.needed_by, items)) and not program.found()]


@pytest.hookimpl(trylast=True)  # after -k and -m deselected what will not run
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]):
    if not os.environ.get("CI"):
        return
    missing = missing_programs(items)
    if missing:
        names = ", ".join(f"{program.name} (apt-get install {program.package})" for program in missing)
        pytest.exit(f"CI=true but the tests need programs that are not installed: {names}", returncode=4)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


# Set by tests/test_redis_suites.py: the provider suites' `app` then keeps its state on that Redis, each
# test under a namespace of its own.
TEST_STORE = "MOCK_SERVER_TEST_STORE"


def store_settings() -> dict[str, str]:
    url = os.environ.get(TEST_STORE)
    return {"store": url, "store_namespace": f"test-{uuid.uuid4().hex}"} if url else {}


@pytest.fixture
def app(clock: ManualClock):
    return create_app({"seed": 1234, **store_settings()}, clock=clock)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def state(app):
    return app.extensions["mock_server"]


def basic(client_id: str, secret: str = "sk_dev_secret") -> dict[str, str]:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """The production server (`python -m mock_server`) in a child process, on a free port."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Output goes to a file, not a pipe nobody drains, which would block a chatty server.
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mock_server", "--port", str(self.port), *args],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self._wait_until_ready()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def _wait_until_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                requests.get(self.url + "/", timeout=0.5)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("server did not start in time")

    def stop(self) -> str:
        stop_process(self.process)
        output = self.output()
        self.log.close()
        return output


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture
def unique_client(request) -> str:
    """A client id of the test's own, so tests sharing the live server never see each other's users."""
    return f"client-{request.node.name}-{time.monotonic_ns()}"


@pytest.fixture(scope="session")
def redis_server():
    """A redis-server of the session's own, on a free loopback port (tests/redis_server.py)."""
    from tests.redis_server import RedisServer, redis_executable

    server = RedisServer(redis_executable())
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The session's Redis, emptied before each test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url
