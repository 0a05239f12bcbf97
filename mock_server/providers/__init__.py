"""The emulated providers: one package each, of one shape (core/provider.py), and the registry of them."""

from __future__ import annotations

from mock_server.core.provider import Registry
from mock_server.providers import dakota, dots, taliware, wealthyhood

# Adding a provider: its package, and one line here (docs/architecture.md).
REGISTRY = Registry(
    (
        dots.PRODUCTION,
        dots.SANDBOX,
        wealthyhood.WEALTHYHOOD,
        wealthyhood.SANDBOX,
        dakota.PROVIDER,
        dakota.SANDBOX,
        taliware.TALIWARE,
    )
)
