"""pytest plugin (registered through the `pytest11` entry point).

Fixtures:
- `mock_server_session`: one live server for the whole test session, on a free loopback port.
- `mock_server`: the same server, reset before each test (in-process, no restart: microseconds).
Both hand over a MockServer: `base_url(provider)`, `credentials(provider)`, `reset()`, `requests()`,
`webhook_public_key(provider)`, `deliver_webhooks()`.
- `mock_webhook_receiver`: a live WebhookReceiver (mock_server/receiver.py) trusting the server's webhook
  signing keys; the test registers its `url` as a webhook target through the API, then `wait_for`s events.

Loading the plugin (pytest does, in every project that installs us) imports neither Flask nor any
provider nor `cryptography`: the server is built, and its modules imported, when a test first asks for a
fixture."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_server.receiver import WebhookReceiver


class MockServer:
    """A running mock server and handles on its state."""

    def __init__(self, seed: int | None = None) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        from mock_server.app import create_app

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test output clean
                pass

        self.app = create_app({"seed": seed})
        self.state = self.app.extensions["mock_server"]
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def base_url(self, provider: str) -> str:
        """Where `provider`'s API is served, e.g. base_url("dots") + "/api/v2/users"."""
        return self.url + self.state.providers[provider].prefix

    def credentials(self, provider: str, scope: str = "pytest") -> dict[str, str]:
        """Headers of a valid credential for `provider`; another `scope` is another isolated client."""
        declared = self.state.providers[provider]
        return declared.credential_headers(self.state.backends[provider], scope)

    def reset(self, provider: str | None = None) -> None:
        self.state.reset(provider)

    def requests(self) -> list[dict[str, Any]]:
        """What the code under test sent, oldest first (the journal)."""
        return [entry.to_json() for entry in self.state.journal.entries()]

    def webhook_public_key(self, provider: str = "dakota") -> str:
        """The public key (64 hex characters) `provider`'s webhooks are signed with."""
        declared = self.state.providers[provider]
        if declared.webhook_signing_key is None:
            raise ValueError(f"provider {provider!r} sends no webhooks")
        return declared.webhook_public_key(self.state.backends[provider])

    def webhook_public_keys(self) -> list[str]:
        """The public keys of every served provider that sends webhooks."""
        return [
            self.webhook_public_key(name) for name, p in self.state.providers.items() if p.webhook_signing_key
        ]

    def deliver_webhooks(self) -> list[dict[str, Any]]:
        """Attempt every pending webhook delivery now, wait for the outcomes, and return them (as listed
        by the admin API)."""
        return [delivery.to_json() for delivery in self.state.webhooks.deliver_now()]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="session")
def mock_server_session() -> Iterator[MockServer]:
    """One live mock server (a MockServer) for the whole session, on a free loopback port; not reset."""
    server = MockServer()
    yield server
    server.stop()


@pytest.fixture
def mock_server(mock_server_session: MockServer) -> MockServer:
    """The session's MockServer, reset first: no users, journal entries, webhooks or faults of other tests."""
    mock_server_session.reset()
    return mock_server_session


@pytest.fixture
def mock_webhook_receiver(mock_server: MockServer) -> Iterator[WebhookReceiver]:
    """A live WebhookReceiver trusting the mock server's webhook signing keys, closed after the test; it
    registers no target: create one through the API with its `url`."""
    from mock_server.receiver import WebhookReceiver

    with WebhookReceiver(mock_server.webhook_public_keys()) as receiver:
        yield receiver
