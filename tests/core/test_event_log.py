"""The event log's behaviour, stated once and run against both logs (memory, and Redis under a prefix);
then what only Redis can show: clients racing to change one record, and prefixes and names sharing one
Redis without seeing each other."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import redis

from mock_server.core.event_log import EventLog, MemoryEventLog
from mock_server.core.provider import BackendContext, memory_event_logs
from mock_server.core.redis_event_log import RedisEventLog

PREFIX = "mock-test"
RACERS = 20
CHANGES_EACH = 10

Logs = Callable[..., EventLog]


@pytest.fixture(params=["memory", "redis"])
def logs(request) -> Iterator[Logs]:
    """Builds logs (per_scope, total, and for Redis a prefix and a name) of the parametrized kind."""
    if request.param == "memory":
        yield lambda per_scope=10, total=100, **_redis_only: MemoryEventLog(per_scope, total)
        return
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))

    def build(per_scope: int = 10, total: int = 100, prefix: str = PREFIX, name: str = "events") -> EventLog:
        return RedisEventLog(client, prefix, name, per_scope, total)

    yield build
    client.close()


def ids(log: EventLog, scope: str) -> list[str]:
    return [record_id for record_id, _ in log.newest_first(scope)]


def counted(payload: bytes) -> bytes:
    return str(int(payload) + 1).encode()


def test_records_come_newest_first_each_scope_its_own(logs):
    log = logs()
    for number in range(3):
        log.append("a", f"a{number}", f"payload {number}".encode())
    log.append("b", "b0", b"\x00\xff binary")

    assert log.newest_first("a") == [("a2", b"payload 2"), ("a1", b"payload 1"), ("a0", b"payload 0")]
    assert log.newest_first("b") == [("b0", b"\x00\xff binary")]
    assert log.newest_first("nobody") == []
    assert log.get("a", "a1") == b"payload 1"
    assert log.get("b", "a1") is None
    assert log.get("nobody", "a1") is None


def test_scopes_and_ids_with_colons_and_percents_stay_apart(logs):
    log = logs()
    log.append("x:y", "1:2", b"first")
    log.append("x", "y:1:2", b"second")
    log.append("x%3Ay", "1:2", b"third")

    assert log.newest_first("x:y") == [("1:2", b"first")]
    assert log.newest_first("x") == [("y:1:2", b"second")]
    assert log.newest_first("x%3Ay") == [("1:2", b"third")]


def test_an_id_appended_again_is_replaced_and_becomes_the_newest(logs):
    log = logs()
    log.append("a", "1", b"old")
    log.append("a", "2", b"two")
    log.append("a", "1", b"new")

    assert log.newest_first("a") == [("1", b"new"), ("2", b"two")]


def test_each_scope_keeps_its_newest_records(logs):
    log = logs(per_scope=3, total=100)
    for number in range(5):
        log.append("a", f"a{number}", b"x")
    log.append("b", "b0", b"x")

    assert ids(log, "a") == ["a4", "a3", "a2"]
    assert ids(log, "b") == ["b0"]
    assert log.get("a", "a1") is None
    assert log.get("a", "a2") == b"x"


def test_the_log_keeps_its_newest_records_in_all(logs):
    log = logs(per_scope=10, total=4)
    log.append("a", "a0", b"x")
    log.append("b", "b0", b"x")
    log.append("a", "a1", b"x")
    log.append("b", "b1", b"x")
    log.append("c", "c0", b"x")
    log.append("c", "c1", b"x")

    assert (ids(log, "a"), ids(log, "b"), ids(log, "c")) == (["a1"], ["b1"], ["c1", "c0"])
    assert log.get("a", "a0") is None
    assert log.get("b", "b0") is None


def test_records_dropped_by_a_scope_cap_do_not_count_against_the_total(logs):
    log = logs(per_scope=2, total=4)
    for number in range(5):
        log.append("a", f"a{number}", b"x")
    log.append("b", "b0", b"x")
    log.append("b", "b1", b"x")

    assert (ids(log, "a"), ids(log, "b")) == (["a4", "a3"], ["b1", "b0"])


def test_caps_of_zero_keep_nothing(logs):
    for log in (logs(per_scope=0, total=10), logs(per_scope=10, total=0, prefix="other")):
        log.append("a", "1", b"x")
        assert log.newest_first("a") == []
        assert log.get("a", "1") is None


def test_change_answers_and_keeps_the_new_payload_in_its_place(logs):
    log = logs()
    log.append("a", "1", b"0")
    log.append("a", "2", b"0")

    assert log.change("a", "1", counted) == b"1"
    assert log.newest_first("a") == [("2", b"0"), ("1", b"1")]


def test_change_of_a_record_not_kept_is_a_key_error(logs):
    log = logs(per_scope=1)
    log.append("a", "1", b"0")
    log.append("a", "2", b"0")  # drops 1

    for scope, record_id in (("a", "1"), ("a", "3"), ("b", "2")):
        with pytest.raises(KeyError):
            log.change(scope, record_id, counted)
    assert log.newest_first("a") == [("2", b"0")]
    assert log.newest_first("b") == []


def test_a_change_that_raises_changes_nothing(logs):
    log = logs()
    log.append("a", "1", b"0")

    def refuse(payload: bytes) -> bytes:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        log.change("a", "1", refuse)
    assert log.newest_first("a") == [("1", b"0")]


def test_clear_forgets_every_scope_and_the_log_goes_on(logs):
    log = logs(per_scope=2, total=3)
    for scope in ("a", "b", "c:d"):
        for number in range(3):
            log.append(scope, f"{scope}{number}", b"x")

    log.clear()

    assert [ids(log, scope) for scope in ("a", "b", "c:d")] == [[], [], []]
    assert log.get("c:d", "c:d2") is None
    log.append("a", "new", b"y")
    assert log.newest_first("a") == [("new", b"y")]


def test_clearing_one_scope_keeps_the_others_and_frees_its_share_of_the_total(logs):
    log = logs(per_scope=3, total=5)
    for scope, count in (("a:1", 3), ("b", 2)):
        for number in range(count):
            log.append(scope, f"{scope}-{number}", b"x")

    log.clear_scope("a:1")

    assert (ids(log, "a:1"), ids(log, "b"), log.get("a:1", "a:1-0")) == ([], ["b-1", "b-0"], None)
    for record_id in ("b-2", "c-0", "c-1"):  # five in all again: none dropped for the cleared scope's
        log.append(record_id[0], record_id, b"y")
    assert (ids(log, "b"), ids(log, "c")) == (["b-2", "b-1", "b-0"], ["c-1", "c-0"])
    log.append("c", "c-2", b"y")  # the sixth: the oldest of all goes
    assert ids(log, "b") == ["b-2", "b-1"]


def test_the_context_gives_each_provider_its_own_log():
    names: list[tuple[str, int, int]] = []

    def event_logs(name: str, per_scope: int, total: int) -> EventLog:
        names.append((name, per_scope, total))
        return memory_event_logs(name, per_scope, total)

    provider = type("P", (), {"name": "dakota-sandbox"})()
    context = BackendContext(provider, None, None, None, None, None, None, event_logs)  # type: ignore[arg-type]

    assert isinstance(context.event_log("events", 5, 7), MemoryEventLog)
    assert names == [("dakota-sandbox:events", 5, 7)]


# --- Redis only -----------------------------------------------------------------------------------------


def test_racing_clients_each_change_exactly_once(redis_url):
    setup = redis.Redis.from_url(redis_url)
    RedisEventLog(setup, PREFIX, "events", 10, 100).append("a", "counter", b"0")
    clients = [redis.Redis.from_url(redis_url) for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    failures: list[BaseException] = []

    def race(client: redis.Redis) -> None:
        try:
            log = RedisEventLog(client, PREFIX, "events", 10, 100)
            start.wait()
            for _ in range(CHANGES_EACH):
                log.change("a", "counter", counted)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)

    threads = [threading.Thread(target=race, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert (
        RedisEventLog(setup, PREFIX, "events", 10, 100).get("a", "counter")
        == str(RACERS * CHANGES_EACH).encode()
    )
    for client in (setup, *clients):
        client.close()


def test_racing_appends_keep_both_caps(redis_url):
    clients = [redis.Redis.from_url(redis_url) for _ in range(RACERS)]
    start = threading.Barrier(RACERS)

    def race(number: int, client: redis.Redis) -> None:
        log = RedisEventLog(client, PREFIX, "events", 5, 12)
        start.wait()
        for index in range(10):
            log.append(f"scope{number % 4}", f"{number}-{index}", b"x")

    threads = [threading.Thread(target=race, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    log = RedisEventLog(clients[0], PREFIX, "events", 5, 12)
    kept = [ids(log, f"scope{number}") for number in range(4)]
    assert all(len(scope) <= 5 for scope in kept)
    assert sum(len(scope) for scope in kept) == 12
    members = clients[0].zrange(f"{PREFIX}:log:events:all", 0, -1)
    assert sorted(member.decode() for member in members) == sorted(
        f"scope{number}:{record_id}" for number, scope in enumerate(kept) for record_id in scope
    )
    for client in clients:
        client.close()


def test_prefixes_and_names_are_isolated_and_clear_touches_only_its_own(redis_url):
    client = redis.Redis.from_url(redis_url)
    mine = RedisEventLog(client, "one", "events", 10, 100)
    other_prefix = RedisEventLog(client, "two", "events", 10, 100)
    other_name = RedisEventLog(client, "one", "events:sandbox", 10, 100)
    mine.append("a", "1", b"mine")
    other_prefix.append("a", "1", b"other prefix")
    other_name.append("a", "1", b"other name")

    assert mine.get("a", "1") == b"mine"
    assert other_prefix.newest_first("a") == [("1", b"other prefix")]
    assert other_name.newest_first("a") == [("1", b"other name")]
    assert all(key.startswith((b"one:", b"two:")) for key in client.keys("*"))

    mine.clear()

    assert mine.newest_first("a") == []
    assert other_prefix.get("a", "1") == b"other prefix"
    assert other_name.get("a", "1") == b"other name"
    assert not [key for key in client.keys("*") if key.startswith(b"one:log:events:")]
    client.close()


def test_a_client_that_decodes_responses_is_refused(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    with pytest.raises(ValueError, match="decode_responses"):
        RedisEventLog(client, PREFIX, "events", 10, 100)
    client.close()
