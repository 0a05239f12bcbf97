"""The app's state services kept in Redis, so that several server processes sharing one Redis behave as one
server. Each class has the public methods and the semantics of its memory twin (IdempotencyStore,
RateLimiter, Journal, Outbox, FaultRules) and takes `(client, prefix, ...the memory class's arguments)`.

- Every key starts with `prefix + ":"`, then the service's own name (`idem`, `rate`, `journal`, `outbox`,
  `faults`), so one prefix may be given to all five; `clear()` touches only the keys of its service and
  prefix, found through the service's own index or list, never with KEYS or a scan of the keyspace.
- Whatever the memory class does under its lock is one Lua script or one MULTI here, so it is atomic
  across processes. The scripts touch keys they read from an index besides the KEYS they are given:
  fine on one Redis server (the only deployment intended), not on Redis Cluster.
- Time is the app's Clock, passed to the scripts in microseconds since the epoch (exact, as a Lua number
  holds integers up to 2**53), so a ManualClock moves windows and TTLs as it does in memory. Redis
  expiry (real time) only collects garbage: a key is set to expire when the clock says it will, and the
  clock check decides whether it is still alive. Under a ManualClock that stands still for longer than a
  TTL of real time, Redis may forget a key the clock still holds: the one difference from memory.
- Values are JSON (bytes as base64) or plain strings and integers, decoded field by field into the
  service's own types: nothing read from Redis is unpickled or evaluated. Either kind of client works,
  with `decode_responses` or without.
- Redis errors (a lost connection, a timeout) are not caught here: they reach the caller unchanged.
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mock_server.base.clock import Clock
from mock_server.base.config import Latency, Quota
from mock_server.base.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from mock_server.core.faults import FaultRule, ScopeOf, no_scope
from mock_server.core.idempotency import StoredResponse
from mock_server.core.journal import JournalEntry
from mock_server.core.outbox import OUTBOX_CAPACITY, OutboxMessage
from mock_server.core.ratelimit import MAX_CLIENTS, Usage

if TYPE_CHECKING:
    import redis

# A reserved idempotency key whose request never finishes (its process died) is forgotten after this many
# seconds of real time, or after the TTL if that is shorter; a completed key lives for the TTL.
IN_FLIGHT_SECONDS = 60.0
# At most this many expired entries are dropped from the head of an index per request, so no one request
# pays for forgetting a whole backlog at once.
TRIM_PER_CALL = 100

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // MICROSECOND


def _moment(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def _part(text: str) -> str:
    """One component of a key name, escaped so that no ':' inside it can be taken for a separator."""
    return quote(text, safe="")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# --- shared Lua ---------------------------------------------------------------------------------------

# KEYS[1]: an index (a sorted set of key names). ARGV[1]: a key name prefix. Deletes every indexed key
# named with that prefix, and its member: one script, so no request sees half a clear.
CLEAR_INDEXED = """
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
local prefix, doomed = ARGV[1], {}
for _, member in ipairs(members) do
  if string.sub(member, 1, #prefix) == prefix then doomed[#doomed + 1] = member end
end
for first = 1, #doomed, 1000 do
  local last = math.min(first + 999, #doomed)
  redis.call('UNLINK', unpack(doomed, first, last))
  redis.call('ZREM', KEYS[1], unpack(doomed, first, last))
end
return #doomed
"""

# The end of a script that filtered the list KEYS[1] (`items`) into `kept`: the list is written again with
# only those, in order (RPUSH in batches: Lua's unpack has a limit), and the number dropped is returned.
KEEP_ONLY_KEPT = """
if #kept == #items then return 0 end
redis.call('DEL', KEYS[1])
for first = 1, #kept, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(kept, first, math.min(first + 999, #kept)))
end
return #items - #kept
"""

# KEYS[1]: a capped list of JSON arrays whose first element is a provider. ARGV[1]: the text such an item
# starts with for the provider whose items go. Keeps the others, in order.
CLEAR_PROVIDER_ITEMS = (
    """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local prefix, kept = ARGV[1], {}
for _, item in ipairs(items) do
  if string.sub(item, 1, #prefix) ~= prefix then kept[#kept + 1] = item end
end
"""
    + KEEP_ONLY_KEPT
)


# KEYS[1]: a capped list of JSON arrays [provider, fields]. ARGV[1]: a provider, ARGV[2]: a scope. Drops the
# items of that provider whose fields' scope is that one (decoded, as the scope sits inside the fields);
# keeps the others, in order.
CLEAR_SCOPE_ITEMS = (
    """
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local kept = {}
for _, item in ipairs(items) do
  local decoded = cjson.decode(item)
  if decoded[1] ~= ARGV[1] or decoded[2]['scope'] ~= ARGV[2] then kept[#kept + 1] = item end
end
"""
    + KEEP_ONLY_KEPT
)


# --- idempotency keys ---------------------------------------------------------------------------------

# KEYS: entry, index, sequence. ARGV: fingerprint, now (µs), ttl (µs), in-flight expiry (ms), max keys.
# Returns {0}: reserved for this request; {1}: another request's key; {2}: in flight; {3, response}.
IDEMPOTENCY_BEGIN = """
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local entry = redis.call('HMGET', KEYS[1], 'fp', 'created', 'response')
if entry[1] and now - tonumber(entry[2]) < ttl then
  if entry[1] ~= ARGV[1] then return {1} end
  if not entry[3] then return {2} end
  return {3, entry[3]}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'created', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), KEYS[1])
for _ = 1, TRIM_PER_CALL do
  local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if head == KEYS[1] then break end
  local created = redis.call('HGET', head, 'created')
  if created and now - tonumber(created) < ttl then break end
  redis.call('DEL', head)
  redis.call('ZREM', KEYS[2], head)
end
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if excess > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #popped, 2 do redis.call('DEL', popped[i]) end
end
return {0}
""".replace("TRIM_PER_CALL", str(TRIM_PER_CALL))

# KEYS: entry, index. ARGV: response (JSON), now (µs), ttl (µs). Keeps the response for what is left of
# the key's TTL.
IDEMPOTENCY_COMPLETE = """
local created = redis.call('HGET', KEYS[1], 'created')
if not created then return 0 end
local left = math.ceil((tonumber(created) + tonumber(ARGV[3]) - tonumber(ARGV[2])) / 1000)
if left <= 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return 0
end
redis.call('HSET', KEYS[1], 'response', ARGV[1])
redis.call('PEXPIRE', KEYS[1], left)
return 1
"""

# KEYS: entry, index. Forgets the key only while its request is in flight.
IDEMPOTENCY_RELEASE = """
if redis.call('HEXISTS', KEYS[1], 'created') == 1 and redis.call('HEXISTS', KEYS[1], 'response') == 0 then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], KEYS[1])
  return 1
end
return 0
"""


class RedisIdempotencyStore:
    """IdempotencyStore in Redis. Each key is a hash `{prefix}:idem:e:{namespace}:{scope}:{key}` (each part
    percent-escaped) of the request's fingerprint, its creation time on the app's clock and, once complete,
    the response as JSON. `{prefix}:idem:index` orders the keys by creation (scores from the counter
    `{prefix}:idem:seq`), so the oldest go first when there are more than `max_keys`: the bound is exact,
    one key at a time, where memory drops half its keys at a time. A reserved key expires in Redis after
    `in_flight_seconds` (or the TTL if shorter), so a process that dies mid-request does not hold it for
    ever; a completed one after the rest of its TTL."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        clock: Clock,
        ttl_seconds: float,
        max_keys: int,
        *,
        in_flight_seconds: float = IN_FLIGHT_SECONDS,
    ) -> None:
        self._client = client
        self._clock = clock
        self._ttl_us = round(ttl_seconds * 1_000_000)
        self._in_flight_ms = max(1, math.ceil(min(ttl_seconds, in_flight_seconds) * 1000))
        self._max_keys = max(1, max_keys)
        self._entries = f"{prefix}:idem:e:"
        self._index = f"{prefix}:idem:index"
        self._sequence = f"{prefix}:idem:seq"
        self._begin = client.register_script(IDEMPOTENCY_BEGIN)
        self._complete = client.register_script(IDEMPOTENCY_COMPLETE)
        self._release = client.register_script(IDEMPOTENCY_RELEASE)
        self._clear = client.register_script(CLEAR_INDEXED)

    def _entry(self, namespace: str, scope: str, key: str) -> str:
        return f"{self._entries}{_part(namespace)}:{_part(scope)}:{_part(key)}"

    def begin(
        self, namespace: str, scope: str, key: str, request_fingerprint: bytes
    ) -> StoredResponse | None:
        """None if this request should run now (the key is reserved for it); the stored response if
        it is a replay. Raises IdempotencyKeyReused or IdempotencyKeyInFlight."""
        now = _micros(self._clock.now())
        answer = self._begin(
            keys=[self._entry(namespace, scope, key), self._index, self._sequence],
            args=[request_fingerprint, now, self._ttl_us, self._in_flight_ms, self._max_keys],
        )
        outcome = int(answer[0])
        if outcome == 0:
            return None
        if outcome == 1:
            raise IdempotencyKeyReused()
        if outcome == 2:
            raise IdempotencyKeyInFlight()
        return _response_from(answer[1])

    def complete(self, namespace: str, scope: str, key: str, response: StoredResponse) -> None:
        now = _micros(self._clock.now())
        self._complete(
            keys=[self._entry(namespace, scope, key), self._index],
            args=[_response_json(response), now, self._ttl_us],
        )

    def release(self, namespace: str, scope: str, key: str) -> None:
        """Forget a reserved key whose request broke, so the client may retry it."""
        self._release(keys=[self._entry(namespace, scope, key), self._index])

    def __len__(self) -> int:
        """Keys kept; an expired one is counted until a later `begin` drops it from the index."""
        return int(self._client.zcard(self._index))

    def clear(self, namespace: str | None = None, scope: str | None = None) -> None:
        """Forget every key, a namespace's, or one scope's of a namespace (`scope` needs `namespace`)."""
        prefix = self._entries
        if namespace is not None:
            prefix += f"{_part(namespace)}:"
            if scope is not None:  # escaped, and ended by the ':' before the key: "a" is not "ab"
                prefix += f"{_part(scope)}:"
        self._clear(keys=[self._index], args=[prefix])


def _response_json(response: StoredResponse) -> str:
    return _dumps(
        {
            "status": response.status,
            "headers": [[name, value] for name, value in response.headers],
            "body": _b64(response.body),
        }
    )


def _response_from(data: bytes | str) -> StoredResponse:
    fields = json.loads(data)
    headers = tuple((str(name), str(value)) for name, value in fields["headers"])
    return StoredResponse(int(fields["status"]), headers, _unb64(fields["body"]))


# --- rate limits ----------------------------------------------------------------------------------------

# KEYS: window, index, sequence. ARGV: now (µs), window length (µs), limit, max clients.
# Returns {started (µs, as stored), count after this request, 1 if it was over the limit}.
RATE_LIMIT_HIT = """
local now, length = tonumber(ARGV[1]), tonumber(ARGV[2])
local window = redis.call('HMGET', KEYS[1], 'started', 'count')
local started, count = window[1], tonumber(window[2])
if not started or now - tonumber(started) >= length then
  started, count = ARGV[1], 0
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'started', started, 'count', 0, 'length', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(length / 1000)))
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), KEYS[1])
  local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
  if excess > 0 then
    local popped = redis.call('ZPOPMIN', KEYS[2], excess)
    for i = 1, #popped, 2 do redis.call('DEL', popped[i]) end
  end
  for _ = 1, TRIM_PER_CALL do
    local head = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    if head == KEYS[1] then break end
    local old = redis.call('HMGET', head, 'started', 'length')
    if old[1] and now - tonumber(old[1]) < tonumber(old[2]) then break end
    redis.call('DEL', head)
    redis.call('ZREM', KEYS[2], head)
  end
end
local exceeded = 0
if count >= tonumber(ARGV[3]) then
  exceeded = 1
else
  count = redis.call('HINCRBY', KEYS[1], 'count', 1)
end
return {started, count, exceeded}
""".replace("TRIM_PER_CALL", str(TRIM_PER_CALL))


class RedisRateLimiter:
    """RateLimiter in Redis: a client's window is a hash `{prefix}:rate:w:{namespace}:{client}` of when it
    opened (the app's clock), its length and its count, counted by one script per request. Windows are
    indexed by when they opened (`{prefix}:rate:index`, `{prefix}:rate:seq`): at most `max_clients` are
    kept, the oldest go first, and expired ones are dropped from the front, as in memory."""

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        clock: Clock,
        quotas: Mapping[str, Quota],
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        self._client = client
        self._clock = clock
        self._quotas = dict(quotas)
        self._max_clients = max(1, max_clients)
        self._windows = f"{prefix}:rate:w:"
        self._index = f"{prefix}:rate:index"
        self._sequence = f"{prefix}:rate:seq"
        self._hit = client.register_script(RATE_LIMIT_HIT)
        self._clear = client.register_script(CLEAR_INDEXED)

    def limits(self, namespace: str) -> bool:
        return namespace in self._quotas

    def hit(self, namespace: str, client: str) -> Usage:
        """Count one request of `client` (KeyError if `namespace` has no quota)."""
        quota = self._quotas[namespace]
        length = timedelta(seconds=quota.window_seconds)
        now = self._clock.now()
        started, count, exceeded = self._hit(
            keys=[f"{self._windows}{_part(namespace)}:{_part(client)}", self._index, self._sequence],
            args=[_micros(now), length // MICROSECOND, quota.limit, self._max_clients],
        )
        reset_at = _moment(int(started)) + length
        return Usage(
            limit=quota.limit,
            remaining=max(0, quota.limit - int(count)),
            reset_at=reset_at,
            exceeded=bool(int(exceeded)),
            retry_after_seconds=max(1, math.ceil((reset_at - now).total_seconds())),
        )

    def __len__(self) -> int:
        return int(self._client.zcard(self._index))

    def clear(self, namespace: str | None = None, client: str | None = None) -> None:
        """Forget every window, a namespace's, or one client's of a namespace (`client` needs `namespace`)."""
        if client is not None and namespace is not None:
            window = f"{self._windows}{_part(namespace)}:{_part(client)}"
            with self._client.pipeline(transaction=True) as pipe:
                pipe.unlink(window)
                pipe.zrem(self._index, window)
                pipe.execute()
            return
        prefix = self._windows if namespace is None else f"{self._windows}{_part(namespace)}:"
        self._clear(keys=[self._index], args=[prefix])


# --- capped lists: the journal and the outbox -------------------------------------------------------------


class _CappedList:
    """A Redis list of at most `capacity` JSON items `[provider, fields]`, oldest first: each append and
    its trim are one MULTI, so no reader ever sees more than `capacity`."""

    def __init__(self, client: redis.Redis, key: str, capacity: int) -> None:
        self._client = client
        self._key = key
        self._capacity = capacity
        self._clear_provider = client.register_script(CLEAR_PROVIDER_ITEMS)
        self._clear_scope = client.register_script(CLEAR_SCOPE_ITEMS)

    def append(self, provider: str | None, fields: dict[str, Any]) -> None:
        if self._capacity <= 0:
            return  # as a deque of maxlen 0: nothing is kept
        with self._client.pipeline(transaction=True) as pipe:
            pipe.rpush(self._key, _dumps([provider, fields]))
            pipe.ltrim(self._key, -self._capacity, -1)
            pipe.execute()

    def items(self) -> list[tuple[str | None, dict[str, Any]]]:
        return [
            (provider, fields) for provider, fields in map(json.loads, self._client.lrange(self._key, 0, -1))
        ]

    def clear(self, provider: str | None, scope: str | None = None) -> None:
        """Every item, a provider's, or those of a provider whose fields name `scope`."""
        if provider is None:
            self._client.unlink(self._key)
        elif scope is not None:
            self._clear_scope(keys=[self._key], args=[provider, scope])
        else:
            # What every item of this provider starts with, as _dumps writes it.
            self._clear_provider(keys=[self._key], args=["[" + json.dumps(provider) + ","])


class RedisJournal:
    """Journal in Redis: the list `{prefix}:journal`, capped at `capacity` entries."""

    def __init__(self, client: redis.Redis, prefix: str, capacity: int) -> None:
        self._list = _CappedList(client, f"{prefix}:journal", capacity)

    def record(self, entry: JournalEntry) -> None:
        self._list.append(
            entry.provider,
            {
                "time": entry.time.isoformat(),
                "method": entry.method,
                "path": entry.path,
                "query": _b64(entry.raw_query),
                "headers": [[name, value] for name, value in entry.raw_headers],
                "body": _b64(entry.raw_body),
                "media_type": entry.media_type,
                "status": entry.status,
                "response_body": _b64(entry.raw_response_body),
                "scope": entry.scope,
            },
        )

    def entries(self) -> list[JournalEntry]:
        return [_journal_entry(provider, fields) for provider, fields in self._list.items()]

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        self._list.clear(provider, scope)


def _journal_entry(provider: str | None, fields: dict[str, Any]) -> JournalEntry:
    status = fields["status"]
    return JournalEntry(
        time=datetime.fromisoformat(fields["time"]),
        provider=None if provider is None else str(provider),
        method=str(fields["method"]),
        path=str(fields["path"]),
        raw_query=_unb64(fields["query"]),
        raw_headers=tuple((str(name), str(value)) for name, value in fields["headers"]),
        raw_body=_unb64(fields["body"]),
        media_type=None if fields["media_type"] is None else str(fields["media_type"]),
        status=None if status is None else int(status),
        raw_response_body=_unb64(fields["response_body"]),
        scope=_optional_text(fields.get("scope")),  # absent in an entry an older version recorded
    )


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)


class RedisOutbox:
    """Outbox in Redis: the list `{prefix}:outbox`, capped at `capacity` messages."""

    def __init__(self, client: redis.Redis, prefix: str, capacity: int = OUTBOX_CAPACITY) -> None:
        self._list = _CappedList(client, f"{prefix}:outbox", capacity)

    def send(self, message: OutboxMessage) -> None:
        fields = message.to_json()
        del fields["provider"]
        self._list.append(message.provider, fields)

    def messages(self, provider: str | None = None, user_id: str | None = None) -> list[OutboxMessage]:
        return [
            message
            for message in (_outbox_message(name, fields) for name, fields in self._list.items())
            if provider in (None, message.provider) and user_id in (None, message.user_id)
        ]

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        self._list.clear(provider, scope)


def _outbox_message(provider: str | None, fields: dict[str, Any]) -> OutboxMessage:
    code = fields["code"]
    return OutboxMessage(
        id=str(fields["id"]),
        time=datetime.fromisoformat(fields["time"]),
        provider=str(provider),
        scope=str(fields["scope"]),
        user_id=str(fields["user_id"]),
        channel=str(fields["channel"]),
        to=str(fields["to"]),
        body=str(fields["body"]),
        code=None if code is None else str(code),
    )


# --- fault rules ------------------------------------------------------------------------------------------

# KEYS: definitions, hits, limits, order, sequence. ARGV: id, definition, hits, times ('' for none).
# A rule added again under its id keeps its place, as a dict entry assigned again does.
FAULTS_ADD = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if ARGV[4] == '' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
end
if not redis.call('ZSCORE', KEYS[4], ARGV[1]) then
  redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[5]), ARGV[1])
end
"""

# KEYS: definitions, hits, limits, order. ARGV: id. Counts a hit on a rule that still exists, and removes
# it on its last: {hits, definition}, or nil when the rule is gone (spent or removed by someone else).
FAULTS_FIRE = """
local definition = redis.call('HGET', KEYS[1], ARGV[1])
if not definition then return nil end
local hits = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local times = redis.call('HGET', KEYS[3], ARGV[1])
if times and hits >= tonumber(times) then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('ZREM', KEYS[4], ARGV[1])
end
return {hits, definition}
"""


class RedisFaultRules:
    """FaultRules in Redis. Rules are kept in `{prefix}:faults:defs` (id -> the rule as JSON, without its
    hits), `{prefix}:faults:hits` (id -> hits) and `{prefix}:faults:times` (id -> N, for a rule of "the
    next N requests"), in the order of `{prefix}:faults:order` (scores from `{prefix}:faults:seq`).

    `fire` reads the rules, matches them here (globs, and the probability drawn from this process's `rng`),
    and claims a hit on the first candidate with one script: a hit is only counted on a rule that still
    exists, and the hit that reaches N removes it, so exactly N requests get a rule's fault however many
    processes race for it; a request that loses the race goes on to the next rule."""

    def __init__(self, client: redis.Redis, prefix: str, rng: random.Random) -> None:
        self._client = client
        self._rng = rng
        self._definitions = f"{prefix}:faults:defs"
        self._hits = f"{prefix}:faults:hits"
        self._limits = f"{prefix}:faults:times"
        self._order = f"{prefix}:faults:order"
        self._sequence = f"{prefix}:faults:seq"
        self._add = client.register_script(FAULTS_ADD)
        self._fire = client.register_script(FAULTS_FIRE)

    def add(self, rule: FaultRule) -> None:
        self._add(
            keys=[self._definitions, self._hits, self._limits, self._order, self._sequence],
            args=[rule.id, _rule_json(rule), rule.hits, "" if rule.times is None else rule.times],
        )

    def remove(self, rule_id: str) -> bool:
        with self._client.pipeline(transaction=True) as pipe:
            pipe.hdel(self._definitions, rule_id)
            pipe.hdel(self._hits, rule_id)
            pipe.hdel(self._limits, rule_id)
            pipe.zrem(self._order, rule_id)
            removed, *_ = pipe.execute()
        return bool(removed)

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        """Remove every rule (at once), or those of a provider, or of one scope of it (one by one)."""
        if provider is None and scope is None:
            self._client.unlink(self._definitions, self._hits, self._limits, self._order, self._sequence)
            return
        for rule in self.list():
            if rule.in_scope(provider, scope):
                self.remove(rule.id)

    def __bool__(self) -> bool:
        # A sorted set with no members does not exist.
        return bool(self._client.exists(self._order))

    def list(self) -> list[FaultRule]:
        with self._client.pipeline(transaction=True) as pipe:
            pipe.zrange(self._order, 0, -1)
            pipe.hgetall(self._definitions)
            pipe.hgetall(self._hits)
            order, definitions, hits = pipe.execute()
        definitions = {_text(rule_id): data for rule_id, data in definitions.items()}
        hits = {_text(rule_id): int(count) for rule_id, count in hits.items()}
        rules = []
        for rule_id in map(_text, order):
            if rule_id in definitions:
                rules.append(_rule_from(definitions[rule_id], hits.get(rule_id, 0)))
        return rules

    def fire(self, provider: str, method: str, path: str, scope_of: ScopeOf = no_scope) -> FaultRule | None:
        """The rule that hits this request, counting the hit (and spending a limited rule). The request's
        scope is asked of `scope_of` once, and only when a rule for one scope is in play."""
        scope_of = cache(scope_of)
        for rule in self.list():
            if not rule.matches(provider, method, path, scope_of):
                continue
            if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                continue
            claimed = self._fire(
                keys=[self._definitions, self._hits, self._limits, self._order], args=[rule.id]
            )
            if claimed is None:
                continue  # spent or removed since it was read: as if it had not been there
            hits, definition = claimed
            return _rule_from(definition, int(hits))
        return None


def _rule_json(rule: FaultRule) -> str:
    fields = rule.to_json()
    del fields["hits"]
    return _dumps(fields)


def _rule_from(data: bytes | str, hits: int) -> FaultRule:
    fields = json.loads(data)
    latency = fields["latency_ms"]
    return FaultRule(
        id=str(fields["id"]),
        provider=fields["provider"],
        scope=fields.get("scope"),  # absent in a rule an older version kept
        method=fields["method"],
        path=str(fields["path"]),
        times=None if fields["times"] is None else int(fields["times"]),
        probability=float(fields["probability"]),
        status=None if fields["status"] is None else int(fields["status"]),
        message=fields["message"],
        latency_ms=None if latency is None else Latency(int(latency[0]), int(latency[1])),
        drop=bool(fields["drop"]),
        hits=hits,
    )


def redis_secrets(client: redis.Redis, prefix: str, size: int = 32) -> Callable[[str], bytes]:
    """Named random secrets kept in Redis: the first process to ask draws one (SET NX), every later one,
    and every replica and restart on this prefix, reads the same bytes."""

    def secret(name: str) -> bytes:
        key = f"{prefix}:secrets:{quote(name, safe='')}"
        client.set(key, os.urandom(size), nx=True)
        value = client.get(key)
        return value if isinstance(value, bytes) else value.encode("latin-1")

    return secret
