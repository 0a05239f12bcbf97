"""Settings: read once, from defaults, then MOCK_SERVER_* environment variables, then the command line
or a dict, into typed values; everything that can be wrong with them is refused here, with a message.

Each setting is a field of `Config` whose metadata says how to read it from text and write it back (the
server hands its settings to a worker through the environment). A provider's own settings are a
dataclass of the same kind, declared by the provider; they arrive under `<provider>_<field>`
(environment: `MOCK_SERVER_<PROVIDER>_<FIELD>`) and are kept, typed, in `Config.provider_settings`."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "MOCK_SERVER_"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

UNIT_SECONDS = {
    "s": 1, "sec": 1, "second": 1,
    "m": 60, "min": 60, "minute": 60,
    "h": 3600, "hour": 3600,
}  # fmt: skip
QUOTA_PATTERN = re.compile(r"^\s*([a-z0-9_-]+)\s*=\s*([0-9]+)\s*/\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Quota:
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Latency:
    """Milliseconds of delay, drawn per request from low to high (equal: a fixed delay)."""

    low: int
    high: int


@dataclass(frozen=True)
class SettingsCatalog:
    """What the providers bring to settings: their names, which of them can be rate limited, and the
    dataclass of each one's own settings."""

    provider_names: tuple[str, ...] = ()
    rate_limited: frozenset[str] = frozenset()
    provider_settings: Mapping[str, type] = field(default_factory=dict)


Parse = Callable[[str], Any]
Format = Callable[[Any], str]


def setting(parse: Parse | None = None, text: Format = str, help: str = "") -> dict[str, Any]:
    """A dataclass field's metadata: how a value is read from text (`parse`; None: the field's type
    decides) and written back (`text`)."""
    return {"parse": parse, "text": text, "help": help}


# --- readers, each raising ValueError with what is wrong -------------------------------------------


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_threads() -> int:
    """Threads for requests that wait (latency, fault rules, a Redis store): as Python's own thread pools
    size themselves for waiting work, the CPUs plus 4, at most 32. They sleep or wait on the network, so
    more of them than CPUs costs nothing; the plus 4 keeps a one-CPU machine from serving one delayed
    request at a time."""
    return min(32, usable_cpus() + 4)


def parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError("is not a boolean (use true or false)")


def parse_latency(raw: str) -> Latency | None:
    """ "100" or "50-200" milliseconds; "" or "0" for none."""
    low, _, high = raw.strip().partition("-")
    try:
        latency = Latency(int(low), int(high or low))
    except ValueError:
        raise ValueError(f"latency {raw!r} is not milliseconds like 100 or 50-200") from None
    if not 0 <= latency.low <= latency.high:
        raise ValueError(f"latency {raw!r} must be a range from low to high")
    return latency if latency.high else None


def latency_text(latency: Latency | None) -> str:
    return "" if latency is None else f"{latency.low}-{latency.high}"


def parse_quotas(text: str | None) -> dict[str, Quota]:
    """`"dakota=60/min,dots=10/s"` as {provider: Quota}; ValueError names what is wrong."""
    quotas: dict[str, Quota] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = QUOTA_PATTERN.match(part.lower())
        if match is None or match.group(3) not in UNIT_SECONDS or int(match.group(2)) < 1:
            raise ValueError(
                f"rate limit {part.strip()!r} is not PROVIDER=N/UNIT with N >= 1 and UNIT one of s, min, hour"
            )
        name, limit, unit = match.groups()
        quotas[name] = Quota(int(limit), UNIT_SECONDS[unit])
    return quotas


def quotas_text(quotas: Mapping[str, Quota]) -> str:
    return ",".join(f"{name}={quota.limit}/{quota.window_seconds}s" for name, quota in quotas.items())


def parse_ports(text: str) -> dict[str, int]:
    """`"dakota=8083,dots=8081"` as {provider: port}; ValueError names what is wrong."""
    ports: dict[str, int] = {}
    for part in text.split(","):
        name, _, port = part.strip().partition("=")
        if not part.strip():
            continue
        if not name or not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError(
                f"provider port {part.strip()!r} is not PROVIDER=PORT with a port from 1 to 65535"
            )
        ports[name.strip().lower()] = int(port)
    return ports


def ports_text(ports: Mapping[str, int]) -> str:
    return ",".join(f"{name}={port}" for name, port in ports.items())


def parse_origins(raw: str) -> tuple[str, ...]:
    """Comma-separated origins; none, or any "*", allows every origin."""
    names = tuple(origin.strip() for origin in raw.split(",") if origin.strip())
    return ("*",) if not names or "*" in names else names


def parse_names(raw: str) -> frozenset[str] | None:
    """A comma-separated set of names; None when there is none."""
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    return names or None


def names_text(names: frozenset[str] | None) -> str:
    return ",".join(sorted(names or ()))


MEMORY_STORE = "memory"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
STORE_NAMESPACE = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")
ADMIN_TOKEN = re.compile(r"^[\x21-\x7e]+\Z")

# An outbound webhook's retries: 10 attempts over about 48 hours, as integrators report of Dakota (assumed).
DEFAULT_RETRY_SCHEDULE = (30.0, 120.0, 600.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0, 86400.0)


def parse_delays(raw: str) -> tuple[float, ...]:
    """`"30s,2m,1h"` (or plain seconds, "0.5,1") as seconds; "" for no retry at all."""
    delays = []
    for part in raw.split(","):
        text = part.strip().lower()
        if not text:
            continue
        match = re.match(r"^([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)$", text)
        if match is None or (match.group(2) and match.group(2) not in UNIT_SECONDS):
            raise ValueError(f"retry delay {part.strip()!r} is not a number of seconds, or N with s, m or h")
        delays.append(float(match.group(1)) * UNIT_SECONDS.get(match.group(2) or "s", 1))
    return tuple(delays)


def delays_text(delays: tuple[float, ...]) -> str:
    return ",".join(f"{delay:g}" for delay in delays)


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    provider: str | None = None  # serve only this provider, at the root
    seed: int | None = None  # same seed: same IDs and fake data
    # Threads for requests that may wait; the others run on the event loop (see rsgi.py).
    threads: int = field(default_factory=default_threads)
    max_body_bytes: int = 1024 * 1024
    # A request body must arrive whole within this time, or the request is abandoned unread (408).
    body_timeout_seconds: float = 5.0
    # On SIGTERM or SIGINT: how long requests already being answered may take before the server exits.
    shutdown_grace_seconds: int = 2
    idempotency_ttl_seconds: float = 24 * 60 * 60
    idempotency_max_keys: int = 100_000
    journal_size: int = 1_000
    # Off by default, so CI suites are never throttled by surprise.
    rate_limit: Mapping[str, Quota] = field(
        default_factory=dict, metadata=setting(parse_quotas, quotas_text, "e.g. dakota=60/min")
    )
    strict_auth: bool = False  # accept only credentials the mock itself issued (e.g. its own tokens)
    quiet: bool = False  # no access line per request on the console
    latency_ms: Latency | None = field(
        default=None,
        metadata=setting(parse_latency, latency_text, "every provider request waits, e.g. 50-200"),
    )
    cors_origins: tuple[str, ...] = field(
        default=("*",), metadata=setting(parse_origins, ",".join, "browser origins allowed")
    )
    fixtures: str | None = None  # a fixtures file or folder loaded at start
    # A port of its own for a provider, served at its root as on its real host (for SDKs that keep only
    # a base URL's origin), beside the shared port; same process, same state.
    provider_ports: Mapping[str, int] = field(
        default_factory=dict, metadata=setting(parse_ports, ports_text, "e.g. dakota=8083,dots=8081")
    )
    # Outbound webhooks: when a failed delivery is tried again, how long an attempt may take, and the
    # bounds that keep slow or dead receivers from slowing the API or filling memory.
    webhook_retry_schedule: tuple[float, ...] = field(
        default=DEFAULT_RETRY_SCHEDULE,
        metadata=setting(parse_delays, delays_text, "delays before each retry, e.g. 30s,2m,10m"),
    )
    webhook_timeout_seconds: float = 10.0
    webhook_concurrency: int = 8
    webhook_queue_size: int = 10_000
    webhook_history_size: int = 10_000
    # None: a webhook target may be any URL; else only URLs on these hosts (a sandbox shared by teams).
    webhook_allowed_hosts: frozenset[str] | None = field(
        default=None, metadata=setting(parse_names, names_text, "hosts webhook targets may name")
    )
    # Where state lives: "memory" (this process; the default), or a Redis URL shared by workers and replicas.
    store: str = "memory"
    # A sandbox's own part of a shared Redis: its keys all start with it, and its reset clears only them.
    store_namespace: str = "mock-server"
    workers: int = 1  # server processes; more than one needs a shared store
    tls: bool = False  # serve HTTPS, with a certificate from the mock's own CA (mock_server/tls.py)
    tls_dir: str | None = None  # where that CA and certificate are kept; None: a per-user data directory
    # Required on every /__admin route when set (a sandbox shared beyond this machine). A secret: left out
    # of repr, so no printed or logged Config shows it; it reaches a spawned worker through the environment.
    admin_token: str | None = field(default=None, repr=False)
    provider_settings: Mapping[str, Any] = field(default_factory=dict, metadata={"own": False})

    def settings_for(self, provider: str) -> Any:
        """The provider's own settings (an instance of the dataclass it declares), or None."""
        return self.provider_settings.get(provider)

    @classmethod
    def from_values(cls, values: Mapping[str, Any], catalog: SettingsCatalog) -> Config:
        """Settings from `values` (text, or already typed), checked against the providers in `catalog`."""
        own = {name: value for name, value in values.items() if name in _own_fields(cls)}
        provider_values = {name: value for name, value in values.items() if name not in own}
        config = cls(
            **_read_fields(cls, own, label=_key_label),
            provider_settings=_read_provider_settings(provider_values, catalog, label=_key_label),
        )
        config.check(catalog)
        return config

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, catalog: SettingsCatalog, **overrides: Any
    ) -> Config:
        """Defaults, overridden by MOCK_SERVER_<SETTING> variables, overridden by non-None `overrides`."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for key in _known_keys(cls, catalog):
            raw = environ.get(ENV_PREFIX + key.upper())
            if raw not in (None, ""):
                values[key] = _EnvText(raw)
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls.from_values(values, catalog)

    def check(self, catalog: SettingsCatalog) -> None:
        """What no single value shows: names that must be among the providers, ranges."""
        if self.provider is not None and self.provider not in catalog.provider_names:
            choices = ", ".join(catalog.provider_names)
            raise ValueError(f"unknown provider {self.provider!r}; choose one of: {choices}")
        for name in self.rate_limit:
            if name not in catalog.provider_names:
                raise ValueError(
                    f"unknown provider {name!r}; choose one of: {', '.join(catalog.provider_names)}"
                )
            if name not in catalog.rate_limited:
                raise ValueError(f"provider {name!r} has no rate limit to emulate")
        if not 0 < self.body_timeout_seconds <= 3600:
            raise ValueError(
                f"body_timeout_seconds must be over 0 and at most 3600, not {self.body_timeout_seconds:g}"
            )
        if not 1 <= self.shutdown_grace_seconds <= 60:
            raise ValueError(f"shutdown_grace_seconds must be 1 to 60, not {self.shutdown_grace_seconds}")
        self._check_provider_ports(catalog)
        self._check_admin_token()
        self._check_webhooks()
        self._check_store()
        if self.threads < 1:
            raise ValueError(f"threads must be 1 or more, not {self.threads}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be from 0 to 65535, not {self.port}")

    def _check_admin_token(self) -> None:
        """A token is sent in a header, so it must survive one unchanged: visible ASCII, no spaces (the
        message never repeats the token)."""
        token = self.admin_token
        if token is not None and not ADMIN_TOKEN.match(token):
            raise ValueError(
                "admin_token must be 1 or more visible ASCII characters (letters, digits, punctuation; "
                "no spaces)"
            )

    def _check_store(self) -> None:
        if self.store != MEMORY_STORE and not self.store.startswith(REDIS_SCHEMES):
            raise ValueError(
                f"store {self.store!r} is neither memory nor a Redis URL (redis://HOST:PORT/DB, rediss://, unix://)"
            )
        if not STORE_NAMESPACE.match(self.store_namespace):
            raise ValueError(
                f"store_namespace {self.store_namespace!r} must be 1 to 64 letters, digits, '.', '_' or '-'"
            )
        if not 1 <= self.workers <= 64:
            raise ValueError(f"workers must be 1 to 64, not {self.workers}")
        if self.workers > 1 and self.store == MEMORY_STORE:
            raise ValueError(
                f"workers {self.workers} needs a shared store: with the memory store each worker would be a "
                "world of its own; choose one with --store redis://HOST:PORT/DB"
            )

    def _check_webhooks(self) -> None:
        if any(not 0 <= delay <= 7 * 86400 for delay in self.webhook_retry_schedule):
            raise ValueError("webhook_retry_schedule delays must be from 0 to 7 days")
        if len(self.webhook_retry_schedule) > 100:
            raise ValueError("webhook_retry_schedule may have at most 100 delays")
        if not 0 < self.webhook_timeout_seconds <= 300:
            raise ValueError(
                "webhook_timeout_seconds must be over 0 and at most 300, "
                f"not {self.webhook_timeout_seconds:g}"
            )
        if not 1 <= self.webhook_concurrency <= 256:
            raise ValueError(f"webhook_concurrency must be 1 to 256, not {self.webhook_concurrency}")
        if not 1 <= self.webhook_queue_size <= self.webhook_history_size:
            raise ValueError(
                "webhook_queue_size must be 1 or more, and at most webhook_history_size "
                f"({self.webhook_queue_size} and {self.webhook_history_size})"
            )

    def _check_provider_ports(self, catalog: SettingsCatalog) -> None:
        for name, port in self.provider_ports.items():
            if name not in catalog.provider_names:
                choices = ", ".join(catalog.provider_names)
                raise ValueError(f"unknown provider {name!r} in provider ports; choose from: {choices}")
            if self.provider is not None and name != self.provider:
                raise ValueError(f"provider port for {name!r}, but only {self.provider!r} is served")
            if port == self.port:
                raise ValueError(f"provider port {port} for {name!r} is the server's own port")
        ports = list(self.provider_ports.values())
        if len(set(ports)) != len(ports):
            raise ValueError(f"two providers given one port: {ports_text(self.provider_ports)}")

    def to_environ(self, catalog: SettingsCatalog) -> dict[str, str]:
        """Every setting as the MOCK_SERVER_* variable that reads back to it."""
        environ = _fields_environ(self, "")
        for name, settings in self.provider_settings.items():
            environ.update(_fields_environ(settings, _provider_key(name) + "_"))
        return environ


class _EnvText(str):
    """A value read from the environment: its errors name the variable."""


def _own_fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls) if f.metadata.get("own", True)}


def _provider_key(provider: str) -> str:
    return provider.replace("-", "_")


def _known_keys(cls: type, catalog: SettingsCatalog) -> list[str]:
    keys = sorted(_own_fields(cls))
    for provider, settings_type in catalog.provider_settings.items():
        keys += [f"{_provider_key(provider)}_{f.name}" for f in dataclasses.fields(settings_type)]
    return keys


def _key_label(key: str, raw: Any) -> str:
    return f"{ENV_PREFIX}{key.upper()}={str(raw)!r}" if isinstance(raw, _EnvText) else f"{key}={raw!r}"


def _read_fields(
    cls: type, values: Mapping[str, Any], *, label: Callable[[str, Any], str], prefix: str = ""
) -> dict:
    fields_by_name = {f.name: f for f in dataclasses.fields(cls)}
    read: dict[str, Any] = {}
    for name, value in values.items():
        spec = fields_by_name.get(name)
        if spec is None:
            raise ValueError(f"unknown setting {prefix + name!r}")
        read[name] = _read_value(spec, value, label(prefix + name, value))
    return read


def _read_value(spec: dataclasses.Field, value: Any, label: str) -> Any:
    if not isinstance(value, str):
        return _checked_type(spec, value, label)
    parse = spec.metadata.get("parse") or _parser_for(str(spec.type))
    try:
        return parse(value)
    except ValueError as error:
        # A reader names the value itself in its message, or says only what is wrong ("is not ...").
        message = str(error)
        raise ValueError(f"{label} {message}" if message.startswith("is ") else message) from None


def _parser_for(kind: str) -> Parse:
    if kind == "bool":
        return parse_bool
    if "int" in kind:
        return _number(int)
    if "float" in kind:
        return _number(float)
    return lambda raw: raw


def _number(kind: type) -> Parse:
    def parse(raw: str) -> Any:
        try:
            number = kind(raw)
        except ValueError:
            raise ValueError("is not a number") from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError("is not a number")
        return number

    return parse


def _checked_type(spec: dataclasses.Field, value: Any, label: str) -> Any:
    """A typed value given directly (a dict to create_app): ints and booleans are not mistaken for
    each other, and a None is kept only where the setting may be unset."""
    kind = str(spec.type)
    if value is None:
        if "None" not in kind:
            raise ValueError(f"{label} may not be None")
        return None
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{label} is not a boolean (use true or false)")
    if ("int" in kind or "float" in kind) and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(f"{label} is not a number")
    if kind.startswith("int") and not isinstance(value, int):
        raise ValueError(f"{label} is not a whole number")
    return value


def _read_provider_settings(
    values: Mapping[str, Any], catalog: SettingsCatalog, *, label: Callable[[str, Any], str]
) -> dict[str, Any]:
    owners = {
        f"{_provider_key(provider)}_{spec.name}": (provider, spec.name)
        for provider, settings_type in catalog.provider_settings.items()
        for spec in dataclasses.fields(settings_type)
    }
    given: dict[str, dict[str, Any]] = {provider: {} for provider in catalog.provider_settings}
    for key, value in values.items():
        if key not in owners:
            raise ValueError(f"unknown setting {key!r}")
        provider, name = owners[key]
        given[provider][name] = value
    return {
        provider: settings_type(
            **_read_fields(settings_type, given[provider], label=label, prefix=_provider_key(provider) + "_")
        )
        for provider, settings_type in catalog.provider_settings.items()
    }


def _fields_environ(settings: Any, prefix: str) -> dict[str, str]:
    environ: dict[str, str] = {}
    for spec in dataclasses.fields(settings):
        if not spec.metadata.get("own", True):
            continue
        value = getattr(settings, spec.name)
        if value is not None:
            environ[ENV_PREFIX + (prefix + spec.name).upper()] = spec.metadata.get("text", str)(value)
    return environ
