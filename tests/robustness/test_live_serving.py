"""Serving under slow and broken clients, over real sockets against the production server: stalled
uploads never starve the server and are abandoned (408) after the body timeout; a body that ends short of
its Content-Length, or is cut, is never acted on and reserves no idempotency key; HTTP/1.1 Host rules
(RFC 9112 section 3.2); and SIGTERM or SIGINT stops the server within 5 s whatever its clients do."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import LiveServer
from tests.dakota.helpers import problem
from tests.dots.helpers import error as dots_error
from tests.robustness.live_apis import Dakota, Dots, LiveApi, Taliware, Wealthyhood
from tests.robustness.test_live_http import RawResponse, exchange, stored_users
from tests.taliware.helpers import error_result
from tests.wealthyhood.helpers import error as wealthyhood_error

TARGETS = [Dots, Wealthyhood, Dakota, Taliware]
BODY_TIMEOUT_SECONDS = 2
STALLED_UPLOADS = 64  # eight times the server's threads: each would hold one if reading took a thread
ENDED_EARLY = "The request body ended before the length its headers declared."
BAD_HOST = "The request needs exactly one valid Host header (RFC 9112, section 3.2)."
TIMED_OUT = f"The request body did not arrive within {BODY_TIMEOUT_SECONDS} seconds."
KESTREL_SOURCE = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1ContentLengthMessageBody"
KESTREL_ENDED_EARLY = "Unexpected end of request content."
KESTREL_TIMED_OUT = (
    "Reading the request body timed out due to data arriving too slowly. See MinRequestBodyDataRate."
)


def dakota_problem(anchor: str, title: str, status: int, detail: str) -> Callable[[RawResponse], dict]:
    return lambda response: problem(
        anchor, title, status, detail, request_id=response.headers["x-request-id"]
    )


# Each API's answer to a body that ended early, to a bad Host, and to a body that timed out.
ENDED_EARLY_BODIES: dict[str, Callable[[RawResponse], dict]] = {
    "dots": lambda _: dots_error("invalid-input", ENDED_EARLY),
    "wealthyhood": lambda _: wealthyhood_error(ENDED_EARLY, "BAD_REQUEST"),
    "dakota": dakota_problem("invalid-request", "Invalid Request", 400, ENDED_EARLY),
    "taliware": lambda response: error_result(response.json(), 400, KESTREL_ENDED_EARLY, KESTREL_SOURCE),
}
BAD_HOST_BODIES: dict[str, Callable[[RawResponse], dict | None]] = {
    "dots": lambda _: dots_error("invalid-input", BAD_HOST),
    "wealthyhood": lambda _: wealthyhood_error(BAD_HOST, "BAD_REQUEST"),
    "dakota": dakota_problem("invalid-request", "Invalid Request", 400, BAD_HOST),
    "taliware": lambda _: None,  # Kestrel answers a bad Host itself, with no body
}
TIMED_OUT_BODIES: dict[str, Callable[[RawResponse], dict]] = {
    "dots": lambda _: dots_error("request-timeout", TIMED_OUT),
    "wealthyhood": lambda _: wealthyhood_error(TIMED_OUT, "REQUEST_TIMEOUT"),
    "dakota": dakota_problem("request-timeout", "Request Timeout", 408, TIMED_OUT),
    "taliware": lambda response: error_result(response.json(), 408, KESTREL_TIMED_OUT, KESTREL_SOURCE),
}


@pytest.fixture(scope="module")
def slow_server(request) -> Iterator[LiveServer]:
    """A server of this module's own (stalled clients must not slow the shared one), with a short
    body timeout."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MOCK_SERVER_BODY_TIMEOUT_SECONDS", str(BODY_TIMEOUT_SECONDS))
    server = LiveServer()
    monkeypatch.undo()
    yield server
    server.stop()


def create_head(api: LiveApi, length: int, extra: dict | None = None) -> bytes:
    """A create request's head, with the API's credentials, declaring a body of `length` bytes."""
    path = urlsplit(api.create_url()).path
    lines = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: application/json"]
    lines += [f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in {**api.create_headers(), **(extra or {})}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_response(sock: socket.socket) -> RawResponse:
    received = b""
    while b"\r\n\r\n" not in received:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError(f"closed before a whole head: {received!r}")
        received += data
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    while len(body) < int(headers.get("content-length", 0)):
        data = sock.recv(65536)
        if not data:
            break
        body += data
    return RawResponse(status_line, headers, body)


def open_stalled_upload(server: LiveServer, api: LiveApi, extra: dict | None = None) -> socket.socket:
    """An upload that stops after its head and one byte of a body declared 1000 bytes long."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=BODY_TIMEOUT_SECONDS + 10)
    sock.sendall(create_head(api, 1000, extra=extra) + b"{")
    return sock


def assert_answers_within_one_second(server: LiveServer, api: LiveApi, n: int) -> None:
    started = time.monotonic()
    health = requests.get(f"{server.url}/__admin/health", timeout=1)
    created = api.create(requests.Session(), n)
    assert health.status_code == 200
    assert created.status_code == api.created_status, created.text
    assert time.monotonic() - started < 1, "a normal client waited on the stalled ones"


def test_stalled_uploads_never_starve_the_server_and_are_abandoned_with_408(slow_server, unique_client):
    dakota = Dakota(slow_server.url, unique_client)
    keys = [f"5f0c7d2e-0000-4000-8000-{n:012d}" for n in range(STALLED_UPLOADS)]
    before = stored_users(slow_server)
    stalled = [open_stalled_upload(slow_server, dakota, {"x-idempotency-key": key}) for key in keys]
    try:
        time.sleep(0.5)  # every stalled upload has reached the server
        assert_answers_within_one_second(slow_server, Dots(slow_server.url, unique_client), 1)
        answers = [read_response(sock) for sock in stalled]
    finally:
        for sock in stalled:
            sock.close()
    assert {answer.status_line for answer in answers} == {"HTTP/1.1 408 Request Timeout"}
    assert answers[0].json() == TIMED_OUT_BODIES["dakota"](answers[0])
    assert answers[0].headers["connection"] == "close"
    assert stored_users(slow_server) == before + 1  # the one normal create
    # No key was reserved by an abandoned request: each is free for the whole request.
    retried = requests.post(
        dakota.create_url(),
        json=dakota.body(1),
        headers={**dakota.headers(), "x-idempotency-key": keys[0]},
        timeout=5,
    )
    assert retried.status_code == 201, retried.text


@pytest.mark.parametrize("api_class", TARGETS, ids=[api.name for api in TARGETS])
def test_a_stalled_upload_is_answered_408_in_the_providers_shape(slow_server, unique_client, api_class):
    api = api_class(slow_server.url, unique_client)
    with open_stalled_upload(slow_server, api) as sock:
        answer = read_response(sock)
    assert answer.status_line == "HTTP/1.1 408 Request Timeout"
    assert answer.json() == TIMED_OUT_BODIES[api.name](answer)


@pytest.mark.parametrize("api_class", TARGETS, ids=[api.name for api in TARGETS])
def test_a_body_shorter_than_its_length_is_never_acted_on(live_server, unique_client, api_class):
    api = api_class(live_server.url, unique_client)
    body = json.dumps(api.body(1)).encode()
    before = stored_users(live_server)
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(create_head(api, len(body) + 20) + body)  # a whole JSON object, 20 bytes short
        sock.shutdown(socket.SHUT_WR)
        answer = read_response(sock)
    assert answer.status_line == "HTTP/1.1 400 Bad Request"
    assert answer.json() == ENDED_EARLY_BODIES[api.name](answer)
    assert stored_users(live_server) == before
    # The same body, whole, is taken: it was the framing that was refused.
    assert api.create(requests.Session(), 1).status_code == api.created_status


def send_and_close(server: LiveServer, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
    time.sleep(0.3)  # the server has seen the close


@pytest.mark.parametrize("cut", ["mid-body", "corrupt-chunk"])
def test_a_cut_upload_reserves_no_idempotency_key(live_server, unique_client, cut):
    dakota = Dakota(live_server.url, unique_client)
    key = {"x-idempotency-key": "0c1d2e3f-0000-4000-8000-00000000cafe"}
    body = json.dumps(dakota.body(1)).encode()
    if cut == "mid-body":
        send_and_close(live_server, create_head(dakota, len(body), extra=key) + body[:-20])
    else:
        head = create_head(dakota, 0, extra={**key, "Transfer-Encoding": "chunked"})
        head = head.replace(b"Content-Length: 0\r\n", b"")
        send_and_close(live_server, head + b"%x\r\n%s\r\nzz;\r\n" % (len(body), body))
    before = stored_users(live_server)
    retried = requests.post(dakota.create_url(), data=body, headers={**dakota.headers(), **key}, timeout=5)
    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert stored_users(live_server) == before + 1


def raw_exchange(server: LiveServer, request_head: str) -> RawResponse:
    return exchange(server.url, request_head)


HOST_CASES = {
    "missing": [],
    "repeated": ["Host: localhost", "Host: localhost"],
    "two values": ["Host: localhost, example.com"],
    "invalid": ["Host: local host/x"],
    "empty": ["Host: "],
}


@pytest.mark.parametrize("case", HOST_CASES, ids=list(HOST_CASES))
@pytest.mark.parametrize("api_class", TARGETS, ids=[api.name for api in TARGETS])
def test_http11_host_rules_are_enforced_in_the_providers_shape(live_server, unique_client, api_class, case):
    api = api_class(live_server.url, unique_client)
    body = json.dumps(api.body(1))
    path = urlsplit(api.create_url()).path
    lines = [f"POST {path} HTTP/1.1", *HOST_CASES[case], "Content-Type: application/json"]
    lines += [f"Content-Length: {len(body.encode())}"]
    lines += [f"{name}: {value}" for name, value in api.create_headers().items()]
    before = stored_users(live_server)
    answer = raw_exchange(live_server, "\r\n".join(lines) + "\r\n\r\n" + body)
    assert answer.status_line == "HTTP/1.1 400 Bad Request"
    expected = BAD_HOST_BODIES[api.name](answer)
    assert (answer.json() if answer.body else None) == expected
    assert stored_users(live_server) == before


@pytest.mark.parametrize(
    "head",
    [
        "GET /__admin/health HTTP/1.0\r\n\r\n",  # HTTP/1.0 may leave Host out
        "GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n",
        "GET /__admin/health HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
        "GET /__admin/health HTTP/1.1\r\nHost: api.dots.dev\r\n\r\n",
    ],
)
def test_valid_host_headers_are_served(live_server, head):
    assert raw_exchange(live_server, head).status_line.endswith(" 200 OK")


def test_the_mocks_own_endpoints_refuse_a_bad_host_in_their_own_shape(live_server):
    answer = raw_exchange(live_server, "GET /__admin/health HTTP/1.1\r\n\r\n")
    assert answer.status_line == "HTTP/1.1 400 Bad Request"
    assert answer.json() == {"error": BAD_HOST}


# --- stopping ---------------------------------------------------------------------------------------


def wait_for_exit(server: LiveServer, limit: float) -> float:
    started = time.monotonic()
    server.process.wait(timeout=limit + 5)
    return time.monotonic() - started


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_within_5_seconds_whatever_its_clients_do(unique_client, signum):
    server = LiveServer()
    try:
        stalled_upload = open_stalled_upload(server, Dots(server.url, unique_client))
        half_head = socket.create_connection(("127.0.0.1", server.port))
        half_head.sendall(b"GET /__admin/hea")
        time.sleep(0.3)
        server.process.send_signal(signum)
        assert wait_for_exit(server, 5) < 5
        stalled_upload.close()
        half_head.close()
    finally:
        server.stop()


def test_a_request_in_flight_when_the_signal_comes_is_answered(unique_client):
    server = LiveServer("--latency", "800")  # every API request takes 0.8 s
    dots = Dots(server.url, unique_client)
    answers: list[requests.Response] = []
    try:
        sender = threading.Thread(target=lambda: answers.append(dots.create(requests.Session(), 1)))
        sender.start()
        time.sleep(0.3)  # the request is being served
        server.process.send_signal(signal.SIGTERM)
        sender.join(timeout=10)
        assert wait_for_exit(server, 5) < 5
    finally:
        server.stop()
    assert [answer.status_code for answer in answers] == [dots.created_status]
