"""A provider on a port of its own (`--provider-ports`), over real sockets against the production server:
an SDK that keeps only its base URL's origin (Dakota's builds `new URL('/users', baseURL)`) reaches the
API at the port's root, on the same state as the shared port; bytes pass through the port untouched."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests

from mock_server.providers import REGISTRY
from tests.conftest import LiveServer, free_port
from tests.dakota.helpers import person as dakota_person
from tests.dots.helpers import error as dots_error
from tests.robustness.live_apis import Dakota, Dots
from tests.robustness.test_live_serving import ENDED_EARLY, create_head, read_response


@pytest.fixture(scope="module")
def ported_server() -> Iterator[tuple[LiveServer, dict[str, int]]]:
    ports = {"dakota": free_port(), "dots": free_port()}
    server = LiveServer("--provider-ports", ",".join(f"{name}={port}" for name, port in ports.items()))
    yield server, ports
    server.stop()


def sdk_url(base_url: str, path: str) -> str:
    """How Dakota's TypeScript SDK builds a URL, `new URL(path, baseURL)`: an absolute path keeps only
    the base URL's origin."""
    return urljoin(base_url, path)


def test_an_sdk_that_keeps_only_the_origin_reaches_dakota_on_its_own_port(ported_server, unique_client):
    server, ports = ported_server
    base = f"http://127.0.0.1:{ports['dakota']}/dakota"  # a prefix the SDK drops
    headers = {"x-api-key": unique_client, "x-idempotency-key": "7d9c1a52-0000-4000-8000-000000000001"}
    created = requests.post(sdk_url(base, "/users"), json=dakota_person(1), headers=headers, timeout=5)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    # The same state as the shared port, where Dakota is under its prefix.
    shared = requests.get(f"{server.url}/dakota/users/{user_id}", headers=headers, timeout=5)
    assert shared.status_code == 200
    assert shared.json() == created.json()


def test_each_provider_port_serves_only_its_provider_at_the_root(ported_server, unique_client):
    _, ports = ported_server
    dots = Dots(f"http://127.0.0.1:{ports['dots']}", unique_client)
    listed = requests.get(f"http://127.0.0.1:{ports['dots']}/api/v2/users", headers=dots.headers(), timeout=5)
    assert listed.status_code == 200
    assert listed.json() == {"data": [], "has_more": False}
    # Dakota's path on Dots' port is a path Dots does not have: Dots' own 404.
    other = requests.get(f"http://127.0.0.1:{ports['dots']}/users", headers=dots.headers(), timeout=5)
    assert other.status_code == 404
    assert other.json() == dots_error("not-found", "Cannot GET /users")


def test_the_mocks_own_endpoints_answer_on_a_provider_port(ported_server):
    _, ports = ported_server
    health = requests.get(f"http://127.0.0.1:{ports['dakota']}/__admin/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["providers"] == {provider.name: provider.prefix for provider in REGISTRY.providers}


def test_a_body_cut_short_through_a_provider_port_is_still_refused(ported_server, unique_client):
    server, ports = ported_server
    dakota = Dakota(server.url, unique_client)
    body = json.dumps(dakota.body(2)).encode()
    head = create_head(dakota, len(body) + 20).replace(b"POST /dakota/users", b"POST /users")
    with socket.create_connection(("127.0.0.1", ports["dakota"]), timeout=10) as sock:
        sock.sendall(head + body)
        sock.shutdown(socket.SHUT_WR)  # the relay passes the half-close on
        answer = read_response(sock)
    assert answer.status_line == "HTTP/1.1 400 Bad Request"
    assert answer.json()["detail"] == ENDED_EARLY
    assert answer.json()["instance"].endswith("/users")


def test_a_provider_port_that_is_taken_stops_the_command_with_a_message():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "mock_server",
                "--port",
                str(free_port()),
                "--provider-ports",
                f"dakota={port}",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert (
        f"mock-server: cannot listen on provider port {port} for 'dakota': Address already in use"
        in result.stderr
    )
