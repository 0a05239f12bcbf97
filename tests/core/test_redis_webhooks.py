"""The Redis webhook dispatcher behaves as the memory one: tests/core/test_webhooks.py's dispatcher tests,
stated again here and run against both; then what only Redis can show: several processes (here, dispatchers
with a client each on one Redis and one prefix) sharing one queue, one history and one pause, each delivery
attempted by one of them at a time, and a dead process's attempt taken over once its lease ends."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from mock_server.base.clock import ManualClock
from mock_server.core.redis_webhooks import RedisWebhookDispatcher
from mock_server.core.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    QUEUE_FULL,
    TARGET_GONE,
    AttemptResult,
    Channel,
    Delivery,
    WebhookDispatcher,
    WebhookPolicy,
)
from tests.conftest import free_port
from tests.core.test_webhooks import (
    HELD,
    PROVIDER,
    TIMEOUT,
    FakeSend,
    Outcomes,
    counts,
    delivery,
    record,
    refuse_threads,
    signed,
    wait_until,
)

PREFIX = "mock-test"


@pytest.fixture(autouse=True)
def release_held_senders() -> Iterator[None]:
    """A failing test does not leave attempts blocked."""
    yield
    release_held()


def release_held() -> None:
    while HELD:
        HELD.pop().release.set()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def finish(dispatchers: list[WebhookDispatcher]) -> None:
    """Stop the dispatchers, and let their attempts end, so none of them outlives its test."""
    release_held()
    for dispatcher in dispatchers:
        dispatcher.stop()
    deadline = time.monotonic() + 5
    while any(d._in_flight for d in dispatchers) and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.fixture(params=["memory", "redis"])
def make(request, clock: ManualClock) -> Iterator[Callable[..., WebhookDispatcher]]:
    """A dispatcher on the test's clock, connected for PROVIDER: in memory, or in the session's Redis (one
    client, emptied before the test); stopped after the test."""
    client = redis.Redis.from_url(request.getfixturevalue("redis_url")) if request.param == "redis" else None
    made: list[WebhookDispatcher] = []

    def build(
        send: Any,
        *,
        retry_delays: tuple[float, ...] = (30.0, 120.0),
        concurrency: int = 4,
        queue_size: int = 100,
        history_size: int = 100,
        channel: Channel | None = None,
        timeout_seconds: float = TIMEOUT,
    ) -> WebhookDispatcher:
        policy = WebhookPolicy(retry_delays, timeout_seconds, concurrency, queue_size, history_size)
        if client is None:
            dispatcher = WebhookDispatcher(clock, policy, send)
        else:
            dispatcher = RedisWebhookDispatcher(client, PREFIX, clock, policy, send)
        dispatcher.connect(PROVIDER, channel or Channel(signed))
        made.append(dispatcher)
        return dispatcher

    yield build
    finish(made)
    if client is not None:
        client.close()


# --- tests/core/test_webhooks.py's dispatcher tests, in memory and in Redis ---------------------------


def test_the_first_attempt_is_made_at_once_in_the_background(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    before = int(time.time())
    dispatcher.enqueue(delivery(clock, 1))

    wait_until(lambda: dispatcher.counts()["delivered"] == 1 and dispatcher.counts()["in_flight"] == 0)
    ((url, body, headers, timeout),) = send.calls
    assert (url, body, timeout) == ("http://receiver.test/hook/1", b'{"n":1}', TIMEOUT)
    assert headers["X-Delivery"] == "dlv_1"
    assert before <= int(headers["X-Timestamp"]) <= int(time.time())
    done = record(dispatcher, "dlv_1")
    now = clock.now()
    assert (done.status, done.attempts, done.delivered_at, done.last_attempt_at) == (DELIVERED, 1, now, now)
    assert (done.last_response_status, done.last_error) == (200, None)
    assert dispatcher.counts() == counts(delivered=1)


def test_retries_follow_the_schedule_exactly(make, clock):
    send = FakeSend(500, 503, 200)
    dispatcher = make(send, retry_delays=(30.0, 120.0))
    start = clock.now()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now(due_only=True)
    first = record(dispatcher, "dlv_1")
    assert (first.status, first.attempts, first.last_response_status) == (PENDING, 1, 500)
    assert first.next_attempt_at == start + timedelta(seconds=30)

    clock.advance(29.999)
    assert dispatcher.deliver_now(due_only=True) == []
    assert len(send.calls) == 1
    clock.advance(0.001)
    dispatcher.deliver_now(due_only=True)
    second = record(dispatcher, "dlv_1")
    assert (second.status, second.attempts, second.last_response_status) == (PENDING, 2, 503)
    assert second.last_attempt_at == start + timedelta(seconds=30)
    assert second.next_attempt_at == start + timedelta(seconds=150)

    clock.advance(119.999)
    assert dispatcher.deliver_now(due_only=True) == []
    clock.advance(0.001)
    dispatcher.deliver_now(due_only=True)
    third = record(dispatcher, "dlv_1")
    assert (third.status, third.attempts, third.last_response_status) == (DELIVERED, 3, 200)
    assert third.delivered_at == start + timedelta(seconds=150)
    assert send.urls == ["http://receiver.test/hook/1"] * 3
    assert len({call[1] for call in send.calls}) == 1


def test_a_delivery_fails_when_the_schedule_is_spent(make, clock):
    send = FakeSend(500)
    dispatcher = make(send, retry_delays=(1.0, 2.0))
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now(due_only=True)
    clock.advance(1)
    dispatcher.deliver_now(due_only=True)
    clock.advance(2)
    dispatcher.deliver_now(due_only=True)
    last = record(dispatcher, "dlv_1")

    assert (last.status, last.attempts, last.last_response_status, last.last_error) == (FAILED, 3, 500, None)
    assert last.to_json()["next_attempt_at"] is None
    clock.advance(86400)
    assert dispatcher.deliver_now() == []
    assert len(send.calls) == 3 == dispatcher.policy.max_attempts
    assert dispatcher.counts() == counts(failed=1)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, DELIVERED), (204, DELIVERED), (299, DELIVERED), (199, FAILED), (302, FAILED), (500, FAILED)]
    + [(None, FAILED)],
)
def test_only_a_2xx_answer_is_a_success(make, clock, status, outcome):
    dispatcher = make(FakeSend(status), retry_delays=())
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now()
    done = record(dispatcher, "dlv_1")
    assert (done.status, done.attempts, done.last_response_status) == (outcome, 1, status)


def test_a_delivery_made_when_the_queue_is_full_fails_unsent(make, clock):
    send = FakeSend(200)
    dispatcher = make(send, queue_size=2, history_size=10)
    dispatcher.pause()
    for n in (1, 2, 3):
        dispatcher.enqueue(delivery(clock, n))

    third = record(dispatcher, "dlv_3")
    assert (third.status, third.attempts, third.last_error) == (FAILED, 0, QUEUE_FULL)
    assert dispatcher.counts() == counts(pending=2, failed=1, dropped=1)
    assert dispatcher.dropped == 1
    attempted = dispatcher.deliver_now()
    assert [d.id for d in attempted] == ["dlv_1", "dlv_2"]
    assert sorted(send.urls) == ["http://receiver.test/hook/1", "http://receiver.test/hook/2"]
    assert dispatcher.counts() == counts(delivered=2, failed=1, dropped=1)
    dispatcher.enqueue(delivery(clock, 4))
    assert record(dispatcher, "dlv_4").status == PENDING
    dispatcher.clear()
    assert dispatcher.counts() == counts()
    assert dispatcher.dropped == 0


def test_the_refused_delivery_itself_is_marked_failed(make, clock):
    dispatcher = make(FakeSend(200), queue_size=1)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    refused = delivery(clock, 2)
    dispatcher.enqueue(refused)
    assert (refused.status, refused.last_error) == (FAILED, QUEUE_FULL)


def test_history_keeps_the_newest_and_every_pending_delivery(make, clock):
    dispatcher = make(FakeSend(200, 500, 200), retry_delays=(), queue_size=3, history_size=3)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now()
    dispatcher.enqueue(delivery(clock, 2))
    dispatcher.deliver_now()
    dispatcher.enqueue(delivery(clock, 3))
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_3", "dlv_2", "dlv_1"]

    dispatcher.enqueue(delivery(clock, 4))
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_4", "dlv_3", "dlv_2"]
    dispatcher.enqueue(delivery(clock, 5))
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_5", "dlv_4", "dlv_3"]
    dispatcher.enqueue(delivery(clock, 6))
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_5", "dlv_4", "dlv_3"]
    assert dispatcher.counts() == counts(pending=3, dropped=1)


def test_deliveries_are_filtered_by_provider_and_scope(make, clock):
    dispatcher = make(FakeSend(200))
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(dataclasses.replace(delivery(clock, 2), scope="key-b"))
    dispatcher.enqueue(delivery(clock, 3, provider="other"))

    assert [d.id for d in dispatcher.deliveries()] == ["dlv_3", "dlv_2", "dlv_1"]
    assert [d.id for d in dispatcher.deliveries(PROVIDER)] == ["dlv_2", "dlv_1"]
    assert [d.id for d in dispatcher.deliveries(PROVIDER, "key-b")] == ["dlv_2"]
    assert [d.id for d in dispatcher.deliveries(scope="key-a")] == ["dlv_3", "dlv_1"]
    assert dispatcher.deliveries("nobody") == []


def test_no_more_than_concurrency_attempts_are_in_flight(make, clock):
    send = FakeSend(200, hold=True)
    dispatcher = make(send, concurrency=2)
    for n in range(1, 6):
        dispatcher.enqueue(delivery(clock, n))

    wait_until(lambda: len(send.calls) == 2)
    time.sleep(0.3)
    assert (len(send.calls), send.inside) == (2, 2)
    assert dispatcher.counts() == counts(pending=5, in_flight=2)
    send.release.set()
    dispatcher.deliver_now()
    assert dispatcher.counts() == counts(delivered=5)
    assert sorted(send.urls) == [f"http://receiver.test/hook/{n}" for n in range(1, 6)]
    assert send.most_inside == 2


def test_pause_stops_background_attempts_and_resume_restarts_them(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    dispatcher.pause()
    assert dispatcher.paused is True
    dispatcher.enqueue(delivery(clock, 1))
    time.sleep(0.4)
    assert send.calls == []
    assert dispatcher.counts() == counts(pending=1)

    dispatcher.resume()
    assert dispatcher.paused is False
    wait_until(lambda: dispatcher.counts() == counts(delivered=1))
    assert send.urls == ["http://receiver.test/hook/1"]


def test_a_paused_dispatcher_retries_nothing_in_the_background(make, clock):
    send = FakeSend(500, 200)
    dispatcher = make(send, retry_delays=(10.0,))
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now(due_only=True)
    dispatcher.pause()
    clock.advance(10)
    time.sleep(0.4)
    assert len(send.calls) == 1
    dispatcher.resume()
    wait_until(lambda: dispatcher.counts() == counts(delivered=1))
    assert len(send.calls) == 2


def test_deliver_now_works_while_paused(make, clock):
    send = FakeSend(500, 200, 200)
    dispatcher = make(send, retry_delays=(10.0,))
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    (first,) = dispatcher.deliver_now()
    assert (first.status, first.attempts) == (PENDING, 1)
    dispatcher.enqueue(delivery(clock, 2))

    (due,) = dispatcher.deliver_now(due_only=True)
    assert (due.id, due.status) == ("dlv_2", DELIVERED)
    (forced,) = dispatcher.deliver_now()
    assert (forced.id, forced.status, forced.attempts) == ("dlv_1", DELIVERED, 2)
    assert dispatcher.paused is True
    assert len(send.calls) == 3


def test_clear_forgets_pending_deliveries_which_are_never_attempted(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    dispatcher.connect("other", Channel(signed))
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(delivery(clock, 2, provider="other"))

    dispatcher.clear(PROVIDER)
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_2"]
    assert dispatcher.counts() == counts(pending=1)
    dispatcher.clear()
    assert dispatcher.deliveries() == []
    assert dispatcher.counts() == counts()
    assert dispatcher.deliver_now() == []
    dispatcher.resume()
    time.sleep(0.3)
    assert send.calls == []


def test_an_attempt_in_flight_when_cleared_is_not_recorded(make, clock):
    send = FakeSend(200, hold=True)
    outcomes = Outcomes()
    dispatcher = make(send, channel=Channel(signed, outcomes))
    dispatcher.enqueue(delivery(clock, 1))
    wait_until(lambda: send.inside == 1)

    dispatcher.clear()
    assert dispatcher.counts() == counts(in_flight=1)
    send.release.set()
    wait_until(lambda: dispatcher.counts()["in_flight"] == 0)
    assert dispatcher.deliveries() == []
    assert dispatcher.counts() == counts()
    assert outcomes.seen == []


def test_a_channel_that_gives_no_headers_fails_the_delivery_unsent(make, clock):
    send = FakeSend(200)
    outcomes = Outcomes()
    dispatcher = make(send, channel=Channel(lambda _delivery, _timestamp: None, outcomes))
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now()

    done = record(dispatcher, "dlv_1")
    assert (done.status, done.attempts, done.last_error) == (FAILED, 0, TARGET_GONE)
    assert (done.last_attempt_at, done.last_response_status) == (None, None)
    assert send.calls == []
    assert outcomes.seen == []


def test_a_delivery_of_a_provider_never_connected_fails_unsent(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    dispatcher.enqueue(delivery(clock, 1, provider="unknown"))
    dispatcher.deliver_now()
    done = record(dispatcher, "dlv_1")
    assert (done.status, done.attempts, done.last_error) == (FAILED, 0, TARGET_GONE)
    assert send.calls == []


def test_after_attempt_hears_each_outcome_as_a_copy(make, clock):
    outcomes = Outcomes()
    dispatcher = make(FakeSend(500, 200), retry_delays=(10.0,), channel=Channel(signed, outcomes))
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now(due_only=True)
    clock.advance(10)
    dispatcher.deliver_now(due_only=True)

    assert [(d.id, d.status, d.attempts, d.last_response_status) for d in outcomes.seen] == [
        ("dlv_1", PENDING, 1, 500),
        ("dlv_1", DELIVERED, 2, 200),
    ]
    outcomes.seen[0].status = "tampered"
    assert record(dispatcher, "dlv_1").status == DELIVERED


def test_deliver_now_returns_only_once_the_provider_heard_the_outcome(make, clock):
    outcomes = Outcomes(pause=0.3)
    dispatcher = make(FakeSend(200), channel=Channel(signed, outcomes))
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now()
    assert [d.status for d in outcomes.seen] == [DELIVERED]


def test_a_sender_that_raises_fails_the_attempt_and_frees_its_slot(make, clock):
    def broken(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> AttemptResult:
        raise RuntimeError("boom")

    dispatcher = make(broken, retry_delays=(5.0,), concurrency=1)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    (first,) = dispatcher.deliver_now()
    assert (first.status, first.attempts, first.last_error) == (
        PENDING,
        1,
        "could not send: RuntimeError: boom",
    )
    assert dispatcher.counts() == counts(pending=1)
    (second,) = dispatcher.deliver_now()
    assert (second.status, second.attempts) == (FAILED, 2)


def test_deliver_now_never_attempts_again_at_once_what_the_scheduler_attempted_meanwhile(make, clock):
    # Each attempt takes a little while, so that enqueueing (a script call each, in Redis) ends before
    # the scheduler has attempted them all.
    send = FakeSend(500)

    def slow(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> AttemptResult:
        time.sleep(0.002)
        return send(url, body, headers, timeout)

    dispatcher = make(slow, retry_delays=(30.0,), concurrency=2, queue_size=400, history_size=400)
    for n in range(400):
        dispatcher.enqueue(delivery(clock, n))
    attempted = dispatcher.deliver_now(due_only=True)

    assert attempted
    assert {(d.status, d.attempts) for d in attempted} == {(PENDING, 1)}
    assert {(d.status, d.attempts) for d in dispatcher.deliveries()} == {(PENDING, 1)}
    assert len(send.calls) == 400


def test_deliver_now_attempts_again_what_was_attempted_before_it_looked(make, clock):
    # The scheduler's attempt is recorded (due again in 10 s) and its provider is still hearing of it when
    # the clock moves past the retry: deliver_now waits for that attempt to end, then makes the retry.
    send = FakeSend(500, 200)
    dispatcher = make(send, retry_delays=(10.0,), channel=Channel(signed, Outcomes(pause=1.0)))
    dispatcher.enqueue(delivery(clock, 1))
    wait_until(lambda: record(dispatcher, "dlv_1").attempts == 1)
    dispatcher.pause()  # the retry is deliver_now's to make
    assert dispatcher.deliver_now(due_only=True) == []  # not due: in 10 s
    clock.advance(10)
    (retried,) = dispatcher.deliver_now(due_only=True)
    assert (retried.status, retried.attempts) == (DELIVERED, 2)
    assert len(send.calls) == 2


def test_a_full_reset_resumes_a_paused_dispatcher_and_a_providers_reset_does_not(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    dispatcher.connect("other", Channel(signed))
    dispatcher.pause()
    dispatcher.clear("other")
    assert dispatcher.paused is True
    dispatcher.clear()
    assert dispatcher.paused is False
    dispatcher.enqueue(delivery(clock, 1))
    wait_until(lambda: dispatcher.counts() == counts(delivered=1))


def test_clearing_one_scope_of_a_provider_keeps_its_other_scopes_and_the_pause(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    dispatcher.connect("other", Channel(signed))
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(dataclasses.replace(delivery(clock, 2), scope="key-b"))
    dispatcher.enqueue(delivery(clock, 3, provider="other"))
    dispatcher.enqueue(delivery(clock, 4))

    dispatcher.clear(PROVIDER, "key-a")

    assert [d.id for d in dispatcher.deliveries()] == ["dlv_3", "dlv_2"]
    assert dispatcher.counts() == counts(pending=2)
    assert dispatcher.paused is True
    assert {d.id for d in dispatcher.deliver_now()} == {"dlv_2", "dlv_3"}
    assert sorted(call[0] for call in send.calls) == [
        "http://receiver.test/hook/2",
        "http://receiver.test/hook/3",
    ]


def test_the_scheduler_does_not_spin_while_every_slot_is_busy(make, clock, monkeypatch):
    reads = []
    now = clock.now
    monkeypatch.setattr(clock, "now", lambda: reads.append(1) or now())
    send = FakeSend(200, hold=True)
    dispatcher = make(send, concurrency=1)
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(delivery(clock, 2))
    wait_until(lambda: send.inside == 1)

    reads.clear()
    time.sleep(0.5)
    assert len(reads) <= 12
    send.release.set()
    wait_until(lambda: dispatcher.counts() == counts(delivered=2))
    assert send.most_inside == 1


def test_deliver_now_gives_up_waiting_at_its_deadline(make, clock):
    send = FakeSend(200, hold=True)
    dispatcher = make(send, concurrency=1, timeout_seconds=0.2)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(delivery(clock, 2))
    started = time.monotonic()
    attempted = dispatcher.deliver_now()
    elapsed = time.monotonic() - started

    assert [(d.id, d.status, d.attempts) for d in attempted] == [("dlv_1", PENDING, 0), ("dlv_2", PENDING, 0)]
    assert 0.55 <= elapsed < 5
    assert dispatcher.counts() == counts(pending=2, in_flight=1)
    send.release.set()
    wait_until(lambda: dispatcher.counts() == counts(pending=1, delivered=1))


def test_an_attempt_whose_thread_cannot_start_is_not_left_in_flight(make, clock, monkeypatch):
    send = FakeSend(200)
    dispatcher = make(send, timeout_seconds=0.1)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(delivery(clock, 2))
    refuse_threads(monkeypatch, "webhook-attempt")

    attempted = dispatcher.deliver_now()
    assert [(d.status, d.attempts) for d in attempted] == [(PENDING, 0), (PENDING, 0)]
    assert dispatcher.counts() == counts(pending=2)
    monkeypatch.undo()
    assert [d.status for d in dispatcher.deliver_now()] == [DELIVERED, DELIVERED]
    assert len(send.calls) == 2


@pytest.mark.parametrize("retry", ["enqueue", "resume"])
def test_enqueue_survives_a_scheduler_thread_that_cannot_start(make, clock, monkeypatch, retry):
    send = FakeSend(200)
    dispatcher = make(send)
    refuse_threads(monkeypatch, "webhook-scheduler")
    dispatcher.enqueue(delivery(clock, 1))
    assert dispatcher.counts() == counts(pending=1)

    monkeypatch.undo()
    if retry == "enqueue":
        dispatcher.enqueue(delivery(clock, 2))
    else:
        dispatcher.resume()
    expected = 2 if retry == "enqueue" else 1
    wait_until(lambda: dispatcher.counts() == counts(delivered=expected))
    assert len(send.calls) == expected


def test_a_record_keeps_every_field_as_it_was(make, clock):
    dispatcher = make(FakeSend(200))
    dispatcher.pause()
    original = dataclasses.replace(
        delivery(clock, 1), body=b'{"note":"caf\xc3\xa9"}\x00\xff', is_replay=True, url="http://r.test/ü?q=1"
    )
    dispatcher.enqueue(dataclasses.replace(original))
    assert dispatcher.deliveries() == [original]
    assert record(dispatcher, "dlv_1").to_json() == original.to_json()


# --- several processes on one Redis -------------------------------------------------------------------


class Sender:
    """One process's send: counts each attempt per delivery (in `attempts`, shared by every process) and
    notes which process made it."""

    def __init__(self, name: str, attempts: Counter[str], lock: threading.Lock, *statuses: int) -> None:
        self.name = name
        self.attempts = attempts
        self.lock = lock
        self.statuses = statuses or (200,)
        self.made: list[tuple[str, str]] = []  # (delivery id, the process that signed it)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> AttemptResult:
        with self.lock:
            self.attempts[headers["X-Delivery"]] += 1
            self.made.append((headers["X-Delivery"], headers["X-Signed-By"]))
        time.sleep(0.001)
        return AttemptResult(self.statuses[0])


def signed_by(name: str) -> Callable[[Delivery, int], dict[str, str]]:
    return lambda delivery, timestamp: {**signed(delivery, timestamp), "X-Signed-By": name}


@pytest.fixture
def workers(redis_url, clock) -> Iterator[Callable[..., RedisWebhookDispatcher]]:
    """Stand-ins for server processes: each a RedisWebhookDispatcher with a client of its own, on the
    session's Redis and one prefix; `name` is what its channel signs with (X-Signed-By)."""
    made: list[RedisWebhookDispatcher] = []
    clients: list[redis.Redis] = []

    def spawn(
        send: Any,
        name: str = "worker",
        *,
        outcomes: Outcomes | None = None,
        lease_seconds: float | None = None,
        retry_delays: tuple[float, ...] = (30.0,),
        concurrency: int = 4,
        queue_size: int = 1000,
        history_size: int = 1000,
        prefix: str = PREFIX,
    ) -> RedisWebhookDispatcher:
        client = redis.Redis.from_url(redis_url)
        clients.append(client)
        policy = WebhookPolicy(retry_delays, TIMEOUT, concurrency, queue_size, history_size)
        dispatcher = RedisWebhookDispatcher(client, prefix, clock, policy, send, lease_seconds=lease_seconds)
        dispatcher.connect(PROVIDER, Channel(signed_by(name), outcomes or Outcomes()))
        made.append(dispatcher)
        return dispatcher

    yield spawn
    finish(list(made))
    for client in clients:
        client.close()


def test_every_delivery_is_attempted_exactly_once_by_two_processes(workers, clock):
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    a_send, b_send = Sender("a", attempts, lock), Sender("b", attempts, lock)
    a, b = workers(a_send, "a"), workers(b_send, "b")
    a.start()
    b.start()

    def enqueue_half(dispatcher: RedisWebhookDispatcher, parity: int) -> None:
        for n in range(parity, 200, 2):
            dispatcher.enqueue(delivery(clock, n))

    threads = [threading.Thread(target=enqueue_half, args=(d, p)) for d, p in ((a, 0), (b, 1))]
    threads += [threading.Thread(target=d.deliver_now) for d in (a, b)]  # racing the schedulers too
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: a.counts() == counts(delivered=200), timeout=30)

    assert attempts == Counter({f"dlv_{n}": 1 for n in range(200)})
    assert b.counts() == counts(delivered=200)
    # Each attempt was signed by the process that made it, with its own channel.
    assert {signer for _, signer in a_send.made} <= {"a"}
    assert {signer for _, signer in b_send.made} <= {"b"}
    assert {(d.status, d.attempts) for d in b.deliveries()} == {(DELIVERED, 1)}


def test_racing_deliver_now_calls_attempt_each_due_delivery_once_and_wait_for_each_other(workers, clock):
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    a = workers(Sender("a", attempts, lock, 500), "a", concurrency=2)
    b = workers(Sender("b", attempts, lock, 500), "b", concurrency=2)
    a.pause()
    for n in range(60):
        (a if n % 2 else b).enqueue(delivery(clock, n))

    answers: dict[str, list[Delivery]] = {}
    threads = [
        threading.Thread(target=lambda: answers.update(a=a.deliver_now(due_only=True))),
        threading.Thread(target=lambda: answers.update(b=b.deliver_now(due_only=True))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Once each: what one attempted (due again in 30 s) the other does not attempt again.
    assert attempts == Counter({f"dlv_{n}": 1 for n in range(60)})
    # Each answer shows the outcome of every delivery it chose, whichever process attempted it.
    assert {d.id for answer in answers.values() for d in answer} == {f"dlv_{n}" for n in range(60)}
    for answer in answers.values():
        assert {(d.status, d.attempts, d.last_response_status) for d in answer} == {(PENDING, 1, 500)}


def test_the_lease_of_a_dead_process_ends_and_another_process_attempts_the_delivery(workers, clock):
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    a_outcomes = Outcomes()
    a = workers(Sender("a", attempts, lock), "a", outcomes=a_outcomes, lease_seconds=0.5)
    dead = workers(Sender("dead", attempts, lock), "dead", lease_seconds=0.5)
    a.pause()
    a.enqueue(delivery(clock, 1))
    # The dead process claims the delivery (through the claim script) and never attempts it.
    _, _, claimed, _ = dead._claim_now("ids", 1, clock.now(), [("dlv_1", 0)])
    [(held, token)] = claimed
    assert held.id == "dlv_1"
    assert a.counts() == counts(pending=1, in_flight=1)

    a.resume()
    time.sleep(0.25)
    assert attempts == Counter()  # leased: no one else attempts it
    wait_until(lambda: a.counts() == counts(delivered=1))
    assert attempts == Counter({"dlv_1": 1})
    assert record(a, "dlv_1").attempts == 1
    assert [d.id for d in a_outcomes.seen] == ["dlv_1"]

    # The dead process's outcome, come late, is not recorded: its lease was taken back.
    keys = dead._keys.all()
    assert dead._record_script(keys=keys, args=["dlv_1", token, "{}", FAILED, ""]) == 0
    assert dead._release(keys=keys, args=["dlv_1", token]) == 0
    assert record(a, "dlv_1").status == DELIVERED
    assert a.counts() == counts(delivered=1)


def test_deliver_now_attempts_what_a_dead_process_leased_once_its_lease_ends(workers, clock):
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    a = workers(Sender("a", attempts, lock), "a", lease_seconds=0.4)
    dead = workers(Sender("dead", attempts, lock), "dead", lease_seconds=0.4)
    a.pause()
    a.enqueue(delivery(clock, 1))
    dead._claim_now("ids", 1, clock.now(), [("dlv_1", 0)])

    started = time.monotonic()
    (done,) = a.deliver_now()  # waits for the lease, then attempts it itself
    assert 0.35 <= time.monotonic() - started < 4
    assert (done.status, done.attempts) == (DELIVERED, 1)
    assert attempts == Counter({"dlv_1": 1})


def test_deliver_now_waits_for_an_attempt_another_process_holds(workers, clock):
    held = FakeSend(200, hold=True)
    outcomes = Outcomes(pause=0.2)
    a = workers(held, "a", outcomes=outcomes)
    b = workers(FakeSend(200), "b")
    a.enqueue(delivery(clock, 1))  # a's scheduler claims it; b's has not started
    wait_until(lambda: held.inside == 1)
    assert b.counts() == counts(pending=1, in_flight=1)

    threading.Timer(0.3, held.release.set).start()
    started = time.monotonic()
    (done,) = b.deliver_now()
    assert time.monotonic() - started >= 0.45  # the attempt's end, and a's provider hearing of it
    assert (done.status, done.attempts) == (DELIVERED, 1)
    assert [d.status for d in outcomes.seen] == [DELIVERED]
    assert len(held.calls) == 1


def test_a_pause_through_one_process_stops_the_others(workers, clock):
    attempts: Counter[str] = Counter()
    lock = threading.Lock()
    a = workers(Sender("a", attempts, lock), "a")
    b = workers(Sender("b", attempts, lock), "b")
    a.pause()
    assert b.paused is True
    b.enqueue(delivery(clock, 1))  # b's scheduler runs, and finds the queue paused
    time.sleep(0.4)
    assert attempts == Counter()
    assert a.counts() == counts(pending=1)

    (forced,) = b.deliver_now()  # a paused queue still delivers on demand
    assert forced.status == DELIVERED
    b.enqueue(delivery(clock, 2))
    time.sleep(0.3)
    assert attempts == Counter({"dlv_1": 1})
    a.resume()
    assert b.paused is False
    wait_until(lambda: a.counts() == counts(delivered=2))
    assert attempts == Counter({"dlv_1": 1, "dlv_2": 1})


def test_counts_and_deliveries_agree_from_every_process(workers, clock):
    a = workers(FakeSend(200, 500), "a", retry_delays=(10.0,))
    b = workers(FakeSend(200), "b", retry_delays=(10.0,))
    a.pause()
    a.enqueue(delivery(clock, 1))
    b.enqueue(dataclasses.replace(delivery(clock, 2), scope="key-b"))
    b.enqueue(delivery(clock, 3, provider="other"))
    a.deliver_now()  # 1 delivered, 2 retried in 10 s, 3 failed (a has no channel for "other")

    assert a.counts() == b.counts() == counts(pending=1, delivered=1, failed=1)
    assert a.deliveries() == b.deliveries()
    assert [(d.id, d.status, d.attempts) for d in b.deliveries()] == [
        ("dlv_3", FAILED, 0),
        ("dlv_2", PENDING, 1),
        ("dlv_1", DELIVERED, 1),
    ]
    assert a.deliveries(PROVIDER, "key-b") == b.deliveries(PROVIDER, "key-b") == [record(b, "dlv_2")]
    assert a.deliveries("other") == b.deliveries("other") == [record(a, "dlv_3")]


def test_the_queue_bound_counts_every_processs_deliveries(workers, clock):
    a = workers(FakeSend(200), "a", queue_size=3, history_size=10)
    b = workers(FakeSend(200), "b", queue_size=3, history_size=10)
    a.pause()
    a.enqueue(delivery(clock, 1))
    b.enqueue(delivery(clock, 2))
    a.enqueue(delivery(clock, 3))
    b.enqueue(delivery(clock, 4))
    a.enqueue(delivery(clock, 5))

    assert [(d.id, d.last_error) for d in a.deliveries() if d.status == FAILED] == [
        ("dlv_5", QUEUE_FULL),
        ("dlv_4", QUEUE_FULL),
    ]
    assert a.counts() == b.counts() == counts(pending=3, failed=2, dropped=2)
    assert a.dropped == b.dropped == 2
    b.deliver_now()
    a.enqueue(delivery(clock, 6))  # room again, for everyone
    assert record(b, "dlv_6").status == PENDING


def test_history_is_bounded_across_processes(workers, clock):
    a = workers(FakeSend(200), "a", history_size=4)
    b = workers(FakeSend(200), "b", history_size=4)
    a.pause()
    for n in range(6):
        (a if n % 2 else b).enqueue(delivery(clock, n))
        b.deliver_now()
    assert [d.id for d in a.deliveries()] == ["dlv_5", "dlv_4", "dlv_3", "dlv_2"]
    assert a.counts() == counts(delivered=4)


def test_clear_through_one_process_forgets_what_the_others_queued(workers, clock, redis_url):
    send = FakeSend(200)
    a = workers(send, "a")
    b = workers(send, "b")
    other = workers(send, "c", prefix="another-mock")
    a.pause()
    other.pause()
    b.enqueue(delivery(clock, 1))
    b.enqueue(delivery(clock, 2, provider="other"))
    other.enqueue(delivery(clock, 3))

    a.clear(PROVIDER)
    assert [d.id for d in b.deliveries()] == ["dlv_2"]
    a.clear()
    assert b.deliveries() == []
    assert (b.counts(), b.paused) == (counts(), False)
    assert b.deliver_now() == []
    assert send.calls == []
    client = redis.Redis.from_url(redis_url)
    left = {key.decode() for key in client.scan_iter(match=f"{PREFIX}:*")}
    client.close()
    assert left == {f"{PREFIX}:webhooks:seq"}  # nothing in flight: no lease kept either
    # Another prefix on the same Redis is another server: untouched.
    assert [d.id for d in other.deliveries()] == ["dlv_3"]
    assert other.counts() == counts(pending=1)


def test_every_key_starts_with_the_prefix(workers, clock, redis_url):
    a = workers(FakeSend(500), "a")
    a.enqueue(delivery(clock, 1))
    a.enqueue(delivery(clock, 2, provider="a:b c"))
    a.deliver_now()
    client = redis.Redis.from_url(redis_url)
    keys = {key.decode() for key in client.scan_iter()}
    client.close()
    assert keys and all(key.startswith(f"{PREFIX}:webhooks:") for key in keys)
    assert f"{PREFIX}:webhooks:by:a%3Ab%20c" in keys


def test_a_client_that_decodes_responses_works_too(redis_url, clock):
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    policy = WebhookPolicy((10.0,), TIMEOUT, 2, 10, 10)
    dispatcher = RedisWebhookDispatcher(client, PREFIX, clock, policy, FakeSend(500))
    dispatcher.connect(PROVIDER, Channel(signed))
    try:
        dispatcher.pause()
        dispatcher.enqueue(delivery(clock, 1))
        (done,) = dispatcher.deliver_now()
        assert (done.status, done.attempts, done.body) == (PENDING, 1, b'{"n":1}')
        assert dispatcher.deliveries() == [done]
        assert dispatcher.counts() == counts(pending=1)
    finally:
        finish([dispatcher])
        client.close()


def test_redis_errors_reach_the_caller_and_the_scheduler_outlives_them(clock, caplog):
    port = free_port()  # nothing listens there
    client = redis.Redis(port=port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    policy = WebhookPolicy((), TIMEOUT, 2, 10, 10)
    dispatcher = RedisWebhookDispatcher(client, PREFIX, clock, policy, FakeSend(200))
    try:
        with pytest.raises(redis.ConnectionError):
            dispatcher.enqueue(delivery(clock, 1))
        with pytest.raises(redis.ConnectionError):
            dispatcher.counts()
        dispatcher.start()
        time.sleep(0.6)  # a few polls, each failing
        assert dispatcher._scheduler is not None and dispatcher._scheduler.is_alive()
        failures = [r for r in caplog.records if "could not claim" in r.getMessage()]
        assert len(failures) == 1  # once per streak of failures, not once per poll
    finally:
        dispatcher.stop()
        client.close()
