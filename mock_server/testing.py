"""`MockServer`: a live mock server for a test suite, with pytest (the plugin's fixtures hand one over) or
without it:

    from mock_server.testing import MockServer

    with MockServer(seed=1, fixtures="my_users.json", providers=["dots"]) as server:
        url = server.base_url("dots") + "/api/v2/users"
        requests.get(url, headers=server.credentials("dots"))

`server="werkzeug"` (the default) serves the app from a thread of this process: it starts in a few
milliseconds and its `state` is at hand. `server="granian"` starts the production server
(`python -m mock_server`) in a child process, the server users run, and reaches it through the admin API.
Both answer the same methods.

Importing this module imports nothing heavy (no Flask, werkzeug, provider or cryptography): the pytest
plugin imports it in every pytest run of every project that installs us. A server's modules are imported
when it starts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from flask import Flask

    from mock_server.core.provider import Registry
    from mock_server.core.state import MockState

IN_PROCESS = "werkzeug"
PRODUCTION = "granian"
SERVERS = (IN_PROCESS, PRODUCTION)
HOST = "127.0.0.1"
DEFAULT_SCOPE = "pytest"
ADMIN = "/__admin"
STOP_GRACE_SECONDS = 10.0


class Settings(NamedTuple):
    """What a MockServer serves: the same for both kinds of server."""

    seed: int | None
    fixtures: str | None  # a fixtures file or folder; None: no users
    providers: tuple[str, ...] | None  # None: every provider
    admin_token: str | None = None  # the server's --admin-token; the admin calls made here send it


class MockServer:
    """A mock server on a free loopback port, and handles on its state. Not started until `start()` or a
    `with` block; stopped by `stop()` or the end of the block, however it ends.

    `seed`: the same seed gives the same ids and fake data. `fixtures`: a fixtures file or folder loaded at
    start (None: no users). `providers`: the names of the providers to serve (None: every one). `server`:
    "werkzeug" (in this process) or "granian" (the production server, in a child process, which serves
    every provider or one). `admin_token`: the server requires it on its admin API (--admin-token), and
    this object sends it on the admin calls it makes."""

    def __init__(
        self,
        seed: int | None = None,
        fixtures: str | os.PathLike[str] | None = None,
        providers: Sequence[str] | None = None,
        server: str = IN_PROCESS,
        *,
        start_timeout: float = 30.0,
        admin_token: str | None = None,
    ) -> None:
        if server not in SERVERS:
            raise ValueError(f"server must be one of {', '.join(SERVERS)}, not {server!r}")
        self.settings = Settings(seed, _fixtures_path(fixtures), _provider_names(providers), admin_token)
        self.server = server
        self.start_timeout = start_timeout
        self._running: InProcessServer | ProductionServer | None = None

    # --- life cycle ---------------------------------------------------------------------------------

    def start(self) -> MockServer:
        """Start serving (once); ValueError names a bad setting (an unknown provider, a missing fixtures
        file), RuntimeError a server that did not come up."""
        if self._running is None:
            if self.server == IN_PROCESS:
                self._running = InProcessServer(self.settings)
            else:
                self._running = ProductionServer(self.settings, self.start_timeout)
        return self

    def stop(self) -> None:
        """Stop serving and free the port (a production server's processes are gone when this returns)."""
        running, self._running = self._running, None
        if running is not None:
            running.stop()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._running.url if self._running else "not started"
        return f"<MockServer {self.server} {where}>"

    # --- what a test uses -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:54321 (the admin API is under /__admin)."""
        return self._started().url

    def base_url(self, provider: str) -> str:
        """Where `provider`'s API is served, e.g. base_url("dots") + "/api/v2/users"."""
        running = self._started()
        return running.url + running.prefixes[self._served(provider)]

    def credentials(self, provider: str, scope: str = DEFAULT_SCOPE) -> dict[str, str]:
        """Headers of a valid credential for `provider`; another `scope` is another isolated client."""
        return self._started().credentials(self._served(provider), scope)

    def reset(self, provider: str | None = None, scope: str | None = None) -> None:
        """Back to the start: every provider (None), one `provider`, or only what one credential of it made,
        `scope` as in `credentials(provider, scope)` (the other suites sharing the server keep theirs).
        The fixtures users the server started with are loaded again."""
        if scope is not None and provider is None:
            raise ValueError("a scope belongs to one provider: give provider too")
        server = self._started()
        if provider is None:
            server.reset(None, {})
            return
        name = self._served(provider)
        server.reset(name, {} if scope is None else server.credentials(name, scope))

    def requests(self) -> list[dict[str, Any]]:
        """What the code under test sent, oldest first (the journal)."""
        return self._started().requests()

    def webhook_public_key(self, provider: str = "dakota") -> str:
        """The public key (64 hex characters) `provider`'s webhooks are signed with."""
        keys = self._started().webhook_public_keys()
        if self._served(provider) not in keys:
            raise ValueError(f"provider {provider!r} sends no webhooks")
        return keys[provider]

    def webhook_public_keys(self) -> list[str]:
        """The public keys of every served provider that sends webhooks."""
        return list(self._started().webhook_public_keys().values())

    def deliver_webhooks(self) -> list[dict[str, Any]]:
        """Attempt every pending webhook delivery now, wait for the outcomes, and return them (as listed
        by the admin API)."""
        return self._started().deliver_webhooks()

    @property
    def app(self) -> Flask:
        """The Flask app (the in-process server only)."""
        return self._in_process("app").app

    @property
    def state(self) -> MockState:
        """The app's state: store, journal, clock... (the in-process server only)."""
        return self._in_process("state").state

    # --- helpers ------------------------------------------------------------------------------------

    def _started(self) -> InProcessServer | ProductionServer:
        if self._running is None:
            raise RuntimeError("the MockServer is not running: call start(), or use it in a with block")
        return self._running

    def _in_process(self, attribute: str) -> InProcessServer:
        running = self._started()
        if not isinstance(running, InProcessServer):
            raise AttributeError(f"{attribute} is in-process only; this server runs in another process")
        return running

    def _served(self, provider: str) -> str:
        served = self._started().prefixes
        if provider not in served:
            raise ValueError(f"provider {provider!r} is not served here; served: {', '.join(served)}")
        return provider


def _fixtures_path(fixtures: str | os.PathLike[str] | None) -> str | None:
    return None if fixtures is None or fixtures == "" else str(Path(fixtures).absolute())


def _provider_names(providers: Sequence[str] | None) -> tuple[str, ...] | None:
    if providers is None:
        return None
    names = (providers,) if isinstance(providers, str) else tuple(providers)
    if not names:
        raise ValueError("providers must name at least one provider (None serves every one)")
    return names


# --- in this process ----------------------------------------------------------------------------


class InProcessServer:
    """The app on werkzeug's server, in a daemon thread of this process."""

    def __init__(self, settings: Settings) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        from mock_server.app import create_app

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test output clean
                pass

        values = {"seed": settings.seed, "fixtures": settings.fixtures, "admin_token": settings.admin_token}
        config = {name: value for name, value in values.items() if value is not None}
        self.app = create_app(config, registry=registry_of(settings.providers))
        self.state: MockState = self.app.extensions["mock_server"]
        self.prefixes = {name: provider.prefix for name, provider in self.state.providers.items()}
        self._admin_headers = admin_headers(settings.admin_token)
        self._server = make_server(HOST, 0, self.app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://{HOST}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def credentials(self, provider: str, scope: str) -> dict[str, str]:
        declared = self.state.providers[provider]
        return declared.credential_headers(self.state.backends[provider], scope)

    def reset(self, provider: str | None, credential: dict[str, str]) -> None:
        """Through the admin route, which maps a credential to the scope it sees."""
        body = {} if provider is None else {"provider": provider}
        headers = {**credential, **self._admin_headers}
        response = self.app.test_client().post(f"{ADMIN}/reset", json=body, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(
                f"POST {ADMIN}/reset answered {response.status_code}: {response.get_data(True)}"
            )

    def requests(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.state.journal.entries()]

    def webhook_public_keys(self) -> dict[str, str]:
        return self.state.webhook_public_keys()

    def deliver_webhooks(self) -> list[dict[str, Any]]:
        return [delivery.to_json() for delivery in self.state.webhooks.deliver_now()]


def registry_of(providers: tuple[str, ...] | None) -> Registry:
    """Every provider, or those named, in the order the registry lists them (each at its own prefix)."""
    from mock_server.core.provider import Registry
    from mock_server.providers import REGISTRY

    if providers is None:
        return REGISTRY
    for name in providers:
        if name not in REGISTRY.names():
            raise ValueError(f"unknown provider {name!r}; choose from: {', '.join(REGISTRY.names())}")
    return Registry([provider for provider in REGISTRY.providers if provider.name in providers])


# --- the production server, in a child process ------------------------------------------------------


class ProductionServer:
    """`python -m mock_server` (granian) on a free loopback port, in a process group of its own so that
    stopping it stops its worker too; reached through the admin API."""

    def __init__(self, settings: Settings, start_timeout: float) -> None:
        self.url = f"http://{HOST}:{free_port()}"
        self.prefixes: dict[str, str] = {}
        self._served_alone = settings.providers is not None
        command = server_command(settings, self.url.rsplit(":", 1)[1])
        self._admin_headers = admin_headers(settings.admin_token)
        # Its output goes to a file, not a pipe nobody drains, which would block a chatty server.
        self._log = tempfile.TemporaryFile(mode="w+")
        try:
            self.process = subprocess.Popen(
                command,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=child_environment(settings.admin_token),
                start_new_session=True,
            )
        except BaseException:
            self._log.close()
            raise
        import urllib.request  # here: it loads http.client and ssl, which the plugin's load must not pay for

        # No proxy: a CI runner's HTTP_PROXY must not carry calls to our own loopback port.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            self._wait_until_healthy(start_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self._exited()
            try:
                health = self._call("GET", "/health", timeout=1.0)
            except (OSError, RuntimeError):  # not listening yet
                time.sleep(0.05)
                continue
            # Served alone, a provider is at the root: its prefix is added by the server itself.
            self.prefixes = {
                name: "" if self._served_alone else prefix for name, prefix in health["providers"].items()
            }
            return
        raise RuntimeError(f"the mock server did not answer {ADMIN}/health within {timeout:g} s")

    def _exited(self) -> Exception:
        said = self.output().strip().splitlines()
        last = said[-1].removeprefix("mock-server: ") if said else "no output"
        if self.process.returncode == 2:  # the command refused a setting, in one line
            return ValueError(last)
        return RuntimeError(f"the mock server exited with status {self.process.returncode}: {last}")

    def output(self) -> str:
        """What the server printed so far."""
        self._log.seek(0)
        return self._log.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            signal_group(self.process)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (a worker whose server was killed, a server deaf to SIGTERM) is
        # killed: when stop() returns, the port is free and no process of ours runs.
        signal_group(self.process, kill=True)
        self.process.wait()
        self._log.close()

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        timeout: float = 30.0,
        headers: dict[str, str] | None = None,
    ) -> Any:
        import urllib.error
        import urllib.request

        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + ADMIN + path,
            data=data,
            method=method,
            headers={**(headers or {}), **self._admin_headers},
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._http.open(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            raise RuntimeError(f"{method} {ADMIN}{path} answered {error.code}: {detail}") from None
        return json.loads(raw) if raw else None

    def credentials(self, provider: str, scope: str) -> dict[str, str]:
        query = urlencode({"scope": scope})
        return self._call("GET", f"/credentials/{quote(provider)}?{query}")["headers"]

    def reset(self, provider: str | None, credential: dict[str, str]) -> None:
        self._call("POST", "/reset", {} if provider is None else {"provider": provider}, headers=credential)

    def requests(self) -> list[dict[str, Any]]:
        return self._call("GET", "/requests")["requests"]

    def webhook_public_keys(self) -> dict[str, str]:
        return self._call("GET", "/webhooks")["public_keys"]

    def deliver_webhooks(self) -> list[dict[str, Any]]:
        return self._call("POST", "/webhooks/deliver", {})["deliveries"]


def server_command(settings: Settings, port: str) -> list[str]:
    command = [sys.executable, "-m", "mock_server", "--host", HOST, "--port", port]
    if settings.seed is not None:
        command += ["--seed", str(settings.seed)]
    command += ["--fixtures", settings.fixtures] if settings.fixtures else ["--no-fixtures"]
    if settings.providers is not None:
        if len(settings.providers) > 1:
            raise ValueError(
                f"server={PRODUCTION!r} serves every provider or one (at the root), not "
                f"{len(settings.providers)}; serve several on server={IN_PROCESS!r}"
            )
        command += ["--provider", settings.providers[0]]
    return command


def child_environment(admin_token: str | None = None) -> dict[str, str]:
    """This process's environment without MOCK_SERVER_* settings: the server is configured by its
    arguments only, as the in-process one is; but for the admin token, which goes in the environment,
    since a command line is visible to every user of the machine."""
    from mock_server.base.config import ENV_PREFIX

    environment = {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}
    if admin_token is not None:
        environment[ENV_PREFIX + "ADMIN_TOKEN"] = admin_token
    return {**environment, "PYTHONUNBUFFERED": "1"}


def admin_headers(admin_token: str | None) -> dict[str, str]:
    """The header an admin call proves the token with: not Authorization, which a reset may need for the
    provider credential whose scope it resets."""
    return {} if admin_token is None else {"X-Admin-Token": admin_token}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def signal_group(process: subprocess.Popen[str], *, kill: bool = False) -> None:
    """SIGTERM (or SIGKILL) to the server and its worker, its process group; where there are no process
    groups (Windows), to the server."""
    if not hasattr(os, "killpg"):
        process.kill() if kill else process.terminate()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:  # every process of the group is gone
        pass
