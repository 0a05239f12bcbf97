"""The test webhook receiver on its own: signed POSTs sent by hand, answered as Dakota's SDKs answer them."""

from __future__ import annotations

import base64
import json
import math
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests

from mock_server.base.signing import SigningKey
from mock_server.receiver import MAX_BODY_BYTES, WebhookReceiver, check

KEY = SigningKey.random()
EVENT = {
    "id": "2mQ1ZtYcW4pD9s3uB7kXhJ0aLfE",
    "type": "user.created",
    "created": 1_700_000_000,
    "api_version": "1.0.0",
    "data": {"object": {"id": "usr_1", "email": "ada@example.com"}},
    "request": {"id": None, "idempotency_key": None},
}


def body_of(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def signed_headers(body: bytes, *, key: SigningKey = KEY, timestamp: int | None = None) -> dict[str, str]:
    """The headers of a delivery of `body`, as the mock sends them."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = base64.b64encode(key.sign(stamp.encode() + body)).decode()
    event_id = json.loads(body).get("id", "") if body.startswith(b"{") else ""
    return {
        "Content-Type": "application/json",
        "X-Webhook-Signature": signature,
        "X-Webhook-Timestamp": stamp,
        "X-Dakota-Event-ID": event_id,
    }


def post(receiver: WebhookReceiver, body: bytes, headers: dict[str, str]) -> int:
    return requests.post(receiver.url, data=body, headers=headers, timeout=5).status_code


def raw_post(receiver: WebhookReceiver, body: bytes, headers: dict[str, str]) -> int:
    """A POST with its headers sent exactly as given (Latin-1), which requests would check or fix."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    head = "POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=3) as connection:
        connection.sendall(head.encode("latin-1") + body)
        status_line = connection.makefile("rb").readline()
    return int(status_line.split()[1])


@pytest.fixture
def receiver():
    with WebhookReceiver(KEY.public_hex) as receiver:
        yield receiver


def test_a_valid_delivery_is_answered_200_and_waited_for_with_its_event_parsed(receiver):
    body = body_of(EVENT)
    assert post(receiver, body, signed_headers(body)) == 200

    webhook = receiver.wait_for("user.created", timeout=1)
    assert webhook.verified is True
    assert webhook.status == 200
    assert webhook.reason is None
    assert webhook.replay is False
    assert webhook.body == body
    assert webhook.event == EVENT
    assert (webhook.event_id, webhook.event_type) == (EVENT["id"], "user.created")
    assert webhook.headers["x-dakota-event-id"] == EVENT["id"]
    assert webhook.headers["content-type"] == "application/json"
    assert receiver.received == [webhook]
    assert receiver.rejected == []
    assert receiver.wait_for(event_id=EVENT["id"], timeout=0) is webhook


def test_any_path_is_accepted_and_any_trusted_key_verifies():
    other = SigningKey.random()
    body = body_of(EVENT)
    with WebhookReceiver([KEY.public_hex, other.public_hex]) as receiver:
        url = receiver.url.replace("/webhooks", "/somewhere/else")
        answered = requests.post(url, data=body, headers=signed_headers(body, key=other), timeout=5)
        assert answered.status_code == 200
        assert receiver.wait_for(timeout=1).verified is True


def test_a_tampered_body_is_refused_401_and_recorded_with_a_reason(receiver):
    headers = signed_headers(body_of(EVENT))
    tampered = body_of({**EVENT, "type": "user.deleted"})
    assert post(receiver, tampered, headers) == 401

    [refused] = receiver.rejected
    assert refused.verified is False
    assert refused.status == 401
    assert refused.reason == "signature does not verify with any trusted public key"
    assert refused.event_type == "user.deleted"
    assert receiver.received == []


def test_a_signature_by_an_untrusted_key_is_refused_401(receiver):
    body = body_of(EVENT)
    assert post(receiver, body, signed_headers(body, key=SigningKey.random())) == 401
    assert receiver.rejected[0].reason == "signature does not verify with any trusted public key"


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_beyond_the_tolerance_either_way_is_refused_401(receiver, offset):
    body = body_of(EVENT)
    # Rounded away from now, so the second the request takes to arrive cannot bring it back within 300 s.
    now = math.floor(time.time()) if offset < 0 else math.ceil(time.time())
    assert post(receiver, body, signed_headers(body, timestamp=now + offset)) == 401
    [refused] = receiver.rejected
    assert "from now (tolerance 300 s)" in refused.reason
    assert receiver.received == []


def test_a_timestamp_within_the_tolerance_is_accepted(receiver):
    body = body_of(EVENT)
    assert post(receiver, body, signed_headers(body, timestamp=int(time.time()) - 290)) == 200


def test_a_timestamp_that_is_not_a_number_is_refused_401(receiver):
    body = body_of(EVENT)
    headers = {**signed_headers(body), "X-Webhook-Timestamp": "yesterday"}
    assert post(receiver, body, headers) == 401
    assert receiver.rejected[0].reason == "timestamp 'yesterday' is not Unix seconds"


@pytest.mark.parametrize("shape", ["+{}", "{:_}", "0x{:x}"])
def test_a_timestamp_that_is_not_ascii_digits_is_refused_401_even_if_signed(receiver, shape):
    # Go's strconv.ParseInt(stamp, 10, 64) refuses these; Python's int() took "+" and "_".
    body = body_of(EVENT)
    stamp = shape.format(int(time.time()))
    signature = base64.b64encode(KEY.sign(stamp.encode() + body)).decode()
    headers = {**signed_headers(body), "X-Webhook-Timestamp": stamp, "X-Webhook-Signature": signature}
    assert post(receiver, body, headers) == 401
    assert receiver.rejected[0].reason == f"timestamp {stamp!r} is not Unix seconds"


@pytest.mark.parametrize(
    "shape", ["leading space", "trailing space", "arabic-indic digits", "fullwidth digits"]
)
def test_check_refuses_a_timestamp_with_spaces_or_digits_that_are_not_ascii(shape):
    now = int(time.time())
    stamp = {
        "leading space": f" {now}",
        "trailing space": f"{now} ",
        "arabic-indic digits": "".join(chr(0x0660 + int(digit)) for digit in str(now)),
        "fullwidth digits": "".join(chr(0xFF10 + int(digit)) for digit in str(now)),
    }[shape]
    body = body_of(EVENT)
    signature = base64.b64encode(KEY.sign(stamp.encode() + body)).decode()
    headers = {"x-webhook-signature": signature, "x-webhook-timestamp": stamp}
    assert check(headers, body, [KEY.public_hex], 300, now) == (
        401,
        f"timestamp {stamp!r} is not Unix seconds",
    )


def test_whitespace_around_a_header_value_is_not_part_of_it(receiver):
    # As an HTTP server hands headers to the SDK: the timestamp signed is the one without the spaces.
    body = body_of(EVENT)
    headers = {name: value + " \t" for name, value in signed_headers(body).items()}
    assert raw_post(receiver, body, {**headers, "Content-Length": f"{len(body)}  "}) == 200
    assert receiver.wait_for(timeout=1).headers["x-webhook-timestamp"] == headers["X-Webhook-Timestamp"][:-2]


@pytest.mark.parametrize("length", ["-1", "-100", "abc", "1_0", "+2", "0x2", "²", ""])
def test_a_content_length_that_is_not_a_byte_count_is_refused_400_without_reading(receiver, length):
    # Read as int(), "-1" had the receiver read until the client closed the connection.
    body = b"{}"
    assert raw_post(receiver, body, {**signed_headers(body), "Content-Length": length}) == 400
    [refused] = receiver.rejected
    assert (refused.status, refused.body) == (400, b"")
    assert refused.reason == f"Content-Length {length!r} is not a number of bytes"


@pytest.mark.parametrize("header", ["X-Webhook-Signature", "X-Webhook-Timestamp"])
def test_a_missing_header_is_refused_400(receiver, header):
    body = body_of(EVENT)
    headers = signed_headers(body)
    del headers[header]
    assert post(receiver, body, headers) == 400
    assert receiver.rejected[0].reason == f"missing header {header.lower()}"


def test_a_request_that_is_not_a_post_is_answered_405_and_not_recorded(receiver):
    for method in ("GET", "PUT", "DELETE"):
        answered = requests.request(method, receiver.url, timeout=5)
        assert answered.status_code == 405
        assert answered.headers["Allow"] == "POST"
    assert receiver.attempts == []


def test_a_body_over_64_kb_is_refused_413(receiver):
    body = body_of({**EVENT, "padding": "x" * MAX_BODY_BYTES})
    assert post(receiver, body, signed_headers(body)) == 413
    [refused] = receiver.rejected
    assert refused.status == 413
    assert refused.reason == f"body of {len(body)} bytes is over the 65536-byte limit"
    assert refused.body == b""


def test_a_body_of_exactly_64_kb_is_accepted(receiver):
    body = body_of(EVENT)
    body = body[:-1] + b',"padding":"' + b"x" * (MAX_BODY_BYTES - len(body) - 13) + b'"}'
    assert len(body) == MAX_BODY_BYTES
    assert post(receiver, body, signed_headers(body)) == 200


def test_scripted_failures_answer_their_status_then_deliveries_succeed(receiver):
    receiver.fail_next(2)
    body = body_of(EVENT)
    assert [post(receiver, body, signed_headers(body)) for _ in range(3)] == [500, 500, 200]

    webhook = receiver.wait_for("user.created", timeout=1)
    assert webhook.status == 200
    assert receiver.received == [webhook]
    assert receiver.rejected == []
    assert [(a.status, a.verified, a.reason) for a in receiver.attempts] == [
        (500, True, "scripted failure: answered 500"),
        (500, True, "scripted failure: answered 500"),
        (200, True, None),
    ]
    with pytest.raises(AssertionError):
        receiver.wait_for_all("user.created", count=2, timeout=0.1)


def test_a_scripted_failure_can_be_any_status(receiver):
    receiver.fail_next(1, status=503)
    body = body_of(EVENT)
    assert post(receiver, body, signed_headers(body)) == 503
    assert post(receiver, body, signed_headers(body)) == 200


def test_wait_for_all_gives_the_first_matches_in_arrival_order(receiver):
    for number in range(3):
        body = body_of({**EVENT, "id": f"evt_{number}"})
        post(receiver, body, signed_headers(body))
    other = body_of({**EVENT, "id": "evt_other", "type": "user.updated"})
    post(receiver, other, signed_headers(other))

    found = receiver.wait_for_all("user.created", count=2, timeout=1)
    assert [webhook.event_id for webhook in found] == ["evt_0", "evt_1"]
    assert receiver.wait_for("user.updated", timeout=1).event_id == "evt_other"


def test_wait_for_blocks_until_a_delivery_arrives(receiver):
    body = body_of(EVENT)
    sender = threading.Timer(0.2, post, (receiver, body, signed_headers(body)))
    sender.start()
    try:
        started = time.monotonic()
        assert receiver.wait_for("user.created", timeout=5).event_id == EVENT["id"]
        assert time.monotonic() - started >= 0.15
    finally:
        sender.join()


def test_wait_for_times_out_naming_what_arrived_and_what_was_refused(receiver):
    body = body_of(EVENT)
    post(receiver, body, signed_headers(body))
    post(receiver, body, signed_headers(body, key=SigningKey.random()))

    started = time.monotonic()
    with pytest.raises(AssertionError) as raised:
        receiver.wait_for("user.deleted", timeout=0.2)
    assert time.monotonic() - started >= 0.2
    message = str(raised.value)
    assert "expected 1 verified webhook(s) (type='user.deleted') within 0.2 s, got 0" in message
    assert f"received: 200 user.created {EVENT['id']};" in message
    assert f"rejected: 401 user.created {EVENT['id']}: signature does not verify" in message


def test_a_replay_is_told_apart_by_its_header(receiver):
    body = body_of(EVENT)
    post(receiver, body, signed_headers(body))
    post(receiver, body, {**signed_headers(body), "X-Webhook-Replay": "true"})

    assert receiver.wait_for(replay=True, timeout=1).replay is True
    assert receiver.wait_for(replay=False, timeout=1).replay is False
    assert [webhook.replay for webhook in receiver.received] == [False, True]


def test_a_body_that_is_not_json_has_no_event_but_the_headers_id(receiver):
    body = b"not json"
    headers = {**signed_headers(body), "X-Dakota-Event-ID": "evt_header"}
    assert post(receiver, body, headers) == 200
    webhook = receiver.wait_for(timeout=1)
    assert (webhook.event, webhook.event_type, webhook.event_id) == (None, None, "evt_header")


def test_clear_forgets_deliveries_and_scripted_failures(receiver):
    body = body_of(EVENT)
    post(receiver, body, signed_headers(body))
    receiver.fail_next(5)
    receiver.clear()
    assert receiver.attempts == []
    assert post(receiver, body, signed_headers(body)) == 200


def test_a_delayed_answer_comes_after_the_delay(receiver):
    receiver.delay(0.3)
    body = body_of(EVENT)
    started = time.monotonic()
    assert post(receiver, body, signed_headers(body)) == 200
    assert time.monotonic() - started >= 0.3


def test_a_closed_receiver_accepts_no_connection():
    receiver = WebhookReceiver(KEY.public_hex)
    receiver.close()
    receiver.close()  # harmless
    body = body_of(EVENT)
    with pytest.raises(requests.ConnectionError):
        post(receiver, body, signed_headers(body))


@pytest.mark.parametrize("key", ["abc", "zz" * 32, KEY.public_hex + "00"])
def test_a_public_key_that_is_not_64_hex_characters_is_refused(key):
    with pytest.raises(ValueError, match="is not an Ed25519 public key"):
        WebhookReceiver(key)


def test_importing_the_receiver_loads_no_flask_and_nothing_of_the_server():
    code = (
        "import mock_server.receiver, sys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug') "
        "or m.startswith(('mock_server.core', 'mock_server.providers', 'mock_server.app'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    check = "import mock_server.receiver, sys; print('flask' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", check], capture_output=True, text=True).stdout == "False\n"
