"""Faults on demand: rules that make matching requests fail, slow down or lose their connection."""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from flask import Response

from mock_server.base.config import Latency
from mock_server.base.errors import (
    ApiError,
    Conflict,
    Forbidden,
    InternalError,
    InvalidRequest,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RequestTimeout,
    Unauthorized,
    UnsupportedMediaType,
    reason_phrase,
)
from mock_server.base.store import in_part


class InjectedFault(ApiError):
    """An error a fault rule asked for: any status, rendered in the provider's own shape."""

    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(message or reason_phrase(status))
        self.status = status
        # The rule's own message; None when it named none, so a provider may use its own wording.
        self.chosen_message = message


# An injected status that has a typed error is raised as that type too, so every provider answers
# it as it answers that status itself (an injected 401 is the provider's 401: its code, type, title
# and headers), not as a generic error that merely carries the status.
class InjectedInvalidRequest(InjectedFault, InvalidRequest): ...


class InjectedUnauthorized(InjectedFault, Unauthorized): ...


class InjectedForbidden(InjectedFault, Forbidden): ...


class InjectedNotFound(InjectedFault, NotFound): ...


class InjectedMethodNotAllowed(InjectedFault, MethodNotAllowed):
    """Allows no method: an empty Allow says the resource is out of order (RFC 9110 section 10.2.1)."""


class InjectedRequestTimeout(InjectedFault, RequestTimeout): ...


class InjectedConflict(InjectedFault, Conflict): ...


class InjectedPayloadTooLarge(InjectedFault, PayloadTooLarge): ...


class InjectedUnsupportedMediaType(InjectedFault, UnsupportedMediaType): ...


class InjectedRateLimited(InjectedFault, RateLimited):
    """Retry after RateLimited's default minute: the window of the one documented limit (Dakota's)."""


class InjectedInternalError(InjectedFault, InternalError): ...


INJECTED_BY_STATUS: dict[int, type[InjectedFault]] = {
    kind.status: kind
    for kind in (
        InjectedInvalidRequest,
        InjectedUnauthorized,
        InjectedForbidden,
        InjectedNotFound,
        InjectedMethodNotAllowed,
        InjectedRequestTimeout,
        InjectedConflict,
        InjectedPayloadTooLarge,
        InjectedUnsupportedMediaType,
        InjectedRateLimited,
        InjectedInternalError,
    )
}


def injected_error(status: int, message: str | None = None) -> InjectedFault:
    """The error a rule's status stands for: typed where the status has a type, generic otherwise
    (422, 502, 503...: each provider names those by their status)."""
    return INJECTED_BY_STATUS.get(status, InjectedFault)(status, message)


# WSGI gives an app no socket to close. A response that promises more body than it sends makes the
# server close the connection: the client sees a dropped connection, and nothing is logged.
DROPPED_PROMISED_LENGTH = 1024


def dropped_response_parts() -> tuple[bytes, dict[str, str]]:
    return b"", {"Content-Length": str(DROPPED_PROMISED_LENGTH)}


class DroppedConnection(Response):
    """A `drop` rule's response: never sent (the server closes the connection before its head), so
    its status is no answer the client saw; the journal records it as dropped, not as this 200."""


# Works out the scope of the request being matched, only if a rule asks (None: it has no valid credential).
ScopeOf = Callable[[], str | None]


def no_scope() -> str | None:
    return None


@dataclass(frozen=True)
class FaultRule:
    id: str
    provider: str | None = None  # None: every provider
    scope: str | None = None  # one credential's requests (of `provider`); None: every credential's
    method: str | None = None  # None: every method
    path: str = "*"  # glob on the path as the real API sees it (no mount prefix)
    times: int | None = None  # the next N matching requests, then the rule is spent
    probability: float = 1.0  # chance that a matching request is hit
    status: int | None = None
    message: str | None = None
    latency_ms: Latency | None = None
    drop: bool = False
    hits: int = field(default=0, compare=False)

    def matches(self, provider: str, method: str, path: str, scope_of: ScopeOf = no_scope) -> bool:
        return (
            (self.provider is None or self.provider == provider)
            and (self.method is None or self.method.upper() == method)
            and fnmatch.fnmatchcase(path, self.path)
            and (self.scope is None or self.scope == scope_of())
        )

    def in_scope(self, provider: str | None, scope: str | None) -> bool:
        """Whether clearing `provider`'s rules (of one `scope` of it, if given) takes this rule."""
        return in_part(provider, scope, self.provider, self.scope)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "provider": self.provider,
            "scope": self.scope,
            "method": self.method,
            "path": self.path,
            "times": self.times,
            "probability": self.probability,
            "status": self.status,
            "message": self.message,
            "latency_ms": [self.latency_ms.low, self.latency_ms.high] if self.latency_ms else None,
            "drop": self.drop,
            "hits": self.hits,
        }


class FaultRules:
    """The rules in the order they were added; the first that matches and fires wins."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._rules: dict[str, FaultRule] = {}
        self._lock = threading.Lock()

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules[rule.id] = rule

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            return self._rules.pop(rule_id, None) is not None

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        """Remove every rule, or those of a provider, or those of one scope of a provider."""
        with self._lock:
            for rule_id in [rule.id for rule in self._rules.values() if rule.in_scope(provider, scope)]:
                del self._rules[rule_id]

    def __bool__(self) -> bool:
        # Unlocked: one read of the dict is atomic, and a rule added meanwhile applies from the next request.
        return bool(self._rules)

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules.values())

    def fire(self, provider: str, method: str, path: str, scope_of: ScopeOf = no_scope) -> FaultRule | None:
        """The rule that hits this request, counting the hit (and spending a limited rule). The request's
        scope is asked of `scope_of` once, and only when a rule for one scope is in play."""
        scope_of = cache(scope_of)
        with self._lock:
            for rule in self._rules.values():
                if not rule.matches(provider, method, path, scope_of):
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                hit = replace(rule, hits=rule.hits + 1)
                if rule.times is not None and hit.hits >= rule.times:
                    del self._rules[rule.id]
                else:
                    self._rules[rule.id] = hit
                return hit
        return None


def apply_faults(
    rules: FaultRules, latency: Latency | None, rng: random.Random, req: Any, scope_of: ScopeOf
) -> Response | None:
    """Before a provider's request: the global latency, then the first fault rule that fires (`scope_of`
    works out the request's scope, for a rule of one credential)."""
    if latency is None and not rules:
        return None  # the usual case, decided without looking at the request
    if req.method == "OPTIONS":
        return None
    if latency is not None:
        _sleep(latency, rng)
    rule = rules.fire(req.provider.name, req.method, req.real_path, scope_of)
    if rule is None:
        return None
    if rule.latency_ms:
        _sleep(rule.latency_ms, rng)
    if rule.drop:
        body, headers = dropped_response_parts()
        return DroppedConnection(iter([body]), status=200, headers=headers, content_type="application/json")
    if rule.status:
        raise injected_error(rule.status, rule.message)
    return None


def _sleep(latency: Latency, rng: random.Random) -> None:
    low, high = latency.low, latency.high
    time.sleep((low if low == high else rng.randint(low, high)) / 1000)
