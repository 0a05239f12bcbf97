"""`RedisStore`: the `Store` on a Redis that several server processes share, so that they behave as one.

Every check-then-write is one Lua script, so it is atomic across processes as `MemoryStore`'s lock is
within one. Records are pickled and read back by an allowlisting unpickler (redis_codec.py).

Key layout (P is the prefix; every key starts with "P:"; a namespace or scope is written with "%" and ":"
escaped, so `dots:webhook-targets` is one part of a key):

    P:gen                   hash   namespace -> its generation (absent: 0)
    P:seq                   string the counter that orders insertions
    P:count                 hash   namespace -> how many records it holds
    P:namespaces            set    the namespaces that may hold records (what `clear()` clears)
    P:garbage               set    "namespace:generation" of cleared generations not yet deleted
    P:d:NS:GEN:scopes       zset   the namespace's scopes, by first insertion
    P:d:NS:GEN:r:SCOPE      hash   record id -> pickled record
    P:d:NS:GEN:o:SCOPE      zset   record id, scored by P:seq: insertion order
    P:d:NS:GEN:u:SCOPE      hash   unique token (redis_codec.unique_token) -> record id
    P:d:NS:GEN:k:SCOPE      hash   record id -> JSON list of its unique tokens (to unindex it)

Clearing a namespace is one script that moves it to a new generation (and forgets its count): from then
on no script sees the old keys, which are deleted after, in batches of UNLINKs, by the process that cleared
(or, if it died meanwhile, by the next `clear`). No KEYS, no SCAN of a keyspace others share.

The scripts name their data keys from the generation they read, so they are not for Redis Cluster (which
wants every key a script touches passed in KEYS); one Redis, or one primary with replicas, is assumed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterator
from typing import TYPE_CHECKING, Any

from mock_server.base import redis_codec
from mock_server.base.store import NO_UNIQUE, Build, Store, UniqueValues, UniqueViolation

if TYPE_CHECKING:
    import redis

BATCH = 500  # keys per UNLINK, scopes per ZRANGE page, ids per HMGET inside a script

_PREAMBLE = """
local prefix, ns = ARGV[1], ARGV[2]
local gen = redis.call('HGET', KEYS[1], ns) or '0'
local base = prefix .. ':d:' .. ns .. ':' .. gen .. ':'
"""

# For the scripts that write one record. ARGV: prefix, namespace, scope, id, record, JSON list of the
# unique tokens, a script's own argument ("" when unused), then the unique tokens.
# KEYS: P:gen, P:seq, P:count, P:namespaces.
_WRITE_PREAMBLE = (
    _PREAMBLE
    + """
local scope, id, record, tokens, extra = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local FIRST = 8
local r, o, u, k = base .. 'r:' .. scope, base .. 'o:' .. scope, base .. 'u:' .. scope, base .. 'k:' .. scope

local function clash()
  for i = FIRST, #ARGV do
    local owner = redis.call('HGET', u, ARGV[i])
    if owner and owner ~= id then return i - FIRST + 1 end
  end
  return nil
end

local function unindex()
  local old = redis.call('HGET', k, id)
  if old then
    for _, token in ipairs(cjson.decode(old)) do
      if redis.call('HGET', u, token) == id then redis.call('HDEL', u, token) end
    end
    redis.call('HDEL', k, id)
  end
end

local function write()
  redis.call('HSET', r, id, record)
  for i = FIRST, #ARGV do redis.call('HSET', u, ARGV[i], id) end
  if #ARGV >= FIRST then redis.call('HSET', k, id, tokens) end
end

local function insert()
  local taken = clash()
  if taken then return {'taken', taken} end
  if redis.call('HEXISTS', r, id) == 1 then
    unindex()  -- an insert over an existing id overwrites it, in its place, as MemoryStore's does
  else
    local seq = redis.call('INCR', KEYS[2])
    redis.call('ZADD', o, seq, id)
    redis.call('ZADD', base .. 'scopes', 'NX', seq, scope)
    redis.call('HINCRBY', KEYS[3], ns, 1)
    redis.call('SADD', KEYS[4], ns)
  end
  write()
  return {'ok'}
end
"""
)

_INSERT = _WRITE_PREAMBLE + "return insert()\n"

# extra: the unique token of the key looked up.
_GET_OR_INSERT = (
    _WRITE_PREAMBLE
    + """
local owner = redis.call('HGET', u, extra)
if owner then return {'found', redis.call('HGET', r, owner)} end
return insert()
"""
)

# extra: "" or the record (its bytes as last read) the replaced one must still be.
_REPLACE = (
    _WRITE_PREAMBLE
    + """
local current = redis.call('HGET', r, id)
if not current then return {'missing'} end
if extra ~= '' and current ~= extra then return {'changed'} end
local taken = clash()
if taken then return {'taken', taken} end
unindex()
write()
return {'ok'}
"""
)

# ARGV: prefix, namespace, scope, id. KEYS: P:gen, P:count.
_DELETE = (
    _PREAMBLE
    + """
local scope, id = ARGV[3], ARGV[4]
local r, u, k = base .. 'r:' .. scope, base .. 'u:' .. scope, base .. 'k:' .. scope
local current = redis.call('HGET', r, id)
if not current then return false end
local old = redis.call('HGET', k, id)
if old then
  for _, token in ipairs(cjson.decode(old)) do
    if redis.call('HGET', u, token) == id then redis.call('HDEL', u, token) end
  end
  redis.call('HDEL', k, id)
end
redis.call('HDEL', r, id)
redis.call('ZREM', base .. 'o:' .. ARGV[3], id)
redis.call('HINCRBY', KEYS[2], ns, -1)
return current
"""
)

# ARGV: prefix, namespace, scope, id. KEYS: P:gen.
_GET = _PREAMBLE + "return redis.call('HGET', base .. 'r:' .. ARGV[3], ARGV[4])\n"

# ARGV: prefix, namespace, scope, unique token. KEYS: P:gen.
_FIND = (
    _PREAMBLE
    + """
local owner = redis.call('HGET', base .. 'u:' .. ARGV[3], ARGV[4])
if not owner then return false end
return redis.call('HGET', base .. 'r:' .. ARGV[3], owner)
"""
)

# ARGV: prefix, namespace, scope. KEYS: P:gen.
_VALUES = (
    _PREAMBLE
    + f"""
local r = base .. 'r:' .. ARGV[3]
local ids = redis.call('ZRANGE', base .. 'o:' .. ARGV[3], 0, -1)
local out = {{}}
for first = 1, #ids, {BATCH} do
  local chunk = redis.call('HMGET', r, unpack(ids, first, math.min(first + {BATCH - 1}, #ids)))
  for _, record in ipairs(chunk) do out[#out + 1] = record end
end
return out
"""
)

# ARGV: prefix, namespace. KEYS: P:gen.
_SCOPES = _PREAMBLE + "return redis.call('ZRANGE', base .. 'scopes', 0, -1)\n"

# ARGV: prefix, then the namespaces to clear (none: every one). KEYS: P:gen, P:count, P:namespaces,
# P:garbage. Answers every generation waiting to be deleted.
_CLEAR = """
local prefix = ARGV[1]
local targets = {}
if #ARGV == 1 then
  targets = redis.call('SMEMBERS', KEYS[3])
  redis.call('DEL', KEYS[2], KEYS[3])
else
  for i = 2, #ARGV do
    targets[#targets + 1] = ARGV[i]
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('SREM', KEYS[3], ARGV[i])
  end
end
for _, ns in ipairs(targets) do
  local old = redis.call('HGET', KEYS[1], ns) or '0'
  if redis.call('EXISTS', prefix .. ':d:' .. ns .. ':' .. old .. ':scopes') == 1 then
    redis.call('HINCRBY', KEYS[1], ns, 1)
    redis.call('SADD', KEYS[4], ns .. ':' .. old)
  end
end
return redis.call('SMEMBERS', KEYS[4])
"""

SCOPE_KINDS = ("r", "o", "u", "k")
_ESCAPED = re.compile("%25|%3A")
_UNESCAPED = {"%25": "%", "%3A": ":"}


def key_part(name: str) -> str:
    """A namespace or scope as one colon-free part of a key."""
    return name.replace("%", "%25").replace(":", "%3A")


class RedisStore(Store):
    """Records in Redis under `prefix` (see the module's key layout). `client` must answer bytes (not
    decode_responses); its errors (ConnectionError, TimeoutError) reach the caller unchanged, and no
    operation ever leaves half a write: each is one script."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        if client.connection_pool.connection_kwargs.get("decode_responses"):
            raise ValueError("RedisStore needs a client that answers bytes (decode_responses=False)")
        self._client = client
        self.prefix = prefix
        self._meta = [f"{prefix}:gen", f"{prefix}:seq", f"{prefix}:count", f"{prefix}:namespaces"]
        self._garbage = f"{prefix}:garbage"
        self._insert = client.register_script(_INSERT)
        self._get_or_insert = client.register_script(_GET_OR_INSERT)
        self._replace = client.register_script(_REPLACE)
        self._delete = client.register_script(_DELETE)
        self._get = client.register_script(_GET)
        self._find = client.register_script(_FIND)
        self._values = client.register_script(_VALUES)
        self._scopes = client.register_script(_SCOPES)
        self._clear = client.register_script(_CLEAR)

    # --- writes ----------------------------------------------------------------------------------

    def insert(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        self._write(self._insert, namespace, scope, record_id, record, unique, "")

    def get_or_insert(
        self, namespace: str, scope: str, key: tuple[str, Hashable], build: Build
    ) -> tuple[Any, bool]:
        """`build` runs in this process, outside the script, when the key looks free; if another process
        takes the key meanwhile, its record is the answer and what `build` made is dropped."""
        field, value = key
        existing = self.find(namespace, scope, field, value)
        if existing is not None:
            return existing, False
        record_id, record, unique = build()
        found = self._write(
            self._get_or_insert,
            namespace,
            scope,
            record_id,
            record,
            unique,
            redis_codec.unique_token(field, value),
        )
        if found is not None:
            return redis_codec.loads(found), False
        return record, True

    def replace(
        self, namespace: str, scope: str, record_id: str, record: Any, unique: UniqueValues = NO_UNIQUE
    ) -> None:
        self._write(self._replace, namespace, scope, record_id, record, unique, "")

    def update(
        self,
        namespace: str,
        scope: str,
        record_id: str,
        change: Callable[[Any], tuple[Any, UniqueValues]],
    ) -> Any:
        """A read-modify-write of one record that no other writer's can interleave with: `change(record)`
        gives the new record and its unique values; when another process changed the record meanwhile,
        `change` runs again on the newer one (so it must have no side effects). KeyError if the record is
        gone."""
        while True:
            current = self._get(keys=self._meta[:1], args=self._args(namespace, scope, record_id))
            if current is None:
                raise KeyError(record_id)
            record, unique = change(redis_codec.loads(current))
            try:
                self._write(self._replace, namespace, scope, record_id, record, unique, current)
                return record
            except _Changed:
                continue

    def delete(self, namespace: str, scope: str, record_id: str) -> Any | None:
        removed = self._delete(
            keys=[self._meta[0], self._meta[2]], args=self._args(namespace, scope, record_id)
        )
        return None if removed is None else redis_codec.loads(removed)

    def _write(
        self,
        script: Any,
        namespace: str,
        scope: str,
        record_id: str,
        record: Any,
        unique: UniqueValues,
        extra: str | bytes,
    ) -> bytes | None:
        """Run one of the write scripts; the record found instead (get_or_insert), or None."""
        fields = [field for field, value in unique.items() if value is not None]  # None never collides
        tokens = [redis_codec.unique_token(field, unique[field]) for field in fields]
        args = [
            *self._args(namespace, scope, record_id),
            redis_codec.dumps(record),
            json.dumps(tokens) if tokens else "",
            extra,
            *tokens,
        ]
        outcome, *detail = script(keys=self._meta, args=args)
        if outcome == b"ok":
            return None
        if outcome == b"found":
            return detail[0]
        if outcome == b"taken":
            raise UniqueViolation(fields[detail[0] - 1], record)
        if outcome == b"missing":
            raise KeyError(record_id)
        if outcome == b"changed":
            raise _Changed
        raise AssertionError(f"unexpected answer from a store script: {outcome!r}")

    # --- reads -----------------------------------------------------------------------------------

    def get(self, namespace: str, scope: str, record_id: str) -> Any | None:
        found = self._get(keys=self._meta[:1], args=self._args(namespace, scope, record_id))
        return None if found is None else redis_codec.loads(found)

    def find(self, namespace: str, scope: str, field: str, value: Hashable) -> Any | None:
        if value is None:
            return None
        token = redis_codec.unique_token(field, value)
        found = self._find(keys=self._meta[:1], args=self._args(namespace, scope, token))
        return None if found is None else redis_codec.loads(found)

    def values(self, namespace: str, scope: str) -> list[Any]:
        found = self._values(keys=self._meta[:1], args=[self.prefix, key_part(namespace), key_part(scope)])
        return [redis_codec.loads(record) for record in found]

    def scopes(self, namespace: str) -> Iterator[str]:
        found = self._scopes(keys=self._meta[:1], args=[self.prefix, key_part(namespace)])
        return iter([_unpart(scope.decode()) for scope in found])

    def count(self, namespace: str | None = None) -> int:
        if namespace is None:
            return sum(int(count) for count in self._client.hvals(self._meta[2]))
        return int(self._client.hget(self._meta[2], key_part(namespace)) or 0)

    # --- clearing --------------------------------------------------------------------------------

    def clear(self, namespace: str | None = None) -> None:
        """At once, for every process: the namespace (or every one) is empty. Then the old keys are
        deleted here, in batches that never hold Redis up for long."""
        targets = [] if namespace is None else [key_part(namespace)]
        garbage = self._clear(
            keys=[self._meta[0], self._meta[2], self._meta[3], self._garbage], args=[self.prefix, *targets]
        )
        for entry in garbage:
            self._delete_generation(entry.decode())

    def _delete_generation(self, entry: str) -> None:
        """Delete one cleared generation ("namespace:generation"): no script reads or writes it any more,
        so its scope list cannot change while it is read page by page."""
        scopes_key = f"{self.prefix}:d:{entry}:scopes"
        start = 0
        while True:
            scopes = self._client.zrange(scopes_key, start, start + BATCH // len(SCOPE_KINDS) - 1)
            if not scopes:
                break
            self._client.unlink(
                *(
                    f"{self.prefix}:d:{entry}:{kind}:{scope.decode()}"
                    for scope in scopes
                    for kind in SCOPE_KINDS
                )
            )
            start += len(scopes)
        self._client.unlink(scopes_key)
        self._client.srem(self._garbage, entry)

    def _args(self, namespace: str, scope: str, last: str) -> list[str]:
        return [self.prefix, key_part(namespace), key_part(scope), last]


class _Changed(Exception):
    """A compare-and-replace found the record changed since it was read."""


def _unpart(part: str) -> str:
    return _ESCAPED.sub(lambda found: _UNESCAPED[found.group()], part)
