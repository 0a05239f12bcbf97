"""A local emulator of fintech APIs: Dots, Wealthyhood, Dakota and Taliware CL2C.

`create_app` is imported on first use, so importing this package (as pytest does, for the plugin) loads
neither Flask nor any provider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_server.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from mock_server.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
