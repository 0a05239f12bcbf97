"""State on a shared Redis (--store redis://...): what one app made, another app on the same Redis and
namespace serves (a restart); namespaces on one Redis never meet; settings that cannot work are refused;
a Redis outage is answered 503 in each provider's own shape and nothing is lost once Redis is back.
Then over real sockets, against `python -m mock_server --store URL --workers 2`: racing requests behave
as on one process (one user per idempotency key or phone number, a fault rule fires exactly N times),
both workers answer, and neither a restart nor a worker killed mid-load loses an acknowledged create.

Webhook deliveries and Dakota events are not shared across workers yet, so they are not tested here."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import requests

from mock_server import create_app
from mock_server.base.clock import Clock
from mock_server.cli import main
from tests.concurrency import race
from tests.conftest import LiveServer, basic, free_port
from tests.dakota.helpers import PRODUCTION, key, problem
from tests.dakota.helpers import headers as dakota_headers
from tests.dakota.helpers import person as dakota_person
from tests.dots.helpers import error as dots_error
from tests.dots.helpers import person as dots_person
from tests.redis_server import RedisServer, redis_executable
from tests.taliware.helpers import error_result
from tests.taliware.helpers import headers as taliware_headers
from tests.taliware.helpers import person as taliware_person
from tests.wealthyhood.helpers import as_user, authorized
from tests.wealthyhood.helpers import error as wealthyhood_error
from tests.wealthyhood.helpers import person as wealthyhood_person

DAKOTA_USERS = "/dakota/users"
DOTS_USERS = "/dots/api/v2/users"
WEALTHYHOOD_USERS = "/wealthyhood/users"
TALIWARE_CREATE = "/taliware/v1/cl2c/user"
TALIWARE_USERS = "/taliware/v1/cl2c/users"
DOTS_AUTH = basic("client-a")
PROVIDERS = {
    "dots": "/dots",
    "dots-sandbox": "/dots-sandbox",
    "wealthyhood": "/wealthyhood",
    "wealthyhood-sandbox": "/wealthyhood-sandbox",
    "dakota": "/dakota",
    "dakota-sandbox": "/dakota-sandbox",
    "taliware": "/taliware",
}
STORE_UNAVAILABLE = "The service is temporarily unavailable. Try again shortly."
TALIWARE_MIDDLEWARE = "Taliware.CL2C.Infrastructure.Middleware.ExceptionMiddleware"
KEY_IN_FLIGHT = "A request with this x-idempotency-key is still being processed"
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"  # a well-formed URL; nothing is ever asked of it
ON_LINUX = pytest.mark.skipif(sys.platform != "linux", reason="finds the workers through /proc")
TIMEOUT = 30


# --- in one process: apps on the test's Redis ---------------------------------------------------------


def redis_app(url: str, clock: Clock | None = None, **settings: Any):
    return create_app({"store": url, **settings}, clock=clock)


def answer(response: Any, status: int) -> Any:
    """The JSON body of a Flask test response, once its status is the one expected."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def health(client: Any) -> dict[str, Any]:
    return answer(client.get("/__admin/health"), 200)


def create_one_of_each(client: Any, n: int = 1) -> dict[str, Any]:
    """One new user in each of the four APIs (Dakota's under idempotency key n): the create responses."""
    dakota_create = {"headers": dakota_headers(idempotency_key=key(n)), "json": dakota_person(n)}
    responses = {
        "dakota": client.post(DAKOTA_USERS, **dakota_create),
        "dots": client.post(DOTS_USERS, headers=DOTS_AUTH, json=dots_person(n)),
        "wealthyhood": client.post(WEALTHYHOOD_USERS, headers=authorized(client), json=wealthyhood_person(n)),
        "taliware": client.post(TALIWARE_CREATE, headers=taliware_headers(), json=taliware_person(n)),
    }
    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {"dakota": 201, "dots": 200, "wealthyhood": 201, "taliware": 200}
    return responses


def read_back(client: Any, created: dict[str, Any]) -> dict[str, Any]:
    """Each user of `create_one_of_each` as its API's GET answers it now (Wealthyhood with a token of
    `client`'s own issuing)."""
    ids = {name: response.get_json()["id"] for name, response in created.items()}
    return {
        "dakota": answer(client.get(f"{DAKOTA_USERS}/{ids['dakota']}", headers=dakota_headers()), 200),
        "dots": answer(client.get(f"{DOTS_USERS}/{ids['dots']}", headers=DOTS_AUTH), 200),
        "wealthyhood": answer(
            client.get(f"{WEALTHYHOOD_USERS}/me", headers=as_user(authorized(client), ids["wealthyhood"])),
            200,
        ),
        "taliware": answer(
            client.get(f"{TALIWARE_USERS}/{ids['taliware']}", headers=taliware_headers()), 200
        ),
    }


def as_created(created: dict[str, Any]) -> dict[str, Any]:
    return {name: response.get_json() for name, response in created.items()}


def dakota_ids(client: Any) -> list[str]:
    page = answer(client.get(f"{DAKOTA_USERS}?limit=100", headers=dakota_headers()), 200)
    return [user["id"] for user in page["data"]]


def dots_ids(client: Any) -> list[str]:
    page = answer(client.get(f"{DOTS_USERS}?limit=100", headers=DOTS_AUTH), 200)
    return [user["id"] for user in page["data"]]


def test_a_second_app_on_the_same_redis_serves_all_the_first_one_made(redis_url, clock):
    first = redis_app(redis_url, clock).test_client()
    created = create_one_of_each(first)
    rule = answer(
        first.post(
            "/__admin/faults", json={"provider": "dakota", "method": "DELETE", "status": 502, "times": 2}
        ),
        201,
    )
    journal = answer(first.get("/__admin/requests"), 200)
    assert [(entry["method"], entry["path"], entry["status"]) for entry in journal["requests"]] == [
        ("POST", DAKOTA_USERS, 201),
        ("POST", DOTS_USERS, 200),
        ("POST", "/wealthyhood/oauth/token", 200),
        ("POST", WEALTHYHOOD_USERS, 201),
        ("POST", TALIWARE_CREATE, 200),
    ]

    second = redis_app(redis_url, clock).test_client()  # the server restarted on the same Redis

    assert answer(second.get("/__admin/requests"), 200) == journal
    assert answer(second.get("/__admin/faults"), 200) == {"faults": [rule]}
    assert health(second)["users"] == 4
    assert read_back(second, created) == as_created(created)
    replay = second.post(DAKOTA_USERS, headers=dakota_headers(idempotency_key=key(1)), json=dakota_person(1))
    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.data == created["dakota"].data
    # One rule, spent by both apps: each fires it once, and then it is gone from both.
    dakota_user = f"{DAKOTA_USERS}/{created['dakota'].get_json()['id']}"
    assert second.delete(dakota_user, headers=dakota_headers()).status_code == 502
    assert answer(first.get("/__admin/faults"), 200) == {"faults": [{**rule, "hits": 1}]}
    assert first.delete(dakota_user, headers=dakota_headers()).status_code == 502
    assert answer(second.get("/__admin/faults"), 200) == {"faults": []}
    assert health(first)["users"] == 4


def test_two_namespaces_on_one_redis_never_see_each_other_and_a_reset_clears_only_its_own(redis_url):
    team_a = redis_app(redis_url, store_namespace="team-a").test_client()
    team_b = redis_app(redis_url, store_namespace="team-b").test_client()
    same_create = {"headers": dakota_headers(idempotency_key=key(1)), "json": dakota_person(1)}
    a_dakota = answer(team_a.post(DAKOTA_USERS, **same_create), 201)
    b_create = team_b.post(DAKOTA_USERS, **same_create)
    assert (b_create.status_code, b_create.headers.get("Idempotent-Replayed")) == (201, None)  # its own key
    b_dakota = b_create.get_json()
    # Production Dots gives back the user with a phone number already known: in its own namespace only.
    a_dots = answer(team_a.post(DOTS_USERS, headers=DOTS_AUTH, json=dots_person(1)), 200)
    b_dots = answer(team_b.post(DOTS_USERS, headers=DOTS_AUTH, json=dots_person(1)), 200)
    assert len({a_dakota["id"], b_dakota["id"], a_dots["id"], b_dots["id"]}) == 4

    assert (dakota_ids(team_a), dots_ids(team_a)) == ([a_dakota["id"]], [a_dots["id"]])
    assert (dakota_ids(team_b), dots_ids(team_b)) == ([b_dakota["id"]], [b_dots["id"]])
    assert team_a.get(f"{DAKOTA_USERS}/{b_dakota['id']}", headers=dakota_headers()).status_code == 404
    assert team_b.get(f"{DOTS_USERS}/{a_dots['id']}", headers=DOTS_AUTH).status_code == 404
    with redis.Redis.from_url(redis_url) as store:
        keys = [name.decode() for name in store.keys("*")]
    assert {name.split(":", 1)[0] for name in keys} == {"team-a", "team-b"}

    assert answer(team_a.post("/__admin/reset"), 200) == {
        "reset": sorted(PROVIDERS),
        "scope": None,
        "loaded": {},
    }

    assert (health(team_a)["users"], health(team_b)["users"]) == (0, 2)
    assert (dakota_ids(team_a), dots_ids(team_a)) == ([], [])
    assert (dakota_ids(team_b), dots_ids(team_b)) == ([b_dakota["id"]], [b_dots["id"]])
    assert answer(team_b.get(f"{DAKOTA_USERS}/{b_dakota['id']}", headers=dakota_headers()), 200) == b_dakota
    # B's two creates, four lists and two reads (one of A's user: 404); A's two lists since its reset.
    assert answer(team_b.get("/__admin/requests"), 200)["total"] == 8
    assert answer(team_a.get("/__admin/requests"), 200)["total"] == 2


def test_health_names_the_store_and_counts_the_users_it_holds(redis_url):
    client = redis_app(redis_url).test_client()
    assert health(client) == {"status": "ok", "store": "redis", "providers": PROVIDERS, "users": 0}
    create_one_of_each(client)
    assert health(client) == {"status": "ok", "store": "redis", "providers": PROVIDERS, "users": 4}
    memory = create_app({"seed": 1}).test_client()
    assert health(memory) == {"status": "ok", "store": "memory", "providers": PROVIDERS, "users": 0}


BAD_SETTINGS = [
    pytest.param(
        {"workers": 2},
        "workers 2 needs a shared store: with the memory store each worker would be a world of its own; "
        "choose one with --store redis://HOST:PORT/DB",
        id="workers-with-memory",
    ),
    pytest.param(
        {"store": "http://127.0.0.1:6379/0"},
        "store 'http://127.0.0.1:6379/0' is neither memory nor a Redis URL "
        "(redis://HOST:PORT/DB, rediss://, unix://)",
        id="not-a-redis-url",
    ),
    pytest.param(
        {"store": "127.0.0.1:6379"},
        "store '127.0.0.1:6379' is neither memory nor a Redis URL (redis://HOST:PORT/DB, rediss://, unix://)",
        id="no-scheme",
    ),
    pytest.param(
        {"store": CLOSED_PORT_URL, "store_namespace": "team:a"},
        "store_namespace 'team:a' must be 1 to 64 letters, digits, '.', '_' or '-'",
        id="namespace-with-a-colon",
    ),
    pytest.param(
        {"store": CLOSED_PORT_URL, "store_namespace": "x" * 65},
        f"store_namespace '{'x' * 65}' must be 1 to 64 letters, digits, '.', '_' or '-'",
        id="namespace-too-long",
    ),
    pytest.param({"store": CLOSED_PORT_URL, "workers": 0}, "workers must be 1 to 64, not 0", id="no-workers"),
]


@pytest.mark.parametrize(("settings", "message"), BAD_SETTINGS)
def test_settings_that_cannot_work_are_refused_before_any_connection(settings, message):
    with pytest.raises(ValueError) as refused:
        create_app(settings)
    assert str(refused.value) == message


def unreachable_store() -> tuple[str, str]:
    """A Redis URL on a port nothing listens on, and what start-up says of it."""
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    return (
        url,
        f"cannot reach the store at {url}: Error 111 connecting to 127.0.0.1:{port}. Connection refused.",
    )


def test_a_redis_that_cannot_be_reached_at_start_is_refused():
    url, message = unreachable_store()
    with pytest.raises(ValueError) as refused:
        create_app({"store": url})
    assert str(refused.value) == message


@pytest.fixture
def no_settings_in_environment(monkeypatch) -> None:
    """The command reads MOCK_SERVER_* too: none of the environment's may change what it is given."""
    for name in list(os.environ):
        if name.startswith("MOCK_SERVER_"):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("no_settings_in_environment")
def test_the_command_exits_2_with_the_reason_when_the_store_cannot_be_reached(capsys):
    url, message = unreachable_store()
    assert main(["--store", url, "--workers", "2", "--no-fixtures", "--port", str(free_port())]) == 2
    assert capsys.readouterr() == ("", f"mock-server: {message}\n")


@pytest.mark.usefixtures("no_settings_in_environment")
def test_the_command_refuses_workers_with_the_memory_store(capsys):
    assert main(["--workers", "3", "--no-fixtures"]) == 2
    assert capsys.readouterr().err == (
        "mock-server: workers 3 needs a shared store: with the memory store each worker would be a world "
        "of its own; choose one with --store redis://HOST:PORT/DB\n"
    )


# --- an outage: Redis stops, then comes back with its data ----------------------------------------------


class DurableRedisServer(RedisServer):
    """A redis-server that keeps its data through stop() and start(): an append-only file, written through
    on every command, in its own folder."""

    PERSISTENCE = ("--save", "", "--appendonly", "yes", "--appendfsync", "always")


@pytest.fixture
def durable_redis() -> Iterator[DurableRedisServer]:
    server = DurableRedisServer(redis_executable())
    server.start()
    yield server
    server.close()


def outage_answers(client: Any, wealthyhood_auth: dict[str, str]) -> dict[str, Any]:
    """A create in each API while the store is down, and the body each should be."""
    dakota = client.post(DAKOTA_USERS, headers=dakota_headers(idempotency_key=key(9)), json=dakota_person(9))
    dots = client.post(DOTS_USERS, headers=DOTS_AUTH, json=dots_person(9))
    wealthyhood = client.post(WEALTHYHOOD_USERS, headers=wealthyhood_auth, json=wealthyhood_person(9))
    taliware = client.post(TALIWARE_CREATE, headers=taliware_headers(), json=taliware_person(9))
    return {
        "dakota": (
            dakota,
            "application/problem+json",
            problem(
                "service-unavailable",
                "Service Unavailable",
                503,
                STORE_UNAVAILABLE,
                PRODUCTION + "/users",
                request_id=dakota.headers["x-request-id"],
            ),
        ),
        "dots": (dots, "application/json", dots_error("service-unavailable", STORE_UNAVAILABLE)),
        "wealthyhood": (
            wealthyhood,
            "application/json",
            wealthyhood_error(STORE_UNAVAILABLE, "SERVICE_UNAVAILABLE"),
        ),
        "taliware": (
            taliware,
            "application/json",
            error_result(taliware.get_json(), 503, STORE_UNAVAILABLE, TALIWARE_MIDDLEWARE),
        ),
    }


def test_an_outage_is_answered_503_in_each_providers_shape_and_loses_nothing(durable_redis):
    client = redis_app(durable_redis.url).test_client()
    before = create_one_of_each(client, 1)
    wealthyhood_auth = authorized(client)  # a token taken before the outage

    durable_redis.stop()

    for name, (response, content_type, body) in outage_answers(client, wealthyhood_auth).items():
        assert (name, response.status_code, response.content_type) == (name, 503, content_type)
        assert response.get_json() == body
        assert b"Traceback" not in response.data and b"redis" not in response.data.lower()
    down = client.get("/__admin/health")
    assert (down.status_code, down.get_json()) == (
        503,
        {"status": "store unavailable", "store": "redis", "providers": PROVIDERS},
    )
    journal = client.get("/__admin/requests")
    assert (journal.status_code, journal.get_json()) == (503, {"error": STORE_UNAVAILABLE})

    durable_redis.start()

    assert health(client)["users"] == 4
    assert read_back(client, before) == as_created(before)
    after = create_one_of_each(client, 2)
    # The create refused during the outage reserved nothing: under the same key it runs now, afresh.
    retried = client.post(DAKOTA_USERS, headers=dakota_headers(idempotency_key=key(9)), json=dakota_person(9))
    assert (retried.status_code, retried.headers.get("Idempotent-Replayed")) == (201, None)
    assert health(client)["users"] == 9
    assert read_back(client, after) == as_created(after)
    journal_paths = [entry["path"] for entry in answer(client.get("/__admin/requests"), 200)["requests"]]
    assert journal_paths.count(DAKOTA_USERS) == 3  # before, after and the retry: none of the refused


# --- over sockets: two worker processes on one Redis ---------------------------------------------------


def start_workers(redis_url: str, *args: str) -> LiveServer:
    """`python -m mock_server --store URL --workers 2 --no-fixtures`, once it answers its health check."""
    server = LiveServer("--store", redis_url, "--workers", "2", "--no-fixtures", *args)
    try:
        deadline = time.monotonic() + 20
        while True:
            response = requests.get(server.url + "/__admin/health", timeout=TIMEOUT)
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert response.json()["store"] == "redis", response.text
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="module")
def workers(redis_server) -> Iterator[LiveServer]:
    """One two-worker server for the module's racing tests, in a namespace of its own."""
    server = start_workers(redis_server.url, "--store-namespace", "shared-store-workers")
    yield server
    server.stop()


@pytest.fixture
def live(workers) -> LiveServer:
    """The two-worker server, emptied (users, keys, journal, fault rules) for this test."""
    response = requests.post(workers.url + "/__admin/reset", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return workers


def journal_statuses(server: LiveServer, method: str, path: str) -> Counter:
    """The statuses the journal holds for requests to `path`: every worker's."""
    query = {"method": method, "path": path}
    response = requests.get(f"{server.url}/__admin/requests", params=query, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return Counter(entry["status"] for entry in response.json()["requests"])


def dakota_user_ids(server: LiveServer, api_key: str = "key-a") -> list[str]:
    response = requests.get(
        f"{server.url}{DAKOTA_USERS}?limit=100", headers=dakota_headers(api_key), timeout=30
    )
    assert response.status_code == 200, response.text
    return [user["id"] for user in response.json()["data"]]


def test_racing_creates_under_one_idempotency_key_make_one_dakota_user(live):
    body, headers = dakota_person(1), dakota_headers(idempotency_key=str(uuid.uuid4()))
    answers = race(
        50, lambda _: requests.post(live.url + DAKOTA_USERS, json=body, headers=headers, timeout=30)
    )

    created = [response for response in answers if response.status_code == 201]
    refused = [response for response in answers if response.status_code != 201]
    assert len({response.content for response in created}) == 1  # the first's body, replayed byte for byte
    assert [response.headers.get("Idempotent-Replayed") for response in created].count(None) == 1
    for response in refused:  # still running when asked: Dakota's duplicate-request conflict
        assert response.status_code == 409
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json() == problem(
            "conflict",
            "Conflict - duplicate request detected",
            409,
            KEY_IN_FLIGHT,
            request_id=response.headers["x-request-id"],
        )
    assert dakota_user_ids(live) == [created[0].json()["id"]]
    assert journal_statuses(live, "POST", DAKOTA_USERS) == Counter(
        response.status_code for response in answers
    )


def test_racing_production_creates_with_one_phone_number_make_one_dots_user(live):
    auth = basic("racing-client")

    def create(n: int) -> requests.Response:
        body = dots_person(n, phone_number="4155550100")  # one phone number, fifty emails
        return requests.post(live.url + DOTS_USERS, json=body, headers=auth, timeout=TIMEOUT)

    answers = race(50, create)

    assert Counter(response.status_code for response in answers) == {200: 50}
    assert len({response.content for response in answers}) == 1  # every one is the first one's user
    page = requests.get(f"{live.url}{DOTS_USERS}?limit=100", headers=auth, timeout=TIMEOUT).json()
    assert [user["id"] for user in page["data"]] == [answers[0].json()["id"]]
    assert page["data"][0]["email"] in {f"user{n}@example.com" for n in range(50)}


def test_a_fault_rule_for_the_next_3_requests_fires_exactly_3_times_across_workers(live):
    rule = {"provider": "dakota", "method": "GET", "path": "/users", "status": 503, "times": 3}
    added = requests.post(live.url + "/__admin/faults", json=rule, timeout=TIMEOUT)
    assert added.status_code == 201, added.text

    answers = race(
        30, lambda _: requests.get(live.url + DAKOTA_USERS, headers=dakota_headers(), timeout=TIMEOUT)
    )

    assert Counter(response.status_code for response in answers) == {200: 27, 503: 3}
    for response in answers:
        if response.status_code == 503:
            assert response.json() == problem(
                "service-unavailable",
                "Service Unavailable",
                503,
                "Service Unavailable",
                request_id=response.headers["x-request-id"],
            )
    assert requests.get(live.url + "/__admin/faults", timeout=TIMEOUT).json() == {"faults": []}
    assert journal_statuses(live, "GET", DAKOTA_USERS) == {200: 27, 503: 3}


def worker_pids(server: LiveServer, expected: int = 2) -> set[int]:
    """The server's worker processes: its children (of any of its threads), once there are `expected`."""
    deadline = time.monotonic() + 10
    while True:
        pid = server.process.pid
        children: set[int] = set()
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as listing:
                    children.update(int(child) for child in listing.read().split())
            except FileNotFoundError:  # a thread that ended meanwhile
                continue
        if len(children) >= expected or time.monotonic() > deadline:
            assert len(children) == expected, children
            return children
        time.sleep(0.05)


def socket_owners(server_port: int, pids: set[int]) -> dict[int, int]:
    """Which of `pids` holds the server's end of each connection to `server_port`: {client port: pid}."""
    inodes: dict[int, int] = {}
    for pid in pids:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[int(target[len("socket:[") : -1])] = pid
    owners = {}
    with open("/proc/net/tcp") as table:
        for line in table.read().splitlines()[1:]:
            fields = line.split()
            local_port, remote_port = (int(address.split(":")[1], 16) for address in fields[1:3])
            if local_port == server_port and int(fields[9]) in inodes:
                owners[remote_port] = inodes[int(fields[9])]
    return owners


def answered_by(server: LiveServer, pids: set[int], connections: int = 16) -> set[int]:
    """Open `connections` at once, have each answered, and name the workers that answered them."""
    clients = [
        socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) for _ in range(connections)
    ]
    try:
        for client in clients:
            client.sendall(b"GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for client in clients:
            assert client.recv(64).startswith(b"HTTP/1.1 200 OK\r\n")
        owners = socket_owners(server.port, pids)
        assert set(owners) >= {client.getsockname()[1] for client in clients}
        return {owners[client.getsockname()[1]] for client in clients}
    finally:
        for client in clients:
            client.close()


@ON_LINUX
def test_both_workers_answer_requests(live):
    pids = worker_pids(live)
    seen: set[int] = set()
    for _ in range(10):  # which process accepts a connection is the kernel's choice: a few rounds at most
        seen |= answered_by(live, pids)
        if seen == pids:
            break
    assert seen == pids


def test_a_restart_on_the_same_redis_keeps_users_journal_and_idempotency_keys(redis_url):
    first = start_workers(redis_url)
    try:
        creates = [
            requests.post(
                first.url + DAKOTA_USERS,
                json=dakota_person(n),
                headers=dakota_headers(idempotency_key=key(n)),
                timeout=TIMEOUT,
            )
            for n in range(3)
        ]
        assert [response.status_code for response in creates] == [201, 201, 201]
        dots = requests.post(first.url + DOTS_USERS, json=dots_person(1), headers=DOTS_AUTH, timeout=TIMEOUT)
        assert dots.status_code == 200, dots.text
        journal = requests.get(first.url + "/__admin/requests", timeout=TIMEOUT).json()
        assert journal["total"] == 4
    finally:
        first.stop()  # SIGTERM
    assert first.process.returncode == 0

    second = start_workers(redis_url)
    try:
        assert requests.get(second.url + "/__admin/requests", timeout=TIMEOUT).json() == journal
        assert sorted(dakota_user_ids(second)) == sorted(response.json()["id"] for response in creates)
        user = requests.get(
            f"{second.url}{DOTS_USERS}/{dots.json()['id']}", headers=DOTS_AUTH, timeout=TIMEOUT
        )
        assert (user.status_code, user.json()) == (200, dots.json())
        replay = requests.post(
            second.url + DAKOTA_USERS,
            json=dakota_person(2),
            headers=dakota_headers(idempotency_key=key(2)),
            timeout=30,
        )
        assert (replay.status_code, replay.headers.get("Idempotent-Replayed")) == (201, "true")
        assert replay.content == creates[2].content
    finally:
        second.stop()


class CreateLoad:
    """Threads creating Dakota users one after another (person n for n from `first`, each under a new key)
    until stopped or `count` are tried; what each 201 answered is kept, a failed connection is counted and
    the next create tried."""

    def __init__(self, url: str, first: int = 0, count: int = 200, threads: int = 4) -> None:
        self.url = url
        self.created: list[dict[str, Any]] = []
        self.failed = 0
        self.other: list[int] = []
        self._numbers = iter(range(first, first + count))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                with self._lock:
                    n = next(self._numbers, None)
                if n is None:
                    return
                headers = dakota_headers(idempotency_key=str(uuid.uuid4()))
                try:
                    response = session.post(
                        self.url + DAKOTA_USERS, json=dakota_person(n), headers=headers, timeout=10
                    )
                except requests.RequestException:
                    with self._lock:
                        self.failed += 1
                    time.sleep(0.02)
                    continue
                with self._lock:
                    if response.status_code == 201:
                        self.created.append(response.json())
                    else:
                        self.other.append(response.status_code)

    def wait_for(self, created: int, limit: float = 20) -> None:
        deadline = time.monotonic() + limit
        while len(self.created) < created:
            assert time.monotonic() < deadline, f"only {len(self.created)} creates in {limit} s"
            time.sleep(0.01)

    def finish(self, stop: bool = False) -> CreateLoad:
        """Wait for the threads: until they have tried every create, or (`stop`) each its current one."""
        if stop:
            self._stop.set()
        for thread in self._threads:
            thread.join()
        return self


def wait_for_exit(process: subprocess.Popen, limit: float) -> int | None:
    try:
        return process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        return None


@ON_LINUX
def test_a_worker_killed_mid_load_loses_no_acknowledged_create(redis_url):
    servers = [start_workers(redis_url)]
    try:
        victim = min(worker_pids(servers[0]))
        load = CreateLoad(servers[0].url, count=80)  # with the 10 below, one page of users lists them all
        load.wait_for(20)
        os.kill(victim, signal.SIGKILL)
        time.sleep(1)  # the load goes on meanwhile, against whatever is left of the server
        load.finish(stop=True)
        assert load.other == []  # nothing but 201 or a lost connection
        # The other worker goes on; the dead one is replaced.
        assert wait_for_exit(servers[0].process, 2) is None, servers[0].output()[-3000:]
        serving = servers[0]
        later = CreateLoad(serving.url, first=1000, count=10, threads=2).finish()
        assert (later.failed, later.other, len(later.created)) == (0, [], 10)

        acknowledged = load.created + later.created
        for user in acknowledged:
            url = f"{serving.url}{DAKOTA_USERS}/{user['id']}"
            response = requests.get(url, headers=dakota_headers(), timeout=TIMEOUT)
            assert (response.status_code, response.json()) == (200, user)
        stored = dakota_user_ids(serving)
        assert len(set(stored)) == len(stored)
        assert set(stored) >= {user["id"] for user in acknowledged}
        # A create whose answer was lost with the worker may have been made too; no other user was.
        assert len(stored) <= len(acknowledged) + load.failed
    finally:
        for server in servers:
            server.stop()


@ON_LINUX
def test_the_server_keeps_serving_when_a_worker_dies(redis_url):
    server = start_workers(redis_url)
    try:
        os.kill(min(worker_pids(server)), signal.SIGKILL)
        assert wait_for_exit(server.process, 3) is None, server.output()
        for _ in range(10):
            assert requests.get(server.url + "/__admin/health", timeout=TIMEOUT).status_code == 200
    finally:
        server.stop()


def test_tokens_and_webhook_keys_are_the_same_for_every_app_on_one_store(redis_url):
    """Workers, replicas and restarts on one Redis sign alike: a token one issued, another accepts."""
    first, second = create_app({"store": redis_url}), create_app({"store": redis_url})
    grant = {"grant_type": "client_credentials", "client_id": "c1", "client_secret": "s", "audience": "a"}
    token = first.test_client().post("/wealthyhood/oauth/token", json=grant).get_json()["access_token"]
    me = second.test_client().get("/wealthyhood/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code != 401, me.get_json()
    keys = [app.test_client().get("/__admin/webhooks").get_json()["public_keys"] for app in (first, second)]
    assert keys[0] == keys[1] and keys[0]["dakota"] != keys[0]["dakota-sandbox"]
    elsewhere = create_app({"store": redis_url, "store_namespace": "another-sandbox"})
    assert elsewhere.test_client().get("/__admin/webhooks").get_json()["public_keys"] != keys[0]
