"""Opt-in rate limiting per provider and per client, in fixed windows measured on the app's clock.

Off unless configured (`--rate-limit dakota=60/min`), so CI suites are never throttled by surprise.
A provider takes part by naming, in `Provider.rate_limit_key`, what identifies a client (its API key).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Response

from mock_server.base.clock import Clock
from mock_server.base.config import Quota
from mock_server.base.errors import RateLimited
from mock_server.base.store import in_part

# Windows of this many clients at most are kept (the oldest go first), whatever keys arrive.
MAX_CLIENTS = 100_000
TOO_MANY_REQUESTS = "Too many requests. Please retry after the rate limit window resets."


@dataclass(frozen=True)
class Usage:
    """One client's window after a request: what the X-RateLimit-* headers report."""

    limit: int
    remaining: int
    reset_at: datetime
    exceeded: bool
    retry_after_seconds: int

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at.timestamp())),
        }
        if self.exceeded:
            headers["Retry-After"] = str(self.retry_after_seconds)
        return headers


@dataclass
class _Window:
    started: datetime
    count: int


class RateLimiter:
    """Thread-safe fixed windows: a client's window opens at its first request and lasts the quota's
    length; requests refused for being over the limit do not count."""

    def __init__(self, clock: Clock, quotas: Mapping[str, Quota], max_clients: int = MAX_CLIENTS) -> None:
        self._clock = clock
        self._quotas = dict(quotas)
        self._max_clients = max_clients
        self._lock = threading.Lock()
        self._windows: OrderedDict[tuple[str, str], _Window] = OrderedDict()

    def limits(self, namespace: str) -> bool:
        return namespace in self._quotas

    def hit(self, namespace: str, client: str) -> Usage:
        """Count one request of `client` (KeyError if `namespace` has no quota)."""
        quota = self._quotas[namespace]
        length = timedelta(seconds=quota.window_seconds)
        now = self._clock.now()
        with self._lock:
            key = (namespace, client)
            window = self._windows.get(key)
            if window is None or now - window.started >= length:
                window = self._open(key, now)
            exceeded = window.count >= quota.limit
            if not exceeded:
                window.count += 1
            reset_at = window.started + length
        return Usage(
            limit=quota.limit,
            remaining=max(0, quota.limit - window.count),
            reset_at=reset_at,
            exceeded=exceeded,
            retry_after_seconds=max(1, math.ceil((reset_at - now).total_seconds())),
        )

    def _open(self, key: tuple[str, str], now: datetime) -> _Window:
        self._windows.pop(key, None)
        window = self._windows[key] = _Window(now, 0)  # newest last: the oldest windows are in front
        while len(self._windows) > self._max_clients:
            self._windows.popitem(last=False)
        self._drop_expired(now)
        return window

    def _drop_expired(self, now: datetime) -> None:
        while self._windows:
            (namespace, _), oldest = next(iter(self._windows.items()))
            if now - oldest.started < timedelta(seconds=self._quotas[namespace].window_seconds):
                break
            self._windows.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._windows)

    def clear(self, namespace: str | None = None, client: str | None = None) -> None:
        """Forget every window, a namespace's (a provider's), or one client's of a namespace."""
        with self._lock:
            for key in [key for key in self._windows if in_part(namespace, client, *key)]:
                del self._windows[key]


def count_request(limiter: RateLimiter, req: Any) -> None:
    """Count a request to a limited provider (unknown routes and errors too), and refuse it with
    RateLimited when it is over the quota. A request with no client key is answered (401) but not counted."""
    provider = req.provider
    if provider.rate_limit_key is None or not limiter.limits(provider.name):
        return
    client = provider.rate_limit_key(req)
    if not client:
        return
    usage = req.rate_limit_usage = limiter.hit(provider.name, client)
    if usage.exceeded:
        raise RateLimited(TOO_MANY_REQUESTS, retry_after=usage.retry_after_seconds)


def report_usage(req: Any, response: Response) -> None:
    """The client's window, on every response that counted."""
    usage: Usage | None = req.rate_limit_usage
    if usage is not None:
        response.headers.update(usage.headers())
