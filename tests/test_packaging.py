"""How the project is installed and run by others: the distribution's metadata, the dependency ranges and
the constraints file, the Makefile's installs, the CI setup's programs; and, over pip and real processes, a
built wheel and sdist installed in a fresh virtualenv outside the clone, and the plugin's documented example
run there beside an older Flask. The pip tests share one virtualenv (module scope) and are marked `slow`;
they run in `make test` and need PyPI or pip's cache."""

from __future__ import annotations

import json
import os
import re
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
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from mock_server import cli
from mock_server.fixtures import BUNDLED_FIXTURES
from tests.conftest import PROGRAMS, free_port
from tests.processes import stop_process

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
CONSTRAINTS = ROOT / "constraints.txt"
EXAMPLE = ROOT / "docs" / "examples" / "test_with_mock_server.py"
OLDEST_FLASK = "3.0.3"  # the lower bound of pyproject's flask range


def requirement_names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(text).name) for text in requirements}


def pinned_versions() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, separator, version = line.partition("==")
            assert separator, f"constraints.txt: not an exact pin: {line}"
            pins[canonicalize_name(name)] = version.strip()
    return pins


# --- the distribution ---------------------------------------------------------------------------------------


def test_the_distribution_has_a_name_of_its_own_and_both_command_names():
    # `mock-server` on PyPI is an unrelated project; the module and the mock-server command stay.
    assert (PROJECT["name"], PROJECT["version"]) == ("fintech-mock-server", "0.2.0")
    assert PROJECT["scripts"] == {
        "mock-server": "mock_server.cli:main",
        "fintech-mock-server": "mock_server.cli:main",
    }


def test_the_license_is_mit_in_a_file_and_in_the_metadata():
    assert (PROJECT["license"], PROJECT["license-files"]) == ("MIT", ["LICENSE"])
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 mock_server authors\n")


def test_every_package_under_mock_server_is_listed_for_the_build():
    # Listed by hand (the bundled fixtures' mapping rules out discovery): a missing one is absent from wheels.
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "mock_server").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == found | {"mock_server.bundled_fixtures"}, "add the package to pyproject's packages"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {"mock_server.bundled_fixtures": "fixtures"}


def test_the_bundled_fixtures_are_package_data_read_through_the_package():
    assert (
        BUNDLED_FIXTURES.resolve() == (ROOT / "fixtures").resolve()
    )  # an editable install: the folder itself
    assert sorted(path.name for path in BUNDLED_FIXTURES.glob("*.json")) == sorted(
        path.name for path in (ROOT / "fixtures").glob("*.json")
    )


# --- dependencies and constraints.txt -----------------------------------------------------------------------


def test_runtime_dependencies_are_compatible_ranges_not_exact_pins():
    for text in PROJECT["dependencies"]:
        specifier = Requirement(text).specifier
        assert not any(spec.operator == "==" for spec in specifier), text
        assert any(spec.operator == ">=" for spec in specifier), f"{text}: a lower bound the tests ran with"
    flask = next(Requirement(text) for text in PROJECT["dependencies"] if text.startswith("flask>"))
    assert flask.specifier.contains(OLDEST_FLASK) and not flask.specifier.contains("4.0.0")


def test_faker_is_an_extra_and_not_a_runtime_dependency():
    # Installed with the server it would register Faker's own pytest plugin in every project that installs us.
    extras = PROJECT["optional-dependencies"]
    assert "faker" not in requirement_names(PROJECT["dependencies"])
    assert "faker" in requirement_names(extras["fixtures"]) and "faker" in requirement_names(extras["dev"])


def test_constraints_pin_every_runtime_and_dev_package_within_its_range():
    pins = pinned_versions()
    declared = [
        *PROJECT["dependencies"],
        *(text for extra in PROJECT["optional-dependencies"].values() for text in extra),
    ]
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"constraints.txt does not pin {name}"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement}"
    assert canonicalize_name(PROJECT["name"]) not in pins and "mock-server" not in pins


def test_fixtures_generate_without_faker_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "faker", None)  # `import faker` now raises ImportError
    assert cli.main(["fixtures", "generate", "--provider", "dots", "--count", "1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "pip install 'fintech-mock-server[fixtures]'" in captured.err


# --- the Makefile -------------------------------------------------------------------------------------------


STUB = '#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n'


@pytest.fixture
def make_sandbox(tmp_path) -> tuple[Path, Path]:
    """The Makefile, pyproject.toml and constraints.txt in a folder whose .venv holds stubs that log their
    calls: make's decisions, without pip."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    log = tmp_path / "calls.log"
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "pip", "mock-server", "pytest"):
        (bin_dir / name).write_text(STUB.format(log=log))
        (bin_dir / name).chmod(0o755)
    return tmp_path, log


def make(folder: Path, target: str) -> None:
    subprocess.run(
        ["make", "--no-print-directory", "-s", target], cwd=folder, check=True, capture_output=True
    )


def calls(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line for line in lines if not line.startswith("pip uninstall")]


def test_make_run_installs_only_what_serving_needs_and_the_stamps_do_not_thrash(make_sandbox):
    folder, log = make_sandbox
    make(folder, "run")
    assert calls(log) == [
        "pip install --quiet --disable-pip-version-check -c constraints.txt -e .",
        "mock-server ",
    ]
    make(folder, "test")
    install = "pip install --quiet --disable-pip-version-check -c constraints.txt -e .[dev]"
    assert calls(log) == [install, "pytest "]
    make(folder, "run")
    make(folder, "test")
    assert calls(log) == ["mock-server ", "pytest "]  # nothing installed again
    time.sleep(0.01)
    (folder / "constraints.txt").touch()  # new pins: each install is renewed once
    make(folder, "run")
    make(folder, "test")
    make(folder, "run")
    assert calls(log) == [install.removesuffix("[dev]"), "mock-server ", install, "pytest ", "mock-server "]


def test_make_bench_never_runs_apt_get():
    dry_run = subprocess.run(
        ["make", "-n", "-B", "bench"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "apt-get" not in dry_run.stdout and "bench/bench.py" in dry_run.stdout


def test_bench_without_wrk_says_how_to_install_it_in_one_line(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}  # no wrk, nor anything else
    result = subprocess.run(
        [sys.executable, "bench/bench.py", "--quick"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr == "bench: wrk is not installed (Debian: apt-get install wrk)\n"


# --- CI=true: a missing program is one line, not a failed test ----------------------------------------------


def test_under_ci_missing_programs_stop_the_run_in_one_line_naming_their_packages(tmp_path):
    env = {**os.environ, "CI": "true", "PATH": str(Path(sys.executable).parent)}  # the venv: no chromium...
    targets = [
        "tests/test_browser.py",
        "tests/test_compose.py",
        "tests/core/test_redis_store.py",
        "tests/test_doc_commands.py",
    ]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *targets],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "not installed" in line]
    assert "chromium (apt-get install chromium)" in line
    assert "redis-server (apt-get install redis-server)" in line
    assert "docker compose or docker-compose (apt-get install docker-compose)" in line
    assert "zsh (apt-get install zsh)" in line
    assert "uuidgen (apt-get install uuid-runtime)" in line
    assert " passed" not in result.stdout and " failed" not in result.stdout  # stopped before any test ran


def test_ci_setup_installs_every_program_the_tests_need():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = set(re.findall(r"apt_install ([\w-]+)$", script, flags=re.M))
    assert installed == {program.package for program in PROGRAMS}


# --- a built wheel and sdist, installed outside the clone (pip: slow) ---------------------------------------


def run(command: list[str | Path], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([str(part) for part in command], cwd=cwd, env=env, check=True, **kwargs)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory) -> dict[str, Path]:
    """The wheel and the sdist, built from the clone as a release would be (python -m build)."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out, capture_output=True)
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A project folder of someone else's: not in the clone, so nothing there is found by accident."""
    folder = tmp_path_factory.mktemp("adopter")
    assert ROOT not in folder.parents
    return folder


@pytest.fixture(scope="module")
def venv(outside) -> Path:
    folder = outside / "venv"
    run([sys.executable, "-m", "venv", folder], cwd=outside)
    return folder


def bundled_user_count() -> int:
    files = (ROOT / "fixtures").glob("*.json")
    return sum(len(json.loads(file.read_text(encoding="utf-8"))["users"]) for file in files)


@contextmanager
def serving(venv: Path, cwd: Path, command: str = "mock-server") -> Iterator[tuple[str, dict]]:
    """`command --port N` from the venv; yields its URL and its /__admin/health answer."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOCK_SERVER_")}
    server = subprocess.Popen(
        [venv / "bin" / command, "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        yield url, wait_for_health(f"{url}/__admin/health", server)
    finally:
        stop_process(server)


def wait_for_health(url: str, server: subprocess.Popen, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with {server.returncode}")
        try:
            return requests.get(url, timeout=1).json()
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")


@pytest.mark.slow
@pytest.mark.timeout(600)  # pip may download: above the suite's 120 s
@pytest.mark.parametrize(
    ("artifact", "command"), [("wheel", "mock-server"), ("sdist", "fintech-mock-server")]
)
def test_an_installed_wheel_or_sdist_serves_the_bundled_users(artifacts, venv, outside, artifact, command):
    pip = venv / "bin" / "pip"
    run([pip, "install", "--quiet", "-c", CONSTRAINTS, artifacts[artifact]], cwd=outside)
    run([pip, "install", "--quiet", "--force-reinstall", "--no-deps", artifacts[artifact]], cwd=outside)
    with serving(venv, outside, command) as (url, health):
        assert health["status"] == "ok"
        assert health["users"] == bundled_user_count() > 0
        # The dashboard's templates and script are package data too.
        for page, wanted in (("/__admin/ui/", "Overview"), ("/__admin/ui/static/dashboard.js", "function")):
            answer = requests.get(url + page, timeout=10)
            assert (page, answer.status_code, wanted in answer.text) == (page, 200, True)
    installed = run(
        [venv / "bin" / "python", "-m", "pip", "list", "--format=json"], cwd=outside, capture_output=True
    )
    assert "faker" not in {canonicalize_name(row["name"]) for row in json.loads(installed.stdout)}


@pytest.mark.slow
@pytest.mark.timeout(600)  # pip may download: above the suite's 120 s
def test_the_documented_plugin_example_passes_beside_an_older_flask(artifacts, venv, outside):
    # An app's own world: its Flask pin, its pytest; not our constraints.
    pip = venv / "bin" / "pip"
    run(
        [pip, "install", "--quiet", artifacts["wheel"], f"flask=={OLDEST_FLASK}", "pytest", "requests"],
        cwd=outside,
    )
    python = venv / "bin" / "python"
    version = run(
        [python, "-c", "from importlib.metadata import version; print(version('flask'))"],
        cwd=outside,
        capture_output=True,
        text=True,
    )
    assert version.stdout.strip() == OLDEST_FLASK
    project = outside / "project"
    project.mkdir(exist_ok=True)
    shutil.copy(EXAMPLE, project / EXAMPLE.name)
    result = subprocess.run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", EXAMPLE.name],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    collected = example_test_count()
    assert re.search(rf"\b{collected} passed\b", result.stdout), result.stdout
    with serving(venv, outside) as (_url, health):  # the production server too, on this Flask
        assert health["users"] == bundled_user_count()


def example_test_count() -> int:
    """How many tests the documented example holds: each must pass there, none may be skipped."""
    return len(re.findall(r"^def test_", EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
