"""The emulated providers. Each package exposes Provider objects of one shape (core/provider.py)."""

from __future__ import annotations

from mock_server.core.provider import Provider
from mock_server.providers import dots, taliware

ALL_PROVIDERS: tuple[Provider, ...] = (dots.PRODUCTION, dots.SANDBOX, taliware.TALIWARE)


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
