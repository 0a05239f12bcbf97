"""`RedisEventLog`: the EventLog (event_log.py) on a Redis that several server processes share, so that
they keep one log between them.

Key layout (P is the prefix, N the log's name; every key starts with "P:"; N and each scope are written
with "%" and ":" escaped, as redis_store.key_part writes them):

    P:log:N:seq             string the counter that orders appends
    P:log:N:all             zset   "SCOPE:id" of every kept record, scored by P:log:N:seq: the total cap
    P:log:N:scopes          set    the scopes that may hold records (what `clear()` clears)
    P:log:N:o:SCOPE         zset   the scope's record ids, scored by P:log:N:seq: the per-scope cap
    P:log:N:r:SCOPE         hash   record id -> payload (bytes, as given)

An append, with both trims, is one script, and so is a clear and a consistent reading of a scope; a change
reads the record, runs the caller's function here, and writes the result with a script that first checks
the record is still what was read (else it reads again and retries). Scripts touch the keys of scopes they
find in `all` and `scopes` besides their KEYS: fine on one Redis (the only deployment intended), not on
Redis Cluster. No KEYS, no SCAN. Redis errors (a lost connection, a timeout) reach the caller unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mock_server.base.redis_store import key_part
from mock_server.core.event_log import Change, EventLog

if TYPE_CHECKING:
    import redis

BATCH = 1000  # keys per UNLINK inside a script

# KEYS: seq, all, scopes, o:SCOPE, r:SCOPE. ARGV: base ("P:log:N:"), scope (escaped), id, payload,
# per_scope, total.
_APPEND = """
local base, scope, id = ARGV[1], ARGV[2], ARGV[3]
local seq = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[5], id, ARGV[4])
redis.call('ZADD', KEYS[4], seq, id)
redis.call('ZADD', KEYS[2], seq, scope .. ':' .. id)
redis.call('SADD', KEYS[3], scope)
local excess = redis.call('ZCARD', KEYS[4]) - math.max(0, tonumber(ARGV[5]))
if excess > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[4], excess)
  for i = 1, #popped, 2 do
    redis.call('HDEL', KEYS[5], popped[i])
    redis.call('ZREM', KEYS[2], scope .. ':' .. popped[i])
  end
end
excess = redis.call('ZCARD', KEYS[2]) - math.max(0, tonumber(ARGV[6]))
if excess > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #popped, 2 do
    local colon = string.find(popped[i], ':', 1, true)
    local owner, owned = string.sub(popped[i], 1, colon - 1), string.sub(popped[i], colon + 1)
    redis.call('ZREM', base .. 'o:' .. owner, owned)
    redis.call('HDEL', base .. 'r:' .. owner, owned)
    if redis.call('EXISTS', base .. 'o:' .. owner) == 0 then redis.call('SREM', KEYS[3], owner) end
  end
end
if redis.call('EXISTS', KEYS[4]) == 0 then redis.call('SREM', KEYS[3], scope) end
"""

# KEYS: o:SCOPE, r:SCOPE. Answers {ids newest first, their payloads}.
_NEWEST_FIRST = """
local ids = redis.call('ZREVRANGE', KEYS[1], 0, -1)
local payloads = {}
for first = 1, #ids, BATCH do
  local chunk = redis.call('HMGET', KEYS[2], unpack(ids, first, math.min(first + BATCH - 1, #ids)))
  for _, payload in ipairs(chunk) do payloads[#payloads + 1] = payload end
end
return {ids, payloads}
""".replace("BATCH", str(BATCH))

# KEYS: r:SCOPE. ARGV: id, the payload as read, the new payload. Answers 1: written; 0: the record changed
# since it was read; -1: it is gone.
_COMPARE_AND_SET = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return -1 end
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

# KEYS: seq, all, scopes. ARGV: base.
_CLEAR = """
local doomed = {KEYS[1], KEYS[2], KEYS[3]}
for _, scope in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  doomed[#doomed + 1] = ARGV[1] .. 'o:' .. scope
  doomed[#doomed + 1] = ARGV[1] .. 'r:' .. scope
end
for first = 1, #doomed, BATCH do
  redis.call('UNLINK', unpack(doomed, first, math.min(first + BATCH - 1, #doomed)))
end
""".replace("BATCH", str(BATCH))


# KEYS: all, scopes, o:SCOPE, r:SCOPE. ARGV: scope (escaped). One scope's records, and their places in `all`.
_CLEAR_SCOPE = """
local ids = redis.call('ZRANGE', KEYS[3], 0, -1)
for first = 1, #ids, BATCH do
  local members = {}
  for i = first, math.min(first + BATCH - 1, #ids) do members[#members + 1] = ARGV[1] .. ':' .. ids[i] end
  redis.call('ZREM', KEYS[1], unpack(members))
end
redis.call('UNLINK', KEYS[3], KEYS[4])
redis.call('SREM', KEYS[2], ARGV[1])
return #ids
""".replace("BATCH", str(BATCH))


class RedisEventLog(EventLog):
    """The log `name` in Redis under `prefix` (see the module's key layout). `client` must answer bytes
    (not decode_responses), as payloads are bytes."""

    def __init__(self, client: redis.Redis, prefix: str, name: str, per_scope: int, total: int) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("RedisEventLog needs a client that answers bytes (decode_responses=False)")
        self._client = client
        self._per_scope = per_scope
        self._total = total
        self._base = f"{prefix}:log:{key_part(name)}:"
        self._meta = [f"{self._base}seq", f"{self._base}all", f"{self._base}scopes"]
        self._append = client.register_script(_APPEND)
        self._newest_first = client.register_script(_NEWEST_FIRST)
        self._compare_and_set = client.register_script(_COMPARE_AND_SET)
        self._clear = client.register_script(_CLEAR)
        self._clear_scope = client.register_script(_CLEAR_SCOPE)

    def _keys(self, scope: str) -> list[str]:
        part = key_part(scope)
        return [f"{self._base}o:{part}", f"{self._base}r:{part}"]

    def append(self, scope: str, record_id: str, payload: bytes) -> None:
        self._append(
            keys=[*self._meta, *self._keys(scope)],
            args=[self._base, key_part(scope), record_id, payload, self._per_scope, self._total],
        )

    def get(self, scope: str, record_id: str) -> bytes | None:
        return self._client.hget(self._keys(scope)[1], record_id)  # type: ignore[return-value]

    def newest_first(self, scope: str) -> list[tuple[str, bytes]]:
        ids, payloads = self._newest_first(keys=self._keys(scope))
        return [(record_id.decode(), payload) for record_id, payload in zip(ids, payloads, strict=True)]

    def change(self, scope: str, record_id: str, change: Change) -> bytes:
        records = self._keys(scope)[1]
        while True:
            current = self._client.hget(records, record_id)
            if current is None:
                raise KeyError(record_id)
            payload = change(current)  # type: ignore[arg-type]
            outcome = int(self._compare_and_set(keys=[records], args=[record_id, current, payload]))
            if outcome == 1:
                return payload
            if outcome == -1:
                raise KeyError(record_id)

    def clear(self) -> None:
        self._clear(keys=self._meta, args=[self._base])

    def clear_scope(self, scope: str) -> None:
        self._clear_scope(keys=[*self._meta[1:], *self._keys(scope)], args=[key_part(scope)])
