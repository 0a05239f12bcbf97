"""The bare baseline served the same way as the mock: granian as mock_server/serve.py starts it (RSGI, one
worker, the same backlog and kill timeout), with mock_server/rsgi.py's front (`WholeRequests`) running the
bare Flask app (bench/bare_app.py) in its threads. Only the app differs from the mock.

    .venv/bin/python -m bench.bare_serve --port 9000
"""

from __future__ import annotations

import argparse
import ctypes
import multiprocessing
import os
import sys
from collections.abc import Sequence
from typing import Any

from mock_server.base.config import Config, SettingsCatalog
from mock_server.rsgi import WholeRequests  # the front alone: it imports neither Flask nor the providers

TARGET = "bench.bare_serve:front_from_environment"


def never_waits() -> bool:
    """The bare app sleeps on nothing, as the mock with no latency and no fault rules: served alike."""
    return False


M_MMAP_THRESHOLD = -3  # as mock_server/serve.py sets it before building the app
MMAP_THRESHOLD_BYTES = 128 * 1024


def config_from_env(**overrides: Any) -> Config:
    """The serving settings the mock reads (MOCK_SERVER_THREADS, ..._BODY_TIMEOUT_SECONDS...), from the
    same variables, with no provider catalog: the baseline has no providers."""
    return Config.from_env(catalog=SettingsCatalog(), **overrides)


def front_from_environment() -> Any:
    """What a spawned worker loads (a forked one inherits the app built before it)."""
    from bench.bare_app import app

    return WholeRequests(app, config_from_env(), may_wait=never_waits)


def serve(host: str, port: int) -> None:
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    try:
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    except (OSError, AttributeError):
        pass
    config = config_from_env(host=host, port=port)
    from bench.bare_app import app

    server = Server(
        TARGET,
        factory=True,
        address=config.host,
        port=config.port,
        interface=Interfaces.RSGI,
        workers=1,
        backlog=2048,
        log_level=LogLevels.warning,
        workers_kill_timeout=config.shutdown_grace_seconds,
    )
    if multiprocessing.get_start_method() == "fork":
        server.serve(target_loader=lambda _target: WholeRequests(app, config, may_wait=never_waits))
    else:  # a spawned worker builds its own (the port travels in the environment, as the mock's does)
        os.environ.update({"MOCK_SERVER_HOST": config.host, "MOCK_SERVER_PORT": str(config.port)})
        server.serve()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
