"""Outbound webhooks: the deliveries that a provider's events cause, attempted in the background.

A provider makes a `Delivery` (an event's body for one target URL) and hands it to the app's
`WebhookDispatcher`; the request that caused the event goes on at once. A scheduler thread, alive only
while something is pending, starts each due attempt in a thread of its own, at most `concurrency` at a
time. An attempt succeeds on any 2xx within the timeout; otherwise it is retried after the next delay of
the schedule, and the delivery fails when the schedule is spent. Due times are on the app's clock, so a
test can move a manual clock, or ask for every pending delivery now (`deliver_now`).

Memory is bounded: at most `queue_size` deliveries wait at once (a delivery made when the queue is full is
recorded as failed, never attempted: the API call that caused it still succeeds), and at most
`history_size` records are kept, the oldest finished ones falling off first.

The provider signs each attempt (`Channel.headers`, with the wall-clock time of sending, which is what a
receiver checks freshness against) and hears of each outcome (`Channel.after_attempt`)."""

from __future__ import annotations

import dataclasses
import http.client
import math
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from mock_server.base.clock import Clock
from mock_server.base.store import in_part

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)
# The longest the scheduler sleeps: how soon it notices a manual clock moved, or a resume.
POLL_SECONDS = 0.25
# What is read of a receiver's answer; the rest is not waited for.
MAX_RESPONSE_BYTES = 64 * 1024
# Kept as they are when a target's path and query are percent-encoded: escapes, and RFC 3986's reserved
# characters (what is not ASCII, or is a space or a control character, is encoded).
URL_SAFE = "%/?:@!$&'()*+,;=[]"
QUEUE_FULL = "not attempted: the delivery queue was full"
TARGET_GONE = "not attempted: the target was deleted"
USER_AGENT = "mock-server-webhooks/1"


@dataclass(frozen=True)
class WebhookPolicy:
    """When and how hard deliveries are tried (Config's webhook_* settings)."""

    retry_delays: tuple[float, ...]  # seconds before each retry; one attempt more than there are delays
    timeout_seconds: float  # for a whole attempt: connecting, sending and reading the answer
    concurrency: int  # attempts in flight at once
    queue_size: int  # deliveries pending at once
    history_size: int  # delivery records kept

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1


@dataclass
class Delivery:
    """One event sent (or to be sent) to one target. Mutable only by the dispatcher, under its lock;
    everyone else sees copies."""

    id: str
    provider: str
    scope: str  # the credential whose target this is
    event_id: str
    event_type: str
    target_id: str
    url: str
    body: bytes  # the exact bytes sent (and signed) on every attempt
    created_at: datetime
    next_attempt_at: datetime
    is_replay: bool = False
    status: str = PENDING
    attempts: int = 0
    delivered_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_response_status: int | None = None  # the receiver's HTTP status, if it answered
    last_error: str | None = None  # why the last attempt failed without an answer

    def to_json(self) -> dict[str, Any]:
        """As the admin API lists it (the provider's own routes show their own shape)."""
        return {
            "id": self.id,
            "provider": self.provider,
            "scope": self.scope,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "target_id": self.target_id,
            "url": self.url,
            "is_replay": self.is_replay,
            "status": self.status,
            "attempts": self.attempts,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat() if self.status == PENDING else None,
            "last_attempt_at": _iso(self.last_attempt_at),
            "delivered_at": _iso(self.delivered_at),
            "last_response_status": self.last_response_status,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class AttemptResult:
    status: int | None  # the receiver's HTTP status; None when it gave none
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class Channel:
    """A provider's side of its deliveries."""

    # The headers of one attempt, signed at `timestamp` (Unix seconds); None: do not send, fail it.
    headers: Callable[[Delivery, int], Mapping[str, str] | None]
    # Told of each attempt's outcome (a copy of the delivery), outside the dispatcher's lock.
    after_attempt: Callable[[Delivery], None] = lambda _delivery: None


Send = Callable[[str, bytes, Mapping[str, str], float], AttemptResult]


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> AttemptResult:
    """POST `body` to `url`, following no redirect (a 3xx is not a success). The whole attempt (connecting,
    sending, reading the answer) ends within `timeout` seconds: the socket's own timeout bounds each read
    alone, which a receiver dripping its answer a byte at a time never reaches."""
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    # http.client sends the path as ASCII: one that is not (a target's URL may be) is percent-encoded.
    path = quote(parts.path or "/", safe=URL_SAFE) + (
        f"?{quote(parts.query, safe=URL_SAFE)}" if parts.query else ""
    )
    connection = None
    deadline = _Deadline(timeout)
    try:
        # In the try: a port out of range (which a target's URL may name) raises ValueError here.
        connection = kind(parts.hostname or "", parts.port, timeout=timeout)
        connection.connect()
        deadline.watch(connection.sock)
        connection.request("POST", path, body=body, headers={"User-Agent": USER_AGENT, **headers})
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        result = AttemptResult(response.status)
    except TimeoutError:
        result = AttemptResult(None, f"no answer within {timeout:g} s")
    except http.client.HTTPException as error:
        result = AttemptResult(None, f"not an HTTP answer ({type(error).__name__})")
    except (OSError, ValueError) as error:  # refused, unreachable, unknown host, bad TLS, bad port
        result = AttemptResult(None, f"could not connect: {getattr(error, 'strerror', None) or error}")
    finally:
        # Before closing: the timer must never shut down a closed socket's number, which may be another's.
        expired = deadline.finish()
        if connection is not None:
            connection.close()
    # Cut short at the deadline, the attempt failed in whichever way its socket's shutdown showed.
    return AttemptResult(None, f"no answer within {timeout:g} s") if expired else result


class _Deadline:
    """The end of one attempt: a timer that shuts the attempt's socket down, which ends at once whatever
    is blocked on it (a read, a send)."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._state = "running"  # then "expired" or "finished", whichever comes first
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket | None) -> None:
        """Shut `sock` down at the deadline; at once if it has passed (while connecting)."""
        with self._lock:
            self._socket = sock
            if self._state == "expired":
                _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._state == "running":
                self._state = "expired"
                _shut_down(self._socket)

    def finish(self) -> bool:
        """Stop the timer (before the socket is closed); True if the deadline came first."""
        self._timer.cancel()
        with self._lock:
            if self._state == "running":
                self._state = "finished"
            self._socket = None
            return self._state == "expired"


def _shut_down(sock: socket.socket | None) -> None:
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:  # already closed, or never connected
            pass


def record_attempt(
    delivery: Delivery, result: AttemptResult, *, sent: bool, now: datetime, policy: WebhookPolicy
) -> None:
    """The delivery after an attempt (`sent`: False when it was failed without sending): delivered on a
    2xx, failed when the schedule is spent, else due again after the schedule's next delay."""
    if sent:
        delivery.attempts += 1
        delivery.last_attempt_at = now
    delivery.last_response_status, delivery.last_error = result.status, result.error
    if result.succeeded:
        delivery.status, delivery.delivered_at = DELIVERED, now
    elif not sent or delivery.attempts >= policy.max_attempts:
        delivery.status = FAILED
    else:
        delivery.next_attempt_at = now + timedelta(seconds=policy.retry_delays[delivery.attempts - 1])


class WebhookDispatcher:
    """Every delivery of an app, and the threads that make them."""

    def __init__(self, clock: Clock, policy: WebhookPolicy, send: Send = post) -> None:
        self.policy = policy
        self._clock = clock
        self._send = send
        self._records: OrderedDict[str, Delivery] = OrderedDict()  # oldest first
        self._pending: dict[str, Delivery] = {}
        self._in_flight: set[str] = set()
        self._channels: dict[str, Channel] = {}
        self._changed = threading.Condition()
        self._scheduler: threading.Thread | None = None
        self._paused = False
        self._stopped = False
        self.dropped = 0  # deliveries refused because the queue was full

    def connect(self, provider: str, channel: Channel) -> None:
        self._channels[provider] = channel

    # --- making deliveries ---------------------------------------------------------------------------

    def enqueue(self, delivery: Delivery) -> None:
        """Queue a delivery for its first attempt (now, or when resumed); never blocks on sending."""
        with self._changed:
            if len(self._pending) >= self.policy.queue_size:
                delivery.status, delivery.last_error = FAILED, QUEUE_FULL
                self.dropped += 1
            else:
                self._pending[delivery.id] = delivery
            self._remember(delivery)
            self._wake()

    def _remember(self, delivery: Delivery) -> None:
        self._records[delivery.id] = delivery
        if len(self._records) <= self.policy.history_size:
            return
        for record_id, record in self._records.items():  # the oldest finished one; pending ones stay
            if record.status != PENDING:
                del self._records[record_id]
                return

    def _wake(self) -> None:
        self._changed.notify_all()
        if self._scheduler is None and self._pending and not self._stopped:
            scheduler = threading.Thread(target=self._schedule, name="webhook-scheduler", daemon=True)
            try:
                scheduler.start()
            except RuntimeError:  # no thread to be had: what is pending waits for the next enqueue or resume
                return
            self._scheduler = scheduler  # under the lock, which the scheduler takes first

    # --- attempting them -----------------------------------------------------------------------------

    def _schedule(self) -> None:
        """Start due attempts until nothing is pending; then end (a new delivery starts another)."""
        with self._changed:
            while self._pending and not self._stopped:
                if not self._paused:
                    now = self._clock.now()
                    self._start(d for d in self._waiting() if d.next_attempt_at <= now)
                self._changed.wait(self._sleep_seconds())
            self._scheduler = None

    def _waiting(self) -> list[Delivery]:
        """Pending deliveries not being attempted, soonest due first."""
        waiting = [d for d in self._pending.values() if d.id not in self._in_flight]
        return sorted(waiting, key=lambda delivery: delivery.next_attempt_at)

    def _sleep_seconds(self) -> float:
        waiting = self._waiting()
        # With every slot busy, the end of an attempt wakes the scheduler (it notifies the condition).
        if self._paused or not waiting or len(self._in_flight) >= self.policy.concurrency:
            return POLL_SECONDS
        until_due = (waiting[0].next_attempt_at - self._clock.now()).total_seconds()
        return min(max(until_due, 0.01), POLL_SECONDS)

    def _start(self, deliveries: Iterable[Delivery]) -> list[str]:
        started = []
        for delivery in deliveries:
            if len(self._in_flight) >= self.policy.concurrency:
                break
            self._in_flight.add(delivery.id)
            try:
                threading.Thread(
                    target=self._attempt, args=(delivery,), name="webhook-attempt", daemon=True
                ).start()
            except RuntimeError:  # no thread to be had: it stays pending, for a later round
                self._in_flight.discard(delivery.id)
                break
            started.append(delivery.id)
        return started

    def _attempt(self, delivery: Delivery) -> None:
        """One attempt, in a thread of its own. It stays in flight until the provider has heard of its
        outcome, so that whoever waits for it (`deliver_now`) sees the provider's side updated too; and
        it leaves the flight whatever happens, so that a failure here never leaves it stuck there."""
        channel = self._channels.get(delivery.provider)
        headers: Mapping[str, str] | None = None
        try:
            try:
                headers = channel.headers(delivery, int(time.time())) if channel else None
                if headers is None:
                    result = AttemptResult(None, TARGET_GONE)
                else:
                    result = self._send(delivery.url, delivery.body, headers, self.policy.timeout_seconds)
            except Exception as error:  # a signing or sending bug fails the attempt, not the thread
                result = AttemptResult(None, f"could not send: {type(error).__name__}: {error}")
            with self._changed:
                kept = self._records.get(delivery.id) is delivery  # not cleared by a reset meanwhile
                if kept:
                    self._record(delivery, result, sent=headers is not None)
                outcome = dataclasses.replace(delivery)
            if kept and channel is not None and headers is not None:
                channel.after_attempt(outcome)
        finally:
            with self._changed:
                self._in_flight.discard(delivery.id)
                self._changed.notify_all()

    def _record(self, delivery: Delivery, result: AttemptResult, *, sent: bool) -> None:
        record_attempt(delivery, result, sent=sent, now=self._clock.now(), policy=self.policy)
        if delivery.status != PENDING:
            self._pending.pop(delivery.id, None)

    def deliver_now(self, *, due_only: bool = False) -> list[Delivery]:
        """Attempt every pending delivery once more now (or only those due, on the app's clock), paused
        or not, and wait for the outcomes: what a test calls instead of waiting for a retry. The wait is
        bounded (by the timeout, once per round of `concurrency` attempts, and once more): past it, the
        deliveries are returned as they stand."""
        with self._changed:
            now = self._clock.now()
            chosen = [d for d in self._pending.values() if not due_only or d.next_attempt_at <= now]
            attempts = {d.id: d.attempts for d in chosen}
            rounds = math.ceil(len(chosen) / self.policy.concurrency) + 1
            deadline = time.monotonic() + self.policy.timeout_seconds * rounds
            to_start = list(chosen)
            while True:
                # One whose attempt is recorded after we looked (the scheduler's, started before or after)
                # counts as attempted; one in flight whose attempt was already recorded (its provider still
                # hearing of it) is attempted again once it lands.
                to_start = [d for d in to_start if d.id in self._pending and d.attempts == attempts[d.id]]
                startable = [d for d in to_start if d.id not in self._in_flight]
                started = set(self._start(startable))
                to_start = [d for d in to_start if d.id not in started]
                left = deadline - time.monotonic()
                if left <= 0 or (not to_start and not any(d.id in self._in_flight for d in chosen)):
                    return [dataclasses.replace(d) for d in chosen]
                self._changed.wait(min(left, POLL_SECONDS))

    # --- control and reading -------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Attempt nothing in the background until resumed; deliveries still queue (up to the bound)."""
        with self._changed:
            self._paused = True

    def resume(self) -> None:
        with self._changed:
            self._paused = False
            self._wake()

    def deliveries(self, provider: str | None = None, scope: str | None = None) -> list[Delivery]:
        """Copies of the records, newest first."""
        with self._changed:
            return [
                dataclasses.replace(d)
                for d in reversed(self._records.values())
                if provider in (None, d.provider) and scope in (None, d.scope)
            ]

    def counts(self) -> dict[str, int]:
        with self._changed:
            by_status = {status: 0 for status in STATUSES}
            for delivery in self._records.values():
                by_status[delivery.status] += 1
            return {**by_status, "in_flight": len(self._in_flight), "dropped": self.dropped}

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        """Forget deliveries (a reset): pending ones are never attempted; one in flight is not recorded.
        A full reset (no provider) also resumes a paused dispatcher, as it forgets fault rules: one test's
        pause never holds the next test's deliveries. A provider's reset, or one scope's of a provider
        (`scope` needs `provider`), leaves a pause as it is."""
        with self._changed:
            doomed = [
                record_id
                for record_id, delivery in self._records.items()
                if in_part(provider, scope, delivery.provider, delivery.scope)
            ]
            for record_id in doomed:
                del self._records[record_id]
                self._pending.pop(record_id, None)
            if provider is None:
                self.dropped = 0
                self._paused = False
            self._changed.notify_all()

    def stop(self) -> None:
        """End the scheduler (attempts in flight finish on their own)."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
            scheduler = self._scheduler
        if scheduler is not None:
            scheduler.join()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
