"""The command as a user runs it, over real processes (`python -m mock_server`): a bad setting stops it
at once in one line, with nothing else printed; the banner comes once the server answers and tells who
sees which users; every request gets an access line, unless quiet; and a SIGINT or SIGTERM to any of
its processes stops them all within 5 s."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 20
STOP_SECONDS = 5
NOT_HERE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): an address no machine of ours has
F_SETPIPE_SZ = 1031  # Linux's fcntl to size a pipe (fcntl.F_SETPIPE_SZ from Python 3.10, not everywhere)
ACCESS_LINE = re.compile(r"^(\S+) ([A-Z]+) (\S+) (\d{3}) (\d+\.\d)ms$", re.MULTILINE)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mock_server", *args]


def environment(**settings: str) -> dict[str, str]:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("MOCK_SERVER_")}
    return {**clean, "PYTHONUNBUFFERED": "1", **settings}


def run_briefly(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command expecting it to stop by itself; one that serves instead is stopped (all of its
    processes) after a few seconds, and reported as still running."""
    process = subprocess.Popen(
        command(*args),
        cwd=ROOT,
        env=env or environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"still running after 8 s; it printed: {stdout}{stderr}")
    finally:
        _kill_group(process)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Server:
    """A server of the test's own, in a session (a process group) of its own, its output in a file."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, stdout: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            command("--port", str(self.port), *args),
            cwd=ROOT,
            env=env or environment(),
            stdout=self.log if stdout is None else stdout,
            stderr=subprocess.STDOUT if stdout is None else self.log,
            start_new_session=True,
        )

    def wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                requests.get(self.url + "/__admin/health", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"server did not start in time: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def output_when(self, wanted: re.Pattern[str] | str, seconds: float = 5) -> str:
        """The output once it holds `wanted` (access lines are written by a thread of their own)."""
        deadline = time.monotonic() + seconds
        while not re.search(wanted, output := self.output()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return output

    def processes(self) -> list[int]:
        """The main process and its workers, while they run."""
        return [pid for pid in (self.process.pid, *children(self.process.pid)) if running(pid)]

    def stop(self) -> None:
        _kill_group(self.process)
        self.process.wait()
        self.log.close()


@contextmanager
def server(*args: str, **options) -> Iterator[Server]:
    started = Server(*args, **options)
    try:
        started.wait_until_it_answers()
        yield started
    finally:
        started.stop()


def children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for its parent to read its status."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def still_running_after(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := [pid for pid in pids if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


# --- a bad setting: one line on stderr, nothing else, status 2 ---------------------------------------


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port a plain socket of the test listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def assert_refused_in_one_line(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert (result.returncode, result.stdout) == (2, ""), result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mock-server: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_a_port_held_by_another_program_is_refused(taken_port):
    result = run_briefly("--port", str(taken_port))
    assert_refused_in_one_line(result, f"cannot listen on 127.0.0.1:{taken_port}: Address already in use")


def test_a_second_mock_server_on_the_same_port_is_refused_and_the_first_serves_on():
    with server() as first:
        result = run_briefly("--port", str(first.port))
        assert_refused_in_one_line(result, f"cannot listen on 127.0.0.1:{first.port}: Address already in use")
        assert requests.get(first.url + "/__admin/health", timeout=5).status_code == 200


def test_a_port_held_on_every_address_is_refused_on_loopback():
    with socket.socket() as everywhere:
        everywhere.bind(("0.0.0.0", 0))
        everywhere.listen()
        port = everywhere.getsockname()[1]
        assert_refused_in_one_line(run_briefly("--port", str(port)), "Address already in use")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--port", "99999"), "port must be from 0 to 65535, not 99999"),
        (("--port", "-1"), "port must be from 0 to 65535, not -1"),
        (("--port", "eighty"), "argument --port: invalid int value: 'eighty'"),
        (("--host", "no-such-host.invalid"), "cannot listen on no-such-host.invalid:"),
        (("--host", NOT_HERE), f"cannot listen on {NOT_HERE}:"),
        (("--threads", "0"), "threads must be 1 or more, not 0"),
        (("--fixtures", "/no/such/fixtures.json"), "no fixtures file or folder at /no/such/fixtures.json"),
        (("--provider-ports", "dakota=70000"), "provider port 'dakota=70000' is not PROVIDER=PORT"),
    ],
    ids=["port-too-high", "port-negative", "port-not-a-number", "unknown-host", "address-not-here",
         "no-threads", "missing-fixtures", "provider-port-too-high"],
)  # fmt: skip
def test_a_bad_option_is_refused_in_one_line(args, fragment):
    assert_refused_in_one_line(run_briefly(*args, *(() if "--port" in args else ("--port", "0"))), fragment)


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("MOCK_SERVER_PORT", "99999", "port must be from 0 to 65535, not 99999"),
        ("MOCK_SERVER_HOST", "no-such-host.invalid", "cannot listen on no-such-host.invalid:"),
        ("MOCK_SERVER_HOST", NOT_HERE, "not one of this machine's"),
        ("MOCK_SERVER_THREADS", "0", "threads must be 1 or more, not 0"),
        ("MOCK_SERVER_FIXTURES", "/no/such/fixtures.json", "no fixtures file or folder"),
    ],
)
def test_a_bad_environment_setting_is_refused_in_one_line(variable, value, fragment):
    settings = (
        {variable: value} if variable == "MOCK_SERVER_PORT" else {variable: value, "MOCK_SERVER_PORT": "0"}
    )
    assert_refused_in_one_line(run_briefly(env=environment(**settings)), fragment)


def test_a_taken_port_in_the_environment_is_refused(taken_port):
    result = run_briefly(env=environment(MOCK_SERVER_PORT=str(taken_port)))
    assert_refused_in_one_line(result, f"127.0.0.1:{taken_port}: Address already in use")


def test_a_taken_provider_port_is_refused_from_the_option_and_the_environment(taken_port):
    expected = f"cannot listen on provider port {taken_port} for 'dakota': Address already in use"
    from_option = run_briefly("--port", str(free_port()), "--provider-ports", f"dakota={taken_port}")
    assert_refused_in_one_line(from_option, expected)
    from_environment = run_briefly(
        env=environment(MOCK_SERVER_PORT=str(free_port()), MOCK_SERVER_PROVIDER_PORTS=f"dakota={taken_port}")
    )
    assert_refused_in_one_line(from_environment, expected)


# --- the banner -------------------------------------------------------------------------------------


def test_the_banner_comes_once_the_server_answers():
    port = free_port()
    process = subprocess.Popen(
        command("--port", str(port), "--quiet"),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        first_line = process.stdout.readline()
        assert first_line == f"mock-server listening on http://127.0.0.1:{port}\n"
        # No retry: once the banner is out, the first request is answered.
        assert requests.get(f"http://127.0.0.1:{port}/__admin/health", timeout=5).status_code == 200
    finally:
        _kill_group(process)
        process.communicate()


def test_port_0_serves_on_a_port_the_system_picks_and_the_banner_names_it():
    process = subprocess.Popen(
        command("--port", "0", "--quiet"),
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = process.stdout.readline().removeprefix("mock-server listening on ").strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:[1-9][0-9]*", url)
        assert requests.get(url + "/__admin/health", timeout=5).status_code == 200
    finally:
        _kill_group(process)
        process.communicate()


@pytest.fixture
def fixtures_folder(tmp_path) -> Path:
    """Fixtures of the test's own: 3 Dakota users and 2 Dots users, as the command writes them."""
    for provider, count in (("dakota", 3), ("dots", 2)):
        output = tmp_path / f"{provider}.json"
        subprocess.run(
            command(
                "fixtures", "generate", "--provider", provider, "--count", str(count), "--output", str(output)
            ),
            cwd=ROOT,
            check=True,
            env=environment(),
        )
    return tmp_path


def test_the_banner_says_how_many_users_each_provider_holds_and_the_headers_that_see_them(fixtures_folder):
    with server("--fixtures", str(fixtures_folder), "--quiet") as mock:
        banner = mock.output()
        dakota = re.search(r"^  Dakota +3 users: (x-api-key): (\S+)$", banner, re.MULTILINE)
        dots = re.search(r"^  Dots +2 users: (Authorization): (Basic \S+)$", banner, re.MULTILINE)
        assert dakota and dots, banner
        assert "Wealthyhood" not in banner.partition("Users loaded")[2]  # none loaded: not listed
        # The headers shown are the ones that see those users.
        listed = requests.get(f"{mock.url}/dakota/users", headers={dakota[1]: dakota[2]}, timeout=5)
        assert len(listed.json()["data"]) == 3
        listed = requests.get(f"{mock.url}/dots/api/v2/users", headers={dots[1]: dots[2]}, timeout=5)
        assert len(listed.json()["data"]) == 2


def test_the_banner_says_when_no_users_are_loaded():
    with server("--no-fixtures", "--quiet") as mock:
        assert "\n  No users loaded\n" in mock.output()


# --- the default start ------------------------------------------------------------------------------


def test_a_default_start_prints_no_warning():
    with server() as mock:
        requests.get(mock.url + "/__admin/health", timeout=5)
        output = mock.output_when("/__admin/health")
    assert not re.search(r"warn|\[WARNING\]|\[ERROR\]|Traceback", output, re.IGNORECASE), output


def test_version_names_the_installed_distribution():
    result = subprocess.run(command("--version"), cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    for name in ("fintech-mock-server", "mock-server"):
        try:
            version = metadata.version(name)
            break
        except metadata.PackageNotFoundError:
            continue
    assert result.stdout == f"mock-server {version}\n"


# --- access lines -----------------------------------------------------------------------------------


def test_each_request_gets_an_access_line_with_no_secret_in_it():
    secret_key = "dk_test_secret-key-0123456789"
    with server() as mock:
        requests.post(f"{mock.url}/dakota/users", headers={"x-api-key": secret_key}, json={}, timeout=5)
        requests.get(f"{mock.url}/dakota/users?limit=2&email=someone@example.com", timeout=5)
        requests.get(f"{mock.url}/dakota/users/%0a127.0.0.1%20FORGED", timeout=5)
        output = mock.output_when("FORGED")
    lines = [
        line for line in ACCESS_LINE.findall(output) if line[2].startswith("/dakota")
    ]  # not health checks
    assert [(client, method, target, status) for client, method, target, status, _ in lines] == [
        ("127.0.0.1", "POST", "/dakota/users", "400"),
        ("127.0.0.1", "GET", "/dakota/users?limit=*&email=*", "401"),
        # A decoded line break would forge a line of its own: it stays encoded.
        ("127.0.0.1", "GET", "/dakota/users/%0A127.0.0.1%20FORGED", "401"),
    ], output
    for secret in (secret_key, "someone@example.com"):
        assert secret not in output


@pytest.mark.parametrize(
    ("args", "settings"),
    [(("--quiet",), {}), ((), {"MOCK_SERVER_QUIET": "true"})],
    ids=["option", "environment"],
)
def test_quiet_prints_no_access_line(args, settings):
    with server(*args, env=environment(**settings)) as mock:
        for _ in range(3):
            requests.get(f"{mock.url}/dakota/users", timeout=5)
        # A server that logs would have written by now (it writes within milliseconds).
        requests.get(mock.url + "/__admin/health", timeout=5)
        time.sleep(0.5)
        assert not ACCESS_LINE.search(mock.output()), mock.output()


def test_a_console_that_reads_nothing_never_holds_up_a_request():
    """Standard output a pipe nobody reads, made as small as Linux allows: it is full after a few dozen
    access lines; the requests after those are answered all the same."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    try:
        with server(stdout=write_end) as mock:
            os.close(write_end)
            write_end = -1
            session = requests.Session()
            for _ in range(300):  # about 12 KB of lines: three times what the pipe holds
                assert session.get(f"{mock.url}/dakota/users", timeout=5).status_code == 401
    finally:
        if write_end >= 0:
            os.close(write_end)
        os.close(read_end)


# --- signals ----------------------------------------------------------------------------------------


def signal_group(mock: Server, signum: int) -> None:
    os.killpg(mock.process.pid, signum)


def signal_main(mock: Server, signum: int) -> None:
    os.kill(mock.process.pid, signum)


def signal_workers(mock: Server, signum: int) -> None:
    for worker in children(mock.process.pid):
        os.kill(worker, signum)


def signal_one_worker(mock: Server, signum: int) -> None:
    os.kill(children(mock.process.pid)[0], signum)


def signal_main_and_workers(mock: Server, signum: int) -> None:
    for pid in (mock.process.pid, *children(mock.process.pid)):
        os.kill(pid, signum)


@pytest.mark.parametrize(
    ("send", "signum"),
    [
        (signal_group, signal.SIGINT),
        (signal_main_and_workers, signal.SIGINT),
        (signal_main, signal.SIGINT),
        (signal_main, signal.SIGTERM),
        (signal_workers, signal.SIGTERM),
        (signal_workers, signal.SIGINT),
        (signal_main, signal.SIGKILL),  # the main process can do nothing: its worker must notice
    ],
    ids=["SIGINT-group", "SIGINT-main-and-worker", "SIGINT-main", "SIGTERM-main", "SIGTERM-worker",
         "SIGINT-worker", "SIGKILL-main"],
)  # fmt: skip
def test_a_signal_to_any_process_stops_them_all_within_5_seconds(send, signum):
    with server("--quiet") as mock:
        processes = mock.processes()
        assert len(processes) == 2  # the main process and its worker
        send(mock, signum)
        assert still_running_after(processes, STOP_SECONDS) == []
        assert still_running_after(children(mock.process.pid), 0) == []  # and no worker took their place


def test_a_signal_to_one_of_two_workers_stops_them_all_within_5_seconds(redis_url):
    with server("--quiet", "--workers", "2", "--store", redis_url) as mock:
        deadline = time.monotonic() + START_SECONDS
        while len(processes := mock.processes()) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(processes) == 3
        signal_one_worker(mock, signal.SIGTERM)
        assert still_running_after(processes, STOP_SECONDS) == []
        assert still_running_after(children(mock.process.pid), 0) == []


def test_a_worker_that_dies_is_replaced_and_the_new_one_serves():
    """SIGKILL is a crash, not a request to stop: granian starts a new worker, which must survive its start
    (it tells the banner's pipe it serves, though the banner was printed long ago) and answer."""
    with server("--quiet") as mock:
        [worker] = children(mock.process.pid)
        os.kill(worker, signal.SIGKILL)
        deadline = time.monotonic() + START_SECONDS
        while not [pid for pid in children(mock.process.pid) if pid != worker and running(pid)]:
            assert time.monotonic() < deadline, mock.output()
            time.sleep(0.05)
        time.sleep(6)  # past granian's crash-loop window: a new worker dying at its start stops the server
        assert mock.process.poll() is None, mock.output()
        assert requests.get(mock.url + "/__admin/health", timeout=5).status_code == 200
