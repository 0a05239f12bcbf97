"""Dakota webhook and event routes (spec: /webhooks/targets, /webhooks, /webhooks/{event_id},
/webhooks/events/{event_id}/replay, /events)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from mock_server.base.errors import InvalidRequest
from mock_server.core.auth import current_scope
from mock_server.core.http import json_response, load_body, no_content, validate
from mock_server.core.speedups import dumper
from mock_server.providers.dakota.schemas import KSUID_PATTERN, message
from mock_server.providers.dakota.webhook_schemas import (
    EventListQuery,
    EventPage,
    HistoryPage,
    HistoryQuery,
    ReplayResponse,
    TargetCreate,
    TargetPage,
    TargetUpdate,
    WebhookDelivery,
    WebhookTarget,
)
from mock_server.providers.dakota.webhooks import INVALID_QUERY, DakotaWebhooks

INVALID_TARGET_ID = message("webhook_target_id must be a valid KSUID", "invalid_format")


def checked_target_id(target_id: str) -> str:
    if not re.match(KSUID_PATTERN, target_id):
        raise InvalidRequest(fields={"webhook_target_id": [INVALID_TARGET_ID]})
    return target_id


def history_query() -> dict[str, Any]:
    try:
        return validate(HistoryQuery(), request.args.to_dict())
    except InvalidRequest as error:
        raise InvalidRequest(INVALID_QUERY, fields=error.fields) from None


def add_webhook_routes(
    blueprint: Blueprint, webhooks: DakotaWebhooks, once_per_key: Callable[[Any], Any]
) -> None:
    create_schema, update_schema, list_schema = TargetCreate(), TargetUpdate(), EventListQuery()
    dump_target, dump_targets = dumper(WebhookTarget()), dumper(TargetPage())
    dump_events, dump_delivery, dump_history = (
        dumper(EventPage()),
        dumper(WebhookDelivery()),
        dumper(HistoryPage()),
    )
    dump_replay = dumper(ReplayResponse())

    @blueprint.post("/webhooks/targets")
    @once_per_key
    def create_webhook_target() -> Response:
        target = webhooks.create_target(current_scope(), load_body(create_schema))
        return json_response(dump_target(target), 201)

    @blueprint.get("/webhooks/targets")
    def list_webhook_targets() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page = webhooks.targets(current_scope(), **query)
        return json_response(dump_targets({"data": page.items, "meta": page}))

    @blueprint.get("/webhooks/targets/<webhook_target_id>")
    def get_webhook_target(webhook_target_id: str) -> Response:
        target = webhooks.target(current_scope(), checked_target_id(webhook_target_id))
        return json_response(dump_target(target))

    @blueprint.patch("/webhooks/targets/<webhook_target_id>")
    @once_per_key
    def update_webhook_target(webhook_target_id: str) -> Response:
        target_id = checked_target_id(webhook_target_id)
        target = webhooks.update_target(current_scope(), target_id, load_body(update_schema))
        return json_response(dump_target(target))

    @blueprint.delete("/webhooks/targets/<webhook_target_id>")
    def delete_webhook_target(webhook_target_id: str) -> Response:
        webhooks.delete_target(current_scope(), checked_target_id(webhook_target_id))
        return no_content()

    @blueprint.get("/events")
    def list_events() -> Response:
        query = validate(list_schema, request.args.to_dict())
        page = webhooks.events(current_scope(), **query)
        return json_response(dump_events({"data": page.items, "meta": page}))

    @blueprint.get("/webhooks")
    def list_webhook_history() -> Response:
        page = webhooks.history(current_scope(), **history_query())
        return json_response(dump_history(page))

    @blueprint.get("/webhooks/<event_id>")
    def get_webhook_delivery(event_id: str) -> Response:
        return json_response(dump_delivery(webhooks.delivery(current_scope(), event_id)))

    @blueprint.post("/webhooks/events/<event_id>/replay")
    def replay_webhook_delivery(event_id: str) -> Response:
        count = webhooks.replay(current_scope(), event_id)
        return json_response(
            dump_replay({"webhook_id": event_id, "status": "queued", "replayed_to_count": count})
        )
