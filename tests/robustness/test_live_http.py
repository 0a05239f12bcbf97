"""HTTP-level bad input over a real socket against the production server (granian). Bodies over the
size limit: a declared length over the limit is answered 413 before a byte of the body is sent (the
server never waits for it), and a chunked body that runs past the limit is 413 too, each in the
provider's own shape. Header names in odd case are read as any case."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import requests

from mock_server.base.config import Config
from tests.dakota.helpers import problem
from tests.dots.helpers import error as dots_error
from tests.robustness.helpers import HUGE_LENGTH, ODD_CASE_CONTENT_TYPE, odd_case
from tests.robustness.live_apis import ALL_APIS, Dakota, Dots, LiveApi, Taliware, Wealthyhood
from tests.taliware.helpers import error_result
from tests.wealthyhood.helpers import error as wealthyhood_error

LIMIT = Config().max_body_bytes
TOO_LARGE = f"Request body is larger than the limit of {LIMIT} bytes."
KESTREL_TOO_LARGE = f"Request body too large. The max request body size is {LIMIT} bytes."
KESTREL_SOURCE = "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1ContentLengthMessageBody"


@dataclass
class RawResponse:
    status_line: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def exchange(url: str, head: str, body_chunks: Sequence[bytes] = ()) -> RawResponse:
    """Send a request head (and maybe chunks of a chunked body) on a fresh socket and read the first
    response whole. The timeout is what fails a server that waits for a body that never comes."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head.encode())
        for chunk in body_chunks:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        if body_chunks:
            sock.sendall(b"0\r\n\r\n")
        received = b""
        while b"\r\n\r\n" not in received:
            received += _recv(sock)
        head_bytes, _, body = received.partition(b"\r\n\r\n")
        status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
        headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        while len(body) < int(headers.get("content-length", 0)):
            body += _recv(sock)
        return RawResponse(status_line, headers, body)


def _recv(sock: socket.socket) -> bytes:
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("the server closed the connection before answering")
    return data


def request_head(api: LiveApi, framing: str) -> str:
    """A create request's head, with the API's credentials and the given body framing."""
    path = urlsplit(api.create_url()).path
    lines = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: application/json", framing]
    lines += [f"{name}: {value}" for name, value in api.create_headers().items()]
    return "\r\n".join(lines) + "\r\n\r\n"


# Each API's 413, given the response (for the ids it carries).
TOO_LARGE_BODIES: dict[str, Callable[[RawResponse], dict]] = {
    "dots": lambda _: dots_error("payload-too-large", TOO_LARGE),
    "wealthyhood": lambda _: wealthyhood_error(TOO_LARGE, "PAYLOAD_TOO_LARGE"),
    "dakota": lambda response: problem(
        "payload-too-large", "Payload Too Large", 413, TOO_LARGE, request_id=response.headers["x-request-id"]
    ),
    "taliware": lambda response: error_result(response.json(), 413, KESTREL_TOO_LARGE, KESTREL_SOURCE),
}
TARGETS = [Dots, Wealthyhood, Dakota, Taliware]


def assert_too_large(api: LiveApi, response: RawResponse) -> None:
    assert response.status_line == "HTTP/1.1 413 Payload Too Large"  # and no 100 Continue before it
    assert response.json() == TOO_LARGE_BODIES[api.name](response)


def stored_users(live_server) -> int:
    """Every user the server holds, of every provider (tests share the server one at a time)."""
    return requests.get(f"{live_server.url}/__admin/health", timeout=5).json()["users"]


@pytest.mark.parametrize("api_class", TARGETS, ids=[api.name for api in TARGETS])
@pytest.mark.parametrize("expect", ["", "Expect: 100-continue"])
def test_a_huge_declared_length_is_413_without_the_body_being_sent(
    live_server, unique_client, api_class, expect
):
    api = api_class(live_server.url, unique_client)
    framing = f"Content-Length: {HUGE_LENGTH}" + (f"\r\n{expect}" if expect else "")
    before = stored_users(live_server)
    assert_too_large(api, exchange(live_server.url, request_head(api, framing)))  # only the head was sent
    assert stored_users(live_server) == before


@pytest.mark.parametrize("api_class", TARGETS, ids=[api.name for api in TARGETS])
def test_a_chunked_body_running_past_the_limit_is_413(live_server, unique_client, api_class):
    api = api_class(live_server.url, unique_client)
    head = request_head(api, "Transfer-Encoding: chunked")
    # One byte too many, and a JSON object whole within the limit: a server that read up to the limit
    # and stopped would find a readable object there, and answer 400 or 200 instead. (Only one byte
    # more, so the server has read everything sent when it answers and closes: no reset loses it.)
    body = json.dumps({"firstName": "x" * (LIMIT // 2)}).encode()
    body += b" " * (LIMIT + 1 - len(body))
    chunks = [body[start : start + 65536] for start in range(0, len(body), 65536)]
    before = stored_users(live_server)
    assert_too_large(api, exchange(live_server.url, head, chunks))
    assert stored_users(live_server) == before


@pytest.mark.parametrize("api_class", ALL_APIS, ids=[api.name for api in ALL_APIS])
def test_header_names_in_odd_case_reach_every_api(live_server, unique_client, api_class):
    api = api_class(live_server.url, unique_client)
    headers = {**odd_case(api.create_headers()), "cOnTeNt-TyPe": ODD_CASE_CONTENT_TYPE}
    assert all(name != name.lower() and name != name.upper() for name in headers)
    response = requests.post(api.create_url(), data=json.dumps(api.body(1)), headers=headers, timeout=5)
    assert response.status_code == api.created_status, response.text
    assert response.json()["id"]
