"""The front of the production server: granian hands each request over RSGI, and here it is read whole
before the Flask app sees it.

A WSGI server reads a body in the thread that runs the app, with no bound on how long that may take:
a few clients that stop mid-upload hold every thread, and a body cut short is handed to the view as if
it were complete. Here the body is read on the event loop, where a stalled client costs a coroutine, not
a thread, within `body_timeout_seconds`. Only a request that arrived whole is handed to the app: in a
thread of the front's pool when `may_wait()` says the app may sleep (latency, configured or injected), and
otherwise on the event loop itself, since under the GIL a thread buys nothing then and the two hand-offs
to it and back cost about a fifth of the throughput. A request that did not arrive whole (or whose Host
header breaks RFC 9112's rules) is handed over empty and marked (core/transport.py), so that the app
refuses it in the provider's own shape and journals it, and nothing else happens.

Each request answered gets an access line on the console (AccessLog), unless the server is quiet.
"""

from __future__ import annotations

import asyncio
import io
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO
from urllib.parse import quote

from granian.rsgi import ProtocolClosed, ProtocolError

from mock_server.base.config import Config
from mock_server.core.routing import PORT_PROVIDER
from mock_server.core.transport import REFUSAL, Refusal
from mock_server.ports import ProviderPorts

# RFC 9112 section 3.2: Host = uri-host [ ":" port ]; uri-host an IP literal or a reg-name (RFC 3986),
# which may not be empty in an http URI (RFC 9110 section 4.2.1).
HOST_VALUE = re.compile(r"(?:\[[0-9A-Za-z:.!$&'()*+,;=_~%-]+\]|[0-9A-Za-z.!$&'()*+,;=_~%-]+)(?::[0-9]*)?")
WSGIResult = tuple[int, list[tuple[str, str]], bytes]
# Characters a path may show as they are in an access line; any other (a space, a control character that
# could forge a line or drive the terminal, a non-ASCII one) is shown percent-encoded.
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
ACCESS_LOG_CAPACITY = 10_000  # lines waiting for a slow console; past that, lines are dropped and counted
ACCESS_LOG_FLUSH_SECONDS = 1.0  # what a stopping server waits for its last lines to be written


class AccessLog:
    """One line per request answered, e.g. `127.0.0.1 POST /dots/api/v2/users 201 3.1ms`, written by a
    thread of its own: the event loop only formats a line and queues it, so a slow or stalled console
    never holds up a request. Past ACCESS_LOG_CAPACITY waiting lines, new ones are dropped, and how many
    is said once the console catches up.

    Nothing secret is written: no header, no body, and of the query string only the parameter names
    (`?limit=*&cursor=*`), since a value may be an email address or a token."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.lines: queue.Queue[str | None] = queue.Queue(ACCESS_LOG_CAPACITY)
        self.dropped = 0
        self.writer: threading.Thread | None = None  # started on first use: in the worker, after the fork

    def record(self, client: str, method: str, path: str, query: str, status: int, seconds: float) -> None:
        target = quote(path, safe=PATH_SAFE) + _masked(query)
        line = f"{client} {method} {target} {status} {seconds * 1000:.1f}ms\n"
        if self.writer is None:
            self.writer = threading.Thread(target=self._write, name="mock-server-access-log", daemon=True)
            self.writer.start()
        try:
            self.lines.put_nowait(line)
        except queue.Full:
            self.dropped += 1

    def close(self) -> None:
        """Write what is queued (for at most ACCESS_LOG_FLUSH_SECONDS), then stop the writer."""
        if self.writer is not None:
            try:
                self.lines.put(None, timeout=ACCESS_LOG_FLUSH_SECONDS)
            except queue.Full:
                return
            self.writer.join(ACCESS_LOG_FLUSH_SECONDS)

    def _write(self) -> None:
        while True:
            batch, stopping = self._next_batch()
            if self.dropped:
                dropped, self.dropped = self.dropped, 0  # (one counted between the two may go unsaid)
                batch.append(f"mock-server: {dropped} access lines dropped: the console did not keep up\n")
            try:
                self.out.write("".join(batch))
                self.out.flush()
            except (OSError, ValueError):  # the console is gone (a closed pipe): nothing to write to
                return
            if stopping:
                return

    def _next_batch(self) -> tuple[list[str], bool]:
        """The lines waiting (at least one, at most 256: one write each), and whether the stop mark came."""
        batch: list[str] = []
        line = self.lines.get()
        while line is not None:
            batch.append(line)
            if len(batch) == 256 or self.lines.empty():
                return batch, False
            line = self.lines.get_nowait()  # this thread alone takes lines: not empty means one is there
        return batch, True


def _masked(query: str) -> str:
    """The query string with every value hidden: `?limit=*&cursor=*`."""
    if not query:
        return ""
    names = (quote(part.partition("=")[0], safe=PATH_SAFE) for part in query.split("&") if part)
    return "?" + "&".join(f"{name}=*" for name in names)


class WholeRequests:
    """An RSGI app serving the WSGI app `wsgi_app` with whole requests only."""

    def __init__(
        self,
        wsgi_app: Callable,
        config: Config,
        ports: ProviderPorts | None = None,
        may_wait: Callable[[], bool] = lambda: True,
        on_start: Callable[[], None] | None = None,
        out: TextIO | None = None,
    ) -> None:
        """`on_start` is called in the worker once its event loop is set up, before it serves; access
        lines go to `out` (default standard output) unless `config.quiet`."""
        self.wsgi_app = wsgi_app
        self.ports = ports
        self.may_wait = may_wait
        self.on_start = on_start
        self.access_log = None if config.quiet else AccessLog(out or sys.stdout)
        self._ports_started: asyncio.Task | None = None
        self.body_timeout = config.body_timeout_seconds
        self.max_body = config.max_body_bytes
        self.server_port = str(config.port)
        self.pool = ThreadPoolExecutor(config.threads, thread_name_prefix="mock-server")

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.ports is not None:
            self._ports_started = loop.create_task(self.ports.start())
        if self.on_start is not None:
            self.on_start()

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.access_log is not None:
            self.access_log.close()

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        started = time.perf_counter()
        headers = scope.headers.items()
        refusal = None if host_is_valid(scope, headers) else Refusal.BAD_HOST
        body = b""
        if refusal is None:
            body, refusal = await self.read_body(proto, headers)
        environ = self.environ(scope, headers, body, refusal)
        loop = asyncio.get_running_loop()
        if self.may_wait():
            status, response_headers, content = await loop.run_in_executor(self.pool, self.call, environ)
        else:  # it cannot wait on anything: run it here, without two thread hand-offs
            status, response_headers, content = self.call(environ)
        if _falls_short(response_headers, content):
            await _cut_short(proto, status, response_headers, content)
        else:
            proto.response_bytes(status, response_headers, content)
        if self.access_log is not None:
            self.access_log.record(
                environ["REMOTE_ADDR"],
                scope.method,
                scope.path,
                scope.query_string,
                status,
                time.perf_counter() - started,
            )

    async def read_body(self, proto: Any, headers: list[tuple[str, str]]) -> tuple[bytes, Refusal | None]:
        """The whole body, or what is wrong with it. A body declared larger than the limit is not read
        (the app answers 413 from the header alone). A chunked one is read whole, whatever its size (the
        app answers 413 past the limit): granian's chunk-by-chunk reading ends the same way whether the
        framing was whole or broken, and only reading it whole tells them apart."""
        try:
            declared = _declared_length(headers)
        except ValueError:
            return b"", Refusal.BODY_INCOMPLETE
        chunked = any(name == "transfer-encoding" for name, _ in headers)
        if (declared is None and not chunked) or (declared is not None and declared > self.max_body):
            return b"", None
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await proto()
        except TimeoutError:
            return b"", Refusal.BODY_TIMEOUT
        except (ProtocolClosed, ProtocolError):
            return b"", Refusal.BODY_INCOMPLETE
        if declared is not None and len(body) != declared:
            return b"", Refusal.BODY_INCOMPLETE
        return body, None

    def environ(
        self, scope: Any, headers: list[tuple[str, str]], body: bytes, refusal: Refusal | None
    ) -> dict[str, Any]:
        """PEP 3333's environ for this request (its path as granian decoded it, in WSGI's latin-1)."""
        client_host, _, client_port = scope.client.rpartition(":")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scope.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": scope.path.encode("utf-8").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": scope.server.rpartition(":")[0],
            "SERVER_PORT": self.server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client_host,
            "REMOTE_PORT": client_port,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            # The body is all here, whatever its framing: werkzeug may read a chunked one to its end.
            "wsgi.input_terminated": True,
        }
        for name, value in headers:
            _add_header(environ, name, value)
        relayed = self.ports.client_of(scope.client) if self.ports is not None else None
        if relayed is not None:
            environ[PORT_PROVIDER] = relayed.provider
            environ["REMOTE_ADDR"], _, environ["REMOTE_PORT"] = relayed.address.rpartition(":")
        if refusal is not None:
            environ[REFUSAL] = refusal
            environ["CONTENT_LENGTH"] = "0"
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return environ

    def call(self, environ: dict[str, Any]) -> WSGIResult:
        """Run the WSGI app (in a pool thread) and collect its whole answer."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started[:] = [int(status[:3]), headers]

        result = self.wsgi_app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            _close(result)
        status, headers = started
        return status, headers, content


def host_is_valid(scope: Any, headers: list[tuple[str, str]]) -> bool:
    """RFC 9112 section 3.2: an HTTP/1.1 request has exactly one Host header, with a valid value
    (HTTP/1.0 may have none; HTTP/2 names its authority in its own way)."""
    hosts = [value for name, value in headers if name == "host"]
    if scope.http_version == "1.1" and len(hosts) != 1:
        return False
    return len(hosts) <= 1 and all(HOST_VALUE.fullmatch(value) for value in hosts)


def _declared_length(headers: list[tuple[str, str]]) -> int | None:
    for name, value in headers:
        if name == "content-length":
            return int(value)  # hyper has refused a value that is not a number; ValueError all the same
    return None


def _add_header(environ: dict[str, Any], name: str, value: str) -> None:
    if name == "content-type":
        environ["CONTENT_TYPE"] = value
    elif name == "content-length":
        environ["CONTENT_LENGTH"] = value
    else:
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]}, {value}" if key in environ else value


def _falls_short(headers: list[tuple[str, str]], content: bytes) -> bool:
    """A response with less content than its Content-Length says (a "drop" fault's, on purpose)."""
    declared = next((value for name, value in headers if name.lower() == "content-length"), None)
    return declared is not None and declared.isdigit() and int(declared) > len(content)


async def _cut_short(proto: Any, status: int, headers: list[tuple[str, str]], content: bytes) -> None:
    # Streamed, the response keeps its Content-Length, and a stream that ends short of it makes granian
    # close the connection (before the head, when there is no content at all): the client sees a
    # dropped connection.
    transport = proto.response_stream(status, headers)
    await transport.send_bytes(content)


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()
