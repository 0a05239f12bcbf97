"""Every Dakota webhook and event response validates against a hand-written copy of the real spec's schema
for its operation (tests/contracts/dakota-webhooks.schema.json, through check_contract) and against the
mock's own OpenAPI document; every error is the spec's problem details (dakota-problem.schema.json).

The app here pauses its webhook dispatcher, so a delivery is attempted only when a test asks
(`deliver_now`) and each record's status and attempts are exact. Targets name a URL nothing listens on
(port 9, discard), so an attempt is refused at once and nothing leaves the machine."""

from __future__ import annotations

import json
import time
from functools import cache
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.dakota.helpers import (
    CONTRACTS,
    DELIVERY,
    EVENT_LIST,
    FORMATS,
    HISTORY,
    PRODUCTION,
    REPLAY,
    SANDBOX,
    TARGET,
    TARGET_LIST,
    USERS,
    check_contract,
    headers,
    invalid,
    key,
    operation_shape,
    person,
    problem,
    real_path,
    rid,
    unauthorized,
)

TARGETS = "/dakota/webhooks/targets"
WEBHOOKS = "/dakota/webhooks"
EVENTS = "/dakota/events"
DEAD_URL = "http://127.0.0.1:9/hook"  # the discard port: nothing listens, a connection is refused at once
UNKNOWN_ID = "1NFHrqBHb3cTfLVkFSGmHZqdDPi"  # a KSUID the mock never made (the spec's example id)
STARTED = "2024-10-03T10:30:00Z"  # ManualClock's start, as a delivery record writes it

# The one schema copy no response is as a whole: an Event, as listed and as a delivery's payload.
EVENT = Draft202012Validator(
    {**json.loads((CONTRACTS / "dakota-webhooks.schema.json").read_text()), "$ref": "#/$defs/event"},
    format_checker=FORMATS,
)


# --- the contract: the spec's (check_contract), and our own document's ------------------------------


@cache
def served_document() -> dict[str, Any]:
    return create_app().test_client().get("/dakota/openapi.json").get_json()


def check_documented(method: str, path: str, response: Any) -> None:
    """The status is one the mock's OpenAPI document lists for the operation, with its required headers
    and a body its schema allows."""
    document = served_document()
    template = operation_shape(real_path(path))
    operation = document["paths"][template][method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {template} answered an undocumented {response.status_code}"
    for name, header in documented.get("headers", {}).items():
        assert not header.get("required") or name in response.headers, name
    if "content" not in documented:
        assert response.data == b""
        return
    schema = documented["content"][response.mimetype]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]}, format_checker=FORMATS)
    validator.validate(json.loads(response.data))


def check_webhook_contract(method: str, path: str, response: Any) -> None:
    origin = SANDBOX if path.startswith("/dakota-sandbox/") else PRODUCTION
    check_contract(method, path, response, origin)
    check_documented(method, path, response)


class WebhookContractClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any):
        response = super().open(*args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "/")
        if path.startswith(("/dakota/", "/dakota-sandbox/")):
            check_webhook_contract(kwargs.get("method", "GET").upper(), path.split("?")[0], response)
        return response


@pytest.fixture
def app(clock: ManualClock) -> Flask:
    """No retries (one refused attempt fails a delivery), and nothing attempted until a test asks."""
    app = create_app({"seed": 1234, "webhook_retry_schedule": ""}, clock=clock)
    app.extensions["mock_server"].webhooks.pause()
    app.test_client_class = WebhookContractClient
    return app


def now(clock: ManualClock) -> int:
    return int(clock.now().timestamp())


def create_target(client: FlaskClient, n: int, api_key: str = "key-a", **body: Any) -> dict[str, Any]:
    response = client.post(TARGETS, headers=headers(api_key, key(100 + n)), json={"url": DEAD_URL, **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def user_lifecycle(client: FlaskClient) -> tuple[str, list[Any]]:
    """Create, update and delete a user: one event of each user.* type. The user's id and the responses."""
    created = client.post(USERS, headers=headers("key-a", key(1)), json=person(1, role="admin"))
    assert created.status_code == 201
    user_id = created.get_json()["id"]
    updated = client.patch(f"{USERS}/{user_id}", headers=headers("key-a", key(2)), json={"role": "viewer"})
    deleted = client.delete(f"{USERS}/{user_id}", headers=headers())
    assert (updated.status_code, deleted.status_code) == (204, 204)
    return user_id, [created, updated, deleted]


# --- the copies accept the spec's own examples, and can fail -----------------------------------------

SPEC_TARGET = {
    "id": "1NFHrqBHb3cTfLVkFSGmHZqdDPi",
    "url": "https://example.com/webhooks/receive",
    "global": False,
    "event_types": ["api_key.created"],
    "time_last_healthy": 0,
    "time_last_attempted": 0,
}
SPEC_META = {"total_count": 100, "has_more_after": True, "has_more_before": False}
SPEC_EVENT = {
    "id": "1NFHrqBHb3cTfLVkFSGmHZqdDPi",
    "type": "transaction.auto.updated",
    "created": 1735689600,
    "api_version": "1.0.0",
    "data": {
        "object": {
            "id": "1NFHrqBHb3cTfLVkFSGmHZqdDPi",
            "auto_account_id": "1NFHrqBHb3cTfLVkFSGmHZqdDPj",
            "status": "completed",
        }
    },
    "metadata": {"source": "platform"},
}
SPEC_DELIVERY = {
    "id": "2Nf5xCw4k3G8m9PqR7sTuVwXyZa",
    "event_type": "transaction.completed",
    "endpoint_url": "https://example.com/webhooks/receive",
    "status": "delivered",
    "attempts": 1,
    "created_at": "2025-01-15T10:30:00Z",
    "delivered_at": "2025-01-15T10:30:02Z",
    "simulation_id": None,
    "is_replay": False,
    "replay_count": 0,
    "payload": {"id": "2Nf5xCw4k3G8m9PqR7sTuVwXyZa", "type": "transaction.completed"},
}
SPEC_REPLAY = {"webhook_id": "2Nf5xCw4k3G8m9PqR7sTuVwXyZa", "status": "queued", "replayed_to_count": 2}


def test_the_schema_copies_accept_the_specs_examples():
    TARGET.validate(SPEC_TARGET)
    TARGET_LIST.validate({"data": [SPEC_TARGET], "meta": SPEC_META})
    EVENT.validate(SPEC_EVENT)
    EVENT.validate(
        {
            "id": "1NFHrqBHb3cTfLVkFSGmHZqdDPo",
            "type": "customer.updated",
            "created": 1735689606,
            "api_version": "1.0.0",
            "request": {"id": "req_01hzy6y7v8w9x0y1z2a3b4c5d6", "idempotency_key": None},
            "data": {"object": {"name": "Acme Holdings"}, "previous_attributes": {"name": "Acme Corp"}},
        }
    )
    EVENT_LIST.validate({"data": [SPEC_EVENT], "meta": SPEC_META})
    DELIVERY.validate(SPEC_DELIVERY)
    HISTORY.validate({"data": [SPEC_DELIVERY], "has_more": False, "cursor": None})
    REPLAY.validate(SPEC_REPLAY)


@pytest.mark.parametrize(
    ("validator", "good", "change"),
    [
        (TARGET, SPEC_TARGET, {"id": "too-short"}),
        (TARGET, SPEC_TARGET, {"url": "/webhooks/receive"}),  # format uri: absolute
        (TARGET, SPEC_TARGET, {"global": None}),
        (TARGET, SPEC_TARGET, {"event_types": ["transaction.completed"]}),  # not an EventType
        (TARGET, SPEC_TARGET, {"event_types": None}),
        (TARGET, SPEC_TARGET, {"time_last_healthy": "0"}),
        (TARGET, SPEC_TARGET, {"secret": "x"}),
        (EVENT, SPEC_EVENT, {"created": 1.5}),
        (EVENT, SPEC_EVENT, {"created_at": 1735689600}),
        (EVENT, SPEC_EVENT, {"type": "user.renamed"}),
        (EVENT, SPEC_EVENT, {"data": {}}),
        (EVENT, SPEC_EVENT, {"request": {"id": 7}}),
        (DELIVERY, SPEC_DELIVERY, {"status": "queued"}),
        (DELIVERY, SPEC_DELIVERY, {"created_at": "yesterday"}),
        (DELIVERY, SPEC_DELIVERY, {"attempts": None}),
        (DELIVERY, SPEC_DELIVERY, {"payload": []}),
        (REPLAY, SPEC_REPLAY, {"status": "delivered"}),
        (REPLAY, SPEC_REPLAY, {"replayed_to_count": "2"}),
    ],
)
def test_the_schema_copies_can_fail(validator, good, change):
    assert not validator.is_valid({**good, **change})


@pytest.mark.parametrize(
    ("validator", "good", "missing"),
    [
        (TARGET, SPEC_TARGET, "time_last_attempted"),
        (EVENT, SPEC_EVENT, "api_version"),
        (DELIVERY, SPEC_DELIVERY, "is_replay"),
        (REPLAY, SPEC_REPLAY, "webhook_id"),
    ],
)
def test_the_schema_copies_require_what_the_spec_requires(validator, good, missing):
    assert not validator.is_valid({name: value for name, value in good.items() if name != missing})


def test_the_list_copies_can_fail():
    assert not TARGET_LIST.is_valid({"data": [SPEC_TARGET]})
    assert not EVENT_LIST.is_valid({"data": [], "meta": {"total_count": 0, "has_more_after": False}})
    assert not HISTORY.is_valid({"data": []})
    assert not HISTORY.is_valid({"data": [], "has_more": False, "cursor": 3})
    assert not HISTORY.is_valid({"data": [], "has_more": False, "meta": SPEC_META})


def test_the_webhook_contract_check_can_fail(client):
    target = create_target(client, 1)
    response = client.get(TARGETS, headers=headers())
    response.set_data(json.dumps({"data": [target]}))  # no meta
    with pytest.raises(Exception, match="meta"):
        check_webhook_contract("GET", TARGETS, response)
    response.status_code = 201  # a status the document does not list
    with pytest.raises(AssertionError):
        check_webhook_contract("GET", TARGETS, response)


# --- webhook targets -------------------------------------------------------------------------------


def test_create_a_target_without_event_types(client, clock):
    response = client.post(TARGETS, headers=headers("key-a", key(1)), json={"url": DEAD_URL})
    assert response.status_code == 201
    target = response.get_json()
    assert target == {
        "id": target["id"],
        "url": DEAD_URL,
        "global": False,  # the spec's default
        "time_last_healthy": now(clock),  # "defaults to creation time"
        "time_last_attempted": now(clock),
    }
    assert list(target) == ["id", "url", "global", "time_last_healthy", "time_last_attempted"]


def test_create_a_target_with_event_types(client, clock):
    body = {"url": DEAD_URL, "global": False, "event_types": ["user.created", "user.deleted"]}
    target = client.post(TARGETS, headers=headers("key-a", key(1)), json=body).get_json()
    assert target == {
        **body,
        "id": target["id"],
        "time_last_healthy": now(clock),
        "time_last_attempted": now(clock),
    }


def test_create_a_global_target(client, clock):
    target = create_target(client, 1, **{"global": True})
    assert (target["global"], "event_types" in target) == (True, False)


def test_create_the_specs_example_target(client):
    """The spec's request example, answered as its response example but for the id and the times."""
    body = {
        "url": "https://example.com/webhooks/receive",
        "global": False,
        "event_types": ["api_key.created"],
    }
    target = client.post(TARGETS, headers=headers("key-a", key(1)), json=body).get_json()
    assert {name: target[name] for name in ("url", "global", "event_types")} == body


def test_a_repeated_create_is_replayed(client):
    body = {"url": DEAD_URL, "event_types": ["user.created"]}
    first = client.post(TARGETS, headers=headers("key-a", key(1)), json=body)
    again = client.post(TARGETS, headers=headers("key-a", key(1)), json=body)
    assert (again.status_code, again.get_json()) == (201, first.get_json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert client.get(TARGETS, headers=headers()).get_json()["meta"]["total_count"] == 1


def test_get_a_target(client):
    target = create_target(client, 1, event_types=["user.updated"])
    response = client.get(f"{TARGETS}/{target['id']}", headers=headers())
    assert (response.status_code, response.get_json()) == (200, target)


def test_update_a_target(client):
    target = create_target(client, 1, event_types=["user.created"])
    url = f"{TARGETS}/{target['id']}"
    response = client.patch(url, headers=headers("key-a", key(2)), json={"global": True, "event_types": []})
    assert response.status_code == 200
    assert response.get_json() == {**target, "global": True, "event_types": []}
    assert client.get(url, headers=headers()).get_json() == response.get_json()
    # Only what the body names changes.
    changed = client.patch(url, headers=headers("key-a", key(3)), json={"event_types": ["user.deleted"]})
    assert changed.get_json() == {**target, "global": True, "event_types": ["user.deleted"]}


def test_list_targets_a_page_at_a_time(client):
    targets = [create_target(client, n) for n in range(3)]  # listed oldest first
    first = client.get(f"{TARGETS}?limit=2", headers=headers())
    assert first.get_json() == {
        "data": targets[:2],
        "meta": {"total_count": 3, "has_more_after": True, "has_more_before": False},
    }
    after = client.get(f"{TARGETS}?limit=2&starting_after={targets[1]['id']}", headers=headers())
    assert after.get_json() == {
        "data": targets[2:],
        "meta": {"total_count": 3, "has_more_after": False, "has_more_before": True},
    }
    before = client.get(f"{TARGETS}?limit=2&ending_before={targets[2]['id']}", headers=headers())
    assert before.get_json()["data"] == targets[:2]


def test_targets_are_each_keys_own(client):
    target = create_target(client, 1, api_key="key-a")
    assert client.get(TARGETS, headers=headers("key-b")).get_json()["data"] == []
    assert client.get(f"{TARGETS}/{target['id']}", headers=headers("key-b")).status_code == 404


def test_delete_a_target(client):
    target = create_target(client, 1)
    url = f"{TARGETS}/{target['id']}"
    response = client.delete(url, headers=headers())
    assert (response.status_code, response.data) == (204, b"")
    gone = client.get(url, headers=headers())
    assert gone.get_json() == problem(
        "not-found",
        "Webhook target not found",
        404,
        "Webhook target not found",
        PRODUCTION + real_path(url),
        request_id=rid(gone),
    )
    assert client.delete(url, headers=headers()).status_code == 404


def test_target_errors(client):
    target = create_target(client, 1)
    url = f"{TARGETS}/{target['id']}"
    no_key = client.post(TARGETS, headers=headers(), json={"url": DEAD_URL})
    assert no_key.status_code == 400
    assert no_key.get_json()["errors"][0]["field"] == "x-idempotency-key"
    bad_url = client.post(TARGETS, headers=headers("key-a", key(2)), json={"url": "ftp://example.com/x"})
    assert bad_url.get_json() == invalid(
        [("url", "url must be an absolute http or https URL", "invalid_format")],
        request_id=rid(bad_url),
        instance=PRODUCTION + "/webhooks/targets",
    )
    unknown_type = client.post(
        TARGETS,
        headers=headers("key-a", key(3)),
        json={"url": DEAD_URL, "event_types": ["transaction.completed"]},
    )
    assert unknown_type.get_json()["errors"][0]["field"].startswith("event_types")
    moved = client.patch(url, headers=headers("key-a", key(4)), json={"url": "https://example.com/hook"})
    assert moved.status_code == 400
    assert [error["field"] for error in moved.get_json()["errors"]] == ["url"]
    assert client.get(f"{TARGETS}/not-a-ksuid", headers=headers()).status_code == 400
    assert client.delete(f"{TARGETS}/not-a-ksuid", headers=headers()).status_code == 400
    missing = client.patch(f"{TARGETS}/{UNKNOWN_ID}", headers=headers("key-a", key(5)), json={"global": True})
    assert (missing.status_code, missing.get_json()["title"]) == (404, "Webhook target not found")
    assert client.get(f"{TARGETS}?limit=0", headers=headers()).status_code == 400
    assert client.get(f"{TARGETS}?starting_after={UNKNOWN_ID}", headers=headers()).status_code == 400
    reused = client.patch(url, headers=headers("key-a", key(5)), json={"global": False})
    assert reused.status_code == 422
    not_json = client.post(TARGETS, headers=headers("key-a", key(6)), data="url", content_type="text/plain")
    assert not_json.status_code == 415


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", TARGETS),
        ("GET", TARGETS),
        ("GET", f"{TARGETS}/{UNKNOWN_ID}"),
        ("PATCH", f"{TARGETS}/{UNKNOWN_ID}"),
        ("DELETE", f"{TARGETS}/{UNKNOWN_ID}"),
        ("GET", EVENTS),
        ("GET", WEBHOOKS),
        ("GET", f"{WEBHOOKS}/{UNKNOWN_ID}"),
        ("POST", f"{WEBHOOKS}/events/{UNKNOWN_ID}/replay"),
    ],
)
def test_every_operation_needs_an_api_key(client, method, path):
    response = client.open(path, method=method, json={} if method in ("POST", "PATCH") else None)
    assert response.get_json() == unauthorized(PRODUCTION + real_path(path), request_id=rid(response))


# --- events ----------------------------------------------------------------------------------------


def test_events_after_a_user_is_created_updated_and_deleted(client, clock):
    user_id, (created, updated, deleted) = user_lifecycle(client)
    response = client.get(EVENTS, headers=headers())
    assert response.status_code == 200
    page = response.get_json()
    ids = [event["id"] for event in page["data"]]
    envelope = {"created": now(clock), "api_version": "1.0.0"}
    email = person(1)["email"]
    assert page == {  # newest first
        "data": [
            {
                "id": ids[0],
                "type": "user.deleted",
                **envelope,
                "data": {"object": {"user_id": user_id}},
                "request": {"id": rid(deleted), "idempotency_key": None},
            },
            {
                "id": ids[1],
                "type": "user.updated",
                **envelope,
                "data": {"object": {"user_id": user_id, "email": email}},
                "request": {"id": rid(updated), "idempotency_key": key(2)},
            },
            {
                "id": ids[2],
                "type": "user.created",
                **envelope,
                "data": {"object": {"user_id": user_id, "email": email}},
                "request": {"id": rid(created), "idempotency_key": key(1)},
            },
        ],
        "meta": {"total_count": 3, "has_more_after": False, "has_more_before": False},
    }
    assert len(set(ids)) == 3


def test_list_events_a_page_at_a_time(client):
    user_lifecycle(client)
    everything = client.get(EVENTS, headers=headers()).get_json()["data"]
    first = client.get(f"{EVENTS}?limit=1", headers=headers()).get_json()
    assert first == {
        "data": everything[:1],
        "meta": {"total_count": 3, "has_more_after": True, "has_more_before": False},
    }
    rest = client.get(f"{EVENTS}?starting_after={everything[0]['id']}", headers=headers()).get_json()
    assert rest["data"] == everything[1:]
    assert rest["meta"] == {"total_count": 3, "has_more_after": False, "has_more_before": True}
    assert client.get(f"{EVENTS}?limit=101", headers=headers()).status_code == 400
    assert client.get(f"{EVENTS}?ending_before={UNKNOWN_ID}", headers=headers()).status_code == 400


def test_events_are_each_keys_own(client):
    user_lifecycle(client)
    assert client.get(EVENTS, headers=headers("key-b")).get_json() == {
        "data": [],
        "meta": {"total_count": 0, "has_more_after": False, "has_more_before": False},
    }


# --- deliveries: history, one record, replay -------------------------------------------------------


def delivery_record(event: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """The record of an event's delivery to DEAD_URL, not yet attempted, keys in the spec's order."""
    return {
        "id": event["id"],
        "event_type": event["type"],
        "endpoint_url": DEAD_URL,
        "status": "pending",
        "attempts": 0,
        "created_at": STARTED,
        "delivered_at": None,
        "simulation_id": None,
        "is_replay": False,
        "replay_count": 0,
        "payload": event,
        **changes,
    }


def test_webhook_history(client):
    create_target(client, 1)  # no event types: every event
    user_lifecycle(client)
    events = client.get(EVENTS, headers=headers()).get_json()["data"]
    response = client.get(WEBHOOKS, headers=headers())
    assert response.status_code == 200
    assert response.get_json() == {
        "data": [delivery_record(event) for event in events],  # newest first
        "has_more": False,
        "cursor": None,
    }
    for record, event in zip(response.get_json()["data"], events, strict=True):
        EVENT.validate(record["payload"])  # the spec's "full event payload": an Event
        assert record["payload"] == event


def test_webhook_history_a_page_at_a_time_and_filtered(client):
    create_target(client, 1)
    user_lifecycle(client)
    events = client.get(EVENTS, headers=headers()).get_json()["data"]
    first = client.get(f"{WEBHOOKS}?limit=2", headers=headers()).get_json()
    assert first == {
        "data": [delivery_record(event) for event in events[:2]],
        "has_more": True,
        "cursor": events[1]["id"],
    }
    rest = client.get(f"{WEBHOOKS}?limit=2&cursor={first['cursor']}", headers=headers()).get_json()
    assert rest == {"data": [delivery_record(events[2])], "has_more": False, "cursor": None}
    deleted = client.get(f"{WEBHOOKS}?event_type=user.deleted&status=pending", headers=headers()).get_json()
    assert deleted["data"] == [delivery_record(events[0])]
    assert client.get(f"{WEBHOOKS}?status=delivered", headers=headers()).get_json()["data"] == []
    since = client.get(f"{WEBHOOKS}?from={STARTED}&to={STARTED}", headers=headers()).get_json()
    assert len(since["data"]) == 3


def test_webhook_history_refuses_invalid_query_parameters(client):
    response = client.get(f"{WEBHOOKS}?status=queued", headers=headers())
    assert response.get_json() == problem(
        "invalid-request",
        "Invalid Request",
        400,
        "Invalid query parameters",  # the spec's detail
        PRODUCTION + "/webhooks",
        request_id=rid(response),
        errors=[
            {
                "field": "status",
                "message": "status must be one of: delivered, failed, pending",
                "code": "invalid_value",
            }
        ],
    )
    assert client.get(f"{WEBHOOKS}?from=yesterday", headers=headers()).status_code == 400
    assert client.get(f"{WEBHOOKS}?cursor={UNKNOWN_ID}", headers=headers()).status_code == 400


def test_a_target_selects_its_event_types(client):
    create_target(client, 1, event_types=["user.deleted"])
    create_target(client, 2, event_types=["user.created"], **{"global": True})  # global: every type
    user_lifecycle(client)
    records = client.get(WEBHOOKS, headers=headers()).get_json()["data"]
    assert [record["event_type"] for record in records] == [
        "user.deleted",
        "user.deleted",
        "user.updated",
        "user.created",
    ]


def test_get_a_delivery_before_and_after_its_attempt(client, state):
    create_target(client, 1)
    user_lifecycle(client)
    event = client.get(EVENTS, headers=headers()).get_json()["data"][-1]  # user.created
    url = f"{WEBHOOKS}/{event['id']}"
    response = client.get(url, headers=headers())
    assert (response.status_code, response.get_json()) == (200, delivery_record(event))
    state.webhooks.deliver_now()  # one attempt each, refused: with no retries, failed
    assert client.get(url, headers=headers()).get_json() == delivery_record(
        event, status="failed", attempts=1
    )
    failed = client.get(f"{WEBHOOKS}?status=failed", headers=headers()).get_json()["data"]
    assert [record["status"] for record in failed] == ["failed"] * 3


def test_get_a_delivery_of_several_targets_is_the_first_targets(client):
    create_target(client, 1)
    second_url = "http://127.0.0.1:9/second"
    client.post(TARGETS, headers=headers("key-a", key(200)), json={"url": second_url})
    user_lifecycle(client)
    event = client.get(EVENTS, headers=headers()).get_json()["data"][0]
    record = client.get(f"{WEBHOOKS}/{event['id']}", headers=headers()).get_json()
    assert record == delivery_record(event)  # DEAD_URL: the first target's
    urls = [
        r["endpoint_url"]
        for r in client.get(WEBHOOKS, headers=headers()).get_json()["data"]
        if r["id"] == event["id"]
    ]
    assert sorted(urls) == sorted([DEAD_URL, second_url])


def test_get_an_unknown_delivery(client):
    user_lifecycle(client)  # events, but no target: no delivery
    event = client.get(EVENTS, headers=headers()).get_json()["data"][0]
    for event_id in (event["id"], UNKNOWN_ID, "not-an-id"):
        response = client.get(f"{WEBHOOKS}/{event_id}", headers=headers())
        assert response.get_json() == problem(
            "not-found",
            "Webhook delivery record not found",
            404,
            "Webhook delivery record not found",
            f"{PRODUCTION}/webhooks/{event_id}",
            request_id=rid(response),
        )


def test_replay_a_delivery(client):
    create_target(client, 1)
    create_target(client, 2, event_types=["user.deleted"])  # does not select user.created
    user_lifecycle(client)
    event = client.get(EVENTS, headers=headers()).get_json()["data"][-1]  # user.created
    response = client.post(f"{WEBHOOKS}/events/{event['id']}/replay", headers=headers())
    assert response.status_code == 200
    assert response.get_json() == {"webhook_id": event["id"], "status": "queued", "replayed_to_count": 1}
    records = [
        r for r in client.get(WEBHOOKS, headers=headers()).get_json()["data"] if r["id"] == event["id"]
    ]
    assert records == [  # newest first: the replay, then the original
        delivery_record(event, is_replay=True, replay_count=1),
        delivery_record(event, replay_count=1),
    ]
    original = client.get(f"{WEBHOOKS}/{event['id']}", headers=headers()).get_json()
    assert original == delivery_record(event, replay_count=1)


def test_replay_is_limited_to_ten_per_event(client):
    create_target(client, 1)
    user_lifecycle(client)
    event_id = client.get(EVENTS, headers=headers()).get_json()["data"][0]["id"]
    url = f"{WEBHOOKS}/events/{event_id}/replay"
    for _ in range(10):
        assert client.post(url, headers=headers()).get_json()["replayed_to_count"] == 1
    response = client.post(url, headers=headers())
    assert response.get_json() == problem(
        "conflict",
        "Replay limit exceeded",
        409,
        "This webhook has already been replayed the maximum number of times (10)",
        PRODUCTION + real_path(url),
        request_id=rid(response),
    )


def test_replay_an_unknown_event(client):
    response = client.post(f"{WEBHOOKS}/events/{UNKNOWN_ID}/replay", headers=headers())
    assert (response.status_code, response.get_json()["title"]) == (404, "Webhook delivery record not found")


def test_a_background_attempt_to_a_dead_url_fails(make_app):
    """Without the pause: the dispatcher attempts at once, in the background, and the record says so."""
    app = make_app(webhook_retry_schedule="")
    app.test_client_class = WebhookContractClient
    client = app.test_client()
    create_target(client, 1)
    user_lifecycle(client)
    deadline = time.monotonic() + 10
    while True:
        records = client.get(WEBHOOKS, headers=headers()).get_json()["data"]
        if all(record["status"] == "failed" for record in records) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [(record["status"], record["attempts"]) for record in records] == [("failed", 1)] * 3


def test_the_sandbox_serves_the_same_operations(make_app):
    app = make_app()
    app.test_client_class = WebhookContractClient
    client = app.test_client()
    sandbox = "/dakota-sandbox"
    target = client.post(
        f"{sandbox}/webhooks/targets", headers=headers("key-a", key(1)), json={"url": DEAD_URL}
    )
    assert target.status_code == 201
    TARGET.validate(target.get_json())
    TARGET_LIST.validate(client.get(f"{sandbox}/webhooks/targets", headers=headers()).get_json())
    EVENT_LIST.validate(client.get(f"{sandbox}/events", headers=headers()).get_json())
    HISTORY.validate(client.get(f"{sandbox}/webhooks", headers=headers()).get_json())
    missing = client.get(f"{sandbox}/webhooks/targets/{UNKNOWN_ID}", headers=headers())
    assert missing.get_json()["instance"] == f"{SANDBOX}/webhooks/targets/{UNKNOWN_ID}"
    # Its own store: production does not see the sandbox's target.
    assert client.get(TARGETS, headers=headers()).get_json()["data"] == []
