"""Dakota's webhooks end to end: API calls through the app, deliveries over real sockets to a local
receiver, checked as an integrator's code checks them (signatures verified with PyNaCl, not with the
`cryptography` library that signs them), retries driven by a manual clock."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from mock_server import create_app
from mock_server.base.clock import ManualClock
from mock_server.base.config import DEFAULT_RETRY_SCHEDULE
from mock_server.base.signing import SigningKey
from mock_server.core.webhooks import QUEUE_FULL, TARGET_GONE, USER_AGENT
from mock_server.receiver import WebhookReceiver
from tests.concurrency import race
from tests.conftest import LiveServer, free_port
from tests.dakota.helpers import PRODUCTION, headers, invalid, person, problem, rid

KEY_A = "sk_test_alpha_0001"
KEY_B = "sk_test_bravo_0002"
T0 = 1727951400  # the manual clock's start, in Unix seconds
TOLERANCE = 300  # the SDKs' freshness window, in seconds


def sdk_verify(public_hex: str, sent: Mapping[str, str], body: bytes, now: float) -> bool:
    """What Dakota's SDKs do with a delivery (header names in lower case): the timestamp must be within
    five minutes of now, and the signature an Ed25519 signature of the timestamp string then the body."""
    stamp = sent["x-webhook-timestamp"]
    if abs(now - int(stamp)) > TOLERANCE:
        return False
    try:
        VerifyKey(bytes.fromhex(public_hex)).verify(
            stamp.encode() + body, base64.b64decode(sent["x-webhook-signature"])
        )
    except BadSignatureError:
        return False
    return True


def compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class World:
    """An app on a manual clock, and the calls these tests make of it."""

    def __init__(self, clock: ManualClock, **settings: Any) -> None:
        self.clock = clock
        self.app = create_app({"seed": 1234, **settings}, clock=clock)
        self.client = self.app.test_client()
        self.state = self.app.extensions["mock_server"]
        self.webhooks = self.state.webhooks
        self.public_key = self.public_key_of("dakota")

    def public_key_of(self, name: str) -> str:
        return self.state.providers[name].webhook_public_key(self.state.backends[name])

    def post(self, path: str, body: Any, api_key: str = KEY_A, idempotency_key: str | None = None):
        sent = headers(api_key, idempotency_key or str(uuid.uuid4()))
        return self.client.post("/dakota" + path, json=body, headers=sent)

    def get(self, path: str, api_key: str = KEY_A) -> Any:
        response = self.client.get("/dakota" + path, headers=headers(api_key))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def target(self, url: str, api_key: str = KEY_A, **fields: Any) -> dict[str, Any]:
        response = self.post("/webhooks/targets", {"url": url, "global": True, **fields}, api_key)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def create_user(self, n: int, api_key: str = KEY_A) -> dict[str, Any]:
        response = self.post("/users", person(n), api_key)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def events(self, api_key: str = KEY_A) -> list[dict[str, Any]]:
        """Newest first."""
        return self.get("/events?limit=100", api_key)["data"]

    def event_ids(self, api_key: str = KEY_A) -> list[str]:
        """Oldest first."""
        return [event["id"] for event in reversed(self.events(api_key))]

    def record(self, event_id: str, api_key: str = KEY_A) -> dict[str, Any]:
        return self.get(f"/webhooks/{event_id}", api_key)

    def admin_deliveries(self, query: str = "") -> list[dict[str, Any]]:
        return self.client.get("/__admin/webhooks/deliveries" + query).get_json()["deliveries"]

    def settle(self) -> None:
        """Wait for the attempts now due (the first ones at once), the provider's records updated."""
        self.webhooks.deliver_now(due_only=True)


@pytest.fixture
def make_world(clock: ManualClock) -> Iterator[Callable[..., World]]:
    worlds: list[World] = []

    def build(**settings: Any) -> World:
        worlds.append(World(clock, **settings))
        return worlds[-1]

    yield build
    for world in worlds:
        world.webhooks.stop()


@pytest.fixture
def world(make_world) -> World:
    return make_world()


@pytest.fixture
def open_receiver() -> Iterator[Callable[[World], WebhookReceiver]]:
    opened: list[WebhookReceiver] = []

    def open_(world: World) -> WebhookReceiver:
        opened.append(WebhookReceiver(world.public_key))
        return opened[-1]

    yield open_
    for receiver in opened:
        receiver.close()


@pytest.fixture
def receiver(world, open_receiver) -> WebhookReceiver:
    return open_receiver(world)


class HoldingReceiver(ThreadingHTTPServer):
    """Takes each POST and holds it, without answering, until released."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HoldingHandler)
        self.url = f"http://127.0.0.1:{self.server_port}/hooks"
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.entered = 0
        self.answered = 0
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def wait_entered(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.entered < count:
            assert time.monotonic() < deadline, f"{self.entered} of {count} deliveries arrived"
            time.sleep(0.005)

    def close(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class HoldingHandler(BaseHTTPRequestHandler):
    server: HoldingReceiver

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.entered += 1
        self.server.release.wait(10)
        with self.server.lock:
            self.server.answered += 1
        try:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:  # the sender gave up long ago
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def holding() -> Iterator[HoldingReceiver]:
    server = HoldingReceiver()
    yield server
    server.close()


def refused_url() -> str:
    return f"http://127.0.0.1:{free_port()}/hooks"


# --- what a delivery is --------------------------------------------------------------------------------


def test_user_created_is_delivered_signed_as_the_sdks_verify(world, receiver):
    world.target(receiver.url)
    world.create_user(1)
    webhook = receiver.wait_for("user.created")
    now = time.time()
    sent, body = webhook.headers, webhook.body
    stamp = int(sent["x-webhook-timestamp"])

    assert sdk_verify(world.public_key, sent, body, now)
    assert (webhook.verified, webhook.status) == (True, 200)
    # The raw check, as an integrator writes it with PyNaCl: raises on any mismatch.
    signature = base64.b64decode(sent["x-webhook-signature"], validate=True)
    VerifyKey(bytes.fromhex(world.public_key)).verify(str(stamp).encode() + body, signature)

    tampered = body.replace(b"user1@example.com", b"user2@example.com")
    assert tampered != body
    assert not sdk_verify(world.public_key, sent, tampered, now)
    assert not sdk_verify(world.public_key, {**sent, "x-webhook-timestamp": str(stamp + 1)}, body, now)
    assert not sdk_verify(SigningKey.random().public_hex, sent, body, now)
    assert not sdk_verify(world.public_key_of("dakota-sandbox"), sent, body, now)  # the other environment's
    assert sdk_verify(world.public_key, sent, body, stamp + TOLERANCE)
    assert not sdk_verify(world.public_key, sent, body, stamp + TOLERANCE + 1)  # stale
    assert not sdk_verify(world.public_key, sent, body, stamp - TOLERANCE - 1)  # from the future


def test_the_body_is_the_listed_event_and_the_headers_are_exact(world, receiver):
    world.target(receiver.url)
    idempotency_key = str(uuid.uuid4())
    before = int(time.time())
    created = world.post("/users", person(1), idempotency_key=idempotency_key)
    webhook = receiver.wait_for("user.created")
    after = int(time.time())

    (listed,) = world.events()
    assert listed == {
        "id": listed["id"],
        "type": "user.created",
        "created": T0,
        "api_version": "1.0.0",
        "data": {"object": {"user_id": created.get_json()["id"], "email": "user1@example.com"}},
        "request": {"id": rid(created), "idempotency_key": idempotency_key},
    }
    assert webhook.body == compact(listed)  # the same bytes, keys in the same order
    stamp = webhook.headers["x-webhook-timestamp"]
    assert before <= int(stamp) <= after  # the wall clock at sending, not the app's manual clock
    assert webhook.headers == {
        "host": urlsplit(receiver.url).netloc,
        "accept-encoding": "identity",
        "content-length": str(len(webhook.body)),
        "user-agent": USER_AGENT,
        "content-type": "application/json",
        "x-webhook-signature": webhook.headers["x-webhook-signature"],
        "x-webhook-timestamp": stamp,
        "x-dakota-event-id": listed["id"],
    }
    assert len(base64.b64decode(webhook.headers["x-webhook-signature"], validate=True)) == 64
    assert webhook.event_id == webhook.headers["x-dakota-event-id"] == json.loads(webhook.body)["id"]
    assert webhook.replay is False


# --- retries -------------------------------------------------------------------------------------------


def test_a_receiver_failing_twice_gets_a_third_attempt_and_the_record_says_delivered(world, receiver):
    target = world.target(receiver.url)
    receiver.fail_next(2, status=500)
    world.clock.advance(5)
    world.create_user(1)
    world.settle()
    (event_id,) = world.event_ids()

    target_now = world.get(f"/webhooks/targets/{target['id']}")
    assert (target_now["time_last_attempted"], target_now["time_last_healthy"]) == (T0 + 5, T0)
    world.clock.advance(29)
    world.settle()
    assert len(receiver.attempts) == 1  # not due yet
    world.clock.advance(1)
    world.settle()
    assert [a.status for a in receiver.attempts] == [500, 500]
    target_now = world.get(f"/webhooks/targets/{target['id']}")
    assert (target_now["time_last_attempted"], target_now["time_last_healthy"]) == (T0 + 35, T0)

    world.clock.advance(120)
    world.settle()
    assert [a.status for a in receiver.attempts] == [500, 500, 200]
    assert all(a.verified and a.body == receiver.attempts[0].body for a in receiver.attempts)
    assert world.record(event_id) == {
        "id": event_id,
        "event_type": "user.created",
        "endpoint_url": receiver.url,
        "status": "delivered",
        "attempts": 3,
        "created_at": "2024-10-03T10:30:05Z",
        "delivered_at": "2024-10-03T10:32:35Z",
        "simulation_id": None,
        "is_replay": False,
        "replay_count": 0,
        "payload": json.loads(receiver.attempts[0].body),
    }
    target_now = world.get(f"/webhooks/targets/{target['id']}")
    assert (target_now["time_last_attempted"], target_now["time_last_healthy"]) == (T0 + 155, T0 + 155)


def test_a_receiver_that_is_down_fails_after_the_whole_default_schedule(world):
    url = refused_url()
    target = world.target(url)
    world.clock.advance(5)
    world.create_user(1)
    world.settle()
    (event_id,) = world.event_ids()
    assert world.record(event_id)["attempts"] == 1

    for attempt, delay in enumerate(DEFAULT_RETRY_SCHEDULE, start=2):
        world.clock.advance(delay - 1)
        world.settle()
        assert world.record(event_id)["attempts"] == attempt - 1  # each delay followed exactly
        world.clock.advance(1)
        world.settle()
        assert world.record(event_id)["attempts"] == attempt

    record = world.record(event_id)
    assert (record["status"], record["attempts"], record["delivered_at"]) == ("failed", 10, None)
    (delivery,) = world.admin_deliveries()
    assert (delivery["last_response_status"], delivery["last_error"]) == (
        None,
        "could not connect: Connection refused",
    )
    last_attempt = T0 + 5 + int(sum(DEFAULT_RETRY_SCHEDULE))
    target_now = world.get(f"/webhooks/targets/{target['id']}")
    assert (target_now["time_last_attempted"], target_now["time_last_healthy"]) == (last_attempt, T0)
    world.clock.advance(7 * 86400)
    assert world.webhooks.deliver_now() == []  # nothing more is attempted
    assert world.record(event_id)["attempts"] == 10


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/hooks", "https://hooks.example.com:65536/in"])
def test_a_target_on_a_port_out_of_range_is_refused(world, url):
    refused = world.post("/webhooks/targets", {"url": url, "global": True})
    assert (refused.status_code, refused.get_json()) == (
        400,
        invalid(
            [("url", "url must be an absolute http or https URL", "invalid_format")],
            request_id=rid(refused),
            instance=PRODUCTION + "/webhooks/targets",
        ),
    )


def in_both_environments(world: World, receivers: dict[str, WebhookReceiver]) -> None:
    """A target on each environment's receiver, then a user created in each."""
    for name, receiver in receivers.items():
        prefix = "/" + name
        made = world.client.post(
            prefix + "/webhooks/targets",
            json={"url": receiver.url, "global": True},
            headers=headers(KEY_A, str(uuid.uuid4())),
        )
        assert made.status_code == 201
        created = world.client.post(
            prefix + "/users", json=person(1), headers=headers(KEY_A, str(uuid.uuid4()))
        )
        assert created.status_code == 201


def test_each_environment_signs_with_its_own_key(make_world):
    world = make_world(seed=None)  # unseeded: see the next test
    sandbox_key = world.public_key_of("dakota-sandbox")
    assert world.public_key != sandbox_key
    with WebhookReceiver(world.public_key) as production, WebhookReceiver(sandbox_key) as sandbox:
        in_both_environments(world, {"dakota": production, "dakota-sandbox": sandbox})
        world.webhooks.deliver_now()
        (in_production,), (in_sandbox,) = production.attempts, sandbox.attempts

    now = time.time()
    assert (in_production.verified, in_sandbox.verified) == (True, True)
    assert sdk_verify(sandbox_key, in_sandbox.headers, in_sandbox.body, now)
    assert not sdk_verify(world.public_key, in_sandbox.headers, in_sandbox.body, now)
    assert sdk_verify(world.public_key, in_production.headers, in_production.body, now)
    assert not sdk_verify(sandbox_key, in_production.headers, in_production.body, now)


def test_seeded_environments_make_distinct_deliveries(world):
    with WebhookReceiver(world.public_key) as production:
        with WebhookReceiver(world.public_key_of("dakota-sandbox")) as sandbox:
            world.webhooks.pause()
            in_both_environments(world, {"dakota": production, "dakota-sandbox": sandbox})
            assert sorted(d["url"] for d in world.admin_deliveries()) == sorted([production.url, sandbox.url])
            world.webhooks.deliver_now()
            assert (len(production.received), len(sandbox.received)) == (1, 1)


def test_a_reset_forgets_queued_deliveries_which_are_never_sent(world, receiver):
    world.target(receiver.url)
    world.webhooks.pause()
    world.create_user(1)
    assert world.client.post("/__admin/reset").status_code == 200
    world.webhooks.resume()
    world.webhooks.deliver_now()

    assert receiver.attempts == []
    assert world.admin_deliveries() == []
    assert world.get("/webhooks")["data"] == []
    assert world.client.get("/__admin/webhooks").get_json()["counts"] == {
        "pending": 0,
        "delivered": 0,
        "failed": 0,
        "in_flight": 0,
        "dropped": 0,
    }


# --- replays -------------------------------------------------------------------------------------------


def test_a_replay_is_delivered_again_marked_and_counted_up_to_the_limit(world, receiver):
    world.target(receiver.url)
    world.create_user(1)
    original = receiver.wait_for("user.created")
    world.settle()
    event_id = original.event_id

    replayed = world.post(f"/webhooks/events/{event_id}/replay", None)
    assert (replayed.status_code, replayed.get_json()) == (
        200,
        {"webhook_id": event_id, "status": "queued", "replayed_to_count": 1},
    )
    again = receiver.wait_for(event_id=event_id, replay=True)
    assert again.headers["x-webhook-replay"] == "true"
    assert "x-webhook-replay" not in original.headers
    assert again.body == original.body
    assert sdk_verify(world.public_key, again.headers, again.body, time.time())
    world.webhooks.deliver_now()

    history = world.get("/webhooks")["data"]
    assert [(r["id"], r["is_replay"], r["replay_count"], r["status"]) for r in history] == [
        (event_id, True, 1, "delivered"),  # newest first
        (event_id, False, 1, "delivered"),
    ]
    record = world.record(event_id)  # the first delivery, not the replay
    assert (record["is_replay"], record["replay_count"], record["attempts"]) == (False, 1, 1)

    for _ in range(9):
        assert world.post(f"/webhooks/events/{event_id}/replay", None).status_code == 200
    refused = world.post(f"/webhooks/events/{event_id}/replay", None)
    assert refused.status_code == 409
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.get_json() == problem(
        "conflict",
        "Replay limit exceeded",
        409,
        "This webhook has already been replayed the maximum number of times (10)",
        f"{PRODUCTION}/webhooks/events/{event_id}/replay",
        request_id=rid(refused),
    )
    world.webhooks.deliver_now()
    got = [w for w in receiver.received if w.event_id == event_id]
    assert [w.replay for w in got].count(True) == 10
    assert len(got) == len(receiver.attempts) == 11
    assert world.record(event_id)["replay_count"] == 10


def test_a_replayed_idempotent_create_emits_no_new_event(world, receiver):
    world.target(receiver.url)
    idempotency_key = str(uuid.uuid4())
    first = world.post("/users", person(1), idempotency_key=idempotency_key)
    second = world.post("/users", person(1), idempotency_key=idempotency_key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.get_json() == first.get_json()
    world.webhooks.deliver_now()  # anything queued is attempted now

    assert len(world.events()) == 1
    assert world.get("/events")["meta"]["total_count"] == 1
    assert len(world.get("/webhooks")["data"]) == 1
    assert [w.event_type for w in receiver.attempts] == ["user.created"]


# --- which targets get what ------------------------------------------------------------------------------


def test_targets_get_the_events_they_select_and_keys_are_isolated(world, open_receiver):
    deletes, everything, unlisted, other_key = (open_receiver(world) for _ in range(4))
    world.target(deletes.url, **{"global": False, "event_types": ["user.deleted"]})
    world.target(everything.url, **{"global": True, "event_types": ["user.deleted"]})  # global wins
    world.target(unlisted.url, **{"global": False})  # no types listed: every event (the docs' default)
    world.target(other_key.url, KEY_B)

    user = world.create_user(1)
    world.webhooks.deliver_now()
    patched = world.client.patch(
        f"/dakota/users/{user['id']}",
        json={"first_name": "Renamed"},
        headers=headers(KEY_A, str(uuid.uuid4())),
    )
    assert patched.status_code == 204
    world.webhooks.deliver_now()
    deleted = world.client.delete(f"/dakota/users/{user['id']}", headers=headers(KEY_A))
    assert deleted.status_code == 204
    world.webhooks.deliver_now()
    world.create_user(2, KEY_B)
    world.webhooks.deliver_now()

    a_created, a_updated, a_deleted = world.event_ids(KEY_A)
    (b_created,) = world.event_ids(KEY_B)
    assert [(w.event_type, w.event_id) for w in deletes.attempts] == [("user.deleted", a_deleted)]
    expected_a = [("user.created", a_created), ("user.updated", a_updated), ("user.deleted", a_deleted)]
    assert [(w.event_type, w.event_id) for w in everything.attempts] == expected_a
    assert [(w.event_type, w.event_id) for w in unlisted.attempts] == expected_a
    assert [(w.event_type, w.event_id) for w in other_key.attempts] == [("user.created", b_created)]
    assert all(w.verified for r in (deletes, everything, unlisted, other_key) for w in r.attempts)
    assert [r["id"] for r in world.get("/webhooks", KEY_B)["data"]] == [b_created]


def test_deleting_a_target_fails_its_queued_deliveries_unsent(world, open_receiver):
    doomed, kept = open_receiver(world), open_receiver(world)
    doomed_target = world.target(doomed.url)
    world.target(kept.url)
    world.webhooks.pause()
    world.create_user(1)
    (event_id,) = world.event_ids()
    deleted = world.client.delete(f"/dakota/webhooks/targets/{doomed_target['id']}", headers=headers(KEY_A))
    assert deleted.status_code == 204
    world.webhooks.deliver_now()

    assert doomed.attempts == []
    assert [w.event_id for w in kept.received] == [event_id]
    outcomes = {(d["url"], d["status"], d["attempts"], d["last_error"]) for d in world.admin_deliveries()}
    assert outcomes == {(doomed.url, "failed", 0, TARGET_GONE), (kept.url, "delivered", 1, None)}
    record = world.record(event_id)  # the first target's record
    assert (record["endpoint_url"], record["status"], record["attempts"]) == (doomed.url, "failed", 0)


def test_deleting_a_target_ends_its_retries_unsent(world, receiver):
    target = world.target(receiver.url)
    receiver.fail_next(1)
    world.create_user(1)
    world.settle()
    assert len(receiver.attempts) == 1
    world.client.delete(f"/dakota/webhooks/targets/{target['id']}", headers=headers(KEY_A))
    world.clock.advance(30)
    world.settle()

    (delivery,) = world.admin_deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == ("failed", 1, TARGET_GONE)
    assert len(receiver.attempts) == 1


# --- slow and dead receivers do not slow the API ---------------------------------------------------------


def test_a_slow_receiver_does_not_hold_up_the_api_and_times_out(make_world, holding):
    world = make_world(webhook_timeout_seconds=0.3)
    world.target(holding.url)
    world.create_user(1)
    holding.wait_entered(1)

    # The receiver holds the delivery, unanswered: the API still answers every call.
    world.create_user(2)
    assert len(world.get("/users")["data"]) == 2
    assert world.get("/events")["meta"]["total_count"] == 2
    world.settle()  # both attempts give up after the timeout, the receiver still holding them
    assert holding.answered == 0
    deliveries = world.admin_deliveries()
    assert [(d["status"], d["attempts"], d["last_response_status"], d["last_error"]) for d in deliveries] == [
        ("pending", 1, None, "no answer within 0.3 s")
    ] * 2


def test_with_every_slot_held_deliveries_queue_and_the_api_answers(make_world, holding):
    world = make_world(webhook_concurrency=1)
    world.target(holding.url)
    world.create_user(1)
    holding.wait_entered(1)
    for n in range(2, 6):
        world.create_user(n)  # the one slot is held: these queue behind it
    assert holding.answered == 0
    counts = world.client.get("/__admin/webhooks").get_json()["counts"]
    assert (counts["pending"], counts["in_flight"]) == (5, 1)

    holding.release.set()
    world.webhooks.deliver_now()
    assert holding.entered == holding.answered == 5
    assert [d["status"] for d in world.admin_deliveries()] == ["delivered"] * 5


def test_a_receiver_that_is_down_does_not_hold_up_the_api(world):
    world.target(refused_url())
    for n in range(1, 4):
        world.create_user(n)
    world.settle()
    assert [(d["status"], d["attempts"], d["last_error"]) for d in world.admin_deliveries()] == [
        ("pending", 1, "could not connect: Connection refused")
    ] * 3


# --- bounds and allowed hosts ----------------------------------------------------------------------------


def test_a_full_queue_fails_the_extra_deliveries_but_not_the_api_calls(make_world, open_receiver):
    world = make_world(webhook_queue_size=5)
    receiver = open_receiver(world)
    world.target(receiver.url)
    assert world.client.post("/__admin/webhooks/pause").get_json() == {"paused": True}
    for n in range(1, 9):
        world.create_user(n)  # all 201

    events = world.event_ids()
    assert len(events) == 8
    failed = world.get("/webhooks?status=failed")["data"]
    assert [(r["id"], r["attempts"]) for r in failed] == [(e, 0) for e in reversed(events[5:])]
    assert {d["last_error"] for d in world.admin_deliveries("?status=failed")} == {QUEUE_FULL}
    counts = world.client.get("/__admin/webhooks").get_json()["counts"]
    assert counts == {"pending": 5, "delivered": 0, "failed": 3, "in_flight": 0, "dropped": 3}

    world.client.post("/__admin/webhooks/resume")
    receiver.wait_for_all(count=5)
    world.webhooks.deliver_now()
    assert sorted(w.event_id for w in receiver.attempts) == sorted(events[:5])
    counts = world.client.get("/__admin/webhooks").get_json()["counts"]
    assert counts == {"pending": 0, "delivered": 5, "failed": 3, "in_flight": 0, "dropped": 3}


def test_targets_must_be_on_an_allowed_host(make_world):
    world = make_world(webhook_allowed_hosts="hooks.example.com,127.0.0.1")
    message = "url must be on a host this server allows: 127.0.0.1, hooks.example.com"
    for url in (
        "https://evil.example.net/hook",
        "https://hooks.example.com.evil.net/hook",
        "http://localhost/",
    ):
        refused = world.post("/webhooks/targets", {"url": url, "global": True})
        assert refused.status_code == 400
        assert refused.get_json() == invalid(
            [("url", message, "invalid_value")],
            request_id=rid(refused),
            instance=PRODUCTION + "/webhooks/targets",
        )
    world.target("https://HOOKS.example.com:8443/in")
    world.target("http://127.0.0.1:9/in")
    listed = world.get("/webhooks/targets")["data"]
    assert [t["url"] for t in listed] == ["https://HOOKS.example.com:8443/in", "http://127.0.0.1:9/in"]


def test_allowed_hosts_match_whatever_the_case_they_are_configured_in(make_world):
    world = make_world(webhook_allowed_hosts="Hooks.Example.COM")
    made = world.post("/webhooks/targets", {"url": "https://hooks.example.com/in", "global": True})
    assert made.status_code == 201, made.get_json()


# --- the admin API ---------------------------------------------------------------------------------------


def test_admin_shows_the_settings_and_keys(world):
    assert world.client.get("/__admin/webhooks").get_json() == {
        "paused": False,
        "counts": {"pending": 0, "delivered": 0, "failed": 0, "in_flight": 0, "dropped": 0},
        "public_keys": {"dakota": world.public_key, "dakota-sandbox": world.public_key_of("dakota-sandbox")},
        "retry_schedule_seconds": list(DEFAULT_RETRY_SCHEDULE),
        "max_attempts": 10,
        "timeout_seconds": 10.0,
        "concurrency": 8,
        "queue_size": 10_000,
        "history_size": 10_000,
        "allowed_hosts": None,
    }


def test_admin_lists_deliveries_across_keys_with_the_key_masked(world, open_receiver):
    receiver_a, receiver_b = open_receiver(world), open_receiver(world)
    target_a = world.target(receiver_a.url, KEY_A)
    world.target(receiver_b.url, KEY_B)
    world.create_user(1, KEY_A)
    world.create_user(2, KEY_B)
    world.webhooks.deliver_now()
    (event_a,), (event_b,) = world.event_ids(KEY_A), world.event_ids(KEY_B)

    listing = world.client.get("/__admin/webhooks/deliveries")
    assert KEY_A not in listing.text and KEY_B not in listing.text
    deliveries = listing.get_json()["deliveries"]
    assert [(d["scope"], d["event_id"]) for d in deliveries] == [
        ("sk_test_br…", event_b),  # newest first
        ("sk_test_al…", event_a),
    ]
    assert deliveries[1] == {
        "id": deliveries[1]["id"],
        "provider": "dakota",
        "scope": "sk_test_al…",
        "event_id": event_a,
        "event_type": "user.created",
        "target_id": target_a["id"],
        "url": receiver_a.url,
        "is_replay": False,
        "status": "delivered",
        "attempts": 1,
        "created_at": "2024-10-03T10:30:00+00:00",
        "next_attempt_at": None,
        "last_attempt_at": "2024-10-03T10:30:00+00:00",
        "delivered_at": "2024-10-03T10:30:00+00:00",
        "last_response_status": 200,
        "last_error": None,
    }
    assert [d["event_id"] for d in world.admin_deliveries(f"?event_id={event_a}")] == [event_a]
    assert world.admin_deliveries("?status=pending") == []
    assert len(world.admin_deliveries("?provider=dakota")) == 2


def test_admin_deliver_attempts_pending_deliveries_now(world, receiver):
    world.target(receiver.url)
    receiver.fail_next(1)
    world.create_user(1)
    world.settle()
    assert [a.status for a in receiver.attempts] == [500]

    due_only = world.client.post("/__admin/webhooks/deliver", json={"due_only": True})
    assert due_only.get_json() == {"deliveries": [], "total": 0}  # the retry is due in 30 s
    forced = world.client.post("/__admin/webhooks/deliver").get_json()
    assert forced["total"] == 1
    (delivery,) = forced["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["scope"]) == ("delivered", 2, "sk_test_al…")
    assert [a.status for a in receiver.attempts] == [500, 200]


def test_admin_pause_holds_deliveries_and_resume_sends_them(world, receiver):
    world.target(receiver.url)
    assert world.client.post("/__admin/webhooks/pause").get_json() == {"paused": True}
    assert world.client.get("/__admin/webhooks").get_json()["paused"] is True
    world.create_user(1)
    time.sleep(0.4)  # longer than the scheduler's poll
    assert receiver.attempts == []
    assert world.client.get("/__admin/webhooks").get_json()["counts"]["pending"] == 1

    assert world.client.post("/__admin/webhooks/resume").get_json() == {"paused": False}
    receiver.wait_for("user.created")
    assert world.client.get("/__admin/webhooks").get_json()["paused"] is False


# --- the production server over real sockets --------------------------------------------------------------


@pytest.fixture(scope="module")
def fast_retrying_server() -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MOCK_SERVER_WEBHOOK_RETRY_SCHEDULE", "0.05,0.05")
        server = LiveServer()
    yield server
    server.stop()


def test_concurrent_creates_are_each_delivered_exactly_once(fast_retrying_server):
    base = fast_retrying_server.url
    admin = requests.get(base + "/__admin/webhooks", timeout=10).json()
    assert admin["retry_schedule_seconds"] == [0.05, 0.05]
    api_key = f"sk_test_live_{uuid.uuid4().hex}"
    with WebhookReceiver(admin["public_keys"]["dakota"]) as receiver:
        made = requests.post(
            base + "/dakota/webhooks/targets",
            json={"url": receiver.url, "global": True},
            headers=headers(api_key, str(uuid.uuid4())),
            timeout=10,
        )
        assert made.status_code == 201
        responses = race(
            100,
            lambda n: requests.post(
                base + "/dakota/users",
                json=person(n),
                headers=headers(api_key, str(uuid.uuid4())),
                timeout=30,
            ),
        )
        assert [r.status_code for r in responses] == [201] * 100
        user_ids = {r.json()["id"] for r in responses}
        assert len(user_ids) == 100

        receiver.wait_for_all("user.created", count=100, timeout=60)
        deadline = time.monotonic() + 30
        while requests.get(base + "/__admin/webhooks", timeout=10).json()["counts"]["pending"]:
            assert time.monotonic() < deadline, "deliveries still pending"
            time.sleep(0.05)
        time.sleep(0.3)  # a duplicate would arrive by now
        attempts = receiver.attempts

    event_ids = [w.event_id for w in attempts]
    assert len(event_ids) == len(set(event_ids)) == 100
    assert all(w.verified and w.status == 200 for w in attempts)
    assert {w.event["data"]["object"]["user_id"] for w in attempts} == user_ids
    events = requests.get(base + "/dakota/events?limit=100", headers=headers(api_key), timeout=10).json()
    assert events["meta"]["total_count"] == 100
    assert {e["id"] for e in events["data"]} == set(event_ids)
    history = requests.get(base + "/dakota/webhooks?limit=100", headers=headers(api_key), timeout=10).json()
    assert history["has_more"] is False
    assert sorted((r["id"], r["status"], r["attempts"]) for r in history["data"]) == sorted(
        (event_id, "delivered", 1) for event_id in event_ids
    )
