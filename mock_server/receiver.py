"""A webhook receiver for tests: a small HTTP server that checks each delivery as Dakota's SDKs do.

    with WebhookReceiver(public_key) as receiver:
        ...  # register receiver.url as a webhook target, then cause an event
        webhook = receiver.wait_for("user.created")
        assert webhook.event["data"]["object"]["email"] == "ada@example.com"

A delivery is a POST whose `X-Webhook-Signature` is the standard base64 Ed25519 signature, by one of the
trusted public keys, of the `X-Webhook-Timestamp` string followed by the raw body; the timestamp must be
within `tolerance_seconds` of now. Answers, as the SDKs give them: 200 verified, 401 bad signature or
stale timestamp (or one that is not ASCII decimal digits), 400 missing header (or a Content-Length that is
not a byte count), 405 not a POST, 413 body over 64 KB. `fail_next` and `delay` script
a failing or slow receiver, to exercise retries and timeouts.

Standard library only (plus the signing helper), so that it runs beside any server, in any test suite."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from mock_server.base.signing import verify

MAX_BODY_BYTES = 64 * 1024
# An oversized body is read (and dropped) up to this much before answering 413, so that the sender
# sees the answer rather than a connection reset mid-upload.
MAX_DISCARD_BYTES = 1024 * 1024
SIGNATURE = "x-webhook-signature"
TIMESTAMP = "x-webhook-timestamp"
EVENT_ID = "x-dakota-event-id"
REPLAY = "x-webhook-replay"
REQUIRED_HEADERS = (SIGNATURE, TIMESTAMP)
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class ReceivedWebhook:
    """One POST the receiver was sent, and what it made of it."""

    headers: dict[str, str]  # names in lower case
    body: bytes  # empty when the body was too large to keep
    event: dict[str, Any] | None  # the body parsed, None if it is not a JSON object
    verified: bool  # signature and timestamp checked out
    reason: str | None  # why it was refused (or failed on purpose); None when answered 200
    replay: bool  # sent with X-Webhook-Replay: true
    received_at: float  # time.time() on arrival
    status: int  # the HTTP status it was answered with

    @property
    def event_id(self) -> str | None:
        """The envelope's id, or the X-Dakota-Event-ID header when the body has none."""
        from_body = self.event.get("id") if self.event else None
        return from_body if isinstance(from_body, str) else self.headers.get(EVENT_ID)

    @property
    def event_type(self) -> str | None:
        kind = self.event.get("type") if self.event else None
        return kind if isinstance(kind, str) else None

    def describe(self) -> str:
        """One line for an assertion message."""
        text = f"{self.status} {self.event_type or '?'} {self.event_id or '?'}"
        return text + (" (replay)" if self.replay else "") + (f": {self.reason}" if self.reason else "")


class WebhookReceiver:
    """A live HTTP receiver on a free loopback port; every path is accepted."""

    def __init__(
        self, public_keys: str | Iterable[str], *, tolerance_seconds: int = 300, host: str = "127.0.0.1"
    ) -> None:
        self.public_keys = _parse_keys(public_keys)
        self.tolerance_seconds = tolerance_seconds
        self._changed = threading.Condition()
        self._attempts: list[ReceivedWebhook] = []
        self._scripted: list[int] = []  # statuses the next POSTs answer, whatever they hold
        self._delay_seconds = 0.0
        self._closed = threading.Event()
        self._server = _Server((host, 0), self)
        self.url = f"http://{host}:{self._server.server_port}/webhooks"
        # serve_forever notices shutdown() at its next poll: a short poll keeps close() quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(POLL_SECONDS,), name="webhook-receiver", daemon=True
        )
        self._thread.start()

    # --- what arrived --------------------------------------------------------------------------------

    @property
    def attempts(self) -> list[ReceivedWebhook]:
        """Every POST, in arrival order, scripted failures included."""
        with self._changed:
            return list(self._attempts)

    @property
    def received(self) -> list[ReceivedWebhook]:
        """The verified deliveries answered 200, in arrival order."""
        return [webhook for webhook in self.attempts if _accepted(webhook)]

    @property
    def rejected(self) -> list[ReceivedWebhook]:
        """The POSTs that failed the checks (answered 400, 401 or 413, unless a scripted status)."""
        return [webhook for webhook in self.attempts if not webhook.verified]

    def wait_for(
        self,
        event_type: str | None = None,
        event_id: str | None = None,
        *,
        timeout: float = 5.0,
        replay: bool | None = None,
    ) -> ReceivedWebhook:
        """The first verified delivery (since the last clear) matching the filters; waits up to `timeout`
        seconds for it, then raises AssertionError listing what did arrive."""
        return self.wait_for_all(event_type, event_id, count=1, timeout=timeout, replay=replay)[0]

    def wait_for_all(
        self,
        event_type: str | None = None,
        event_id: str | None = None,
        *,
        count: int,
        timeout: float = 5.0,
        replay: bool | None = None,
    ) -> list[ReceivedWebhook]:
        """The first `count` verified deliveries matching the filters, in arrival order (see wait_for)."""

        def matches(webhook: ReceivedWebhook) -> bool:
            return (
                _accepted(webhook)
                and event_type in (None, webhook.event_type)
                and event_id in (None, webhook.event_id)
                and replay in (None, webhook.replay)
            )

        with self._changed:
            found = self._changed.wait_for(lambda: len(self._matching(matches)) >= count, timeout)
            if found:
                return self._matching(matches)[:count]
            wanted = _describe_filters(event_type, event_id, replay)
            raise AssertionError(
                f"expected {count} verified webhook(s) {wanted} within {timeout:g} s, "
                f"got {len(self._matching(matches))}; {self._summary()}"
            )

    def _matching(self, matches: Callable[[ReceivedWebhook], bool]) -> list[ReceivedWebhook]:
        return [webhook for webhook in self._attempts if matches(webhook)]

    def _summary(self) -> str:
        """What arrived, for an assertion message (called under the lock)."""
        groups = {
            "received": [w for w in self._attempts if _accepted(w)],
            "rejected": [w for w in self._attempts if not w.verified],
            "failed on purpose": [w for w in self._attempts if w.verified and not _accepted(w)],
        }
        return "; ".join(
            f"{name}: {', '.join(w.describe() for w in webhooks) or 'nothing'}"
            for name, webhooks in groups.items()
        )

    # --- scripting it --------------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 500) -> None:
        """Answer the next `count` POSTs with `status`, whatever they hold (they are still recorded)."""
        with self._changed:
            self._scripted.extend([status] * count)

    def delay(self, seconds: float) -> None:
        """Wait `seconds` before answering each POST from now on (0: answer at once)."""
        with self._changed:
            self._delay_seconds = seconds

    def clear(self) -> None:
        """Forget what arrived, and any scripted failure or delay."""
        with self._changed:
            self._attempts.clear()
            self._scripted.clear()
            self._delay_seconds = 0.0

    def close(self) -> None:
        """Stop serving; a delayed answer in progress is cut short. Closing twice is harmless."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- handling one POST (called by the request handler's thread) -----------------------------------

    def _receive(self, headers: dict[str, str], body: bytes, refusal: tuple[int, str] | None) -> int:
        """Record one POST and choose its answer's status; `refusal` is the handler's own (413)."""
        self._closed.wait(self._delay_seconds)
        now = time.time()
        status, reason = refusal or check(headers, body, self.public_keys, self.tolerance_seconds, now)
        verified = status == 200
        with self._changed:
            if self._scripted:
                status = self._scripted.pop(0)
                # A refused POST keeps the checks' reason: it also shows in `rejected`.
                reason = reason or f"scripted failure: answered {status}"
            self._attempts.append(
                ReceivedWebhook(
                    headers=headers,
                    body=body,
                    event=_parse_event(body),
                    verified=verified,
                    reason=reason,
                    replay=headers.get(REPLAY) == "true",
                    received_at=now,
                    status=status,
                )
            )
            self._changed.notify_all()
        return status


def check(
    headers: Mapping[str, str], body: bytes, public_keys: Iterable[str], tolerance_seconds: int, now: float
) -> tuple[int, str | None]:
    """The SDK's verdict on one POST: (status, why it is refused, or None)."""
    for name in REQUIRED_HEADERS:
        if not headers.get(name):
            return 400, f"missing header {name}"
    stamp = headers[TIMESTAMP]
    # As the Go SDK's strconv.ParseInt(stamp, 10, 64) reads it: no spaces, no "_", no digits but ASCII ones
    # (which Python's int() would all accept).
    timestamp = _decimal(stamp)
    if timestamp is None:
        return 401, f"timestamp {stamp!r} is not Unix seconds"
    if abs(now - timestamp) > tolerance_seconds:
        return (
            401,
            f"timestamp {timestamp} is {now - timestamp:+.0f} s from now (tolerance {tolerance_seconds} s)",
        )
    try:
        signature = base64.b64decode(headers[SIGNATURE], validate=True)
    except binascii.Error:
        return 401, "signature is not base64"
    # Signed: the timestamp exactly as sent, then the raw body, with nothing between.
    message = stamp.encode("ascii", "replace") + body
    if not any(verify(key, message, signature) for key in public_keys):
        return 401, "signature does not verify with any trusted public key"
    return 200, None


def _decimal(text: str) -> int | None:
    """`text` as a number if it is ASCII decimal digits only, else None."""
    return int(text) if text.isascii() and text.isdigit() else None


def _parse_keys(public_keys: str | Iterable[str]) -> tuple[str, ...]:
    """The keys as lower-case hex; ValueError for one that is not 64 hex characters."""
    keys = (public_keys,) if isinstance(public_keys, str) else tuple(public_keys)
    for key in keys:
        try:
            valid = len(bytes.fromhex(key)) == 32
        except ValueError:
            valid = False
        if not valid:
            raise ValueError(f"{key!r} is not an Ed25519 public key: 64 hexadecimal characters")
    return tuple(key.lower() for key in keys)


def _parse_event(body: bytes) -> dict[str, Any] | None:
    try:
        event = json.loads(body)
    except ValueError:  # not UTF-8, or not JSON
        return None
    return event if isinstance(event, dict) else None


def _accepted(webhook: ReceivedWebhook) -> bool:
    return webhook.verified and webhook.status == 200


def _describe_filters(event_type: str | None, event_id: str | None, replay: bool | None) -> str:
    filters = [f"type={event_type!r}"] if event_type else []
    filters += [f"id={event_id!r}"] if event_id else []
    filters += [f"replay={replay}"] if replay is not None else []
    return "(" + ", ".join(filters) + ")" if filters else "(any)"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler still running never holds up close()

    def __init__(self, address: tuple[str, int], receiver: WebhookReceiver) -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        # Without the whitespace around a value, as an HTTP server (Go's net/http) hands headers to the SDK.
        headers = {name.lower(): value.strip(" \t") for name, value in self.headers.items()}
        declared = headers.get("content-length")
        length = 0 if declared is None else _decimal(declared)
        if length is None:  # negative, or not a number: where the body ends is unknown, so none is read
            self.close_connection = True
            body, refusal = b"", (400, f"Content-Length {declared!r} is not a number of bytes")
        elif length > MAX_BODY_BYTES:
            self.rfile.read(min(length, MAX_DISCARD_BYTES))
            body, refusal = b"", (413, f"body of {length} bytes is over the {MAX_BODY_BYTES}-byte limit")
        else:
            body, refusal = self.rfile.read(length), None
        self._answer(cast(_Server, self.server).receiver._receive(headers, body, refusal))

    def _not_allowed(self) -> None:
        """Not recorded: only POSTs are deliveries."""
        self._answer(405)

    do_GET = do_HEAD = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _not_allowed

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        if status == 405:
            self.send_header("Allow", "POST")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass
