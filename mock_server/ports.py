"""A port of its own for a provider (`--provider-ports dakota=8083`), in the server's own process.

An SDK that keeps only its base URL's origin (Dakota's builds `new URL('/users', baseURL)`) cannot reach
an API mounted under a prefix: it needs the API at the root of a port, as on the real host. granian
listens on one port, so each extra port is a plain TCP relay on the server's event loop to that port:
bytes pass through untouched (a stalled upload, a half-close or a cut connection reach granian exactly as
the client made them), and the relay notes which provider each relayed connection is for, by the
relay's own local port, which is the client address granian reports. The front (rsgi.py) looks that up
and serves the request at the provider's root, on the same app and the same state.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from mock_server.base.config import Config

RELAY_BUFFER_BYTES = 64 * 1024
BACKLOG = 2048
# What a failed bind means for the person who started the server, by errno.
BIND_HINTS = {
    errno.EADDRINUSE: "another mock-server or another program is listening there",
    errno.EADDRNOTAVAIL: "that address is not one of this machine's",
    errno.EACCES: "a port below 1024 needs privileges",
}


@dataclass(frozen=True)
class RelayedClient:
    provider: str
    address: str  # the real client's "host:port"


class ProviderPorts:
    """The listening sockets of the providers' own ports, and the connections relayed through them."""

    def __init__(self, config: Config, listeners: Mapping[str, socket.socket]) -> None:
        self.target = ("127.0.0.1" if config.host in ("0.0.0.0", "") else config.host, config.port)
        self.listeners = dict(listeners)
        self.relayed: dict[str, RelayedClient] = {}  # by the relay's "host:port" towards granian

    @classmethod
    def bind(cls, config: Config) -> ProviderPorts:
        """Bind every provider port now, so one that is taken stops the command with a message."""
        listeners: dict[str, socket.socket] = {}
        try:
            for provider, port in config.provider_ports.items():
                listeners[provider] = listening_socket(
                    config.host, port, f"provider port {port} for {provider!r}"
                )
        except ValueError:
            for sock in listeners.values():
                sock.close()
            raise
        return cls(config, listeners)

    def client_of(self, peer: str) -> RelayedClient | None:
        """The provider and real client of a connection granian sees coming from `peer`, if relayed."""
        return self.relayed.get(peer) if self.relayed else None

    async def start(self) -> None:
        for provider, listener in self.listeners.items():
            await asyncio.start_server(
                lambda reader, writer, provider=provider: self._relay(provider, reader, writer),
                sock=listener,
            )

    async def _relay(self, provider: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        host, port = upstream_writer.get_extra_info("sockname")[:2]
        relay_address = f"{host}:{port}"
        client_host, client_port = writer.get_extra_info("peername")[:2]
        self.relayed[relay_address] = RelayedClient(provider, f"{client_host}:{client_port}")
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            self.relayed.pop(relay_address, None)
            for each in (writer, upstream_writer):
                each.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until the end of what `reader` sends, then half-close `writer`, as the sender did."""
    try:
        while data := await reader.read(RELAY_BUFFER_BYTES):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


def listening_socket(host: str, port: int, what: str | None = None) -> socket.socket:
    """A non-blocking socket listening on `host` (an address or a name) and `port` (0: one the system
    picks), or ValueError saying in one line why it cannot be had; `what` names it in that line.

    Bound without SO_REUSEPORT, so that no other process can bind the port while this socket is open (two
    servers sharing a port would split its connections between two worlds), and with SO_REUSEADDR, so
    that a port whose last connections are still closing (TIME_WAIT) can be listened on again at once."""
    what = what or f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise ValueError(f"cannot listen on {what}: unknown host ({error.strerror})") from None
    except OverflowError:  # a port past 65535 given as a number; settings refuse it before we get here
        raise ValueError(f"cannot listen on {what}: port {port} is not from 0 to 65535") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        hint = BIND_HINTS.get(error.errno or 0)
        reason = f"{error.strerror} ({hint})" if hint else (error.strerror or str(error))
        raise ValueError(f"cannot listen on {what}: {reason}") from None
    sock.setblocking(False)
    return sock
