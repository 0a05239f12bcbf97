"""`make bench`: start-up time, throughput, latency and memory of the production server as `make run`
starts it, and its creates on each state store (memory, Redis with one and two workers), with wrk as the
load generator, beside a bare Flask endpoint served the same way (bare_serve.py). Prints a table, ending
with issue 13's targets (targets.py), and writes it as JSON; every figure is the median of several runs.
Not a test: these machines are shared and noisy, so numbers are reported, not asserted."""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mock_server.core.speedups import NAMES as SPEEDUP_NAMES
from mock_server.core.speedups import SWITCH as SPEEDUPS_SWITCH

if __package__:  # imported as bench.bench (the tests)
    from bench import targets
else:  # run as a script (`make bench`), with bench/ itself on the path
    import targets

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"


# --- load definitions ------------------------------------------------------------------------------------

# wrk's Lua: a per-connection-unique counter makes every request body (and idempotency key) unique.
LUA_PRELUDE = r"""
local counter = 0
-- LuaJIT's math.random starts from a fixed seed: every wrk run would repeat the last run's "unique"
-- values, so the harness hands each run a tag of its own.
local thread_tag = tonumber(os.getenv("BENCH_RUN_TAG"))
math.randomseed(thread_tag)
function unique() counter = counter + 1; return string.format("%d-%d", thread_tag, counter) end
function uuid()
  counter = counter + 1
  return string.format("%08x-%04x-4%03x-8%03x-%012x", thread_tag, counter % 65536, math.random(0, 4095),
                       math.random(0, 4095), counter)
end
function digits(n)
  counter = counter + 1
  return string.format("%0" .. n .. "d", (thread_tag * 7919 + counter) % (10 ^ n))
end
"""


@dataclass(frozen=True)
class Load:
    """One kind of request: `body` is a Lua expression (or None); `headers` may be Lua expressions too."""

    name: str
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # values are Lua expressions
    body: str | None = None

    def lua(self) -> str:
        header_lines = "\n".join(f'  wrk.headers["{name}"] = {value}' for name, value in self.headers.items())
        body = self.body or "nil"
        return (
            LUA_PRELUDE
            + f'wrk.method = "{self.method}"\n'
            + "request = function()\n"
            + header_lines
            + f"\n  return wrk.format(nil, nil, nil, {body})\nend\n"
        )


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def basic(client: str) -> str:
    return "Basic " + base64.b64encode(f"{client}:sk_bench".encode()).decode()


def post_json(url: str, body: dict, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {**headers, "Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response) if response.status != 204 else {}


def wealthyhood_token(base: str) -> str:
    body = {"grant_type": "client_credentials", "audience": "https://api.wealthyhood.com",
            "client_id": "bench-client", "client_secret": "bench-secret"}  # fmt: skip
    return post_json(f"{base}/wealthyhood/oauth/token", body, {})["access_token"]


def lua_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: lua_string(value) for name, value in headers.items()}


# Every create body is unique (email, phone, userName, idempotency key), so every request really creates.
DOTS_CREATE_BODY = (
    '\'{"first_name":"Bob","last_name":"Loblaw","email":"bob\' .. unique() .. \'@example.com",'
    '"country_code":"1","phone_number":"\' .. digits(10) .. \'"}\''
)
WEALTHYHOOD_CREATE_BODY = (
    '\'{"email":"john\' .. unique() .. \'@example.com","firstName":"John","lastName":"Doe",'
    '"dateOfBirth":"1990-05-15","residencyCountry":"GB"}\''
)
DAKOTA_CREATE_BODY = (
    '\'{"first_name":"John","last_name":"Doe","email":"john\' .. unique() .. \'@example.com",'
    '"role":"admin"}\''
)
TALIWARE_CREATE_BODY = (
    '\'{"firstName":"John","lastName":"Doe","email":"john.doe@example.com",'
    '"userName":"john\' .. unique() .. \'","phoneNumber":"+1234567890"}\''
)
JSON_TYPE = {"Content-Type": '"application/json"'}


@dataclass(frozen=True)
class ProviderLoads:
    """What the benchmark sends one provider: creates under one credential; a get and a list under
    another (holding one user), so reads measure the API, not the size of what the creates stored."""

    provider: str
    create_path: str
    create_body: str
    list_path: str | None
    credentials: Callable[[str, str], dict[str, str]]  # (base URL, scope) -> headers
    create_headers: dict[str, str] = field(default_factory=dict)  # extra Lua-expression headers
    seed_user: Callable[[str, dict[str, str]], tuple[str, dict[str, str]]] | None = None

    def create(self, base: str) -> Load:
        headers = {**lua_headers(self.credentials(base, "bench-writer")), **JSON_TYPE, **self.create_headers}
        return Load("create", "POST", self.create_path, headers, self.create_body)

    def reads(self, base: str) -> list[Load]:
        """A GET of one user, and the list, under a credential of their own."""
        headers = self.credentials(base, "bench-reader")
        path, extra = self.seed_user(base, headers)
        loads = [Load("get", "GET", path, lua_headers({**headers, **extra}))]
        if self.list_path:
            loads.append(Load("list", "GET", self.list_path, lua_headers(headers)))
        return loads


def dots_user(base: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    body = {"first_name": "Sam", "last_name": "Ple", "email": "sample@example.com", "country_code": "44",
            "phone_number": "7700900000"}  # fmt: skip
    return f"/dots/api/v2/users/{post_json(base + '/dots/api/v2/users', body, headers)['id']}", {}


def wealthyhood_user(base: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    body = {"email": "sample@example.com", "firstName": "Sam", "lastName": "Ple", "dateOfBirth": "1990-05-15",
            "residencyCountry": "GB"}  # fmt: skip
    return "/wealthyhood/users/me", {"x-user-id": post_json(base + "/wealthyhood/users", body, headers)["id"]}


def dakota_user(base: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    body = {"first_name": "Sam", "last_name": "Ple", "email": "sample@example.com", "role": "viewer"}
    key = {"x-idempotency-key": "00000000-0000-4000-8000-000000000001"}
    return f"/dakota/users/{post_json(base + '/dakota/users', body, {**headers, **key})['id']}", {}


def taliware_user(base: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    body = {"firstName": "Sam", "lastName": "Ple", "email": "sample@example.com", "userName": "sample",
            "phoneNumber": "+447700900000"}  # fmt: skip
    return f"/taliware/v1/cl2c/users/{post_json(base + '/taliware/v1/cl2c/user', body, headers)['id']}", {}


PROVIDERS = [
    ProviderLoads(
        "dots", "/dots/api/v2/users", DOTS_CREATE_BODY, "/dots/api/v2/users",
        lambda base, scope: {"Authorization": basic(scope)}, seed_user=dots_user,
    ),
    ProviderLoads(
        "wealthyhood", "/wealthyhood/users", WEALTHYHOOD_CREATE_BODY, None,
        lambda base, scope: {"Authorization": f"Bearer {wealthyhood_token(base)}"},
        seed_user=wealthyhood_user,
    ),
    ProviderLoads(
        "dakota", "/dakota/users", DAKOTA_CREATE_BODY, "/dakota/users",
        lambda base, scope: {"x-api-key": scope}, {"x-idempotency-key": "uuid()"}, seed_user=dakota_user,
    ),
    ProviderLoads(
        "taliware", "/taliware/v1/cl2c/user", TALIWARE_CREATE_BODY, "/taliware/v1/cl2c/users",
        lambda base, scope: {"tenant": scope, "X-API-Key": "bench-key"}, seed_user=taliware_user,
    ),
]  # fmt: skip

BARE_CREATE = Load("create", "POST", "/users", JSON_TYPE, DOTS_CREATE_BODY)

# The memory soak: Dakota creates, each under a fresh idempotency key but all with one email, so after the
# first every answer is a 409 that the idempotency store keeps: memory may grow only by keys and journal
# entries, and both are bounded.
SOAK = ProviderLoads(
    "dakota", "/dakota/users",
    '\'{"first_name":"Soak","last_name":"Test","email":"soak@example.com","role":"viewer"}\'', None,
    lambda base, scope: {"x-api-key": scope}, {"x-idempotency-key": "uuid()"},
)  # fmt: skip


# --- processes ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(core: int | None, command: list[str]) -> list[str]:
    return command if core is None else ["taskset", "-c", str(core), *command]


@dataclass(frozen=True)
class FirstRequest:
    """What a start is timed to: the first 2xx answer to this request."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None

    def send(self, url: str) -> int:
        request = urllib.request.Request(url + self.path, self.body, self.headers, method=self.method)
        with urllib.request.urlopen(request, timeout=1) as response:
            return response.status


@dataclass(frozen=True)
class Served:
    """A way of serving: the command (given the port) and the request its start is timed to."""

    name: str
    command: Callable[[int], list[str]]
    first_request: FirstRequest


BARE_FIRST = FirstRequest(
    "POST", "/users", {"Content-Type": "application/json"}, b'{"email":"first@example.com"}'
)
SERVED = {
    # The production server as `make run` starts it, timed to its first answered API request.
    "mock": Served(
        "mock",
        lambda port: [str(BIN / "mock-server"), "--port", str(port)],
        FirstRequest("GET", "/dots/api/v2/users", {"Authorization": basic("bench-startup")}),
    ),
    # The baseline the targets compare against: the bare app through the same granian and front.
    "bare-flask": Served(
        "bare-flask",
        lambda port: [str(BIN / "python"), "-m", "bench.bare_serve", "--port", str(port)],
        BARE_FIRST,
    ),
    # A reference: the bare app on granian's own WSGI interface (8 blocking threads), the floor without
    # our front, so that the two bare rows show what the front itself costs.
    "bare-flask-wsgi": Served(
        "bare-flask-wsgi",
        lambda port: [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                      "--workers", "1", "--blocking-threads", "8", "--backlog", "2048",
                      "--log-level", "warning", "bench.bare_app:app"],
        BARE_FIRST,
    ),
}  # fmt: skip
BASELINES = ("bare-flask", "bare-flask-wsgi")


class Server:
    """The production server as `make run` starts it (or a bare baseline, see SERVED)."""

    def __init__(
        self, core: int | None, kind: str | Served = "mock", extra_env: dict[str, str] | None = None
    ) -> None:
        self.served = kind if isinstance(kind, Served) else SERVED[kind]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **(extra_env or {})}
        self.errors = tempfile.TemporaryFile()  # its standard error, quoted if it exits before answering
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            pinned(core, self.served.command(self.port)),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.errors,
        )
        self.startup_ms = self._wait(self.served.first_request)

    def _wait(self, first: FirstRequest, timeout: float = 30.0) -> float:
        """Milliseconds from starting the process to the first 2xx answer to `first`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                if 200 <= first.send(self.url) < 300:
                    return (time.perf_counter() - self.started) * 1000
            except OSError:  # not listening yet, or answering but not yet 2xx (urllib's HTTPError)
                time.sleep(0.001)
            if self.process.poll() is not None:
                code = self.process.returncode
                self.errors.seek(0)
                said = self.errors.read().decode(errors="replace").strip().splitlines()[-5:]
                self.errors.close()
                raise RuntimeError(
                    f"{self.served.name} exited with {code} before answering"
                    + "".join(f"\n  {line}" for line in said)
                )
        self.stop()
        raise RuntimeError(f"{self.served.name} did not answer in time")

    def rss_mb(self) -> float:
        """Resident memory of the server's whole process tree (granian's supervisor and its worker)."""
        return sum(_rss_kb(pid) for pid in _tree(self.process.pid)) / 1024

    def wait_for_processes(self, count: int, timeout: float = 10.0) -> None:
        """Until the server's process tree holds `count` processes (granian's supervisor and its workers):
        the first answer may come from the first worker alone."""
        deadline = time.perf_counter() + timeout
        while len(_tree(self.process.pid)) < count:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.served.name} did not start {count - 1} workers in time")
            time.sleep(0.01)

    def loads_library(self, name: str) -> bool:
        """Whether any of the server's processes has mapped a shared library whose path contains `name`."""
        for pid in _tree(self.process.pid):
            try:
                if name in Path(f"/proc/{pid}/maps").read_text():
                    return True
            except (FileNotFoundError, PermissionError):
                pass
        return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            pids.extend(_tree(int(child)))
    return pids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


# --- wrk ---------------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors: a run with errors measured the wrong thing


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(url: str, load: Load, connections: int, seconds: float, core: int | None) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(load.lua())
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",  # wrk takes whole units only: "4s", not "4.0s"
        "--latency",
        "-s",
        script.name,
        url + load.path,
    ]
    env = {**os.environ, "BENCH_RUN_TAG": str(random.randint(1, 2**31 - 1))}
    finished = subprocess.run(pinned(core, command), capture_output=True, text=True, env=env)
    if finished.returncode != 0:
        why = finished.stderr.strip() or finished.stdout.strip()
        raise RuntimeError(f"wrk failed ({finished.returncode}): {why}")
    output = finished.stdout
    os.unlink(script.name)
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * UNITS[match.group(2)] if match else float("nan")

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(requests, rps, latency("50"), latency("99"), errors)


def median_result(results: list[WrkResult]) -> dict[str, float]:
    return {
        "requests": int(statistics.median(r.requests for r in results)),
        "rps": round(statistics.median(r.rps for r in results), 1),
        "p50_ms": round(statistics.median(r.p50_ms for r in results), 3),
        "p99_ms": round(statistics.median(r.p99_ms for r in results), 3),
        "errors": sum(r.errors for r in results),
    }


# --- the measurements ---------------------------------------------------------------------------------------

PLACEMENTS = {"shared": (None, None), "pinned": (0, 1)}  # (server core, wrk core)


def startup_figures(times: list[float]) -> dict:
    return {"median_ms": round(statistics.median(times), 1), "runs_ms": [round(t, 1) for t in times]}


def measure_startup(runs: int) -> dict:
    """Start to first answer, the mock (to its first answered API request) and each bare baseline (to its
    first create), their starts interleaved and their order turning each round, so a noisy moment hits
    them alike."""
    kinds = ["mock", *BASELINES]
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_number in range(runs):
        turn = round_number % len(kinds)
        for kind in kinds[turn:] + kinds[:turn]:
            server = Server(core=None, kind=kind)
            times[kind].append(server.startup_ms)
            server.stop()
    first = SERVED["mock"].first_request
    return {
        **startup_figures(times["mock"]),
        "first_request": f"{first.method} {first.path}",
        "baselines": {kind: startup_figures(times[kind]) for kind in BASELINES},
    }


def measure_throughput(runs: int, seconds: float, connections: tuple[int, ...]) -> dict:
    """Every workload at each connection count, in each placement. Each run serves the bare baselines and
    then the mock (Dots creates first), so every mock figure has its baselines from the same run."""
    table: dict = {}
    for placement, (server_core, wrk_core) in PLACEMENTS.items():
        samples: dict[str, list[WrkResult]] = {}
        for _ in range(runs):
            for kind in BASELINES:
                bare = Server(server_core, kind=kind)
                for conns in connections:
                    samples.setdefault(f"{kind}/create/c{conns}", []).append(
                        run_wrk(bare.url, BARE_CREATE, conns, seconds, wrk_core)
                    )
                bare.stop()
            server = Server(server_core)
            for loads in PROVIDERS:
                for load in (loads.create(server.url), *loads.reads(server.url)):
                    for conns in connections:
                        samples.setdefault(f"{loads.provider}/{load.name}/c{conns}", []).append(
                            run_wrk(server.url, load, conns, seconds, wrk_core)
                        )
            server.stop()
        table[placement] = {key: median_result(results) for key, results in samples.items()}
        table[placement].update(cost_ratios(table[placement], connections))
    return table


def cost_ratios(rows: dict, connections: tuple[int, ...]) -> dict[str, float]:
    """`machinery-cost/cN`: the bare endpoint's req/s (served as the mock is) over Dots creates';
    `front-cost/cN`: the bare endpoint's req/s on granian's own WSGI over its req/s through our front."""
    ratios = {}
    for conns in connections:
        bare = rows.get(f"bare-flask/create/c{conns}", {}).get("rps")
        wsgi = rows.get(f"bare-flask-wsgi/create/c{conns}", {}).get("rps")
        ours = rows.get(f"dots/create/c{conns}", {}).get("rps")
        if bare and ours:
            ratios[f"machinery-cost/c{conns}"] = round(bare / ours, 2)
        if bare and wsgi:
            ratios[f"front-cost/c{conns}"] = round(wsgi / bare, 2)
    return ratios


# What each switch setting turns off: none, each speed-up alone, all of them.
SPEEDUP_SETTINGS = {"all on": "", **{f"{name} off": name for name in SPEEDUP_NAMES}, "all off": "all"}


def measure_speedups(runs: int, seconds: float, connections: tuple[int, ...]) -> dict:
    """Dots creates, pinned, with each speed-up switched off in turn (the settings alternate within each
    run, so a noisy moment hits them alike); `worth/...` is req/s with it on over req/s with it off."""
    server_core, wrk_core = PLACEMENTS["pinned"]
    samples: dict[str, list[WrkResult]] = {}
    for _ in range(runs):
        for label, switch in SPEEDUP_SETTINGS.items():
            server = Server(server_core, extra_env={SPEEDUPS_SWITCH: switch})
            for conns in connections:
                samples.setdefault(f"{label}/c{conns}", []).append(
                    run_wrk(server.url, PROVIDERS[0].create(server.url), conns, seconds, wrk_core)
                )
            server.stop()
    table: dict = {key: median_result(results) for key, results in samples.items()}
    for conns in connections:
        on = table[f"all on/c{conns}"]["rps"]
        for label in SPEEDUP_SETTINGS:
            if label != "all on":
                table[f"worth/{label.removesuffix(' off')}/c{conns}"] = round(
                    on / table[f"{label}/c{conns}"]["rps"], 3
                )
    return table


def send_at_least(url: str, load: Load, count: int, chunk_seconds: float = 5) -> int:
    """Keep wrk sending `load` in short runs until `count` requests were answered; the number sent."""
    sent = 0
    while sent < count:
        sent += run_wrk(url, load, 32, chunk_seconds, None).requests
    return sent


def measure_memory(users: int, soak_requests: int, soak: ProviderLoads | None) -> dict:
    server = Server(core=None)
    result: dict[str, float | int] = {"idle_mb": round(server.rss_mb(), 1)}
    result["users_stored"] = send_at_least(server.url, PROVIDERS[0].create(server.url), users)
    result["after_users_mb"] = round(server.rss_mb(), 1)
    server.stop()
    if soak is not None:
        server = Server(core=None)
        soak_load = soak.create(server.url)
        early_count = send_at_least(server.url, soak_load, soak_requests // 10)
        early = server.rss_mb()
        late_count = early_count + send_at_least(server.url, soak_load, soak_requests - early_count)
        late = server.rss_mb()
        server.stop()
        result.update(
            {
                "soak_requests_early": early_count,
                "soak_early_mb": round(early, 1),
                "soak_requests_late": late_count,
                "soak_late_mb": round(late, 1),
                "soak_growth_pct": round((late - early) / early * 100, 1),
            }
        )
    return result


# --- stores ------------------------------------------------------------------------------------------------

# The creates measured on each store: Dots' (the targets' workload) and Dakota's (which also stores an
# idempotency key per request), at the throughput section's connection counts, in its headline placement
# (shared: the server, its workers, redis-server and wrk all on both cores).
STORE_PROVIDERS = ("dots", "dakota")
STORE_CONNECTIONS = (1, 32)
HIREDIS_CONNECTIONS = (32,)
NO_HIREDIS = "redis-1-no-hiredis"
# Runs the server as `python -m mock_server` does, but with `import hiredis` failing, so that redis-py falls
# back to its pure-Python parser (it has no switch of its own).
WITHOUT_HIREDIS = (
    "import runpy, sys; sys.modules['hiredis'] = None; sys.argv[0] = 'mock-server'; "
    "runpy.run_module('mock_server', run_name='__main__', alter_sys=True)"
)


@dataclass(frozen=True)
class StoreSetup:
    """One way of keeping the mock's state: the memory store, or the Redis store with some workers."""

    name: str
    redis: bool
    workers: int = 1
    hiredis: bool = True  # False: the server runs with `import hiredis` failing
    connections: tuple[int, ...] = STORE_CONNECTIONS

    def served(self, redis_url: str, namespace: str) -> Served:
        def command(port: int) -> list[str]:
            python = [
                str(BIN / "python"),
                *(["-m", "mock_server"] if self.hiredis else ["-c", WITHOUT_HIREDIS]),
            ]
            store = ["--store", redis_url, "--store-namespace", namespace] if self.redis else []
            return [*python, "--port", str(port), "--no-fixtures", *store, "--workers", str(self.workers)]

        return Served(self.name, command, SERVED["mock"].first_request)


STORE_SETUPS = (
    StoreSetup("memory", redis=False),
    StoreSetup("redis-1", redis=True),
    StoreSetup("redis-2", redis=True, workers=2),
    StoreSetup(NO_HIREDIS, redis=True, hiredis=False, connections=HIREDIS_CONNECTIONS),
)


class RedisServer:
    """Debian's redis-server on a free loopback port, persisting nothing, in a scratch directory."""

    def __init__(self) -> None:
        import redis

        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.scratch = tempfile.TemporaryDirectory(prefix="bench-redis-")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", self.scratch.name]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = redis.Redis.from_url(self.url)
        deadline = time.perf_counter() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.perf_counter() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.01)
        self.version = self.client.info("server")["redis_version"]

    def stop(self) -> None:
        self.client.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.scratch.cleanup()


def store_key(setup: str, provider: str | None, conns: int) -> str:
    """`redis-2/dakota/create/c32`; the bare endpoint's, with no provider: `bare-flask/create/c32`."""
    return f"{setup}/{provider}/create/c{conns}" if provider else f"{setup}/create/c{conns}"


def store_keys(
    setups: tuple[StoreSetup, ...], providers: tuple[str, ...], connections: tuple[int, ...]
) -> list[str]:
    """The rows in the order they are shown: by connection count, the bare endpoint first."""
    keys = []
    for conns in connections:
        keys.append(store_key(targets.BARE, None, conns))
        keys += [
            store_key(setup.name, provider, conns)
            for setup in setups
            if conns in setup.connections
            for provider in providers
        ]
    return keys


def with_bare_ratios(rows: dict[str, dict]) -> dict[str, dict]:
    """Each row with `vs_bare`: its req/s over bare-flask's at the same connection count (None when that
    was not measured)."""
    result = {}
    for key, row in rows.items():
        conns = key.rsplit("/c", 1)[1]
        bare = rows.get(store_key(targets.BARE, None, int(conns)), {}).get("rps")
        result[key] = {**row, "vs_bare": round(row["rps"] / bare, 3) if bare else None}
    return result


def hiredis_worth(rows: dict[str, dict]) -> dict[str, float]:
    """`dots/create/c32`: redis-1's req/s (hiredis importable) over the same server's without it."""
    worth = {}
    for key, row in rows.items():
        setup, _, workload = key.partition("/")
        without = rows.get(f"{NO_HIREDIS}/{workload}")
        if setup == "redis-1" and without and without["rps"]:
            worth[workload] = round(row["rps"] / without["rps"], 3)
    return worth


def hiredis_version() -> str | None:
    try:
        import hiredis
    except ImportError:
        return None
    return hiredis.__version__


def measure_stores(runs: int, seconds: float) -> dict | None:
    """Creates on each store (STORE_SETUPS) beside bare-flask, in the shared placement. Each run serves every
    setup once, their order turning each run; each server gets a fresh namespace of a redis-server of the
    section's own, flushed when it stops. None (after a note) without redis-server."""
    if shutil.which("redis-server") is None:
        print("bench: stores skipped: redis-server is not installed (Debian: apt-get install redis-server)")
        return None
    hiredis = hiredis_version()  # None: not installed, so there is no "without it" to compare
    setups = tuple(setup for setup in STORE_SETUPS if setup.hiredis or hiredis is not None)
    providers = [loads for loads in PROVIDERS if loads.provider in STORE_PROVIDERS]
    server_core, wrk_core = PLACEMENTS["shared"]
    samples: dict[str, list[WrkResult]] = {}
    loaded_hiredis: dict[str, bool] = {}
    redis_server = RedisServer()
    try:
        order: list[StoreSetup | None] = [None, *setups]  # None: the bare endpoint
        for run in range(runs):
            turn = run % len(order)
            for setup in order[turn:] + order[:turn]:
                if setup is None:
                    server = Server(server_core, kind=targets.BARE)
                    try:
                        for conns in STORE_CONNECTIONS:
                            samples.setdefault(store_key(targets.BARE, None, conns), []).append(
                                run_wrk(server.url, BARE_CREATE, conns, seconds, wrk_core)
                            )
                    finally:
                        server.stop()
                    continue
                namespace = f"bench-{setup.name}-{run}-{random.randrange(16**8):08x}"
                server = Server(server_core, kind=setup.served(redis_server.url, namespace))
                try:
                    server.wait_for_processes(1 + setup.workers)
                    if setup.redis:
                        loaded_hiredis[setup.name] = server.loads_library("hiredis")
                    for provider in providers:
                        load = provider.create(server.url)
                        for conns in setup.connections:
                            samples.setdefault(store_key(setup.name, provider.provider, conns), []).append(
                                run_wrk(server.url, load, conns, seconds, wrk_core)
                            )
                finally:
                    server.stop()
                    redis_server.client.flushall()
    finally:
        redis_server.stop()
    keys = store_keys(setups, STORE_PROVIDERS, STORE_CONNECTIONS)
    rows = with_bare_ratios({key: median_result(samples[key]) for key in keys})
    return {
        "placement": "shared",
        "redis_server": redis_server.version,
        "hiredis": hiredis,
        "hiredis_loaded": loaded_hiredis,
        "rows": rows,
        "hiredis_worth": hiredis_worth(rows),
    }


def machine() -> dict[str, str]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


RATIO_MEANINGS = {
    "machinery-cost": "bare-flask req/s / Dots creates'",
    "front-cost": "bare-flask-wsgi req/s / bare-flask's",
}


def print_table(report: dict) -> None:
    print(f"\nmachine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
          f"Python {report['machine']['python']}")  # fmt: skip
    if "startup" in report:
        startup = report["startup"]
        print(f"start to first answered API request ({startup['first_request']}): {startup['median_ms']} ms "
              f"(median of {len(startup['runs_ms'])})")  # fmt: skip
        for kind, figures in startup["baselines"].items():
            print(f"  {kind}, start to first answered create: {figures['median_ms']} ms")
    for placement, rows in report.get("throughput", {}).items():
        print(
            f"\n{placement}: {'server core 0, wrk core 1' if placement == 'pinned' else 'both on both cores'}"
        )
        print(f"{'workload':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
        for key, row in rows.items():
            if isinstance(row, dict):
                print(
                    f"{key:<28}{row['rps']:>10.0f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}{row['errors']:>8}"
                )
            else:
                print(f"{key:<28}{row:>10.2f}x  ({RATIO_MEANINGS[key.split('/')[0]]})")
    if "speedups" in report:
        print("\nspeed-ups, Dots create, pinned (worth: req/s with it on / with it off):")
        for key, row in report["speedups"].items():
            if isinstance(row, dict):
                print(
                    f"{key:<28}{row['rps']:>10.0f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}{row['errors']:>8}"
                )
            else:
                print(f"{key:<28}{row:>10.3f}x")
    if "memory" in report:
        print("\nmemory (RSS of the server's process tree):")
        for key, value in report["memory"].items():
            print(f"  {key}: {value}")
    if "stores" in report:
        print("\n" + "\n".join(stores_lines(report["stores"])))
    if "targets" in report:
        print_targets(report["targets"])


def stores_lines(stores: dict) -> list[str]:
    """The stores section as printed: a row per setup, workload and connection count, with its req/s over
    bare-flask's at the same connection count, then what hiredis is worth."""
    width = max([28, *(len(key) + 2 for key in stores["rows"])])
    hiredis = stores["hiredis"] or "not installed"
    lines = [
        f"stores, {stores['placement']} (redis-server {stores['redis_server']}, hiredis {hiredis}; "
        f"vs bare: req/s / {targets.BARE}'s at the same connections):",
        f"{'workload':<{width}}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'vs bare':>9}",
    ]
    for key, row in stores["rows"].items():
        ratio = "–" if row["vs_bare"] is None else f"{row['vs_bare']:.2f}x"
        lines.append(
            f"{key:<{width}}{row['rps']:>10.0f}{row['p50_ms']:>10.2f}{row['p99_ms']:>10.2f}{row['errors']:>8}"
            f"{ratio:>9}"
        )
    if stores["hiredis_worth"]:
        loaded = ", ".join(
            f"{name} {'yes' if yes else 'no'}" for name, yes in stores["hiredis_loaded"].items()
        )
        lines.append(f"hiredis worth, redis-1 (req/s with it / without it; hiredis loaded: {loaded}):")
        lines += [f"{key:<{width}}{worth:>10.3f}x" for key, worth in stores["hiredis_worth"].items()]
    return lines


def print_targets(rows: list[dict]) -> None:
    print(f"\ntargets (issue 13), beside the bare Flask endpoint served the same way ({targets.BARE}):")
    print(f"{'target':<47}{'placement':<10}{'measured':>14}{'bare':>14}{'ratio':>8}  {'goal':<15}result")
    for row in rows:
        print(
            f"{row['label']:<47}{row['placement']:<10}{targets.figure_text(row['measured'], row['unit']):>14}"
            f"{targets.figure_text(row['bare'], row['unit']):>14}{targets.ratio_text(row['ratio']):>8}  "
            f"{row['goal']:<15}{targets.status(row)}"
        )


SECTIONS = ("startup", "throughput", "speedups", "memory", "stores")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported")
    parser.add_argument("--seconds", type=float, default=4, help="seconds per wrk run")
    parser.add_argument("--users", type=int, default=100_000, help="users stored for the memory figure")
    parser.add_argument("--soak", type=int, default=1_000_000, help="requests for the memory soak")
    parser.add_argument(
        "--quick", action="store_true", help="1 run of 2 s, 10,000 users, 100,000 soak requests"
    )
    parser.add_argument(
        "--only", nargs="+", choices=SECTIONS, help="measure only these (written to partial.json by default)"
    )
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    sections = args.only or list(SECTIONS)
    args.output = args.output or RESULTS / ("partial.json" if args.only else "latest.json")
    if args.quick:
        args.runs, args.seconds, args.users, args.soak = 1, 2, 10_000, 100_000
    if shutil.which("wrk") is None:
        print("bench: wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"runs": args.runs, "seconds": args.seconds, "users": args.users, "soak": args.soak},
    }
    measures = {
        "startup": lambda: measure_startup(max(5, args.runs)),
        "throughput": lambda: measure_throughput(args.runs, args.seconds, (1, 32)),
        "speedups": lambda: measure_speedups(args.runs, args.seconds, (1, 32)),
        "memory": lambda: measure_memory(args.users, args.soak, SOAK),
        "stores": lambda: measure_stores(args.runs, args.seconds),
    }
    for section in sections:
        result = measures[section]()
        if result is not None:  # None: skipped (stores without redis-server)
            report[section] = result
    report["targets"] = targets.evaluate_targets(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
