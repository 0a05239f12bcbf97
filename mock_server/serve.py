"""The production server: granian, one worker process (state is in memory), with the app run by rsgi.py's
threads once each request has arrived whole.

Chosen by measurement (a bare Flask create endpoint, wrk, 2 cores, medians of 3 runs): granian
3,430 req/s at 1 connection and 4,795 at 32; waitress 2,870 and 2,420; gunicorn gthread 1,760 and 1,680.
Its WSGI interface reads a body in the app's thread with no time bound, so granian serves the app over
RSGI instead (see rsgi.py).

The port is bound here, before granian starts, and handed to its workers: granian's own binding uses
SO_REUSEPORT, with which a second server on the same port starts too, and the kernel splits the
connections between two worlds. The banner is printed once a worker has started serving. A SIGINT or
SIGTERM to any of the processes stops them all (see GranianProcesses).
"""

from __future__ import annotations

import ctypes
import dataclasses
import ipaddress
import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from flask import Flask
from granian._granian import SocketHolder
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server.mp import MPServer, WorkerProcess

from mock_server import tls
from mock_server.app import create_app
from mock_server.base.config import MEMORY_STORE, Config
from mock_server.core.dashboard import UI_PREFIX
from mock_server.core.provider import Provider
from mock_server.ports import BACKLOG, ProviderPorts, listening_socket
from mock_server.providers import REGISTRY
from mock_server.rsgi import WholeRequests

RSGI_TARGET = "mock_server.serve:app_from_environment"
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own default, kept fixed
PR_SET_PDEATHSIG = 1  # Linux's prctl option (linux/prctl.h)
LONGEST_SHOWN_CREDENTIAL = 64  # a longer header value (a bearer token) is described, not printed
SCOPES_SHOWN = 3  # credentials shown per provider in the banner; the rest are counted


def keep_large_blocks_returnable() -> bool:
    """Have glibc give every large block (the tables of a dict of thousands of users or keys) a
    mapping of its own, returned to the system when freed. By default glibc raises that threshold to
    the size of any such block freed, and from then on serves them from the heap, whose holes it
    keeps: under a stream of new idempotency keys RSS rose in steps of 4 to 10 MB. False where the
    C library is not glibc (nothing to do there)."""
    try:
        return ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
    except (OSError, AttributeError):
        return False


def serving(
    app: Flask,
    config: Config,
    ports: ProviderPorts | None = None,
    on_start: Callable[[], None] | None = None,
) -> WholeRequests:
    """The app behind the front that hands it whole requests only (rsgi.py). A request waits (sleeps)
    only for latency, configured or injected by a fault rule; without either it runs on the event loop.
    `on_start` is called in the worker when it starts serving."""
    faults = app.extensions["mock_server"].faults
    ports = ports if config.provider_ports else None
    if config.store != MEMORY_STORE:  # every request waits on the network for the store: never inline
        return WholeRequests(app, config, ports, lambda: True, on_start)

    def may_wait() -> bool:
        return config.latency_ms is not None or bool(faults)

    return WholeRequests(app, config, ports, may_wait, on_start)


def worker_app(app: Flask, config: Config) -> Flask:
    """The app as one of several forked workers runs it: with a random source of its own, so that no two
    workers draw the same ids. With --seed, a worker's draws follow from the seed and its process id:
    repeatable per worker, but which worker answers a request is not (one worker: the seed's sequence)."""
    if config.workers > 1:
        entropy = f"{config.seed}:{os.getpid()}" if config.seed is not None else os.urandom(32).hex()
        app.extensions["mock_server"].reseed(entropy)
    return app


def app_from_environment() -> WholeRequests:
    """What a spawned worker loads: the app built from MOCK_SERVER_* (the server exported them)."""
    config = REGISTRY.config_from_env()
    app = worker_app(create_app(config), config)
    parent = os.getppid()
    ports = ProviderPorts.bind(config) if config.provider_ports else None
    return serving(app, config, ports, lambda: die_with_parent(parent))


def origin(config: Config, port: int) -> str:
    """The URL a client on this machine reaches the server's `port` at."""
    host = f"[{config.host}]" if ":" in config.host else config.host
    scheme = "https" if config.tls else "http"
    return f"{scheme}://{host}:{port}"


def banner(config: Config, app: Flask | None = None) -> str:
    """Where each API is served; given the app, also the users it holds and the keys it signs with."""
    base = origin(config, config.port)
    lines = [f"mock-server listening on {base}"]
    providers = REGISTRY.select(config.provider)
    width = max(len(provider.title) for provider in providers)
    for provider in providers:
        mount = "" if config.provider else provider.prefix
        hosts = f"  (or Host: {', '.join(provider.hosts)})" if provider.hosts else ""
        lines.append(f"  {provider.title:<{width}} {base}{mount}{provider.example_path}{hosts}")
        port = config.provider_ports.get(provider.name)
        if port is not None:
            lines.append(f"  {'':<{width}} {origin(config, port)}{provider.example_path}  (its own port)")
    lines.append(f"  {'Dashboard':<{width}} {base}{UI_PREFIX}/")
    lines += admin_access_lines(config)
    if config.tls:
        lines.append(f"  HTTPS: trust the CA certificate {tls.ca_certificate_path(config)} (docs/tls.md)")
    if app is not None:
        lines += user_lines(app, width)
        lines += webhook_key_lines(app)
    return "\n".join(lines)


def admin_access_lines(config: Config) -> list[str]:
    """Who may use the admin API: said once, never with the token itself."""
    if config.admin_token is not None:
        return ["  The admin API requires a token (Authorization: Bearer <token>)"]
    if is_loopback(config.host):
        return []
    return [
        f"  WARNING: no admin token, and bound to {config.host}: anyone who can reach this server can read "
        "and reset it (its users, journal, faults); set MOCK_SERVER_ADMIN_TOKEN or --admin-token"
    ]


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def user_lines(app: Flask, width: int) -> list[str]:
    """How many users each provider holds at start (the fixtures'), per credential, with the headers
    that credential is sent with: what a client must send to see them."""
    state = app.extensions["mock_server"]
    lines = []
    for name, provider in state.providers.items():
        scopes = sorted(state.store.scopes(name))
        for scope in scopes[:SCOPES_SHOWN]:
            count = len(state.store.values(name, scope))
            credential = credential_text(provider, state.backends[name], scope)
            lines.append(f"  {provider.title:<{width}} {count} user{'s' * (count != 1)}: {credential}")
        if len(scopes) > SCOPES_SHOWN:
            lines.append(
                f"  {provider.title:<{width}} and users of {len(scopes) - SCOPES_SHOWN} more credentials"
            )
    return ["  Users loaded, and the headers that see them:", *lines] if lines else ["  No users loaded"]


def credential_text(provider: Provider[Any], backend: Any, scope: str) -> str:
    """The headers of the credential `scope`, e.g. `x-api-key: dk_test_mockserver`; a value too long to
    show (a bearer token, which also expires) is named by its scheme and scope instead."""
    parts = []
    for header, value in provider.credential_headers(backend, scope).items():
        if len(value) > LONGEST_SHOWN_CREDENTIAL:
            scheme = value.split(" ", 1)[0] + " " if " " in value else ""
            value = f"{scheme}<a token for {scope}>"
        parts.append(f"{header}: {value}")
    return ", ".join(parts)


def webhook_key_lines(app: Flask) -> list[str]:
    """The public key each provider's webhooks are signed with, for the receiver's configuration."""
    state = app.extensions["mock_server"]
    return [
        f"  {state.providers[name].title} webhooks are signed with Ed25519 public key {key}"
        for name, key in state.webhook_public_keys().items()
    ]


def pin_webhook_keys(app: Flask, config: Config) -> Config:
    """A spawned worker builds its own app: give it the signing keys this one drew, so the keys it signs
    with are the ones the banner published."""
    state = app.extensions["mock_server"]
    settings = dict(config.provider_settings)
    for name, provider in state.providers.items():
        if provider.webhook_signing_key is not None and settings.get(name) is not None:
            key = provider.webhook_signing_key(state.backends[name])
            settings[name] = dataclasses.replace(settings[name], webhook_signing_key=key.private_hex)
    return dataclasses.replace(config, provider_settings=settings)


def tls_options(certificates: tls.TlsFiles | None) -> dict:
    """granian's options for HTTPS. TLS 1.2 is accepted as well as 1.3 (granian's default minimum is
    1.3), as real APIs accept it, so older SDK runtimes connect to the mock as they do to them."""
    if certificates is None:
        return {}
    from granian.constants import HTTPModes, SSLProtocols

    return {
        "ssl_cert": certificates.cert,
        "ssl_key": certificates.key,
        "ssl_protocol_min": SSLProtocols.tls12,
        # HTTP/1.1 only. Offered HTTP/2 in the handshake, curl and Go's client take it, and an HTTP/2
        # request names its host in :authority, not in the Host header the routing by real host reads.
        # Every client falls back to HTTP/1.1, which the front (rsgi.py) and its tests are built on.
        "http": HTTPModes.http1,
    }


def export_config(config: Config) -> None:
    """The worker builds its app from the environment, so every setting travels there."""
    os.environ.update(config.to_environ(REGISTRY.catalog))


def serve(app: Flask, config: Config, out: TextIO = sys.stdout) -> None:
    """Serve `app` (already built, so a bad setting or fixtures file failed before we got here), and
    print the banner to `out` once a worker serves. ValueError, said in one line, if the port or a
    provider's own port cannot be listened on."""
    certificates = tls.prepare(config) if config.tls else None  # ValueError if its directory is unusable
    forked = multiprocessing.get_start_method() == "fork"
    listener = listening_socket(config.host, config.port)
    address, port = listener.getsockname()[:2]
    config = dataclasses.replace(config, port=port)  # the port the system chose, for --port 0
    try:
        # Bound here too, so a port that is taken stops the command; a forked worker inherits the sockets.
        ports = ProviderPorts.bind(config) if config.provider_ports and forked else None
    except ValueError:
        listener.close()
        raise
    export_config(config if forked else pin_webhook_keys(app, config))
    text = banner(config, app)
    if not forked:
        # A spawned worker cannot inherit the socket: it binds the port itself, granian's way.
        listener.close()
        print(text, file=out, flush=True)
        _serve_until_stopped(granian_server(config, address, None, certificates))
        return
    started = StartSignal(text, out)
    server = granian_server(config, address, listener, certificates)
    try:
        # The worker is forked from this process, so it inherits the app built here: start-up builds it once.
        _serve_until_stopped(
            server,
            target_loader=lambda _target: serving(
                worker_app(app, config), config, ports, started.worker_started
            ),
        )
    finally:
        started.close()


def granian_server(
    config: Config, address: str, listener: socket.socket | None, certificates: tls.TlsFiles | None
) -> GranianProcesses:
    return GranianProcesses(
        RSGI_TARGET,
        listener=listener,
        factory=True,
        address=address,
        port=config.port,
        interface=Interfaces.RSGI,  # the app runs in the front's own threads (config.threads), see rsgi.py
        workers=config.workers,
        respawn_failed_workers=True,  # a worker that fails is replaced; the others go on serving
        backlog=BACKLOG,
        log_level=LogLevels.warning,
        # In-flight requests get this long after SIGTERM or SIGINT; then the worker is killed, whatever
        # its clients are doing (a stalled upload or a half-sent head would otherwise hold it open).
        workers_kill_timeout=config.shutdown_grace_seconds,
        **tls_options(certificates),
    )


def _serve_until_stopped(server: GranianProcesses, **options: Any) -> None:
    try:
        server.serve(**options)
    finally:
        # Stopped: from here on, a signal ends this process at once, even if something held its exit.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


class GranianProcesses(MPServer):
    """granian's server of worker processes, listening on a socket bound before it starts (`listener`;
    None: granian binds the port itself), whose workers all stop when any of them is told to."""

    def __init__(self, *args: Any, listener: socket.socket | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listener = listener

    def _init_shared_socket(self) -> None:
        if self.listener is None:
            super()._init_shared_socket()
            return
        # As granian shares one socket among its workers where it has no SO_REUSEPORT: the workers,
        # forked, inherit it.
        self._ssp = None
        self._sso = self.listener
        self._sfd = self.listener.fileno()
        self._shd = SocketHolder(self._sfd, False, BACKLOG)

    def _spawn_worker(self, idx: int, target: Any, callback_loader: Any) -> WorkerProcess:
        worker = super()._spawn_worker(idx, target, callback_loader)
        worker.__class__ = StopsTheServerWhenToldToStop  # before it starts, so before its watcher does
        return worker


class StopsTheServerWhenToldToStop(WorkerProcess):
    """A worker that ends cleanly although the main process did not ask it to was told to stop by a
    SIGINT or SIGTERM sent to it alone: the whole server stops, as it would on a signal to the main
    process. (granian would replace the worker: it takes any exit it did not ask for as a failure.)
    A worker that fails (exits with an error, or is killed) is still replaced."""

    def _watcher(self) -> None:
        self.inner.join()
        if self.inner.exitcode == 0 and not self.interrupt_by_parent:
            self.parent.signal_handler_interrupt()
            return
        super()._watcher()


class StartSignal:
    """The banner, printed by the main process once a worker says it serves: the worker writes to a
    pipe it inherited, and a thread of the main process waits on the other end."""

    def __init__(self, text: str, out: TextIO) -> None:
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)  # a worker started again never waits on a full pipe
        self.parent_pid = os.getpid()
        self._thread = threading.Thread(target=self._announce, args=(text, out), daemon=True)
        self._thread.start()

    def worker_started(self) -> None:
        """Called in a worker, its event loop set up."""
        die_with_parent(self.parent_pid)
        try:
            os.write(self._write, b"!")
        except (BlockingIOError, BrokenPipeError):  # the banner is out: a new worker has no one to tell
            pass

    def close(self) -> None:
        """The server has stopped: a banner not printed by now never will be."""
        os.close(self._write)  # with the workers gone, the thread reads the end of the pipe
        self._thread.join(1)

    def _announce(self, text: str, out: TextIO) -> None:
        try:
            if os.read(self._read, 1):
                print(text, file=out, flush=True)
        finally:
            os.close(self._read)


def die_with_parent(parent_pid: int) -> None:
    """Have Linux send this worker SIGTERM when the main process ends, however it ends (even killed,
    when it can stop nothing), so that no worker goes on serving alone. Nothing to do elsewhere."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # it ended before we asked
        os.kill(os.getpid(), signal.SIGTERM)
