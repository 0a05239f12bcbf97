"""Every shell command the README and docs/ show works pasted as written, in bash and in zsh.

Each page's ```sh blocks run in order, in one shell with `set -eu` (a failing step or an unset variable
stops it), against a fresh server with the bundled fixtures, as a reader who pastes them one after
another would run them. `127.0.0.1:8080` (and `--port 8080`) becomes the test server's port. Blocks that
install, build or start something other than the mock (make, docker, pip, schemathesis) are not run here;
a block that starts the mock itself (the CI recipe) runs alone, on a port of its own, and its processes
are stopped afterwards. A block marked `<!-- not run: reason -->` just before its fence is left out."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import stop_group
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
# A block right after `<!-- not run: why -->` is left out (it needs --tls, a hosts entry, or serves in the
# foreground).
SH_BLOCK = re.compile(r"^(<!-- not run[^\n]*-->\n)?```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
DOCUMENTED_ADDRESS = "127.0.0.1:8080"
DOCUMENTED_PORT_FLAG = "--port 8080"
# First words of commands that install, build or start something this test does not run.
NOT_RUN = ("make", "docker", "docker-compose", "git", "pip", "pipx", "st", ".venv/bin/schemathesis", "npm")
STARTS_THE_MOCK = re.compile(r"^\s*(\S*/)?(fintech-)?mock-server(?! fixtures)\b", re.MULTILINE)
SHELL_ERROR = re.compile(
    r"(syntax error|parse error|no matches found|command not found|unbound variable|"
    r"parameter not set|curl: \(\d+\))"
)


def sh_blocks(page: Path) -> list[str]:
    return [block for marker, block in SH_BLOCK.findall(page.read_text(encoding="utf-8")) if not marker]


def first_words(block: str) -> set[str]:
    lines = [line.strip() for line in block.replace("\\\n", " ").splitlines()]
    return {line.split()[0] for line in lines if line and not line.startswith("#")}


def is_run(block: str) -> bool:
    return not first_words(block) & set(NOT_RUN)


def pasted_blocks(page: Path) -> list[str]:
    return [block for block in sh_blocks(page) if is_run(block) and not STARTS_THE_MOCK.search(block)]


def server_blocks(page: Path) -> list[str]:
    return [block for block in sh_blocks(page) if is_run(block) and STARTS_THE_MOCK.search(block)]


def shell(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs it")
        pytest.skip(f"{name} is not installed")
    return path


def environment() -> dict[str, str]:
    """The venv's commands (mock-server, python3 with our packages) first on PATH, as after `make install`."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("MOCK_SERVER_PORT", None)
    return env


def wait_for_health(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__admin/health", timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def start_mock(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet"],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_health(port)
    return process


def run_script(shell_path: str, script: str, port: int) -> subprocess.CompletedProcess[str]:
    text = "set -eu\n" + script.replace(DOCUMENTED_ADDRESS, f"127.0.0.1:{port}").replace(
        DOCUMENTED_PORT_FLAG, f"--port {port}"
    )
    process = subprocess.Popen(
        [shell_path, "-c", text],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # whatever it starts in the background is stopped with it
    )
    try:
        out, err = process.communicate(timeout=90)
    finally:
        stop_group(process)  # type: ignore[arg-type]
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


PAGES_WITH_COMMANDS = [page for page in PAGES if pasted_blocks(page)]
PAGES_STARTING_THE_MOCK = [page for page in PAGES if server_blocks(page)]


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
@pytest.mark.parametrize("page", PAGES_WITH_COMMANDS, ids=page_id)
def test_a_pages_commands_run_pasted_in_order(page, shell_name):
    shell_path = shell(shell_name)
    port = free_port()
    server = start_mock(port)
    try:
        result = run_script(shell_path, "\n".join(pasted_blocks(page)), port)
    finally:
        stop_group(server)
    assert result.returncode == 0 and not SHELL_ERROR.search(result.stderr), (
        f"{page_id(page)} in {shell_name}: exit {result.returncode}\n{result.stderr[-2000:]}"
    )


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
@pytest.mark.parametrize("page", PAGES_STARTING_THE_MOCK, ids=page_id)
def test_a_recipe_that_starts_the_mock_serves_and_stops(page, shell_name):
    shell_path = shell(shell_name)
    for block in server_blocks(page):
        result = run_script(shell_path, block, free_port())
        assert result.returncode == 0 and not SHELL_ERROR.search(result.stderr), (
            f"{page_id(page)} in {shell_name}: exit {result.returncode}\n{result.stderr[-2000:]}"
        )


def test_the_pages_do_show_commands_to_run():
    """The filters above leave something to run: the README's own examples at least."""
    assert ROOT / "README.md" in PAGES_WITH_COMMANDS
    assert len(PAGES_WITH_COMMANDS) >= 6


@pytest.mark.parametrize(
    "block, run",
    [
        ("curl -s 'http://127.0.0.1:8080/x'\n", True),
        ('make run ARGS="--port 9000"\n', False),
        ("docker run --rm mock-server\n", False),
        ("# a comment\nUSER_ID=$(curl -s x)\n", True),
    ],
)
def test_only_commands_against_a_running_mock_are_pasted(block, run):
    assert is_run(block) is run
