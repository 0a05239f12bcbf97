"""Dakota webhook and event schemas (spec: WebhookTargetCreateRequest, WebhookTargetUpdateRequest,
WebhookTarget, Event, WebhookDelivery, WebhookHistoryList, WebhookReplayResponse; listEvents and
listWebhookHistory's query strings)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump, validate, validates_schema

from mock_server.providers.dakota.schemas import PageMeta, date_time_field, ksuid_field, message

EVENT_TYPES = (
    "user.created",
    "user.updated",
    "user.deleted",
    "api_key.created",
    "api_key.deleted",
    "customer.created",
    "customer.updated",
    "customer.kyb_link.created",
    "customer.kyb_link.updated",
    "customer.kyb_status.created",
    "customer.kyb_status.updated",
    "customer.kyb_application.submitted",
    "auto_account.created",
    "auto_account.updated",
    "auto_account.deleted",
    "transaction.auto.created",
    "transaction.auto.updated",
    "transaction.one_off.created",
    "transaction.one_off.updated",
    "recipient.created",
    "recipient.updated",
    "recipient.deleted",
    "destination.created",
    "destination.deleted",
    "target.created",
    "target.updated",
    "target.deleted",
    "exception.created",
    "exception.cleared",
    "bvnk.onboarding.created",
    "bvnk.onboarding.updated",
    "wallet.created",
    "wallet.updated",
    "wallet.signer_group.created",
    "wallet.signer_group.updated",
    "wallet.policy.created",
    "wallet.policy.updated",
    "wallet.transaction.created",
    "wallet.transaction.updated",
    "wallet.deposit",
)  # fmt: skip  (the spec's EventType enum, in its order)
DELIVERY_STATUSES = ("delivered", "failed", "pending")
URL_SCHEMES = ("http", "https")

INVALID_URL = message("url must be an absolute http or https URL", "invalid_format")
URL_NOT_CHANGEABLE = message("url cannot be changed; delete the target and create another", "invalid_value")
UNKNOWN_EVENT_TYPE = message("event_types must contain only known event types", "invalid_value")
ONE_CURSOR = message("Use starting_after or ending_before, not both", "invalid_value")


def _bool_field(name: str, **kwargs: Any) -> fields.Boolean:
    return fields.Boolean(
        error_messages={
            "invalid": message(f"{name} must be a boolean", "invalid_type"),
            "null": message(f"{name} must not be null", "invalid_type"),
        },
        **kwargs,
    )


def _event_types_field() -> fields.List:
    item = fields.String(
        validate=validate.OneOf(EVENT_TYPES, error=UNKNOWN_EVENT_TYPE),
        error_messages={"invalid": message("event_types must contain strings", "invalid_type")},
    )
    return fields.List(
        item,
        error_messages={
            "invalid": message("event_types must be an array of event types", "invalid_type"),
            "null": message("event_types must not be null", "invalid_type"),
        },
    )


def _has_valid_port(url: str) -> None:
    try:
        urlsplit(url).port  # noqa: B018 (raises for a port out of range)
    except ValueError:
        raise ValidationError(INVALID_URL) from None


def _refuse(text: str) -> None:
    raise ValidationError(text)


def _limit_field() -> fields.Integer:
    return fields.Integer(
        load_default=20,
        validate=validate.Range(1, 100, error=message("limit must be between 1 and 100", "out_of_range")),
        error_messages={"invalid": message("limit must be an integer", "invalid_type")},
    )


class TargetCreate(Schema):
    """POST /webhooks/targets. Unknown fields are ignored, as for users."""

    class Meta:
        unknown = EXCLUDE

    url = fields.Url(
        required=True,
        metadata={"json_schema": {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"}},
        require_tld=False,
        schemes=set(URL_SCHEMES),
        validate=_has_valid_port,
        error_messages={
            "required": message("url is required", "required"),
            "null": message("url must not be null", "invalid_type"),
            "invalid": INVALID_URL,
        },
    )
    global_ = _bool_field("global", data_key="global", load_default=False)
    event_types = _event_types_field()


class TargetUpdate(Schema):
    """PATCH /webhooks/targets/{id}: `global` and `event_types` only. A `url` is refused with a field error
    rather than silently ignored, so a client learns it did not change (assumed)."""

    class Meta:
        unknown = EXCLUDE

    global_ = _bool_field("global", data_key="global")
    event_types = _event_types_field()
    url = fields.Raw(
        metadata={"json_schema": {"not": {}, "description": "Refused: a target's url cannot be changed."}},
        validate=lambda _value: _refuse(URL_NOT_CHANGEABLE),
        error_messages={"null": URL_NOT_CHANGEABLE},
    )


class EventListQuery(Schema):
    """GET /events (and GET /webhooks/targets): the standard cursors and limit."""

    class Meta:
        unknown = EXCLUDE

    limit = _limit_field()
    starting_after = ksuid_field("starting_after")
    ending_before = ksuid_field("ending_before")

    @validates_schema
    def one_cursor(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starting_after" in data and "ending_before" in data:
            raise ValidationError(ONE_CURSOR, "starting_after")


class HistoryQuery(Schema):
    """GET /webhooks: filters, and a `cursor` that is the event id of the previous page's last record."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(
        validate=validate.OneOf(
            DELIVERY_STATUSES,
            error=message(f"status must be one of: {', '.join(DELIVERY_STATUSES)}", "invalid_value"),
        )
    )
    event_type = fields.String()
    simulation_id = fields.String()
    from_ = date_time_field("from")
    to = date_time_field("to")
    limit = _limit_field()
    cursor = fields.String()

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if field_name == "from_":  # `from` is a Python keyword
            field_obj.data_key = "from"


# --- responses -----------------------------------------------------------------------------------


class WebhookTarget(Schema):
    id = ksuid_field("id", required=True)
    url = fields.String(required=True, metadata={"format": "uri"})
    global_ = fields.Boolean(required=True, data_key="global")
    event_types = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)))
    time_last_healthy = fields.Integer(required=True)
    time_last_attempted = fields.Integer(required=True)

    @post_dump
    def omit_absent_event_types(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("event_types") is None:  # not given at creation: sent as absent, not null
            data.pop("event_types", None)
        return data


class TargetPage(Schema):
    data = fields.List(fields.Nested(WebhookTarget), required=True)
    meta = fields.Nested(PageMeta, required=True)


class EventRequest(Schema):
    id = fields.String(allow_none=True)
    idempotency_key = fields.String(allow_none=True)


class EventData(Schema):
    object = fields.Dict(required=True)
    previous_attributes = fields.Dict()


class Event(Schema):
    id = ksuid_field("id", required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    created = fields.Integer(required=True)
    api_version = fields.String(required=True)
    data = fields.Nested(EventData, required=True)
    request = fields.Nested(EventRequest)


class EventPage(Schema):
    data = fields.List(fields.Nested(Event), required=True)
    meta = fields.Nested(PageMeta, required=True)


class WebhookDelivery(Schema):
    id = fields.String(required=True, metadata={"description": "The event ID (KSUID)."})
    event_type = fields.String(required=True)
    endpoint_url = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES))
    attempts = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    delivered_at = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    simulation_id = fields.String(required=True, allow_none=True)
    is_replay = fields.Boolean(required=True)
    replay_count = fields.Integer(required=True)
    payload = fields.Dict(required=True, allow_none=True)


class HistoryPage(Schema):
    data = fields.List(fields.Nested(WebhookDelivery), required=True)
    has_more = fields.Boolean(required=True)
    cursor = fields.String(required=True, allow_none=True)


class ReplayResponse(Schema):
    webhook_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.Equal("queued"))
    replayed_to_count = fields.Integer(required=True)
