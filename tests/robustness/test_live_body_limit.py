"""Bodies over the size limit, over a real socket against the production server: a declared length
over the limit is answered 413 before a byte of the body is sent (the server never waits for it), and
a chunked body that runs past the limit is 413 too, each in the provider's own shape."""

from __future__ import annotations

import base64
import json
import re
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
import requests

from mock_server.config import Config
from tests.dakota.helpers import problem
from tests.dots.helpers import error as dots_error
from tests.robustness.helpers import HUGE_LENGTH
from tests.taliware.helpers import error_result
from tests.wealthyhood.helpers import error as wealthyhood_error
from tests.wealthyhood.helpers import token_request

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


def request_head(path: str, credentials: dict[str, str], framing: str) -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: application/json", framing]
    lines += [f"{name}: {value}" for name, value in credentials.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


@dataclass(frozen=True)
class Target:
    """A provider's create route, its credentials and its 413."""

    name: str
    path: str

    def credentials(self, base_url: str, client_id: str) -> dict[str, str]:
        if self.name == "dots":
            return {
                "Authorization": "Basic " + base64.b64encode(f"{client_id}:sk_dev_secret".encode()).decode()
            }
        if self.name == "wealthyhood":
            response = requests.post(
                f"{base_url}/wealthyhood/oauth/token", json=token_request(client_id), timeout=5
            )
            return {"Authorization": f"Bearer {response.json()['access_token']}"}
        if self.name == "dakota":
            return {"x-api-key": client_id, "x-idempotency-key": str(uuid.uuid4())}
        return {"tenant": client_id, "X-API-Key": "key"}

    def assert_too_large(self, response: RawResponse) -> None:
        assert response.status_line == "HTTP/1.1 413 Payload Too Large"  # and no 100 Continue before it
        body = response.json()
        if self.name == "dots":
            assert body == dots_error("payload-too-large", TOO_LARGE)
        elif self.name == "wealthyhood":
            assert body == wealthyhood_error(TOO_LARGE, "PAYLOAD_TOO_LARGE")
        elif self.name == "dakota":
            request_id = response.headers["x-request-id"]
            assert body == problem(
                "payload-too-large", "Payload Too Large", 413, TOO_LARGE, request_id=request_id
            )
        else:
            assert body == error_result(body, 413, KESTREL_TOO_LARGE, KESTREL_SOURCE)


TARGETS = [
    pytest.param(Target("dots", "/dots/api/v2/users"), id="dots"),
    pytest.param(Target("wealthyhood", "/wealthyhood/users"), id="wealthyhood"),
    pytest.param(Target("dakota", "/dakota/users"), id="dakota"),
    pytest.param(Target("taliware", "/taliware/v1/cl2c/user"), id="taliware"),
]


@pytest.fixture
def client_id(unique_client) -> str:
    """The test's own client id, API key and tenant: one word, as a Taliware tenant id must be."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", unique_client)[-64:].lstrip("-_.")


def stored_users(live_server) -> int:
    """Every user the server holds, of every provider (tests share the server one at a time)."""
    return requests.get(f"{live_server.url}/__admin/health", timeout=5).json()["users"]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("expect", ["", "Expect: 100-continue"])
def test_a_huge_declared_length_is_413_without_the_body_being_sent(live_server, client_id, target, expect):
    framing = f"Content-Length: {HUGE_LENGTH}" + (f"\r\n{expect}" if expect else "")
    head = request_head(target.path, target.credentials(live_server.url, client_id), framing)
    before = stored_users(live_server)
    target.assert_too_large(exchange(live_server.url, head))  # only the head was sent
    assert stored_users(live_server) == before


@pytest.mark.parametrize("target", TARGETS)
def test_a_chunked_body_running_past_the_limit_is_413(live_server, client_id, target):
    head = request_head(
        target.path, target.credentials(live_server.url, client_id), "Transfer-Encoding: chunked"
    )
    # One byte too many, and a JSON object whole within the limit: a server that read up to the limit
    # and stopped would find a readable object there, and answer 400 or 200 instead. (Only one byte
    # more, so the server has read everything sent when it answers and closes: no reset loses it.)
    body = json.dumps({"firstName": "x" * (LIMIT // 2)}).encode()
    body += b" " * (LIMIT + 1 - len(body))
    chunks = [body[start : start + 65536] for start in range(0, len(body), 65536)]
    before = stored_users(live_server)
    target.assert_too_large(exchange(live_server.url, head, chunks))
    assert stored_users(live_server) == before
