"""Settings, from defaults, then MOCK_SERVER_* environment variables, then the command line."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ENV_PREFIX = "MOCK_SERVER_"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    provider: str | None = None  # serve only this provider, at the root
    seed: int | None = None  # same seed: same IDs and fake data
    threads: int = 8
    max_body_bytes: int = 1024 * 1024
    idempotency_ttl_seconds: float = 24 * 60 * 60
    idempotency_max_keys: int = 100_000
    journal_size: int = 1_000
    rate_limit: str | None = None  # e.g. "dakota=60/min"; off by default so CI suites are not throttled
    strict_auth: bool = False  # accept only credentials the mock itself issued (e.g. its own tokens)
    latency_ms: str | None = None  # "50-200": every provider request waits that many ms (drawn per request)
    cors_origins: str = "*"  # comma-separated origins allowed to call the APIs from a browser
    fixtures: str | None = None  # a fixtures file or folder loaded at start
    # Taliware tenant ids that exist, comma-separated; unset: any well-formed tenant id exists.
    taliware_tenants: str | None = None

    def latency_range(self) -> tuple[int, int]:
        low, _, high = (self.latency_ms or "0").partition("-")
        return int(low), int(high or low)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, overridden by MOCK_SERVER_<FIELD> variables, overridden by non-None `overrides`."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper())
            if raw not in (None, ""):
                values[field.name] = _parse(field.name, raw, cls)
        values.update({name: value for name, value in overrides.items() if value is not None})
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        try:
            low, high = self.latency_range()
        except ValueError:
            raise ValueError(f"latency {self.latency_ms!r} is not milliseconds like 100 or 50-200") from None
        if not 0 <= low <= high:
            raise ValueError(f"latency {self.latency_ms!r} must be a range from low to high")

    @classmethod
    def coerce(cls, config: Config | Mapping[str, Any] | None) -> Config:
        if isinstance(config, cls):
            return config
        return cls(**dict(config or {}))


def _parse(name: str, raw: str, cls: type[Config]) -> Any:
    kind = {field.name: field.type for field in dataclasses.fields(cls)}[name]
    if kind == "bool":
        return _parse_bool(name, raw)
    try:
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number") from None
    return raw


def _parse_bool(name: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a boolean (use true or false)")
