"""Reaching a provider by its real host name, or at the root when one provider is served alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

# Paths of the mock's own, never rewritten into a provider.
OWN_PATH_PREFIX = "/__admin"
# The WSGI environ key under which a rewritten request keeps the prefix it was given.
ROUTED_PREFIX = "mock_server.routed_prefix"
# The WSGI environ key naming the provider whose own port a request came in on (see mock_server/ports.py).
PORT_PROVIDER = "mock_server.port_provider"


def host_without_port(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # an IPv6 literal, "[::1]:8080"
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostRouter:
    """WSGI middleware: a request that came in on a provider's own port, or whose Host is a provider's
    real host (or any request, when the server runs one provider at the root) is given that provider's
    prefix, so the prefixed routes serve it as if the client had used the prefix."""

    def __init__(
        self,
        app: Callable,
        host_prefixes: Mapping[str, str],
        default_prefix: str | None = None,
        provider_prefixes: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self.host_prefixes = {host.lower(): prefix for host, prefix in host_prefixes.items()}
        self.default_prefix = default_prefix
        self.provider_prefixes = dict(provider_prefixes or {})

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        prefix = self.provider_prefixes.get(environ.get(PORT_PROVIDER, "")) or self.host_prefixes.get(
            host_without_port(environ.get("HTTP_HOST", "")), self.default_prefix
        )
        path = environ.get("PATH_INFO", "")
        if prefix and not path.startswith(OWN_PATH_PREFIX):
            environ["PATH_INFO"] = prefix + path
            environ[ROUTED_PREFIX] = prefix
        return self.app(environ, start_response)
