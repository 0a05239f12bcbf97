"""The store's behaviours, on both stores (`store` is a MemoryStore, then a RedisStore on the session's
redis-server), and what only the Redis one has to show: prefixes that never meet, a clear without KEYS,
records of every provider read back equal, a codec that names no callable it was not allowed, and races
between clients (each its own connection pool, as processes would be)."""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from mock_server import create_app
from mock_server.base import redis_codec
from mock_server.base.redis_store import RedisStore
from mock_server.base.store import MemoryStore, Store, UniqueViolation
from tests.conftest import basic, free_port
from tests.dakota import helpers as dakota
from tests.dots import helpers as dots
from tests.taliware import helpers as taliware
from tests.wealthyhood import helpers as wealthyhood


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def connect(redis_url: str) -> Iterator[Callable[[], redis.Redis]]:
    """New clients of the session's Redis, each with its own connections, as another process has."""
    clients: list[redis.Redis] = []

    def new_client() -> redis.Redis:
        clients.append(redis.Redis.from_url(redis_url))
        return clients[-1]

    yield new_client
    for client in clients:
        client.close()


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    return RedisStore(request.getfixturevalue("redis_client"), "sandbox")


def run_together(count: int, attempt: Callable[[int], Any]) -> list[Any]:
    """`attempt(i)` for each i below `count`, from threads released at once: what each returned or raised."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = attempt(index)
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def keys_of(client: redis.Redis) -> set[str]:
    return {key.decode() for key in client.scan_iter(count=1000)}


# --- test_store.py's behaviours, on both stores ---------------------------------------------------


def test_insert_then_get_returns_the_record(store):
    store.insert("p", "a", "1", {"name": "x"})
    assert store.get("p", "a", "1") == {"name": "x"}
    assert store.get("p", "a", "2") is None


def test_scopes_never_see_each_other(store):
    store.insert("p", "a", "1", "record-a", {"email": "x@example.com"})
    store.insert("p", "b", "2", "record-b", {"email": "x@example.com"})  # same email, other scope: fine
    assert store.get("p", "b", "1") is None
    assert store.values("p", "a") == ["record-a"]
    assert store.values("p", "b") == ["record-b"]


def test_insert_with_a_taken_unique_value_raises_and_stores_nothing(store):
    store.insert("p", "a", "1", "first", {"email": "x"})
    with pytest.raises(UniqueViolation) as raised:
        store.insert("p", "a", "2", "second", {"email": "x"})
    assert (raised.value.field, raised.value.record) == ("email", "second")
    assert store.values("p", "a") == ["first"]
    assert store.get("p", "a", "2") is None
    assert store.count("p") == 1


def test_none_unique_values_never_collide(store):
    store.insert("p", "a", "1", "first", {"username": None})
    store.insert("p", "a", "2", "second", {"username": None})
    assert store.count("p") == 2
    assert store.find("p", "a", "username", None) is None


def test_get_or_insert_returns_the_existing_record(store):
    record, created = store.get_or_insert("p", "a", ("phone", "1"), lambda: ("1", "first", {"phone": "1"}))
    again, created_again = store.get_or_insert(
        "p", "a", ("phone", "1"), lambda: ("2", "second", {"phone": "1"})
    )
    assert (record, created, again, created_again) == ("first", True, "first", False)
    assert store.values("p", "a") == ["first"]


def test_replace_keeps_unique_indexes_consistent(store):
    store.insert("p", "a", "1", "v1", {"email": "old"})
    store.replace("p", "a", "1", "v2", {"email": "new"})
    store.insert("p", "a", "2", "other", {"email": "old"})  # the old value is free again
    with pytest.raises(UniqueViolation):
        store.insert("p", "a", "3", "clash", {"email": "new"})
    assert store.find("p", "a", "email", "new") == "v2"
    assert store.find("p", "a", "email", "old") == "other"


def test_replace_of_a_missing_record_raises_key_error(store):
    with pytest.raises(KeyError):
        store.replace("p", "a", "nope", "v")
    assert store.count("p") == 0


def test_delete_frees_unique_values(store):
    store.insert("p", "a", "1", "v", {"email": "x"})
    assert store.delete("p", "a", "1") == "v"
    assert store.delete("p", "a", "1") is None
    store.insert("p", "a", "2", "w", {"email": "x"})
    assert store.values("p", "a") == ["w"]
    assert store.count("p") == 1


def test_clear_one_namespace_keeps_the_others(store):
    store.insert("p", "a", "1", "v")
    store.insert("q", "a", "1", "w")
    store.clear("p")
    assert (store.count("p"), store.count("q")) == (0, 1)
    assert (store.values("p", "a"), store.values("q", "a")) == ([], ["w"])


def test_concurrent_inserts_of_one_unique_value_store_exactly_one(store):
    outcomes = run_together(32, lambda n: store.insert("p", "a", str(n), n, {"email": "same"}))
    stored = [n for n, outcome in enumerate(outcomes) if outcome is None]
    assert len(stored) == 1
    assert all(isinstance(outcomes[n], UniqueViolation) for n in range(32) if n != stored[0])
    assert store.count("p") == 1
    assert store.values("p", "a") == [stored[0]]


# --- more of the interface, on both stores --------------------------------------------------------


def test_values_keep_insertion_order_through_replace_and_come_last_after_delete(store):
    for n in range(5):
        store.insert("p", "a", str(n), f"v{n}")
    store.replace("p", "a", "2", "v2'")
    store.delete("p", "a", "1")
    store.insert("p", "a", "1", "v1 again")
    assert store.values("p", "a") == ["v0", "v2'", "v3", "v4", "v1 again"]


def test_an_insert_over_an_existing_id_overwrites_it_in_place(store):
    store.insert("p", "a", "1", "first")
    store.insert("p", "a", "2", "second")
    store.insert("p", "a", "1", "first again")
    assert store.values("p", "a") == ["first again", "second"]
    assert store.count("p") == 2


def test_get_or_insert_refuses_a_value_taken_in_another_field_and_stores_nothing(store):
    store.insert("p", "a", "1", "first", {"email": "x", "phone": "1"})
    with pytest.raises(UniqueViolation) as raised:
        store.get_or_insert("p", "a", ("phone", "2"), lambda: ("2", "second", {"email": "x", "phone": "2"}))
    assert (raised.value.field, raised.value.record) == ("email", "second")
    assert store.find("p", "a", "phone", "2") is None
    assert store.count("p") == 1


def test_a_refused_replace_leaves_the_record_and_its_indexes(store):
    store.insert("p", "a", "1", "v1", {"email": "one"})
    store.insert("p", "a", "2", "w1", {"email": "two"})
    with pytest.raises(UniqueViolation) as raised:
        store.replace("p", "a", "2", "w2", {"email": "one"})
    assert raised.value.field == "email"
    assert (store.get("p", "a", "2"), store.find("p", "a", "email", "two")) == ("w1", "w1")
    store.replace("p", "a", "1", "v2", {"email": "one"})  # a record may keep its own value
    assert store.find("p", "a", "email", "one") == "v2"


def test_unique_values_are_equal_as_python_compares_them(store):
    store.insert("p", "a", "1", "tuple", {"phone": ("1", "415")})
    store.insert("p", "a", "2", "number", {"n": 1})
    store.insert("p", "a", "3", "text", {"n": "1"})  # a string is not the number
    for field, value in [("phone", ("1", "415")), ("n", 1.0), ("n", True)]:
        with pytest.raises(UniqueViolation):
            store.insert("p", "a", "9", "clash", {field: value})
    assert store.find("p", "a", "phone", ("1", "415")) == "tuple"
    assert store.find("p", "a", "phone", ("1", "416")) is None
    assert store.find("p", "a", "n", "1") == "text"
    assert store.find("p", "a", "n", 1) == "number"
    assert store.find("p", "a", "email", "élan@example.com") is None
    store.insert("p", "a", "4", "accented", {"email": "élan@example.com"})
    assert store.find("p", "a", "email", "élan@example.com") == "accented"


def test_colons_and_percents_in_names_keep_namespaces_and_scopes_apart(store):
    store.insert("p:x", "a", "1", "namespace p:x, scope a")
    store.insert("p", "x:a", "1", "namespace p, scope x:a")
    store.insert("p", "x%3Aa", "1", "namespace p, scope x%3Aa")
    assert store.values("p:x", "a") == ["namespace p:x, scope a"]
    assert store.values("p", "x:a") == ["namespace p, scope x:a"]
    assert store.values("p", "x%3Aa") == ["namespace p, scope x%3Aa"]
    assert list(store.scopes("p")) == ["x:a", "x%3Aa"]
    assert (store.count("p"), store.count("p:x"), store.count()) == (2, 1, 3)


def test_scopes_are_listed_in_the_order_they_first_held_a_record(store):
    for scope in ["client-b", "client-a", "client-c", "client-a"]:
        store.insert("p", scope, scope + str(store.count()), scope)
    store.insert("q", "client-z", "1", "elsewhere")
    assert list(store.scopes("p")) == ["client-b", "client-a", "client-c"]
    assert list(store.scopes("nothing")) == []


def test_clear_of_everything_empties_every_namespace_and_the_store_is_usable_again(store):
    store.insert("p", "a", "1", "v", {"email": "x"})
    store.insert("q", "b", "1", "w", {"email": "x"})
    store.clear()
    assert (store.count(), store.count("p"), store.values("p", "a"), list(store.scopes("q"))) == (
        0,
        0,
        [],
        [],
    )
    assert store.find("p", "a", "email", "x") is None
    store.insert("p", "a", "2", "v again", {"email": "x"})
    assert (store.values("p", "a"), store.count()) == (["v again"], 1)


# --- Redis only -----------------------------------------------------------------------------------


def test_two_prefixes_on_one_redis_never_see_each_other(redis_client):
    one, two = RedisStore(redis_client, "one"), RedisStore(redis_client, "two")
    one.insert("p", "a", "1", "of one", {"email": "x"})
    two.insert("p", "a", "1", "of two", {"email": "x"})  # the same email is free in the other
    assert (one.get("p", "a", "1"), two.get("p", "a", "1")) == ("of one", "of two")
    assert (one.find("p", "a", "email", "x"), two.find("p", "a", "email", "x")) == ("of one", "of two")
    keys = keys_of(redis_client)
    assert keys and all(key.startswith(("one:", "two:")) for key in keys)

    one.clear()
    assert (one.count(), two.count(), one.values("p", "a"), two.values("p", "a")) == (0, 1, [], ["of two"])
    # What is left of `one` is its generation and sequence counters; `two` keeps all of its keys.
    assert {key for key in keys_of(redis_client) if key.startswith("one:")} == {"one:gen", "one:seq"}
    assert {key for key in keys_of(redis_client) if key.startswith("two:")} == {
        key for key in keys if key.startswith("two:")
    }


def test_clear_of_twenty_thousand_records_deletes_their_keys_in_batches_without_keys(
    redis_client, monkeypatch
):
    store = RedisStore(redis_client, "big")
    for n in range(20_000):
        store.insert("p", f"client-{n % 2_000}", str(n), n, {"email": f"user{n}@example.com"})
    store.insert("q", "client-0", "1", "kept")
    assert store.count() == 20_001
    redis_client.config_resetstat()

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("KEYS blocks a shared Redis")

    monkeypatch.setattr(redis_client, "keys", forbidden)
    store.clear("p")

    stats = redis_client.info("commandstats")
    assert "cmdstat_keys" not in stats
    # 2,000 scopes of 4 keys each and the scope list: 17 UNLINKs of at most 500 keys.
    assert stats["cmdstat_unlink"]["calls"] == 17
    assert (store.count("p"), store.count("q"), store.values("p", "client-7")) == (0, 1, [])
    left = keys_of(redis_client)
    assert {key for key in left if key.startswith("big:d:p:")} == set()
    assert redis_client.scard("big:garbage") == 0
    store.insert("p", "client-7", "7", "again", {"email": "user7@example.com"})
    assert store.values("p", "client-7") == ["again"]


def test_a_clear_racing_with_inserts_leaves_counts_indexes_and_keys_consistent(connect):
    writer, clearer = RedisStore(connect(), "race"), RedisStore(connect(), "race")

    def attempt(index: int) -> None:
        if index == 0:
            for n in range(1_500):
                writer.insert("p", f"client-{n % 30}", str(n), n, {"email": f"user{n}@example.com"})
        else:
            for _ in range(15):
                clearer.clear("p")

    assert run_together(2, attempt) == [None, None]
    writer.insert("p", "client-0", "last", 1_500, {"email": "user1500@example.com"})  # after every clear
    records = [record for scope in writer.scopes("p") for record in writer.values("p", scope)]
    assert writer.count("p") == len(records)
    assert 1_500 in records
    for n in records:
        scope = f"client-{n % 30}"
        assert writer.find("p", scope, "email", f"user{n}@example.com") == n
    clearer.clear()
    assert {key for key in keys_of(connect()) if key.startswith("race:")} == {"race:gen", "race:seq"}


def test_records_of_every_provider_read_back_equal(redis_client):
    app = create_app({"seed": 1})
    client = app.test_client()
    auth = basic("client-a")
    made = client.post(dots.PROD, headers=auth, json=dots.person(1)).get_json()
    assert (
        client.put(
            dots.under(dots.PROD, made["id"], "compliance"), headers=auth, json={"w9": dots.W9}
        ).status_code
        == 200
    )
    assert (
        client.put(
            dots.under(dots.PROD, made["id"], "payout-methods"), headers=auth, json=dots.ACH
        ).status_code
        == 200
    )
    assert (
        client.post(
            dakota.USERS, headers=dakota.headers("key-a", dakota.key(1)), json=dakota.person(1)
        ).status_code
        == 201
    )
    assert (
        client.post(taliware.CREATE, headers=taliware.headers(), json=taliware.person(1)).status_code == 200
    )
    bearer = wealthyhood.authorized(client)
    user = wealthyhood.create_user(client, bearer, wealthyhood.person(1))
    account = {"holderName": "Jane Doe", "iban": wealthyhood.GREEK_IBAN}
    linked = client.post(
        wealthyhood.BANK_ACCOUNTS, headers=wealthyhood.as_user(bearer, user["id"]), json=account
    )
    assert linked.status_code == 201
    employment = {"employmentInfo": wealthyhood.EMPLOYMENT}
    as_user = wealthyhood.as_user(bearer, user["id"])
    assert client.patch(wealthyhood.EMPLOYMENT_INFO, headers=as_user, json=employment).status_code == 200

    state = app.extensions["mock_server"]
    memory, copy = state.store, RedisStore(redis_client, "copy")
    read: dict[str, list[Any]] = {}
    for namespace in state.providers:
        for scope in memory.scopes(namespace):
            records = memory.values(namespace, scope)
            for record in records:
                copy.insert(namespace, scope, record.id, record, {"email": record.email})
            assert copy.values(namespace, scope) == records
            assert [copy.get(namespace, scope, record.id) for record in records] == records
            read.setdefault(namespace, []).extend(records)
    assert {name: [type(record).__name__ for record in records] for name, records in read.items()} == {
        "dots": ["DotsUser"],
        "dakota": ["DakotaUser"],
        "taliware": ["TaliwareUser"],
        "wealthyhood": ["WealthyhoodUser"],
    }
    dots_user, wealthyhood_user = read["dots"][0], read["wealthyhood"][0]
    assert dots_user.compliance.w9 is not None and len(dots_user.payout_methods) == 1
    assert len(wealthyhood_user.bank_accounts) == 1 and wealthyhood_user.employment_info is not None


def test_the_codec_refuses_a_pickle_naming_os_system_and_never_calls_it(tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple:
            return (os.system, (f"touch {marker}",))

    with pytest.raises(pickle.UnpicklingError, match="may not name"):
        redis_codec.loads(pickle.dumps(Payload()))
    with pytest.raises(pickle.UnpicklingError):
        redis_codec.loads(pickle.dumps(os.system))
    assert not marker.exists()


def stack_global_call(module: str, name: str) -> bytes:
    """A protocol-4 pickle calling module.name() with no arguments."""

    def text(value: str) -> bytes:
        return b"\x8c" + bytes([len(value)]) + value.encode()

    return b"\x80\x04" + text(module) + text(name) + b"\x93" + b")" + b"R" + b"."


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("mock_server.base.config", "os.getcwd"),  # a dotted name reaching through a module's imports
        ("mock_server.base.config", "os"),  # a module is not a record type
        ("mock_server.base.store", "MemoryStore"),  # a mock_server class that is not a value
        ("builtins", "getattr"),
        ("builtins", "eval"),
        ("posix", "getcwd"),
        ("mock_server.__main__", "main"),  # importing it would start a server
    ],
)
def test_the_codec_refuses_every_callable_outside_its_allowlist(module, name):
    if name == "os.getcwd":  # the payload is live: plain pickle calls it
        assert pickle.loads(stack_global_call(module, name)) == os.getcwd()
    with pytest.raises(pickle.UnpicklingError, match="may not name"):
        redis_codec.loads(stack_global_call(module, name))


def test_a_poisoned_record_in_redis_is_refused_on_read(redis_client):
    store = RedisStore(redis_client, "shared")
    store.insert("p", "a", "1", "fine")
    redis_client.hset("shared:d:p:0:r:a", "1", stack_global_call("posix", "getcwd"))
    with pytest.raises(pickle.UnpicklingError):
        store.get("p", "a", "1")


def test_racing_clients_inserting_one_email_store_exactly_one(connect):
    stores = [RedisStore(connect(), "race") for _ in range(20)]
    outcomes = run_together(20, lambda n: stores[n].insert("p", "a", str(n), f"user-{n}", {"email": "same"}))
    stored = [n for n, outcome in enumerate(outcomes) if outcome is None]
    assert len(stored) == 1
    refused = [outcome for outcome in outcomes if outcome is not None]
    assert len(refused) == 19 and all(isinstance(error, UniqueViolation) for error in refused)
    assert stores[0].values("p", "a") == [f"user-{stored[0]}"]
    assert stores[0].count("p") == 1


def test_racing_clients_getting_or_inserting_one_key_create_one_record(connect):
    stores = [RedisStore(connect(), "race") for _ in range(20)]
    builds: list[int] = []

    def attempt(n: int) -> tuple[Any, bool]:
        def build() -> tuple[str, str, dict[str, str]]:
            builds.append(n)
            return str(n), f"user-{n}", {"phone": "+1415"}

        return stores[n].get_or_insert("p", "a", ("phone", "+1415"), build)

    outcomes = run_together(20, attempt)
    created = [outcome for outcome in outcomes if outcome[1]]
    assert len(created) == 1
    record = created[0][0]
    assert all(outcome == (record, outcome is created[0]) for outcome in outcomes)
    assert stores[0].values("p", "a") == [record]
    assert stores[0].count("p") == 1
    assert 1 <= len(builds) <= 20


def test_replace_racing_with_delete_ends_as_one_order_or_the_other(connect):
    replacer, deleter = RedisStore(connect(), "race"), RedisStore(connect(), "race")
    orders = set()
    for round_ in range(60):
        scope = f"round-{round_}"
        replacer.insert("p", scope, "1", "v1", {"email": "old"})

        def attempt(index: int, scope: str = scope) -> Any:
            if index == 0:
                return replacer.replace("p", scope, "1", "v2", {"email": "new"})
            return deleter.delete("p", scope, "1")

        replaced, deleted = run_together(2, attempt)
        if replaced is None:
            assert deleted == "v2"  # replaced, then deleted
            orders.add("replace first")
        else:
            assert isinstance(replaced, KeyError) and deleted == "v1"  # deleted, then nothing to replace
            orders.add("delete first")
        assert replacer.get("p", scope, "1") is None
        assert (replacer.find("p", scope, "email", "old"), replacer.find("p", scope, "email", "new")) == (
            None,
            None,
        )
        replacer.insert("p", scope, "2", "w", {"email": "new"})  # both values are free
        replacer.insert("p", scope, "3", "x", {"email": "old"})
    assert replacer.count("p") == 120
    assert orders  # which orders happened is up to the scheduler


def test_update_is_an_atomic_read_modify_write_across_clients(connect):
    stores = [RedisStore(connect(), "race") for _ in range(20)]
    stores[0].insert("p", "a", "counter", 0, {"name": "counter"})

    def attempt(n: int) -> None:
        for _ in range(25):
            stores[n].update("p", "a", "counter", lambda value: (value + 1, {"name": "counter"}))

    assert run_together(20, attempt) == [None] * 20
    assert stores[0].get("p", "a", "counter") == 500
    assert stores[0].find("p", "a", "name", "counter") == 500
    with pytest.raises(KeyError):
        stores[0].update("p", "a", "gone", lambda value: (value, {}))


def test_redis_errors_reach_the_caller_unchanged():
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    store = RedisStore(down, "down")
    with pytest.raises(redis.exceptions.ConnectionError):
        store.insert("p", "a", "1", "v")
    with pytest.raises(redis.exceptions.ConnectionError):
        store.get("p", "a", "1")
    down.close()


def test_a_client_that_decodes_answers_is_refused(redis_url):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    with pytest.raises(ValueError, match="decode_responses"):
        RedisStore(client, "p")
    client.close()


# --- update: the atomic read-modify-write both stores offer ------------------------------------------


def test_update_stores_what_the_change_makes_and_reindexes(store: Store):
    store.insert("p", "a", "1", "old", {"email": "old@x"})
    assert store.update("p", "a", "1", lambda record: (record + "-new", {"email": "new@x"})) == "old-new"
    assert store.get("p", "a", "1") == "old-new"
    assert store.find("p", "a", "email", "new@x") == "old-new"
    assert store.find("p", "a", "email", "old@x") is None


def test_update_of_a_missing_record_is_a_key_error(store: Store):
    with pytest.raises(KeyError):
        store.update("p", "a", "missing", lambda record: (record, {}))


def test_update_that_raises_or_collides_leaves_the_record(store: Store):
    store.insert("p", "a", "1", "first", {"email": "a@x"})
    store.insert("p", "a", "2", "second", {"email": "b@x"})

    def fail(record: str) -> tuple[str, dict]:
        raise ValueError("refused")

    with pytest.raises(ValueError):
        store.update("p", "a", "1", fail)
    with pytest.raises(UniqueViolation) as raised:
        store.update("p", "a", "1", lambda record: ("changed", {"email": "b@x"}))
    assert raised.value.field == "email"
    assert (store.get("p", "a", "1"), store.find("p", "a", "email", "a@x")) == ("first", "first")


def test_racing_updates_in_one_process_lose_nothing(store: Store):
    store.insert("p", "a", "n", 0)

    def add_ones() -> None:
        for _ in range(50):
            store.update("p", "a", "n", lambda count: (count + 1, {}))

    threads = [threading.Thread(target=add_ones) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.get("p", "a", "n") == 400
