"""The production server: granian, one worker process (state is in memory), with the app run by rsgi.py's
threads once each request has arrived whole.

Chosen by measurement (a bare Flask create endpoint, wrk, 2 cores, medians of 3 runs): granian
3,430 req/s at 1 connection and 4,795 at 32; waitress 2,870 and 2,420; gunicorn gthread 1,760 and 1,680.
Its WSGI interface reads a body in the app's thread with no time bound, so granian serves the app over
RSGI instead (see rsgi.py).
"""

from __future__ import annotations

import ctypes
import dataclasses
import multiprocessing
import os
import sys
from typing import TextIO

from flask import Flask

from mock_server import tls
from mock_server.app import create_app
from mock_server.base.config import MEMORY_STORE, Config
from mock_server.ports import ProviderPorts
from mock_server.providers import REGISTRY
from mock_server.rsgi import WholeRequests

RSGI_TARGET = "mock_server.serve:app_from_environment"
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own default, kept fixed


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


def serving(app: Flask, config: Config, ports: ProviderPorts | None = None) -> WholeRequests:
    """The app behind the front that hands it whole requests only (rsgi.py). A request waits (sleeps)
    only for latency, configured or injected by a fault rule; without either it runs on the event loop."""
    faults = app.extensions["mock_server"].faults
    if config.store != MEMORY_STORE:  # every request waits on the network for the store: never inline
        return WholeRequests(app, config, ports if config.provider_ports else None, lambda: True)

    def may_wait() -> bool:
        return config.latency_ms is not None or bool(faults)

    return WholeRequests(app, config, ports if config.provider_ports else None, may_wait)


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
    return serving(app, config, ProviderPorts.bind(config) if config.provider_ports else None)


def banner(config: Config, app: Flask | None = None) -> str:
    host = f"[{config.host}]" if ":" in config.host else config.host
    scheme = "https" if config.tls else "http"
    base = f"{scheme}://{host}:{config.port}"
    lines = [f"mock-server listening on {base}"]
    providers = REGISTRY.select(config.provider)
    width = max(len(provider.title) for provider in providers)
    for provider in providers:
        mount = "" if config.provider else provider.prefix
        hosts = f"  (or Host: {', '.join(provider.hosts)})" if provider.hosts else ""
        lines.append(f"  {provider.title:<{width}} {base}{mount}{provider.example_path}{hosts}")
        port = config.provider_ports.get(provider.name)
        if port is not None:
            lines.append(f"  {'':<{width}} {scheme}://{host}:{port}{provider.example_path}  (its own port)")
    if config.tls:
        lines.append(f"  HTTPS: trust the CA certificate {tls.ca_certificate_path(config)} (docs/tls.md)")
    if app is not None:
        lines += webhook_key_lines(app)
    return "\n".join(lines)


def webhook_key_lines(app: Flask) -> list[str]:
    """The public key each provider's webhooks are signed with, for the receiver's configuration."""
    state = app.extensions["mock_server"]
    lines = []
    for name, provider in state.providers.items():
        if provider.webhook_signing_key is not None:
            key = provider.webhook_public_key(state.backends[name])
            lines.append(f"  {provider.title} webhooks are signed with Ed25519 public key {key}")
    return lines


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
    """Serve `app` (already built, so a bad setting or fixtures file failed before we got here).
    ValueError if a provider's own port cannot be listened on."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    certificates = tls.prepare(config) if config.tls else None  # ValueError if its directory is unusable
    forked = multiprocessing.get_start_method() == "fork"
    # Bound here, so a port that is taken stops the command; a forked worker inherits the sockets.
    ports = ProviderPorts.bind(config) if config.provider_ports and forked else None
    export_config(config if forked else pin_webhook_keys(app, config))
    print(banner(config, app), file=out, flush=True)
    server = Server(
        RSGI_TARGET,
        factory=True,
        address=config.host,
        port=config.port,
        interface=Interfaces.RSGI,  # the app runs in the front's own threads (config.threads), see rsgi.py
        workers=config.workers,
        respawn_failed_workers=True,  # a worker that dies is replaced; the others go on serving
        backlog=2048,
        log_level=LogLevels.warning,
        # In-flight requests get this long after SIGTERM or SIGINT; then the worker is killed, whatever
        # its clients are doing (a stalled upload or a half-sent head would otherwise hold it open).
        workers_kill_timeout=config.shutdown_grace_seconds,
        **tls_options(certificates),
    )
    if forked:
        # The worker is forked from this process, so it inherits the app built here: start-up builds it once.
        server.serve(target_loader=lambda _target: serving(worker_app(app, config), config, ports))
    else:  # a spawned worker starts afresh, and builds its app from the exported environment
        server.serve()
