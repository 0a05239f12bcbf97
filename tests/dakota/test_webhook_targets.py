"""Dakota's webhook targets and event stream through the API: exact bodies, validation, scoping, and the
events the user routes emit. (Deliveries themselves: test_webhook_delivery.py.)"""

from __future__ import annotations

import pytest

from mock_server import create_app
from mock_server.base.signing import SigningKey
from mock_server.providers import REGISTRY
from tests.dakota.helpers import PRODUCTION, SEED_BODY, headers, invalid, key, person, problem, rid

TARGETS = "/dakota/webhooks/targets"
EVENTS = "/dakota/events"
NOWHERE = "http://127.0.0.1:9/hook"  # the discard port: nothing answers, so deliveries only pend or fail
MISSING_TARGET = "3MyErDipHGoHl4bRch5hThdI9do"


@pytest.fixture
def paused(state):
    """No delivery is attempted in the background: these tests read targets and events only."""
    state.webhooks.pause()
    return state


def create_target(client, body=None, api_key="key-a", n=1):
    return client.post(
        TARGETS, headers=headers(api_key, key(n)), json={"url": NOWHERE} if body is None else body
    )


def now_seconds(clock) -> int:
    return int(clock.now().timestamp())


# --- targets ---------------------------------------------------------------------------------------


def test_create_target_answers_201_with_the_target(client, clock, paused):
    response = create_target(client, {"url": "https://example.com/webhooks/receive"})
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "url": "https://example.com/webhooks/receive",
        "global": False,
        "time_last_healthy": now_seconds(clock),  # "defaults to creation time"
        "time_last_attempted": now_seconds(clock),
    }
    assert len(body["id"]) == 27 and body["id"].isalnum()


def test_create_target_keeps_global_and_event_types_in_order_without_repeats(client, paused):
    body = {"url": NOWHERE, "global": True, "event_types": ["user.deleted", "user.created", "user.deleted"]}
    created = create_target(client, body).get_json()
    assert (created["global"], created["event_types"]) == (True, ["user.deleted", "user.created"])


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("url", "url is required", "required")]),
        ({"url": None}, [("url", "url must not be null", "invalid_type")]),
        (
            {"url": "ftp://example.com/x"},
            [("url", "url must be an absolute http or https URL", "invalid_format")],
        ),
        ({"url": "/relative"}, [("url", "url must be an absolute http or https URL", "invalid_format")]),
        (
            {"url": NOWHERE, "event_types": ["user.created", "transaction.completed"]},
            [("event_types.1", "event_types must contain only known event types", "invalid_value")],
        ),
        (
            {"url": NOWHERE, "event_types": "user.created"},
            [("event_types", "event_types must be an array of event types", "invalid_type")],
        ),
        ({"url": NOWHERE, "global": "yes please"}, [("global", "global must be a boolean", "invalid_type")]),
    ],
)
def test_create_target_refuses_invalid_fields(client, paused, body, errors):
    response = create_target(client, body)
    assert response.status_code == 400
    assert response.get_json() == invalid(
        errors, request_id=rid(response), instance=PRODUCTION + "/webhooks/targets"
    )
    assert paused.store.count("dakota:webhook-targets") == 0  # a failed request changes nothing


def test_create_target_requires_an_idempotency_key(client, paused):
    response = client.post(TARGETS, headers=headers(), json={"url": NOWHERE})
    assert response.get_json() == problem(
        "invalid-request",
        "Invalid Request",
        400,
        "x-idempotency-key header is required",
        PRODUCTION + "/webhooks/targets",
        request_id=rid(response),
        errors=[
            {
                "field": "x-idempotency-key",
                "message": "x-idempotency-key header is required",
                "code": "required",
            }
        ],
    )


def test_create_target_replays_a_repeated_key(client, paused):
    first = create_target(client)
    again = create_target(client)
    assert (again.status_code, again.data) == (201, first.data)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert paused.store.count("dakota:webhook-targets") == 1


def test_allowed_hosts_refuse_a_target_elsewhere(make_app):
    client = make_app(webhook_allowed_hosts="127.0.0.1,hooks.internal").test_client()
    refused = create_target(client, {"url": "https://attacker.example/hook"})
    assert refused.get_json() == invalid(
        [("url", "url must be on a host this server allows: 127.0.0.1, hooks.internal", "invalid_value")],
        request_id=rid(refused),
        instance=PRODUCTION + "/webhooks/targets",
    )
    assert create_target(client, {"url": "http://HOOKS.internal:8000/x"}, n=2).status_code == 201


def test_list_targets_pages_oldest_first(client, paused):
    ids = [create_target(client, n=n).get_json()["id"] for n in range(1, 4)]
    first = client.get(TARGETS + "?limit=2", headers=headers()).get_json()
    assert [t["id"] for t in first["data"]] == ids[:2]
    assert first["meta"] == {"total_count": 3, "has_more_after": True, "has_more_before": False}
    rest = client.get(f"{TARGETS}?starting_after={ids[1]}", headers=headers()).get_json()
    assert ([t["id"] for t in rest["data"]], rest["meta"]["has_more_before"]) == ([ids[2]], True)


def test_list_targets_refuses_an_unknown_cursor(client, paused):
    response = client.get(f"{TARGETS}?starting_after={MISSING_TARGET}", headers=headers())
    assert response.get_json() == invalid(
        [("starting_after", "starting_after does not refer to a webhook target", "invalid_value")],
        request_id=rid(response),
        instance=PRODUCTION + "/webhooks/targets",
    )


def test_a_target_is_seen_only_by_its_own_key(client, paused):
    target = create_target(client).get_json()
    assert client.get(f"{TARGETS}/{target['id']}", headers=headers()).get_json() == target
    other = client.get(f"{TARGETS}/{target['id']}", headers=headers("key-b"))
    assert other.status_code == 404
    assert client.get(TARGETS, headers=headers("key-b")).get_json()["data"] == []


def test_get_unknown_target_is_404(client, paused):
    response = client.get(f"{TARGETS}/{MISSING_TARGET}", headers=headers())
    assert response.get_json() == problem(
        "not-found",
        "Webhook target not found",
        404,
        "Webhook target not found",
        f"{PRODUCTION}/webhooks/targets/{MISSING_TARGET}",
        request_id=rid(response),
    )


def test_a_target_id_must_be_a_ksuid(client, paused):
    response = client.get(f"{TARGETS}/not-a-ksuid", headers=headers())
    assert response.get_json() == invalid(
        [("webhook_target_id", "webhook_target_id must be a valid KSUID", "invalid_format")],
        request_id=rid(response),
        instance=f"{PRODUCTION}/webhooks/targets/not-a-ksuid",
    )


def test_patch_changes_global_and_event_types_only(client, paused):
    target = create_target(client).get_json()
    path = f"{TARGETS}/{target['id']}"
    response = client.patch(path, headers=headers("key-a", key(2)), json={"event_types": ["user.updated"]})
    assert response.status_code == 200
    assert response.get_json() == {**target, "event_types": ["user.updated"]}
    flipped = client.patch(path, headers=headers("key-a", key(3)), json={"global": True}).get_json()
    assert flipped == {**target, "event_types": ["user.updated"], "global": True}
    assert client.get(path, headers=headers()).get_json() == flipped


def test_patch_refuses_a_url(client, paused):
    target = create_target(client).get_json()
    path = f"{TARGETS}/{target['id']}"
    response = client.patch(path, headers=headers("key-a", key(2)), json={"url": "https://elsewhere.example"})
    assert response.get_json() == invalid(
        [("url", "url cannot be changed; delete the target and create another", "invalid_value")],
        request_id=rid(response),
        instance=f"{PRODUCTION}/webhooks/targets/{target['id']}",
    )
    assert client.get(path, headers=headers()).get_json() == target


def test_patch_unknown_target_is_404(client, paused):
    response = client.patch(f"{TARGETS}/{MISSING_TARGET}", headers=headers("key-a", key(2)), json={})
    assert (response.status_code, response.get_json()["title"]) == (404, "Webhook target not found")


def test_delete_target_answers_204_and_forgets_it(client, paused):
    target = create_target(client).get_json()
    path = f"{TARGETS}/{target['id']}"
    deleted = client.delete(path, headers=headers())
    assert (deleted.status_code, deleted.data, deleted.headers.get("Content-Type")) == (204, b"", None)
    assert client.get(path, headers=headers()).status_code == 404
    assert client.delete(path, headers=headers()).status_code == 404


# --- events ----------------------------------------------------------------------------------------


def test_user_routes_emit_events_with_their_request(client, clock, paused):
    created = client.post("/dakota/users", headers=headers("key-a", key(1)), json=SEED_BODY)
    user_id = created.get_json()["id"]
    clock.advance(1)
    updated = client.patch(
        f"/dakota/users/{user_id}", headers=headers("key-a", key(2)), json={"role": "viewer"}
    )
    clock.advance(1)
    deleted = client.delete(f"/dakota/users/{user_id}", headers=headers())
    events = client.get(EVENTS, headers=headers()).get_json()
    start = now_seconds(clock) - 2
    assert [event["type"] for event in events["data"]] == ["user.deleted", "user.updated", "user.created"]
    assert events["data"][::-1] == [
        {
            "id": events["data"][2]["id"],
            "type": "user.created",
            "created": start,
            "api_version": "1.0.0",
            "data": {"object": {"user_id": user_id, "email": "john@example.com"}},
            "request": {"id": rid(created), "idempotency_key": key(1)},
        },
        {
            "id": events["data"][1]["id"],
            "type": "user.updated",
            "created": start + 1,
            "api_version": "1.0.0",
            "data": {"object": {"user_id": user_id, "email": "john@example.com"}},
            "request": {"id": rid(updated), "idempotency_key": key(2)},
        },
        {
            "id": events["data"][0]["id"],
            "type": "user.deleted",
            "created": start + 2,
            "api_version": "1.0.0",
            "data": {"object": {"user_id": user_id}},
            "request": {"id": rid(deleted), "idempotency_key": None},
        },
    ]
    assert events["meta"] == {"total_count": 3, "has_more_after": False, "has_more_before": False}


def test_failed_and_replayed_requests_emit_nothing(client, paused):
    client.post("/dakota/users", headers=headers("key-a", key(1)), json=SEED_BODY)
    client.post("/dakota/users", headers=headers("key-a", key(1)), json=SEED_BODY)  # replayed
    client.post("/dakota/users", headers=headers("key-a", key(2)), json=SEED_BODY)  # 409: email taken
    client.post("/dakota/users", headers=headers("key-a", key(3)), json={"first_name": ""})  # 400
    client.patch(f"/dakota/users/{MISSING_TARGET}", headers=headers("key-a", key(4)), json={})  # 404
    events = client.get(EVENTS, headers=headers()).get_json()
    assert [event["type"] for event in events["data"]] == ["user.created"]


def test_events_page_newest_first_with_cursors(client, paused):
    for n in range(1, 6):
        client.post("/dakota/users", headers=headers("key-a", key(n)), json=person(n))
    every = [e["id"] for e in client.get(EVENTS + "?limit=100", headers=headers()).get_json()["data"]]
    first = client.get(EVENTS + "?limit=2", headers=headers()).get_json()
    assert [e["id"] for e in first["data"]] == every[:2]
    after = client.get(f"{EVENTS}?limit=2&starting_after={every[1]}", headers=headers()).get_json()
    assert [e["id"] for e in after["data"]] == every[2:4]
    assert after["meta"] == {"total_count": 5, "has_more_after": True, "has_more_before": True}
    before = client.get(f"{EVENTS}?ending_before={every[4]}&limit=2", headers=headers()).get_json()
    assert [e["id"] for e in before["data"]] == every[2:4]
    assert client.get(EVENTS, headers=headers("key-b")).get_json()["data"] == []  # per key


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("limit=0", [("limit", "limit must be between 1 and 100", "out_of_range")]),
        ("limit=x", [("limit", "limit must be an integer", "invalid_type")]),
        (
            "starting_after=short",
            [("starting_after", "starting_after must be a valid KSUID", "invalid_format")],
        ),
        (
            f"starting_after={MISSING_TARGET}",
            [("starting_after", "starting_after does not refer to an event", "invalid_value")],
        ),
        (
            f"starting_after={MISSING_TARGET}&ending_before={MISSING_TARGET}",
            [("starting_after", "Use starting_after or ending_before, not both", "invalid_value")],
        ),
    ],
)
def test_events_refuse_bad_queries(client, paused, query, errors):
    response = client.get(f"{EVENTS}?{query}", headers=headers())
    assert response.get_json() == invalid(errors, request_id=rid(response), instance=PRODUCTION + "/events")


def test_the_sandbox_is_another_environment(client, state):
    state.webhooks.pause()
    client.post("/dakota-sandbox/users", headers=headers("key-a", key(1)), json=SEED_BODY)
    assert client.get(EVENTS, headers=headers()).get_json()["data"] == []
    sandbox = client.get("/dakota-sandbox/events", headers=headers()).get_json()["data"]
    assert [event["type"] for event in sandbox] == ["user.created"]
    keys = client.get("/__admin/webhooks").get_json()["public_keys"]
    assert set(keys) == {"dakota", "dakota-sandbox"} and keys["dakota"] != keys["dakota-sandbox"]


# --- signing keys ----------------------------------------------------------------------------------


def public_keys(app) -> dict[str, str]:
    return app.test_client().get("/__admin/webhooks").get_json()["public_keys"]


def test_a_seed_gives_the_same_signing_keys_every_start():
    assert public_keys(create_app({"seed": 7})) == public_keys(create_app({"seed": 7}))
    assert public_keys(create_app({"seed": 7})) != public_keys(create_app({"seed": 8}))
    assert public_keys(create_app({})) != public_keys(create_app({}))  # no seed: random


def test_a_configured_signing_key_is_used():
    private = SigningKey.random()
    app = create_app({"seed": 7, "dakota_webhook_signing_key": private.private_hex})
    keys = public_keys(app)
    assert keys["dakota"] == private.public_hex
    assert keys["dakota-sandbox"] != private.public_hex
    assert len(keys["dakota-sandbox"]) == 64 and int(keys["dakota-sandbox"], 16) >= 0


def test_a_malformed_signing_key_is_refused_naming_the_variable():
    environ = {"MOCK_SERVER_DAKOTA_SANDBOX_WEBHOOK_SIGNING_KEY": "abc"}
    with pytest.raises(ValueError) as refused:
        REGISTRY.config_from_env(environ)
    assert str(refused.value) == (
        "MOCK_SERVER_DAKOTA_SANDBOX_WEBHOOK_SIGNING_KEY='abc' is not an Ed25519 private key: "
        "64 hexadecimal characters (32 bytes)"
    )


def test_the_banner_publishes_the_keys_a_spawned_worker_signs_with():
    from mock_server.serve import banner, pin_webhook_keys

    app = create_app({})  # no seed: random keys, drawn once here
    keys = public_keys(app)
    text = banner(app.extensions["mock_server"].config, app)
    assert f"  Dakota webhooks are signed with Ed25519 public key {keys['dakota']}" in text
    assert f"  Dakota sandbox webhooks are signed with Ed25519 public key {keys['dakota-sandbox']}" in text
    worker = create_app(pin_webhook_keys(app, app.extensions["mock_server"].config))
    assert public_keys(worker) == keys


# --- delivery history pages --------------------------------------------------------------------------


def every_page(client, limit: int, api_key: str = "key-a") -> list[list[tuple[str, bool]]]:
    """Every page of GET /webhooks, following `cursor`, as (event id, is_replay) per record."""
    pages, query = [], f"limit={limit}"
    while True:
        body = client.get(f"/dakota/webhooks?{query}", headers=headers(api_key)).get_json()
        pages.append([(record["id"], record["is_replay"]) for record in body["data"]])
        assert len(body["data"]) <= limit
        if not body["has_more"]:
            assert body["cursor"] is None
            return pages
        query = f"limit={limit}&cursor={body['cursor']}"


def test_history_pages_show_every_record_once_after_a_replay(client, paused):
    create_target(client)
    for n in range(1, 4):
        client.post("/dakota/users", headers=headers("key-a", key(10 + n)), json=person(n))
    events = [e["id"] for e in client.get(EVENTS, headers=headers()).get_json()["data"]]  # newest first
    client.post(f"/dakota/webhooks/events/{events[-1]}/replay", headers=headers())
    pages = every_page(client, limit=1)
    # The replayed event has the newest record, so its two records come first, then the others.
    assert pages == [[(events[2], True)], [(events[2], False)], [(events[0], False)], [(events[1], False)]]
    whole = every_page(client, limit=3)
    assert whole == [[(events[2], True), (events[2], False), (events[0], False)], [(events[1], False)]]


def test_history_pages_split_an_event_only_when_it_fills_a_page_alone(client, paused):
    for n in range(1, 4):
        create_target(client, n=n)
    client.post("/dakota/users", headers=headers("key-a", key(10)), json=person(1))
    (event,) = [e["id"] for e in client.get(EVENTS, headers=headers()).get_json()["data"]]
    first = client.get("/dakota/webhooks?limit=2", headers=headers()).get_json()
    assert (len(first["data"]), first["has_more"], first["cursor"]) == (2, True, f"{event}:2")
    rest = client.get(f"/dakota/webhooks?limit=2&cursor={event}:2", headers=headers()).get_json()
    assert (len(rest["data"]), rest["has_more"], rest["cursor"]) == (1, False, None)
    urls = {record["endpoint_url"] for record in first["data"] + rest["data"]}
    assert len(first["data"] + rest["data"]) == 3 and urls == {NOWHERE}
    # The spec's own cursor, an event id, continues after all of that event's records.
    assert client.get(f"/dakota/webhooks?cursor={event}", headers=headers()).get_json()["data"] == []


@pytest.mark.parametrize("cursor", [MISSING_TARGET, "", "x:1"])
def test_history_refuses_an_unknown_cursor_as_invalid_query_parameters(client, paused, cursor):
    response = client.get(f"/dakota/webhooks?cursor={cursor}", headers=headers())
    assert response.get_json() == problem(
        "invalid-request",
        "Invalid Request",
        400,
        "Invalid query parameters",
        PRODUCTION + "/webhooks",
        request_id=rid(response),
        errors=[
            {
                "field": "cursor",
                "message": "cursor does not refer to a webhook delivery",
                "code": "invalid_value",
            }
        ],
    )


def test_patch_refuses_a_null_url(client, paused):
    target = create_target(client).get_json()
    response = client.patch(f"{TARGETS}/{target['id']}", headers=headers("key-a", key(2)), json={"url": None})
    assert response.status_code == 400
    assert response.get_json()["errors"] == [
        {
            "field": "url",
            "message": "url cannot be changed; delete the target and create another",
            "code": "invalid_value",
        }
    ]
