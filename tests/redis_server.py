"""A real redis-server (Debian's package) for the tests: started on a free loopback port, with no disk
persistence, and stopped at the end. Where it is not installed the tests that need it are skipped, except
in CI (CI=true), where .ci/run installs it and its absence is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

STARTUP_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process; `url` is where it listens. `stop()` and `start()` again keep the port,
    so a test can take Redis away from a running mock and bring it back."""

    # No persistence: the tests' data need not outlive the process.
    PERSISTENCE: tuple[str, ...] = ("--save", "", "--appendonly", "no")

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._folder = tempfile.mkdtemp(prefix="mock-server-redis-")
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            self.executable,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            *self.PERSISTENCE,
            "--dir", self._folder,
        ]  # fmt: skip
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._answers_ping():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(Path(self._folder), ignore_errors=True)


def redis_executable() -> str:
    """Debian's redis-server; skipped without it, but never in CI."""
    found = shutil.which("redis-server")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; .ci/run installs Debian's redis-server package")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    return found
