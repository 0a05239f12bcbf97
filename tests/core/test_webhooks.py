"""The webhook engine on its own: a fake sender and a manual clock for the dispatcher, real local sockets
for `post()`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mock_server.base.clock import ManualClock
from mock_server.core.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    QUEUE_FULL,
    TARGET_GONE,
    USER_AGENT,
    AttemptResult,
    Channel,
    Delivery,
    WebhookDispatcher,
    WebhookPolicy,
    post,
)
from tests.conftest import free_port

PROVIDER = "acme"
TIMEOUT = 2.5


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


HELD: list[FakeSend] = []


@pytest.fixture(autouse=True)
def release_held_senders() -> Iterator[None]:
    """A failing test does not leave attempts blocked."""
    yield
    while HELD:
        HELD.pop().release.set()


class FakeSend:
    """Records each call and answers with scripted statuses (the last one repeats); `hold` blocks every
    call until released, counting how many are inside at once."""

    def __init__(self, *statuses: int | None, hold: bool = False) -> None:
        self.statuses = list(statuses or (200,))
        self.calls: list[tuple[str, bytes, dict[str, str], float]] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.inside = 0
        self.most_inside = 0
        self._lock = threading.Lock()
        HELD.append(self)

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> AttemptResult:
        with self._lock:
            self.calls.append((url, body, dict(headers), timeout))
            status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.release.wait(10)
        with self._lock:
            self.inside -= 1
        return AttemptResult(status, None if status else "no answer")

    @property
    def urls(self) -> list[str]:
        with self._lock:
            return [call[0] for call in self.calls]


class Outcomes:
    """A Channel's after_attempt: the copies it is handed."""

    def __init__(self, pause: float = 0.0) -> None:
        self.pause = pause
        self.seen: list[Delivery] = []

    def __call__(self, delivery: Delivery) -> None:
        time.sleep(self.pause)
        self.seen.append(delivery)


def signed(delivery: Delivery, timestamp: int) -> dict[str, str]:
    return {"X-Delivery": delivery.id, "X-Timestamp": str(timestamp)}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make(clock: ManualClock) -> Iterator[Callable[..., WebhookDispatcher]]:
    """A dispatcher on the test's clock, connected for PROVIDER; stopped after the test."""
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
        dispatcher = WebhookDispatcher(clock, policy, send)
        dispatcher.connect(PROVIDER, channel or Channel(signed))
        made.append(dispatcher)
        return dispatcher

    yield build
    for dispatcher in made:
        dispatcher.stop()


def delivery(clock: ManualClock, n: int, provider: str = PROVIDER) -> Delivery:
    return Delivery(
        id=f"dlv_{n}",
        provider=provider,
        scope="key-a",
        event_id=f"evt_{n}",
        event_type="user.created",
        target_id="tgt_1",
        url=f"http://receiver.test/hook/{n}",
        body=f'{{"n":{n}}}'.encode(),
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )


def record(dispatcher: WebhookDispatcher, delivery_id: str) -> Delivery:
    (found,) = [d for d in dispatcher.deliveries() if d.id == delivery_id]
    return found


def refuse_threads(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Threads called `name` fail to start, as any thread does when the process can have no more."""
    start = threading.Thread.start

    def start_or_refuse(thread: threading.Thread) -> None:
        if thread.name == name:
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", start_or_refuse)


def counts(pending=0, delivered=0, failed=0, in_flight=0, dropped=0) -> dict[str, int]:
    return {
        "pending": pending,
        "delivered": delivered,
        "failed": failed,
        "in_flight": in_flight,
        "dropped": dropped,
    }


# --- the dispatcher ----------------------------------------------------------------------------------


def test_the_first_attempt_is_made_at_once_in_the_background(make, clock):
    send = FakeSend(200)
    dispatcher = make(send)
    before = int(time.time())
    dispatcher.enqueue(delivery(clock, 1))

    wait_until(lambda: dispatcher.counts()["delivered"] == 1 and dispatcher.counts()["in_flight"] == 0)
    ((url, body, headers, timeout),) = send.calls
    assert (url, body, timeout) == ("http://receiver.test/hook/1", b'{"n":1}', TIMEOUT)
    assert headers["X-Delivery"] == "dlv_1"
    assert before <= int(headers["X-Timestamp"]) <= int(time.time())  # signed with the wall clock
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
    dispatcher.deliver_now(due_only=True)  # the first attempt, done (by the scheduler or by this)
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
    assert len({call[1] for call in send.calls}) == 1  # the same bytes every time


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
    assert dispatcher.deliver_now() == []  # nothing pending any more
    assert len(send.calls) == 3 == dispatcher.policy.max_attempts
    assert dispatcher.counts() == counts(failed=1)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, DELIVERED),
        (201, DELIVERED),
        (202, DELIVERED),
        (204, DELIVERED),
        (299, DELIVERED),
        (199, FAILED),
        (300, FAILED),
        (301, FAILED),
        (302, FAILED),
        (304, FAILED),
        (400, FAILED),
        (401, FAILED),
        (404, FAILED),
        (410, FAILED),
        (500, FAILED),
        (503, FAILED),
        (None, FAILED),
    ],
)
def test_only_a_2xx_answer_is_a_success(make, clock, status, outcome):
    dispatcher = make(FakeSend(status), retry_delays=())
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now()
    done = record(dispatcher, "dlv_1")
    assert (done.status, done.attempts, done.last_response_status) == (outcome, 1, status)
    assert AttemptResult(status).succeeded is (outcome == DELIVERED)


def test_a_delivery_made_when_the_queue_is_full_fails_unsent(make, clock):
    send = FakeSend(200)
    dispatcher = make(send, queue_size=2, history_size=10)
    dispatcher.pause()
    for n in (1, 2, 3):
        dispatcher.enqueue(delivery(clock, n))

    third = record(dispatcher, "dlv_3")
    assert (third.status, third.attempts, third.last_error) == (FAILED, 0, QUEUE_FULL)
    assert dispatcher.counts() == counts(pending=2, failed=1, dropped=1)
    attempted = dispatcher.deliver_now()
    assert [d.id for d in attempted] == ["dlv_1", "dlv_2"]
    assert sorted(send.urls) == ["http://receiver.test/hook/1", "http://receiver.test/hook/2"]
    assert dispatcher.counts() == counts(delivered=2, failed=1, dropped=1)
    dispatcher.enqueue(delivery(clock, 4))  # room again
    assert record(dispatcher, "dlv_4").status == PENDING
    dispatcher.clear()
    assert dispatcher.counts() == counts()  # a reset forgets the dropped count too


def test_history_keeps_the_newest_and_every_pending_delivery(make, clock):
    dispatcher = make(FakeSend(200, 500, 200), retry_delays=(), queue_size=3, history_size=3)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.deliver_now()  # delivered
    dispatcher.enqueue(delivery(clock, 2))
    dispatcher.deliver_now()  # failed
    dispatcher.enqueue(delivery(clock, 3))
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_3", "dlv_2", "dlv_1"]  # newest first

    dispatcher.enqueue(delivery(clock, 4))  # the oldest finished one falls off
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_4", "dlv_3", "dlv_2"]
    dispatcher.enqueue(delivery(clock, 5))
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_5", "dlv_4", "dlv_3"]  # all pending: kept
    dispatcher.enqueue(delivery(clock, 6))  # the queue is full: refused, and the one to fall off
    assert [d.id for d in dispatcher.deliveries()] == ["dlv_5", "dlv_4", "dlv_3"]
    assert dispatcher.counts() == counts(pending=3, dropped=1)


def test_no_more_than_concurrency_attempts_are_in_flight(make, clock):
    send = FakeSend(200, hold=True)
    dispatcher = make(send, concurrency=2)
    for n in range(1, 6):
        dispatcher.enqueue(delivery(clock, n))

    wait_until(lambda: len(send.calls) == 2)
    time.sleep(0.3)  # longer than the scheduler's poll: a third would have started by now
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
    time.sleep(0.4)  # longer than the scheduler's poll
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
    assert (first.status, first.attempts) == (PENDING, 1)  # retried in 10 s
    dispatcher.enqueue(delivery(clock, 2))

    (due,) = dispatcher.deliver_now(due_only=True)  # only the new one is due
    assert (due.id, due.status) == ("dlv_2", DELIVERED)
    (forced,) = dispatcher.deliver_now()  # not due yet, attempted anyway
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
    dispatcher.clear()
    assert dispatcher.deliveries() == []
    assert dispatcher.counts() == counts()
    assert dispatcher.deliver_now() == []
    dispatcher.resume()
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
    outcomes.seen[0].status = "tampered"  # a copy: the record is not changed through it
    assert record(dispatcher, "dlv_1").status == DELIVERED


def test_deliver_now_returns_only_once_the_provider_heard_the_outcome(make, clock):
    # The provider updates its own records (a target's time_last_attempted) in after_attempt: whoever
    # waited for the attempt must see them updated.
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
    (second,) = dispatcher.deliver_now()  # the one slot is free again
    assert (second.status, second.attempts) == (FAILED, 2)


def test_deliver_now_never_attempts_again_at_once_what_the_scheduler_attempted_meanwhile(make, clock):
    # While deliver_now waits for a free slot, the scheduler starts and finishes attempts of the same
    # deliveries: each is then back in the queue, due in 30 s, and must not be attempted again now.
    send = FakeSend(500)
    dispatcher = make(send, retry_delays=(30.0,), concurrency=2, queue_size=400, history_size=400)
    for n in range(400):
        dispatcher.enqueue(delivery(clock, n))
    attempted = dispatcher.deliver_now(due_only=True)  # those the scheduler has not yet attempted

    assert {(d.status, d.attempts) for d in attempted} == {(PENDING, 1)}
    assert {(d.status, d.attempts) for d in dispatcher.deliveries()} == {(PENDING, 1)}
    assert len(send.calls) == 400


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


def test_the_scheduler_does_not_spin_while_every_slot_is_busy(make, clock, monkeypatch):
    # A due delivery waits for the one slot: the scheduler sleeps until an attempt ends (which wakes it)
    # or its poll, rather than looking again every few milliseconds.
    reads = []
    now = clock.now
    monkeypatch.setattr(clock, "now", lambda: reads.append(1) or now())
    send = FakeSend(200, hold=True)
    dispatcher = make(send, concurrency=1)
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(delivery(clock, 2))
    wait_until(lambda: send.inside == 1)

    reads.clear()
    time.sleep(0.5)  # two polls; looking every 10 ms would read the clock about a hundred times
    assert len(reads) <= 12
    send.release.set()
    wait_until(lambda: dispatcher.counts() == counts(delivered=2))
    assert send.most_inside == 1


def test_deliver_now_gives_up_waiting_at_its_deadline(make, clock):
    # An attempt that outlives the timeout (post() ends its own, but a channel or a thread may not):
    # deliver_now waits timeout × (rounds of attempts + 1) at most, then answers with things as they stand.
    send = FakeSend(200, hold=True)
    dispatcher = make(send, concurrency=1, timeout_seconds=0.2)
    dispatcher.pause()
    dispatcher.enqueue(delivery(clock, 1))
    dispatcher.enqueue(delivery(clock, 2))
    started = time.monotonic()
    attempted = dispatcher.deliver_now()
    elapsed = time.monotonic() - started

    assert [(d.id, d.status, d.attempts) for d in attempted] == [("dlv_1", PENDING, 0), ("dlv_2", PENDING, 0)]
    assert 0.55 <= elapsed < 5  # 0.2 s × (2 attempts for 1 slot + 1)
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

    attempted = dispatcher.deliver_now()  # nothing can start: it gives up at its deadline
    assert [(d.status, d.attempts) for d in attempted] == [(PENDING, 0), (PENDING, 0)]
    assert dispatcher.counts() == counts(pending=2)
    monkeypatch.undo()
    assert [d.status for d in dispatcher.deliver_now()] == [DELIVERED, DELIVERED]
    assert len(send.calls) == 2


@pytest.mark.parametrize("retry", ["enqueue", "resume"])
def test_enqueue_survives_a_scheduler_thread_that_cannot_start(make, clock, monkeypatch, retry):
    # enqueue runs in the API request that caused the event: that request must not fail.
    send = FakeSend(200)
    dispatcher = make(send)
    refuse_threads(monkeypatch, "webhook-scheduler")
    dispatcher.enqueue(delivery(clock, 1))
    assert dispatcher.counts() == counts(pending=1)

    monkeypatch.undo()  # the next enqueue, or a resume, starts the scheduler
    if retry == "enqueue":
        dispatcher.enqueue(delivery(clock, 2))
    else:
        dispatcher.resume()
    expected = 2 if retry == "enqueue" else 1
    wait_until(lambda: dispatcher.counts() == counts(delivered=expected))
    assert len(send.calls) == expected


# --- post() over real sockets ------------------------------------------------------------------------


class Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, status: int, location: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.status = status
        self.location = location
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self.url = f"http://127.0.0.1:{self.server_port}"


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.requests.append((self.command, self.path, headers, body))
        self.send_response(self.server.status)
        if self.server.location:
            self.send_header("Location", self.server.location)
        answer = b'{"ok":true}'
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Callable[..., Recorder]]:
    servers: list[Recorder] = []

    def start(status: int, location: str | None = None) -> Recorder:
        server = Recorder(status, location)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_post_sends_the_body_and_headers_and_a_200_succeeds(serve):
    server = serve(200)
    body = b'{"id":"evt_1","note":"caf\xc3\xa9"}'
    sent = {"Content-Type": "application/json", "X-Sig": "s"}
    result = post(server.url + "/hooks/in?team=a", body, sent, 2)

    assert result == AttemptResult(200, None)
    assert result.succeeded
    ((method, path, headers, received),) = server.requests
    assert (method, path, received) == ("POST", "/hooks/in?team=a", body)
    assert headers == {
        "host": f"127.0.0.1:{server.server_port}",
        "accept-encoding": "identity",
        "content-length": str(len(body)),
        "user-agent": USER_AGENT,
        "content-type": "application/json",
        "x-sig": "s",
    }


def test_post_to_a_url_without_a_path_posts_to_the_root(serve):
    server = serve(204)
    assert post(server.url, b"{}", {}, 2) == AttemptResult(204, None)
    assert server.requests[0][1] == "/"


def test_post_answered_500_fails_with_the_status(serve):
    server = serve(500)
    result = post(server.url + "/hook", b"{}", {}, 2)
    assert result == AttemptResult(500, None)
    assert not result.succeeded


def test_post_follows_no_redirect(serve):
    target = serve(200)
    server = serve(307, location=target.url + "/elsewhere")
    assert post(server.url + "/hook", b"{}", {}, 2) == AttemptResult(307, None)
    assert len(server.requests) == 1
    assert target.requests == []


def test_post_to_a_refused_port_fails_with_the_reason():
    result = post(f"http://127.0.0.1:{free_port()}/hook", b"{}", {}, 2)
    assert result == AttemptResult(None, "could not connect: Connection refused")


def test_post_to_a_port_out_of_range_fails_instead_of_raising():
    result = post("http://127.0.0.1:99999/hook", b"{}", {}, 2)
    assert result == AttemptResult(None, "could not connect: Port out of range 0-65535")


def test_post_to_a_server_that_never_answers_times_out():
    with socket.socket() as listener:  # connections complete in the backlog; nothing ever reads them
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        started = time.monotonic()
        result = post(f"http://127.0.0.1:{port}/hook", b"{}", {}, 0.3)
        elapsed = time.monotonic() - started
    assert result == AttemptResult(None, "no answer within 0.3 s")
    assert 0.25 <= elapsed < 3


def test_post_to_a_server_that_is_not_http_fails_with_the_reason():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer_nonsense() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")

        thread = threading.Thread(target=answer_nonsense, daemon=True)
        thread.start()
        result = post(f"http://127.0.0.1:{listener.getsockname()[1]}/hook", b"{}", {}, 2)
        thread.join(5)
    assert result == AttemptResult(None, "not an HTTP answer (BadStatusLine)")


def test_post_percent_encodes_a_path_and_query_that_are_not_ascii(serve):
    server = serve(200)
    assert post(server.url + "/hooks/café?name=zoë", b"{}", {}, 2) == AttemptResult(200, None)
    assert server.requests[0][1] == "/hooks/caf%C3%A9?name=zo%C3%AB"


def test_post_keeps_escapes_and_reserved_characters_as_they_are(serve):
    server = serve(200)
    path = "/a%20b/c:d@e;f=g,h!$&'()*+~?x=1&y=%2F&z=a/b?c"
    assert post(server.url + path, b"{}", {}, 2) == AttemptResult(200, None)
    assert server.requests[0][1] == path


@contextmanager
def dripping(head: bytes, drip: bytes, every: float = 0.1) -> Iterator[str]:
    """A server that reads a request, answers `head` at once, then `drip` one byte every `every` seconds
    (never slow enough for a socket's timeout on one read); its URL."""
    stop = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)

        def answer() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                try:
                    connection.sendall(head)
                    for byte in drip:
                        if stop.wait(every):
                            return
                        connection.sendall(bytes([byte]))
                except OSError:  # the client gave up
                    return

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
        finally:
            stop.set()
            thread.join(5)


@pytest.mark.parametrize(
    ("head", "drip"),
    [
        (b"", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"),  # the status line and headers
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"x" * 100),  # the body
    ],
    ids=["headers", "body"],
)
def test_post_to_a_server_that_drips_its_answer_ends_at_the_timeout(head, drip):
    with dripping(head, drip) as url:
        started = time.monotonic()
        result = post(url, b"{}", {}, 0.5)
        elapsed = time.monotonic() - started
    assert result == AttemptResult(None, "no answer within 0.5 s")
    assert 0.45 <= elapsed < 2.5  # the whole answer would take 4 s or more
