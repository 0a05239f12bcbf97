"""`RedisWebhookDispatcher`: the outbound-webhook dispatcher (core/webhooks.py) with its deliveries in a Redis
that several server processes share, so that they behave as one dispatcher: the same deliveries, counts,
history, queue bound and pause from every process, and each attempt made by one process at a time.

Key layout (P is `prefix + ":webhooks"`, so every key starts with `prefix + ":"`; the public API and its
semantics are WebhookDispatcher's):

    P:records     hash    delivery id -> the delivery as JSON (body in base64, times in µs on the app's clock)
    P:status      hash    id -> pending | delivered | failed
    P:owner       hash    id -> the key of its provider's index (P:by:PROVIDER)
    P:by:PROVIDER zset    that provider's deliveries, scored by P:seq (PROVIDER percent-escaped)
    P:providers   set     the provider indexes that may hold deliveries (what a full `clear` deletes)
    P:order       zset    every kept delivery, scored by P:seq: creation order, for the history
    P:seq         string  the counter that orders creation
    P:finished    zset    the delivered and failed ones, scored by P:seq: the first to fall off the history
    P:next        hash    id -> next attempt (µs), for every pending delivery, in flight or not
    P:due         zset    the pending deliveries not in flight, scored by next attempt (µs): the queue
    P:leases      zset    the deliveries in flight, scored by when their lease ends (Redis's TIME, in ms)
    P:holders     hash    id -> the token of the claim that holds its lease
    P:counts      hash    pending, delivered, failed (records kept) and dropped (refused, queue full)
    P:paused      string  present while paused: the pause is shared

Every change is one Lua script (or one read), so it is atomic across processes:

- ENQUEUE keeps a new delivery: pending and due, or, when `queue_size` deliveries are pending (across every
  process, in flight or not), failed with QUEUE_FULL and counted as dropped; then the history is trimmed
  (one record past `history_size`: the oldest finished one; pending ones are never dropped).
- CLAIM first makes the deliveries whose lease ended (their process died, or hung) due again, then takes
  deliveries off the queue (the due ones, unless paused; or those `deliver_now` names whose attempts have
  not changed since it looked), leasing each to a token of this process for `lease_seconds`.
- RECORD writes an attempt's outcome only if the token still holds the lease; the delivery stays in flight
  (leased) while the provider's `after_attempt` hears of it; RELEASE then ends the lease and, if the
  delivery is still pending (a retry), queues it again, due at its next attempt.
- CLEAR forgets a provider's deliveries through its index (or one scope's of them, or all of them, resuming):
  no KEYS, no SCAN.
  Leases stay, so an attempt in flight when cleared is still counted in flight, and its outcome, finding
  no record, is not recorded, as in memory.

An attempt is made by the one process whose claim holds its lease. If that process dies mid-attempt, the
lease ends (LEASE_TIMEOUTS × the timeout, plus LEASE_GRACE_SECONDS, of real time) and another process's
claim queues the delivery again: at least once, never twice at once, unless an attempt outlives its lease.

Per process: `concurrency` (attempts this process makes at once), the scheduler thread, and the Channels
(`connect`): every process connects the same providers at start-up, and the process that makes an attempt
signs it and tells its outcome with its own. `counts()["in_flight"]` counts the leases of every process.

The scheduler: each process runs one, from its first use (`enqueue`, `resume`, `deliver_now`, or `start()`)
until `stop()`. Unlike the memory one, it does not end when nothing is pending: it polls Redis every
POLL_SECONDS (one script call), so it also attempts what other processes queued, and takes over what a dead
process leased; a process's deliveries never depend on that process staying alive.

Redis errors reach the caller of a public method unchanged; the background threads log them and go on (an
attempt whose outcome could not be recorded is made again once its lease ends). The scripts name keys they
read from Redis (a provider's index) besides their KEYS: one Redis server, not Redis Cluster.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mock_server.base.clock import Clock
from mock_server.core.redis_state import _b64, _dumps, _micros, _moment, _part, _text, _unb64
from mock_server.core.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    POLL_SECONDS,
    QUEUE_FULL,
    TARGET_GONE,
    AttemptResult,
    Channel,
    Delivery,
    Send,
    WebhookDispatcher,
    WebhookPolicy,
    post,
    record_attempt,
)

if TYPE_CHECKING:
    import redis

# A lease lasts this many attempt timeouts, plus the grace: an attempt (post() ends within the timeout)
# and its signing and after_attempt fit in it many times over.
LEASE_TIMEOUTS = 3
LEASE_GRACE_SECONDS = 5.0
# How often deliver_now looks whether attempts that other processes hold have ended.
REMOTE_POLL_SECONDS = 0.02
# Leases taken back per claim, at most.
RECLAIM_PER_CALL = 100

LOG = logging.getLogger(__name__)

# Claim outcomes of the deliveries that deliver_now names.
GONE, CLAIMED, BUSY, UNSEEN = 0, 1, 2, 3

# --- Lua --------------------------------------------------------------------------------------------------

# Every script is given the same KEYS, in this order (_Keys.all).
_PREAMBLE = """
local records, status, owner, next_at, order, finished, due, leases, holders, counts, seq, paused, providers =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11],
  KEYS[12], KEYS[13]

-- Forget a kept delivery (its lease, if it is in flight, stays: its attempt ends on its own).
local function forget(id)
  local state = redis.call('HGET', status, id)
  if not state then return end
  local index = redis.call('HGET', owner, id)
  redis.call('HINCRBY', counts, state, -1)
  redis.call('HDEL', records, id)
  redis.call('HDEL', status, id)
  redis.call('HDEL', owner, id)
  redis.call('HDEL', next_at, id)
  redis.call('ZREM', order, id)
  redis.call('ZREM', finished, id)
  redis.call('ZREM', due, id)
  if index then redis.call('ZREM', index, id) end
end
"""

# ARGV: id, the delivery as JSON (pending), as JSON (refused), next attempt (µs), queue size, history
# size, its provider's index. Returns 1 if queued, 0 if refused (the queue was full).
ENQUEUE = (
    _PREAMBLE
    + """
local id, index = ARGV[1], ARGV[7]
-- A delivery made again under a kept id replaces it: an attempt of the old one is not recorded.
forget(id)
redis.call('HDEL', holders, id)
local n = redis.call('INCR', seq)
local queued = redis.call('HLEN', next_at) < tonumber(ARGV[5])
if queued then
  redis.call('HSET', records, id, ARGV[2])
  redis.call('HSET', status, id, 'pending')
  redis.call('HSET', next_at, id, ARGV[4])
  redis.call('ZADD', due, ARGV[4], id)
  redis.call('HINCRBY', counts, 'pending', 1)
else
  redis.call('HSET', records, id, ARGV[3])
  redis.call('HSET', status, id, 'failed')
  redis.call('ZADD', finished, n, id)
  redis.call('HINCRBY', counts, 'failed', 1)
  redis.call('HINCRBY', counts, 'dropped', 1)
end
redis.call('ZADD', order, n, id)
redis.call('HSET', owner, id, index)
redis.call('ZADD', index, n, id)
redis.call('SADD', providers, index)
if redis.call('ZCARD', order) > tonumber(ARGV[6]) then
  local oldest = redis.call('ZRANGE', finished, 0, 0)[1]
  if oldest then forget(oldest) end
end
if queued then return 1 end
return 0
"""
)

# ARGV: now (µs, the app's clock), how many at most, lease (ms), token, mode ('due' or 'ids'), then for
# 'ids' pairs of (id, the attempts it had when deliver_now looked). Returns {1 if paused, the next due
# time (µs) or '', {id, record, ...} claimed, {outcome per named id: GONE, CLAIMED, BUSY or UNSEEN}}.
CLAIM = (
    _PREAMBLE
    + f"local GONE, CLAIMED, BUSY, UNSEEN = {GONE}, {CLAIMED}, {BUSY}, {UNSEEN}"
    + """
local clock = redis.call('TIME')
local now_ms = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local now_text = string.format('%d', now_ms)
local ended = redis.call('ZRANGEBYSCORE', leases, '-inf', now_text, 'LIMIT', 0, RECLAIM_PER_CALL)
for _, id in ipairs(ended) do
  redis.call('ZREM', leases, id)
  redis.call('HDEL', holders, id)
  local when = redis.call('HGET', next_at, id)
  if when then redis.call('ZADD', due, when, id) end
end
local most, token = tonumber(ARGV[2]), ARGV[4]
local is_paused = redis.call('EXISTS', paused)
local chosen, outcomes = {}, {}
if ARGV[5] == 'due' then
  if is_paused == 0 and most > 0 then
    chosen = redis.call('ZRANGEBYSCORE', due, '-inf', ARGV[1], 'LIMIT', 0, most)
  end
else
  for i = 6, #ARGV, 2 do
    local id, outcome = ARGV[i], GONE
    if #chosen >= most then
      outcome = UNSEEN
    elseif redis.call('ZSCORE', due, id) then
      local record = redis.call('HGET', records, id)
      if record and cjson.decode(record)['attempts'] == tonumber(ARGV[i + 1]) then
        chosen[#chosen + 1] = id
        outcome = CLAIMED
      end
    elseif redis.call('ZSCORE', leases, id) then
      outcome = BUSY
    end
    outcomes[#outcomes + 1] = outcome
  end
end
local until_ms = string.format('%d', now_ms + tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(chosen) do
  redis.call('ZREM', due, id)
  redis.call('ZADD', leases, until_ms, id)
  redis.call('HSET', holders, id, token)
  claimed[#claimed + 1] = id
  claimed[#claimed + 1] = redis.call('HGET', records, id)
end
local head = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')[2] or ''
return {is_paused, head, claimed, outcomes}
"""
).replace("RECLAIM_PER_CALL", str(RECLAIM_PER_CALL))

# ARGV: id, token, the delivery after the attempt (JSON), its status, its next attempt (µs; '' when it
# is no longer pending). Recorded only while the token holds the lease and the delivery is kept: 1 if so.
RECORD = (
    _PREAMBLE
    + """
local id = ARGV[1]
if redis.call('HGET', holders, id) ~= ARGV[2] then return 0 end
local before = redis.call('HGET', status, id)
if not before then return 0 end
redis.call('HSET', records, id, ARGV[3])
if before ~= ARGV[4] then
  redis.call('HINCRBY', counts, before, -1)
  redis.call('HINCRBY', counts, ARGV[4], 1)
  redis.call('HSET', status, id, ARGV[4])
end
if ARGV[4] == 'pending' then
  redis.call('HSET', next_at, id, ARGV[5])
else
  redis.call('HDEL', next_at, id)
  local n = redis.call('ZSCORE', order, id)
  if n then redis.call('ZADD', finished, n, id) end
end
return 1
"""
)

# ARGV: id, token. Ends the token's lease; a delivery still pending is queued again, due at its next
# attempt. Also what gives back a claim whose attempt could not start.
RELEASE = (
    _PREAMBLE
    + """
local id = ARGV[1]
if redis.call('HGET', holders, id) ~= ARGV[2] then return 0 end
redis.call('HDEL', holders, id)
redis.call('ZREM', leases, id)
local when = redis.call('HGET', next_at, id)
if when then redis.call('ZADD', due, when, id) end
return 1
"""
)

# ARGV: a provider's index, or '' for every delivery (which also forgets the dropped count and the pause);
# then, for one scope of that provider only, '1' and the scope (each record read to find its scope).
CLEAR = (
    _PREAMBLE
    + """
if ARGV[1] ~= '' and ARGV[2] == '1' then
  local cleared = 0
  for _, id in ipairs(redis.call('ZRANGE', ARGV[1], 0, -1)) do
    local record = redis.call('HGET', records, id)
    if record and cjson.decode(record)['scope'] == ARGV[3] then
      forget(id)
      cleared = cleared + 1
    end
  end
  return cleared
end
if ARGV[1] ~= '' then
  local ids = redis.call('ZRANGE', ARGV[1], 0, -1)
  for _, id in ipairs(ids) do forget(id) end
  redis.call('DEL', ARGV[1])
  redis.call('SREM', providers, ARGV[1])
  return #ids
end
local indexes = redis.call('SMEMBERS', providers)
for first = 1, #indexes, 1000 do
  redis.call('UNLINK', unpack(indexes, first, math.min(first + 999, #indexes)))
end
redis.call('UNLINK', records, status, owner, next_at, order, finished, due, counts, paused, providers)
return 0
"""
)

# ARGV: now (µs), or '' for every pending delivery. Returns {id, creation order, record, ...} of the pending
# deliveries (in flight or not) due by then.
PENDING_NOW = (
    _PREAMBLE
    + """
local out, limit = {}, tonumber(ARGV[1])
local all = redis.call('HGETALL', next_at)
for i = 1, #all, 2 do
  local id = all[i]
  if not limit or tonumber(all[i + 1]) <= limit then
    local record = redis.call('HGET', records, id)
    if record then
      out[#out + 1] = id
      out[#out + 1] = redis.call('ZSCORE', order, id)
      out[#out + 1] = record
    end
  end
end
return out
"""
)

# KEYS: an index (a zset of ids), P:records. The indexed records, newest first.
READ = """
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local out = {}
for first = 1, #ids, 1000 do
  local found = redis.call('HMGET', KEYS[2], unpack(ids, first, math.min(first + 999, #ids)))
  for _, record in ipairs(found) do
    if record then out[#out + 1] = record end
  end
end
return out
"""


class _Keys:
    def __init__(self, prefix: str) -> None:
        base = f"{prefix}:webhooks"
        self.records = f"{base}:records"
        self.status = f"{base}:status"
        self.owner = f"{base}:owner"
        self.next = f"{base}:next"
        self.order = f"{base}:order"
        self.finished = f"{base}:finished"
        self.due = f"{base}:due"
        self.leases = f"{base}:leases"
        self.holders = f"{base}:holders"
        self.counts = f"{base}:counts"
        self.seq = f"{base}:seq"
        self.paused = f"{base}:paused"
        self.providers = f"{base}:providers"
        self._by = f"{base}:by:"

    def by(self, provider: str) -> str:
        return f"{self._by}{_part(provider)}"

    def all(self) -> list[str]:
        """As _PREAMBLE names them."""
        return [
            self.records,
            self.status,
            self.owner,
            self.next,
            self.order,
            self.finished,
            self.due,
            self.leases,
            self.holders,
            self.counts,
            self.seq,
            self.paused,
            self.providers,
        ]


class RedisWebhookDispatcher(WebhookDispatcher):
    """WebhookDispatcher with its deliveries in Redis under `prefix`, shared by every process that builds
    one on the same Redis and prefix (see the module's docstring). A subclass, so that it goes wherever the
    app expects a WebhookDispatcher; of the memory class it uses `connect` and `stop` (and the attributes
    they touch), and replaces the rest."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        clock: Clock,
        policy: WebhookPolicy,
        send: Send = post,
        *,
        lease_seconds: float | None = None,
    ) -> None:
        # Not WebhookDispatcher.__init__: its in-memory records and `dropped` counter are Redis's here.
        self.policy = policy
        self._clock = clock
        self._send = send
        self._client = client
        self._keys = _Keys(prefix)
        if lease_seconds is None:
            lease_seconds = LEASE_TIMEOUTS * policy.timeout_seconds + LEASE_GRACE_SECONDS
        self._lease_ms = max(1, math.ceil(lease_seconds * 1000))
        self._channels: dict[str, Channel] = {}
        self._in_flight: set[str] = set()  # this process's attempts
        self._changed = threading.Condition()
        self._scheduler: threading.Thread | None = None
        self._stopped = False
        self._enqueue = client.register_script(ENQUEUE)
        self._claim = client.register_script(CLAIM)
        self._record_script = client.register_script(RECORD)
        self._release = client.register_script(RELEASE)
        self._clear = client.register_script(CLEAR)
        self._pending_now = client.register_script(PENDING_NOW)
        self._read = client.register_script(READ)

    # --- making deliveries ---------------------------------------------------------------------------

    def enqueue(self, delivery: Delivery) -> None:
        """Queue a delivery for its first attempt (by whichever process claims it first); never blocks on
        sending. Refused (failed, and counted as dropped) when the shared queue is full."""
        refused = dataclasses.replace(delivery, status=FAILED, last_error=QUEUE_FULL)
        queued = self._enqueue(
            keys=self._keys.all(),
            args=[
                delivery.id,
                _delivery_json(delivery),
                _delivery_json(refused),
                _micros(delivery.next_attempt_at),
                self.policy.queue_size,
                self.policy.history_size,
                self._keys.by(delivery.provider),
            ],
        )
        if not int(queued):
            delivery.status, delivery.last_error = FAILED, QUEUE_FULL
        with self._changed:
            self._wake()

    def start(self) -> None:
        """Start this process's scheduler now rather than at first use: it then attempts what other
        processes queue, and takes over what a dead one leased, from the start."""
        with self._changed:
            self._wake()

    def _wake(self) -> None:
        self._changed.notify_all()
        if self._scheduler is None and not self._stopped:
            scheduler = threading.Thread(target=self._schedule, name="webhook-scheduler", daemon=True)
            try:
                scheduler.start()
            except RuntimeError:  # no thread to be had: the next enqueue, resume or deliver_now tries again
                return
            self._scheduler = scheduler  # under the lock, which the scheduler takes first

    # --- attempting them -----------------------------------------------------------------------------

    def _schedule(self) -> None:
        """Claim and start due attempts, as this process has free slots, until stopped."""
        failing = False
        with self._changed:
            while not self._stopped:
                sleep = POLL_SECONDS
                if len(self._in_flight) < self.policy.concurrency:
                    try:
                        now = self._clock.now()
                        free = self.policy.concurrency - len(self._in_flight)
                        paused, head, claimed, _ = self._claim_now("due", free, now)
                        self._start_claimed(claimed)
                    except Exception:  # Redis gone, say: try again at the next poll
                        if not failing:
                            LOG.exception("webhook scheduler: could not claim deliveries")
                        failing = True
                    else:
                        failing = False
                        # With every slot busy, the end of an attempt wakes the scheduler.
                        if not paused and head is not None and len(self._in_flight) < self.policy.concurrency:
                            until_due = (head - now).total_seconds()
                            sleep = min(max(until_due, 0.01), POLL_SECONDS)
                self._changed.wait(sleep)
            self._scheduler = None

    def _claim_now(
        self, mode: str, most: int, now: datetime, named: Sequence[tuple[str, int]] = ()
    ) -> tuple[bool, datetime | None, list[tuple[Delivery, str]], list[int]]:
        """One CLAIM: whether paused, the next due time, the claimed deliveries with their token, and what
        became of each named one."""
        token = uuid.uuid4().hex
        args: list[Any] = [_micros(now), most, self._lease_ms, token, mode]
        for delivery_id, attempts in named:
            args += [delivery_id, attempts]
        paused, head, claimed, outcomes = self._claim(keys=self._keys.all(), args=args)
        deliveries = [(_delivery_from(claimed[i + 1]), token) for i in range(0, len(claimed), 2)]
        head_text = _text(head)
        next_due = _moment(int(float(head_text))) if head_text else None
        return bool(int(paused)), next_due, deliveries, [int(outcome) for outcome in outcomes]

    def _start_claimed(self, claimed: list[tuple[Delivery, str]]) -> list[str]:
        """Start the claimed attempts, each in a thread of its own (under the lock); one whose thread
        cannot start, and those after it, are given back to the queue as they were."""
        started = []
        for index, (delivery, token) in enumerate(claimed):
            self._in_flight.add(delivery.id)
            try:
                threading.Thread(
                    target=self._attempt_claimed, args=(delivery, token), name="webhook-attempt", daemon=True
                ).start()
            except RuntimeError:
                self._in_flight.discard(delivery.id)
                for unstarted, unstarted_token in claimed[index:]:
                    self._release(keys=self._keys.all(), args=[unstarted.id, unstarted_token])
                break
            started.append(delivery.id)
        return started

    def _attempt_claimed(self, delivery: Delivery, token: str) -> None:
        """One attempt, in a thread of its own, holding the delivery's lease until the provider has heard
        of its outcome; the lease and the slot are given up whatever happens."""
        try:
            channel = self._channels.get(delivery.provider)
            result, sent = self._send_once(channel, delivery)
            outcome = self._outcome(delivery, result, sent=sent)
            next_attempt = _micros(outcome.next_attempt_at) if outcome.status == PENDING else ""
            kept = self._record_script(
                keys=self._keys.all(),
                args=[delivery.id, token, _delivery_json(outcome), outcome.status, next_attempt],
            )
            if int(kept) and channel is not None and sent:
                channel.after_attempt(dataclasses.replace(outcome))
        except Exception:  # Redis gone, or the provider's callback broke: the lease ends on its own
            LOG.exception("webhook attempt of %s: could not record its outcome", delivery.id)
        finally:
            try:
                self._release(keys=self._keys.all(), args=[delivery.id, token])
            except Exception:
                LOG.exception("webhook attempt of %s: could not end its lease", delivery.id)
            finally:
                with self._changed:
                    self._in_flight.discard(delivery.id)
                    self._changed.notify_all()

    def _send_once(self, channel: Channel | None, delivery: Delivery) -> tuple[AttemptResult, bool]:
        """Sign and send one attempt: its result, and whether it was sent."""
        headers: Mapping[str, str] | None = None
        try:
            headers = channel.headers(delivery, int(time.time())) if channel else None
            if headers is None:
                return AttemptResult(None, TARGET_GONE), False
            return self._send(delivery.url, delivery.body, headers, self.policy.timeout_seconds), True
        except Exception as error:  # a signing or sending bug fails the attempt, not the thread
            failure = f"could not send: {type(error).__name__}: {error}"
            return AttemptResult(None, failure), headers is not None

    def _outcome(self, delivery: Delivery, result: AttemptResult, *, sent: bool) -> Delivery:
        """The delivery after an attempt, by the memory dispatcher's rules, on a copy."""
        after = dataclasses.replace(delivery)
        record_attempt(after, result, sent=sent, now=self._clock.now(), policy=self.policy)
        return after

    def deliver_now(self, *, due_only: bool = False) -> list[Delivery]:
        """Attempt every pending delivery once more now (or only those due, on the app's clock), paused
        or not, and wait for the outcomes, those of attempts other processes hold included: what a test
        calls instead of waiting for a retry. This process claims what it can, `concurrency` at a time; one
        another process is attempting (or attempted meanwhile) is not attempted again, but waited for. The
        wait is bounded as in memory; past it, the deliveries are returned as they stand."""
        now = self._clock.now()
        chosen = self._pending(now if due_only else None)
        if not chosen:
            return []
        attempts = {d.id: d.attempts for d in chosen}
        rounds = math.ceil(len(chosen) / self.policy.concurrency) + 1
        deadline = time.monotonic() + self.policy.timeout_seconds * rounds
        to_start = [d.id for d in chosen]
        with self._changed:
            self._wake()
            while True:
                free = self.policy.concurrency - len(self._in_flight)
                if to_start and free > 0:
                    named = [(delivery_id, attempts[delivery_id]) for delivery_id in to_start]
                    _, _, claimed, outcomes = self._claim_now("ids", free, self._clock.now(), named)
                    started = set(self._start_claimed(claimed))
                    unstarted = {d.id for d, _ in claimed} - started
                    # Kept: those another process holds (attempted again if its lease ends unattempted),
                    # those not looked at (no slot), and those whose thread could not start.
                    to_start = [
                        delivery_id
                        for delivery_id, outcome in zip(to_start, outcomes, strict=True)
                        if outcome in (BUSY, UNSEEN) or delivery_id in unstarted
                    ]
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                busy = self._leased(list(attempts))
                if not to_start and not busy:
                    break
                remote = bool(busy - self._in_flight)
                self._changed.wait(min(left, REMOTE_POLL_SECONDS if remote else POLL_SECONDS))
        return self._as_they_stand(chosen)

    def _pending(self, due_by: datetime | None) -> list[Delivery]:
        """The pending deliveries (in flight or not) due by then, in creation order."""
        found = self._pending_now(keys=self._keys.all(), args=["" if due_by is None else _micros(due_by)])
        rows = [(float(found[i + 1]), _delivery_from(found[i + 2])) for i in range(0, len(found), 3)]
        return [delivery for _, delivery in sorted(rows, key=lambda row: row[0])]

    def _leased(self, ids: list[str]) -> set[str]:
        scores = self._client.zmscore(self._keys.leases, ids)
        return {delivery_id for delivery_id, score in zip(ids, scores, strict=True) if score is not None}

    def _as_they_stand(self, chosen: list[Delivery]) -> list[Delivery]:
        """The chosen deliveries as recorded now; one forgotten meanwhile (a reset) as it was."""
        found = self._client.hmget(self._keys.records, [d.id for d in chosen])
        return [d if data is None else _delivery_from(data) for d, data in zip(chosen, found, strict=True)]

    # --- control and reading -------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return bool(self._client.exists(self._keys.paused))

    def pause(self) -> None:
        """No process attempts anything in the background until resumed (attempts already claimed go on);
        deliveries still queue, up to the bound."""
        self._client.set(self._keys.paused, "1")

    def resume(self) -> None:
        self._client.delete(self._keys.paused)
        with self._changed:
            self._wake()

    @property
    def dropped(self) -> int:  # type: ignore[override]
        """Deliveries refused because the queue was full (by every process)."""
        return int(self._client.hget(self._keys.counts, "dropped") or 0)

    def deliveries(self, provider: str | None = None, scope: str | None = None) -> list[Delivery]:
        """The records, newest first."""
        index = self._keys.order if provider is None else self._keys.by(provider)
        found = [_delivery_from(data) for data in self._read(keys=[index, self._keys.records])]
        return [d for d in found if provider in (None, d.provider) and scope in (None, d.scope)]

    def counts(self) -> dict[str, int]:
        """Records by status, attempts in flight (in every process) and deliveries dropped."""
        with self._client.pipeline(transaction=True) as pipe:
            pipe.hmget(self._keys.counts, [PENDING, DELIVERED, FAILED, "dropped"])
            pipe.zcard(self._keys.leases)
            (pending, delivered, failed, dropped), in_flight = pipe.execute()
        return {
            PENDING: int(pending or 0),
            DELIVERED: int(delivered or 0),
            FAILED: int(failed or 0),
            "in_flight": int(in_flight),
            "dropped": int(dropped or 0),
        }

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        """Forget deliveries (a reset), in every process: pending ones are never attempted; one in flight
        is not recorded. A full reset (no provider) also forgets the dropped count and resumes; a provider's,
        or one scope's of a provider (`scope` needs `provider`), leaves them."""
        index = "" if provider is None else self._keys.by(provider)
        one_scope = ["1", scope] if provider is not None and scope is not None else ["0", ""]
        self._clear(keys=self._keys.all(), args=[index, *one_scope])
        with self._changed:
            self._changed.notify_all()


# --- records --------------------------------------------------------------------------------------------


def _delivery_json(delivery: Delivery) -> str:
    return _dumps(
        {
            "id": delivery.id,
            "provider": delivery.provider,
            "scope": delivery.scope,
            "event_id": delivery.event_id,
            "event_type": delivery.event_type,
            "target_id": delivery.target_id,
            "url": delivery.url,
            "body": _b64(delivery.body),
            "created_at": _micros(delivery.created_at),
            "next_attempt_at": _micros(delivery.next_attempt_at),
            "is_replay": delivery.is_replay,
            "status": delivery.status,
            "attempts": delivery.attempts,
            "delivered_at": _optional_micros(delivery.delivered_at),
            "last_attempt_at": _optional_micros(delivery.last_attempt_at),
            "last_response_status": delivery.last_response_status,
            "last_error": delivery.last_error,
        }
    )


def _delivery_from(data: bytes | str) -> Delivery:
    fields = json.loads(data)
    status = fields["last_response_status"]
    error = fields["last_error"]
    return Delivery(
        id=str(fields["id"]),
        provider=str(fields["provider"]),
        scope=str(fields["scope"]),
        event_id=str(fields["event_id"]),
        event_type=str(fields["event_type"]),
        target_id=str(fields["target_id"]),
        url=str(fields["url"]),
        body=_unb64(fields["body"]),
        created_at=_moment(int(fields["created_at"])),
        next_attempt_at=_moment(int(fields["next_attempt_at"])),
        is_replay=bool(fields["is_replay"]),
        status=str(fields["status"]),
        attempts=int(fields["attempts"]),
        delivered_at=_optional_moment(fields["delivered_at"]),
        last_attempt_at=_optional_moment(fields["last_attempt_at"]),
        last_response_status=None if status is None else int(status),
        last_error=None if error is None else str(error),
    )


def _optional_micros(moment: datetime | None) -> int | None:
    return None if moment is None else _micros(moment)


def _optional_moment(micros: int | None) -> datetime | None:
    return None if micros is None else _moment(int(micros))
