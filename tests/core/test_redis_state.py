"""The Redis state services behave as their memory twins: each memory service's behaviour, stated once and
run against both; then what only Redis can show: processes (here, threads with a client each) racing for
one key, one rule, one window or one list, and prefixes sharing one Redis without seeing each other."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from mock_server.base.clock import ManualClock
from mock_server.base.config import Latency, Quota
from mock_server.base.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from mock_server.core.faults import FaultRule, FaultRules
from mock_server.core.idempotency import IdempotencyStore, StoredResponse, fingerprint
from mock_server.core.journal import Journal, JournalEntry
from mock_server.core.outbox import Outbox, OutboxMessage
from mock_server.core.ratelimit import RateLimiter
from mock_server.core.redis_state import (
    RedisFaultRules,
    RedisIdempotencyStore,
    RedisJournal,
    RedisOutbox,
    RedisRateLimiter,
)
from tests.conftest import free_port

PREFIX = "mock-test"
RESPONSE = StoredResponse(201, (("Content-Type", "application/json"),), b'{"id":"1"}')
RACERS = 50
T = TypeVar("T")


class Services:
    """Builds each service in memory (`client` None) or in Redis under `prefix`, with the memory class's
    own arguments."""

    def __init__(self, clock: ManualClock, client: redis.Redis | None, prefix: str = PREFIX) -> None:
        self.clock = clock
        self.client = client
        self.prefix = prefix

    def keys(self, ttl_seconds: float = 60, max_keys: int = 3, **redis_only: Any) -> Any:
        if self.client is None:
            return IdempotencyStore(self.clock, ttl_seconds, max_keys)
        return RedisIdempotencyStore(
            self.client, self.prefix, self.clock, ttl_seconds, max_keys, **redis_only
        )

    def limiter(self, quotas: dict[str, Quota], **kwargs: Any) -> Any:
        if self.client is None:
            return RateLimiter(self.clock, quotas, **kwargs)
        return RedisRateLimiter(self.client, self.prefix, self.clock, quotas, **kwargs)

    def journal(self, capacity: int = 100) -> Any:
        return Journal(capacity) if self.client is None else RedisJournal(self.client, self.prefix, capacity)

    def outbox(self, capacity: int = 100) -> Any:
        return Outbox(capacity) if self.client is None else RedisOutbox(self.client, self.prefix, capacity)

    def faults(self, seed: int = 1) -> Any:
        rng = random.Random(seed)
        return FaultRules(rng) if self.client is None else RedisFaultRules(self.client, self.prefix, rng)


@pytest.fixture
def redis_client(redis_url) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(params=["memory", "redis"])
def services(request, clock) -> Services:
    client = request.getfixturevalue("redis_client") if request.param == "redis" else None
    return Services(clock, client)


@pytest.fixture
def in_redis(redis_client, clock) -> Services:
    return Services(clock, redis_client)


@pytest.fixture
def processes(redis_url, clock) -> Iterator[list[Services]]:
    """RACERS stand-ins for server processes: each its own client (its own connections) to one Redis."""
    clients = [redis.Redis.from_url(redis_url) for _ in range(RACERS)]
    yield [Services(clock, client) for client in clients]
    for client in clients:
        client.close()


def race(actions: list[Callable[[], T]]) -> list[T | Exception]:
    """Each action in a thread of its own, all released at one instant: what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = actions[index]()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def keys_in_redis(client: redis.Redis) -> set[str]:
    return {name.decode() for name in client.scan_iter(count=1000)}


# --- idempotency keys: tests/core/test_idempotency.py's behaviour, in memory and in Redis ---------------


def test_first_request_runs_and_a_repeat_is_replayed(services):
    keys = services.keys()
    assert keys.begin("dakota", "key-a", "k1", b"fp") is None
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    assert keys.begin("dakota", "key-a", "k1", b"fp") == RESPONSE


def test_a_key_still_in_flight_is_a_conflict(services):
    keys = services.keys()
    keys.begin("dakota", "key-a", "k1", b"fp")
    with pytest.raises(IdempotencyKeyInFlight):
        keys.begin("dakota", "key-a", "k1", b"fp")


@pytest.mark.parametrize("completed", [True, False])
def test_the_same_key_with_another_request_is_refused(services, completed):
    keys = services.keys()
    keys.begin("dakota", "key-a", "k1", b"fp")
    if completed:
        keys.complete("dakota", "key-a", "k1", RESPONSE)
    with pytest.raises(IdempotencyKeyReused):
        keys.begin("dakota", "key-a", "k1", b"other")


def test_keys_are_scoped_per_namespace_and_credential(services):
    keys = services.keys(max_keys=10)
    keys.begin("dakota", "key-a", "k1", b"fp")
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    assert keys.begin("dakota", "key-b", "k1", b"fp") is None
    assert keys.begin("dots", "key-a", "k1", b"fp") is None


def test_a_colon_inside_a_part_does_not_make_two_slots_one(services):
    keys = services.keys(max_keys=10)
    keys.begin("a:b", "c", "k", b"fp")
    assert keys.begin("a", "b:c", "k", b"fp") is None
    assert keys.begin("a", "b", "c:k", b"fp") is None


def test_keys_expire_after_the_window(services, clock):
    keys = services.keys()
    keys.begin("dakota", "key-a", "k1", b"fp")
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    clock.advance(59.999)
    assert keys.begin("dakota", "key-a", "k1", b"fp") == RESPONSE
    clock.advance(0.001)
    assert keys.begin("dakota", "key-a", "k1", b"fp") is None


def test_a_key_in_flight_expires_after_the_window_too(services, clock):
    keys = services.keys()
    keys.begin("dakota", "key-a", "k1", b"fp")
    clock.advance(61)
    assert keys.begin("dakota", "key-a", "k1", b"other") is None


def test_memory_is_bounded_by_max_keys(services):
    keys = services.keys(max_keys=3)
    for n in range(10):
        keys.begin("dakota", "key-a", f"k{n}", b"fp")
        assert 1 <= len(keys) <= 3


def test_the_oldest_keys_go_first(services):
    # Memory drops half its keys at a time (eight are left), Redis one at a time (ten): both keep the
    # newest eight and forget the oldest.
    keys = services.keys(max_keys=10)
    for n in range(23):
        keys.begin("dakota", "key-a", f"k{n}", b"fp")
        keys.complete("dakota", "key-a", f"k{n}", RESPONSE)
    assert 8 <= len(keys) <= 10
    for n in range(15, 23):
        assert keys.begin("dakota", "key-a", f"k{n}", b"fp") == RESPONSE
    for n in range(12):
        assert keys.begin("dakota", "key-a", f"k{n}", b"other") is None  # gone: a new request


def test_an_expired_key_is_forgotten_however_old(services, clock):
    keys = services.keys(max_keys=4)
    for n in range(3):
        keys.begin("dakota", "key-a", f"k{n}", b"fp")
        keys.complete("dakota", "key-a", f"k{n}", RESPONSE)
    clock.advance(61)
    assert keys.begin("dakota", "key-a", "k0", b"other") is None  # a new request, not a reuse
    assert keys.begin("dakota", "key-a", "k2", b"other") is None


def test_a_released_key_may_be_retried(services):
    keys = services.keys()
    keys.begin("dakota", "key-a", "k1", b"fp")
    keys.release("dakota", "key-a", "k1")
    assert keys.begin("dakota", "key-a", "k1", b"fp") is None


def test_releasing_a_completed_key_keeps_it(services):
    keys = services.keys()
    keys.begin("dakota", "key-a", "k1", b"fp")
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    keys.release("dakota", "key-a", "k1")
    assert keys.begin("dakota", "key-a", "k1", b"fp") == RESPONSE


def test_completing_a_key_never_reserved_keeps_nothing(services):
    keys = services.keys()
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    keys.release("dakota", "key-a", "k2")
    assert len(keys) == 0
    assert keys.begin("dakota", "key-a", "k1", b"fp") is None


def test_a_replay_is_the_stored_response_byte_for_byte(services):
    keys = services.keys()
    stored = StoredResponse(
        409, (("Content-Type", "application/problem+json"), ("Location", "/users/zoë")), bytes(range(256))
    )
    request = fingerprint("POST", "/users", b"{}")
    keys.begin("dakota", "key-a", "k1", request)
    keys.complete("dakota", "key-a", "k1", stored)
    assert keys.begin("dakota", "key-a", "k1", request) == stored
    assert keys.begin("dakota", "key-a", "k2", request) is None
    keys.complete("dakota", "key-a", "k2", StoredResponse(204, (), b""))
    assert keys.begin("dakota", "key-a", "k2", request) == StoredResponse(204, (), b"")


def test_len_counts_the_keys_kept(services):
    keys = services.keys()
    assert len(keys) == 0
    keys.begin("dakota", "key-a", "k1", b"fp")
    keys.begin("dakota", "key-a", "k2", b"fp")
    assert len(keys) == 2
    keys.release("dakota", "key-a", "k1")
    assert len(keys) == 1


def test_clear_forgets_one_namespace_or_every_key(services):
    keys = services.keys(max_keys=10)
    for namespace in ("dakota", "dots"):
        keys.begin(namespace, "key-a", "k1", b"fp")
        keys.complete(namespace, "key-a", "k1", RESPONSE)
    keys.clear("dakota")
    assert len(keys) == 1
    assert keys.begin("dots", "key-a", "k1", b"fp") == RESPONSE
    assert keys.begin("dakota", "key-a", "k1", b"other") is None
    keys.clear()
    assert len(keys) == 0
    assert keys.begin("dots", "key-a", "k1", b"other") is None


def test_clear_forgets_one_scope_of_a_namespace_and_no_scope_it_prefixes(services):
    keys = services.keys(max_keys=10)
    for namespace, scope in [
        ("dakota", "key-a"),
        ("dakota", "key-ab"),
        ("dakota", "key:a"),
        ("dots", "key-a"),
    ]:
        keys.begin(namespace, scope, "k1", b"fp")
        keys.complete(namespace, scope, "k1", RESPONSE)
    keys.clear("dakota", "key-a")
    assert len(keys) == 3
    assert keys.begin("dakota", "key-a", "k1", b"other") is None  # forgotten: runs again
    for namespace, scope in [("dakota", "key-ab"), ("dakota", "key:a"), ("dots", "key-a")]:
        assert keys.begin(namespace, scope, "k1", b"fp") == RESPONSE


# --- idempotency keys: what Redis adds --------------------------------------------------------------------


def test_a_key_reserved_by_a_process_that_died_is_freed_after_the_in_flight_expiry(in_redis):
    keys = in_redis.keys(ttl_seconds=3600, in_flight_seconds=0.2)
    keys.begin("dakota", "key-a", "k1", b"fp")  # and its process never completes it
    with pytest.raises(IdempotencyKeyInFlight):
        keys.begin("dakota", "key-a", "k1", b"fp")
    time.sleep(0.35)
    assert keys.begin("dakota", "key-a", "k1", b"fp") is None


def test_redis_expires_a_reserved_key_in_a_minute_and_a_completed_one_after_its_ttl(in_redis, redis_client):
    keys = in_redis.keys(ttl_seconds=3600)
    keys.begin("dakota", "key-a", "k1", b"fp")
    (entry,) = redis_client.scan_iter(match=f"{PREFIX}:idem:e:*")
    assert 59_000 < redis_client.pttl(entry) <= 60_000
    in_redis.clock.advance(600)
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    assert 2_999_000 < redis_client.pttl(entry) <= 3_000_000  # what is left of the TTL, on the app's clock


def test_racing_processes_reserve_a_key_once(processes):
    stores = [process.keys(max_keys=1000) for process in processes]
    outcomes = race([lambda store=store: store.begin("dakota", "key-a", "k1", b"fp") for store in stores])
    assert outcomes.count(None) == 1
    assert sum(isinstance(outcome, IdempotencyKeyInFlight) for outcome in outcomes) == RACERS - 1
    stores[outcomes.index(None)].complete("dakota", "key-a", "k1", RESPONSE)
    replays = race([lambda store=store: store.begin("dakota", "key-a", "k1", b"fp") for store in stores])
    assert replays == [RESPONSE] * RACERS


def test_racing_processes_with_other_requests_under_one_key_reserve_it_once(processes):
    stores = [process.keys(max_keys=1000) for process in processes]
    outcomes = race(
        [
            lambda n=n, store=store: store.begin("dakota", "key-a", "k1", b"fp-%d" % n)
            for n, store in enumerate(stores)
        ]
    )
    assert outcomes.count(None) == 1
    assert sum(isinstance(outcome, IdempotencyKeyReused) for outcome in outcomes) == RACERS - 1


def test_racing_processes_keep_max_keys(processes):
    stores = [process.keys(max_keys=20) for process in processes]
    race(
        [
            lambda n=n, store=store: store.begin("dakota", "key-a", f"k{n}", b"fp")
            for n, store in enumerate(stores)
        ]
    )
    assert len(stores[0]) == 20
    assert len(list(processes[0].client.scan_iter(match=f"{PREFIX}:idem:e:*"))) == 20


# --- rate limits: tests/core/test_ratelimit.py's behaviour, in memory and in Redis ----------------------


def test_requests_within_the_quota_count_down(services):
    limiter = services.limiter({"dakota": Quota(3, 60)})
    assert [limiter.hit("dakota", "key-a").remaining for _ in range(3)] == [2, 1, 0]


def test_a_request_over_the_quota_is_refused_and_not_counted(services, clock):
    limiter = services.limiter({"dakota": Quota(2, 60)})
    limiter.hit("dakota", "key-a")
    clock.advance(15)
    limiter.hit("dakota", "key-a")
    clock.advance(20.5)
    refused = limiter.hit("dakota", "key-a")
    assert (refused.exceeded, refused.remaining, refused.retry_after_seconds) == (True, 0, 25)
    assert refused.reset_at == ManualClock().now().replace(minute=31)  # the window opened at 10:30:00


def test_a_new_window_opens_when_the_old_one_ends(services, clock):
    limiter = services.limiter({"dakota": Quota(1, 60)})
    limiter.hit("dakota", "key-a")
    clock.advance(59.999)
    assert limiter.hit("dakota", "key-a").exceeded
    clock.advance(0.001)
    usage = limiter.hit("dakota", "key-a")
    assert (usage.exceeded, usage.remaining) == (False, 0)
    assert usage.reset_at == ManualClock().now() + timedelta(seconds=120)


def test_each_client_has_its_own_window(services):
    limiter = services.limiter({"dakota": Quota(1, 60)})
    limiter.hit("dakota", "key-a")
    assert not limiter.hit("dakota", "key-b").exceeded
    assert not limiter.hit("dakota", "key:a").exceeded


def test_usage_headers_follow_the_spec(services, clock):
    limiter = services.limiter({"dakota": Quota(1, 60)})
    reset = str(int(clock.now().timestamp()) + 60)
    assert limiter.hit("dakota", "k").headers() == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset,
    }
    assert limiter.hit("dakota", "k").headers()["Retry-After"] == "60"


def test_expired_windows_are_dropped_and_memory_is_bounded(services, clock):
    limiter = services.limiter({"dakota": Quota(5, 60)}, max_clients=10)
    for n in range(25):
        limiter.hit("dakota", f"key-{n}")
    assert len(limiter) == 10
    assert limiter.hit("dakota", "key-24").remaining == 3  # the newest windows are the ones kept
    assert limiter.hit("dakota", "key-0").remaining == 4  # a window dropped is opened again
    clock.advance(61)
    limiter.hit("dakota", "late")
    assert len(limiter) == 1


def test_only_quotas_are_limited_and_a_namespace_without_one_is_a_key_error(services):
    limiter = services.limiter({"dakota": Quota(1, 60)})
    assert limiter.limits("dakota") and not limiter.limits("dots")
    with pytest.raises(KeyError):
        limiter.hit("dots", "k")


def test_clear_forgets_one_providers_windows_or_all(services):
    limiter = services.limiter({"dakota": Quota(1, 60), "dots": Quota(1, 60)})
    limiter.hit("dakota", "k")
    limiter.hit("dots", "k")
    limiter.clear("dakota")
    assert not limiter.hit("dakota", "k").exceeded
    assert limiter.hit("dots", "k").exceeded
    limiter.clear()
    assert len(limiter) == 0
    assert not limiter.hit("dots", "k").exceeded


def test_clear_forgets_one_clients_window_of_a_provider_and_no_other(services):
    limiter = services.limiter({"dakota": Quota(1, 60), "dots": Quota(1, 60)})
    for namespace, client in [("dakota", "k"), ("dakota", "k2"), ("dakota", "k:"), ("dots", "k")]:
        limiter.hit(namespace, client)
    limiter.clear("dakota", "k")
    assert len(limiter) == 3
    assert not limiter.hit("dakota", "k").exceeded
    assert [limiter.hit(namespace, client).exceeded for namespace, client in [
        ("dakota", "k2"), ("dakota", "k:"), ("dots", "k")
    ]] == [True, True, True]  # fmt: skip


def test_racing_processes_get_exactly_the_quota(processes):
    limiters = [process.limiter({"dakota": Quota(10, 60)}) for process in processes]
    usages = race([lambda limiter=limiter: limiter.hit("dakota", "key-a") for limiter in limiters])
    allowed = [usage for usage in usages if not usage.exceeded]
    assert len(allowed) == 10
    assert sorted(usage.remaining for usage in allowed) == list(range(10))
    assert {usage.reset_at for usage in usages} == {ManualClock().now() + timedelta(seconds=60)}


# --- fault rules: FaultRules' behaviour, in memory and in Redis ----------------------------------------


def rule(rule_id: str, **fields: Any) -> FaultRule:
    return FaultRule(id=rule_id, **{"status": 503, **fields})


def test_no_rules_fire_nothing(services):
    faults = services.faults()
    assert (bool(faults), faults.list(), faults.fire("dakota", "GET", "/users")) == (False, [], None)


def test_rules_are_listed_in_the_order_they_were_added_with_every_field(services):
    faults = services.faults()
    full = FaultRule(
        id="b", provider="dots", scope="client:ü", method="post", path="/api/*", times=4, probability=0.5,
        status=None, message="slow ü", latency_ms=Latency(10, 20), drop=False,
    )  # fmt: skip
    faults.add(rule("a", drop=True, status=None))
    faults.add(full)
    faults.add(rule("c"))
    assert bool(faults)
    assert faults.list() == [rule("a", drop=True, status=None), full, rule("c")]
    assert [listed.to_json() for listed in faults.list()][1] == full.to_json()


def test_a_rule_added_again_under_its_id_keeps_its_place(services):
    faults = services.faults()
    faults.add(rule("a"))
    faults.add(rule("b"))
    faults.add(rule("a", status=500))
    assert [(listed.id, listed.status) for listed in faults.list()] == [("a", 500), ("b", 503)]


def test_rules_are_removed_one_at_a_time_or_all(services):
    faults = services.faults()
    faults.add(rule("a"))
    faults.add(rule("b"))
    assert faults.remove("a") is True
    assert faults.remove("a") is False
    assert [listed.id for listed in faults.list()] == ["b"]
    faults.clear()
    assert (bool(faults), faults.list()) == (False, [])


def test_the_first_rule_that_matches_fires(services):
    faults = services.faults()
    faults.add(rule("other-provider", provider="dots"))
    faults.add(rule("other-method", method="delete"))
    faults.add(rule("other-path", path="/accounts/*"))
    faults.add(rule("users", path="/users/*", method="get", status=500))
    faults.add(rule("any"))
    assert faults.fire("dakota", "GET", "/users/1").id == "users"
    assert faults.fire("dakota", "GET", "/users").id == "any"
    assert faults.fire("dots", "GET", "/users").id == "other-provider"


def test_a_rule_for_one_scope_fires_only_for_requests_of_that_scope(services):
    faults = services.faults()
    faults.add(rule("key-a only", provider="dakota", scope="key-a", times=1))
    asked: list[str] = []

    def scope_of(scope: str | None) -> Any:
        return lambda: asked.append("asked") or scope

    assert faults.fire("dakota", "GET", "/users", scope_of("key-b")) is None
    assert faults.fire("dakota", "GET", "/users", scope_of(None)) is None  # a credential refused
    assert faults.fire("dakota", "GET", "/users") is None  # no scope given
    assert faults.fire("dots", "GET", "/users", scope_of("key-a")) is None  # another provider: not asked
    assert asked == ["asked", "asked"]
    assert faults.fire("dakota", "GET", "/users", scope_of("key-a")).id == "key-a only"
    assert faults.list() == []


def test_clearing_rules_of_one_scope_or_one_provider_keeps_the_others(services):
    faults = services.faults()
    added = [
        rule("a", provider="dakota", scope="key-a"),
        rule("b", provider="dakota", scope="key-b"),
        rule("dakota", provider="dakota"),
        rule("dots", provider="dots", scope="key-a"),
        rule("any"),
    ]
    for each in added:
        faults.add(each)
    faults.clear("dakota", "key-a")
    assert [listed.id for listed in faults.list()] == ["b", "dakota", "dots", "any"]
    faults.clear("dakota")
    assert [listed.id for listed in faults.list()] == ["dots", "any"]
    faults.clear()
    assert faults.list() == []


def test_a_rule_for_the_next_n_requests_is_spent_after_n(services):
    faults = services.faults()
    faults.add(rule("twice", times=2))
    hits = [faults.fire("dakota", "POST", "/users") for _ in range(3)]
    assert [hit and hit.hits for hit in hits] == [1, 2, None]
    assert hits[0] == rule("twice", times=2)
    assert (bool(faults), faults.list()) == (False, [])


def test_an_unlimited_rule_counts_its_hits(services):
    faults = services.faults()
    faults.add(rule("always"))
    for _ in range(3):
        faults.fire("dakota", "GET", "/users")
    assert faults.list()[0].hits == 3


def test_a_probability_rule_fires_as_often_and_in_the_same_order_as_in_memory(services):
    def fired(faults: Any) -> list[bool]:
        faults.add(rule("flaky", probability=0.3))
        return [faults.fire("dakota", "GET", "/users") is not None for _ in range(200)]

    outcomes = fired(services.faults(seed=5))
    assert outcomes == fired(FaultRules(random.Random(5)))
    assert 30 <= outcomes.count(True) <= 90


def test_racing_processes_spend_a_rule_of_the_next_3_requests_exactly_3_times(processes):
    processes[0].faults().add(rule("three", times=3))
    processes[0].faults().add(rule("fallback", status=500))
    rule_sets = [process.faults(seed=n) for n, process in enumerate(processes)]
    fired = race([lambda faults=faults: faults.fire("dakota", "GET", "/users") for faults in rule_sets])
    assert sorted(hit.hits for hit in fired if hit.id == "three") == [1, 2, 3]
    # The others lost the race for the spent rule and went on to the next one, as if it had gone before.
    assert sum(hit.id == "fallback" for hit in fired) == RACERS - 3
    assert [(listed.id, listed.hits) for listed in rule_sets[0].list()] == [("fallback", RACERS - 3)]


# --- the journal: Journal's behaviour, in memory and in Redis ----------------------------------------------


def entry(n: int, provider: str | None = "dakota", **fields: Any) -> JournalEntry:
    values = {
        "time": datetime(2024, 10, 3, 10, 30, n % 60, 123456, tzinfo=UTC),
        "provider": provider,
        "method": "POST",
        "path": f"/dakota/users/{n}",
        "raw_query": b"api_key=secret-value&x=%FF",
        "raw_headers": (("Authorization", "Bearer token-of-zoë"), ("X-Api-Key", "key-a")),
        "raw_body": b'{"n": %d}\xff' % n,
        "media_type": "application/json",
        "status": 201,
        "raw_response_body": b"",
        **fields,
    }
    return JournalEntry(**values)


def test_the_journal_keeps_entries_as_recorded_oldest_first(services):
    journal = services.journal()
    recorded = [entry(0), entry(1, provider=None, media_type=None, status=None), entry(2, raw_body=b"")]
    for each in recorded:
        journal.record(each)
    assert journal.entries() == recorded
    assert journal.entries()[0].to_json() == recorded[0].to_json()  # masked as in memory


def test_the_journal_keeps_at_most_its_capacity_dropping_the_oldest(services):
    journal = services.journal(capacity=3)
    for n in range(5):
        journal.record(entry(n))
    assert journal.entries() == [entry(2), entry(3), entry(4)]


def test_a_journal_of_no_capacity_keeps_nothing(services):
    journal = services.journal(capacity=0)
    journal.record(entry(0))
    assert journal.entries() == []


def test_clearing_the_journal_of_one_provider_keeps_the_others_in_order(services):
    journal = services.journal()
    recorded = [entry(0, "dakota"), entry(1, "dots"), entry(2, None), entry(3, "dakota"), entry(4, "dots")]
    for each in recorded:
        journal.record(each)
    journal.clear("dakota")
    assert journal.entries() == [entry(1, "dots"), entry(2, None), entry(4, "dots")]
    journal.clear("taliware")
    assert len(journal.entries()) == 3
    journal.clear()
    assert journal.entries() == []


def test_the_journal_keeps_each_entrys_scope_and_clears_one_scope_of_a_provider(services):
    journal = services.journal()
    recorded = [
        entry(0, "dakota", scope="key-a"),
        entry(1, "dakota", scope="key-b"),
        entry(2, "dakota", scope=None),
        entry(3, "dots", scope="key-a"),
        entry(4, "dakota", scope="key-a"),
    ]
    for each in recorded:
        journal.record(each)
    assert [kept.scope for kept in journal.entries()] == ["key-a", "key-b", None, "key-a", "key-a"]
    assert journal.entries()[0].to_json()["scope"] == "…"  # masked, as a credential header is
    journal.clear("dakota", "key-a")
    assert journal.entries() == [recorded[1], recorded[2], recorded[3]]


def test_racing_processes_never_overfill_the_journal(processes):
    journals = [process.journal(capacity=100) for process in processes]
    sizes: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            sizes.append(len(journals[0].entries()))

    def append(writer: int) -> None:
        for n in range(20):
            journals[writer].record(entry(n, path=f"/writer/{writer}"))

    watcher = threading.Thread(target=watch)
    watcher.start()
    race([lambda writer=writer: append(writer) for writer in range(RACERS)])
    done.set()
    watcher.join()
    kept = journals[0].entries()
    assert len(kept) == 100 and max(sizes) <= 100
    for writer in range(RACERS):  # what is kept of each writer is its newest entries, in order
        own = [
            int(kept_entry.raw_body[6:-2]) for kept_entry in kept if kept_entry.path == f"/writer/{writer}"
        ]
        assert own == list(range(20 - len(own), 20))


# --- the outbox: Outbox's behaviour, in memory and in Redis ----------------------------------------------


def message(n: int, provider: str = "dots", user_id: str = "u1", scope: str = "client-a") -> OutboxMessage:
    return OutboxMessage(
        id=f"m{n}",
        time=datetime(2024, 10, 3, 10, 30, n, tzinfo=UTC),
        provider=provider,
        scope=scope,
        user_id=user_id,
        channel="sms",
        to="+15555550100",
        body=f"Your code is {n:06d} – ü",
        code=f"{n:06d}" if n % 2 else None,
    )


def test_the_outbox_keeps_messages_oldest_first_and_filters_them(services):
    outbox = services.outbox()
    sent = [message(0), message(1, user_id="u2"), message(2, provider="wealthyhood"), message(3)]
    for each in sent:
        outbox.send(each)
    assert outbox.messages() == sent
    assert outbox.messages("dots") == [sent[0], sent[1], sent[3]]
    assert outbox.messages(user_id="u1") == [sent[0], sent[2], sent[3]]
    assert outbox.messages("dots", "u2") == [sent[1]]


def test_the_outbox_keeps_at_most_its_capacity(services):
    outbox = services.outbox(capacity=2)
    for n in range(4):
        outbox.send(message(n))
    assert outbox.messages() == [message(2), message(3)]


def test_clearing_the_outbox_of_one_provider_keeps_the_others(services):
    outbox = services.outbox()
    for n, provider in enumerate(["dots", "wealthyhood", "dots"]):
        outbox.send(message(n, provider=provider))
    outbox.clear("dots")
    assert outbox.messages() == [message(1, provider="wealthyhood")]
    outbox.clear()
    assert outbox.messages() == []


def test_clearing_the_outbox_of_one_scope_of_a_provider_keeps_the_others(services):
    outbox = services.outbox()
    sent = [
        message(0, scope="client-a"),
        message(1, scope="client-b"),
        message(2, provider="dots-sandbox", scope="client-a"),
        message(3, scope="client-a"),
    ]
    for each in sent:
        outbox.send(each)
    outbox.clear("dots", "client-a")
    assert outbox.messages() == [sent[1], sent[2]]


def test_racing_processes_never_overfill_the_outbox(processes):
    outboxes = [process.outbox(capacity=30) for process in processes]
    race(
        [
            lambda n=n, outbox=outbox: outbox.send(message(n % 60, user_id=f"u{n}"))
            for n, outbox in enumerate(outboxes)
        ]
    )
    assert len(outboxes[0].messages()) == 30


# --- sharing one Redis -------------------------------------------------------------------------------------


def use_every_service(services: Services) -> dict[str, Any]:
    built = {
        "keys": services.keys(max_keys=10),
        "limiter": services.limiter({"dakota": Quota(1, 60)}),
        "journal": services.journal(),
        "outbox": services.outbox(),
        "faults": services.faults(),
    }
    built["keys"].begin("dakota", "key-a", "k1", b"fp")
    built["keys"].complete("dakota", "key-a", "k1", RESPONSE)
    built["limiter"].hit("dakota", "key-a")
    built["journal"].record(entry(0))
    built["outbox"].send(message(0))
    built["faults"].add(rule("a"))
    return built


def test_two_prefixes_on_one_redis_never_see_each_other(redis_client, clock):
    alpha = use_every_service(Services(clock, redis_client, "alpha"))
    beta_services = Services(clock, redis_client, "beta")
    assert beta_services.keys(max_keys=10).begin("dakota", "key-a", "k1", b"other") is None
    assert not beta_services.limiter({"dakota": Quota(1, 60)}).hit("dakota", "key-a").exceeded
    assert beta_services.journal().entries() == beta_services.outbox().messages() == []
    assert beta_services.faults().list() == []
    beta_services.keys(max_keys=10).clear()
    beta_services.limiter({"dakota": Quota(1, 60)}).clear()

    beta = use_every_service(beta_services)
    names = keys_in_redis(redis_client)
    assert all(name.startswith(("alpha:", "beta:")) for name in names)
    beta_names = {name for name in names if name.startswith("beta:")}
    for service in alpha.values():
        service.clear()
    assert {name for name in keys_in_redis(redis_client) if name.startswith("beta:")} == beta_names
    assert beta["keys"].begin("dakota", "key-a", "k1", b"fp") == RESPONSE
    assert beta["limiter"].hit("dakota", "key-a").exceeded
    assert (len(beta["journal"].entries()), len(beta["outbox"].messages()), len(beta["faults"].list())) == (
        1,
        1,
        1,
    )
    assert alpha["keys"].begin("dakota", "key-a", "k1", b"other") is None
    assert not alpha["limiter"].hit("dakota", "key-a").exceeded
    assert (alpha["journal"].entries(), alpha["outbox"].messages(), alpha["faults"].list()) == ([], [], [])


def test_every_key_starts_with_the_prefix_and_clear_never_lists_the_keyspace(redis_client, clock):
    redis_client.set("someone-else:key", "kept")
    built = use_every_service(Services(clock, redis_client, "mock:{a}"))
    ours = keys_in_redis(redis_client) - {"someone-else:key"}
    assert ours and all(name.startswith("mock:{a}:") for name in ours)
    redis_client.config_resetstat()
    for service in built.values():
        service.clear()
    built["keys"].clear("dakota")
    built["limiter"].clear("dakota")
    built["journal"].clear("dakota")
    built["outbox"].clear("dots")
    assert not {"cmdstat_keys", "cmdstat_scan"} & set(redis_client.info("commandstats"))
    assert redis_client.get("someone-else:key") == b"kept"


def test_a_client_that_decodes_responses_works_as_well(redis_url, clock):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        built = use_every_service(Services(clock, client))
        assert built["keys"].begin("dakota", "key-a", "k1", b"fp") == RESPONSE
        assert built["journal"].entries() == [entry(0)]
        assert built["outbox"].messages() == [message(0)]
        assert built["faults"].fire("dakota", "GET", "/").hits == 1
        assert built["limiter"].hit("dakota", "key-a").exceeded
    finally:
        client.close()


@pytest.mark.parametrize(
    "use",
    [
        lambda services: services.keys().begin("dakota", "key-a", "k1", b"fp"),
        lambda services: services.keys().complete("dakota", "key-a", "k1", RESPONSE),
        lambda services: services.limiter({"dakota": Quota(1, 60)}).hit("dakota", "key-a"),
        lambda services: services.journal().record(entry(0)),
        lambda services: services.journal().entries(),
        lambda services: services.outbox().send(message(0)),
        lambda services: services.faults().fire("dakota", "GET", "/"),
        lambda services: bool(services.faults()),
        lambda services: services.faults().clear(),
    ],
)
def test_a_redis_that_cannot_be_reached_raises_redis_own_error(clock, use):
    # No retries: redis-py's default (10, with backoff) would take seconds to give up.
    client = redis.Redis(
        host="127.0.0.1", port=free_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    try:
        with pytest.raises(redis.ConnectionError):
            use(Services(clock, client))
    finally:
        client.close()
