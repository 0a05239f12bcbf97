"""A local emulator of four fintech "create user" APIs."""

from mock_server.app import create_app

__all__ = ["create_app"]
