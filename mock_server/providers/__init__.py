"""The emulated providers. Each package exposes Provider objects of one shape (core/provider.py)."""

from __future__ import annotations

from mock_server.core.provider import Provider
from mock_server.core.ratelimit import Quota, parse_quotas
from mock_server.providers import dakota, dots, taliware, wealthyhood

ALL_PROVIDERS: tuple[Provider, ...] = (
    dots.PRODUCTION,
    dots.SANDBOX,
    wealthyhood.WEALTHYHOOD,
    dakota.PROVIDER,
    taliware.TALIWARE,
)


def provider_names() -> list[str]:
    return [provider.name for provider in ALL_PROVIDERS]


def select_providers(name: str | None) -> tuple[Provider, ...]:
    """Every provider, or the one named (served alone, at the root)."""
    if name is None:
        return ALL_PROVIDERS
    for provider in ALL_PROVIDERS:
        if provider.name == name:
            return (provider,)
    raise ValueError(f"unknown provider {name!r}; choose one of: {', '.join(provider_names())}")


def select_rate_limits(spec: str | None) -> dict[str, Quota]:
    """The quotas of a `--rate-limit` setting, refusing providers that are unknown or cannot be limited."""
    quotas = parse_quotas(spec)
    for name in quotas:
        (provider,) = select_providers(name)
        if provider.rate_limit_key is None:
            raise ValueError(f"provider {name!r} has no rate limit to emulate")
    return quotas
