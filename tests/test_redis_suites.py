"""The provider suites against the Redis store: every route, error path and race they cover through the
`app` fixture (tests/conftest.py) runs again with the app's state on the session's redis-server, each test
in a namespace of its own. Tests that build their own app (other settings, the live server) stay on memory;
tests/robustness/test_shared_store.py covers the server on Redis over sockets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_STORE

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SUITES = ["tests/dots", "tests/wealthyhood", "tests/dakota", "tests/taliware"]


@pytest.mark.timeout(900)  # the four suites take a few minutes on a shared machine
def test_every_provider_suite_passes_on_the_redis_store(redis_server):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PROVIDER_SUITES],
        cwd=ROOT,
        env={**os.environ, TEST_STORE: redis_server.url},
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary


def test_the_suites_app_is_on_redis_when_asked(redis_server, monkeypatch):
    from tests.conftest import store_settings

    monkeypatch.setenv(TEST_STORE, redis_server.url)
    first, second = store_settings(), store_settings()
    assert first["store"] == redis_server.url
    assert first["store_namespace"] != second["store_namespace"]
