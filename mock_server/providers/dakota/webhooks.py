"""Dakota's webhook targets, events and deliveries, knowing nothing of HTTP requests.

An event (the spec's Event envelope) is kept in the key's event stream and handed, as one delivery per
selecting target, to the app's WebhookDispatcher, which attempts it in the background. Each attempt is
signed as Dakota signs: Ed25519 over the timestamp string followed by the body bytes, no separator.
Dakota's own signing keys are not public, so each environment (production, sandbox) signs with a key of
the mock's own, whose public half the banner and the admin API publish."""

from __future__ import annotations

import base64
import json
import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from mock_server.base.config import setting
from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.ids import IdFactory
from mock_server.base.signing import SigningKey, parse_key_hex
from mock_server.base.store import Page, cursor_page
from mock_server.core.provider import BackendContext
from mock_server.core.webhooks import Channel, Delivery

API_VERSION = "1.0.0"  # the spec's example envelope version
TARGET_NOT_FOUND = "Webhook target not found"  # the spec's 404 title
DELIVERY_NOT_FOUND = "Webhook delivery record not found"  # the spec's 404 title
REPLAY_LIMIT = 10  # "10 replays per event ID (lifetime, not per hour)"
REPLAY_LIMIT_TITLE = "Replay limit exceeded"
REPLAY_LIMIT_DETAIL = f"This webhook has already been replayed the maximum number of times ({REPLAY_LIMIT})"
HOST_NOT_ALLOWED = "url must be on a host this server allows: {hosts}"
UNKNOWN_CURSOR = "{name} does not refer to an event"
UNKNOWN_TARGET_CURSOR = "{name} does not refer to a webhook target"
UNKNOWN_HISTORY_CURSOR = "cursor does not refer to a webhook delivery"
INVALID_QUERY = "Invalid query parameters"  # the spec's 400 detail for GET /webhooks
# The newest events /events shows, per key and in all; older ones fall off, so memory stays bounded.
EVENTS_PER_KEY = 10_000
EVENTS_KEPT = 20_000
RETENTION = timedelta(days=30)  # "Records are retained for 30 days"

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
EVENT_ID_HEADER = "X-Dakota-Event-ID"
REPLAY_HEADER = "X-Webhook-Replay"


def checked_key_hex(text: str) -> str:
    parse_key_hex(text)
    return text.strip().lower()


@dataclass(frozen=True)
class DakotaSettings:
    # MOCK_SERVER_DAKOTA_WEBHOOK_SIGNING_KEY (and ..._DAKOTA_SANDBOX_...): the environment's Ed25519
    # private key, 64 hex characters. Unset: derived from --seed, or random for each start.
    webhook_signing_key: str | None = field(
        default=None,
        metadata=setting(checked_key_hex, help="Ed25519 private key (64 hex) that signs webhooks"),
    )


class ReplayLimitExceeded(Conflict):
    """The spec's 409 for an eleventh replay: a title and a detail of its own."""

    title = REPLAY_LIMIT_TITLE

    def __init__(self) -> None:
        super().__init__(REPLAY_LIMIT_DETAIL)


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    id: str  # a KSUID
    url: str
    global_: bool
    event_types: tuple[str, ...] | None  # None: not given
    time_last_healthy: int  # Unix seconds; creation time until a delivery succeeds (the spec's words)
    time_last_attempted: int

    def selects(self, event_type: str) -> bool:
        """`global`, or the type is listed; a target that lists no type gets every event (the docs:
        "defaults to all events if not specified"; assumed for an empty list too)."""
        return self.global_ or not self.event_types or event_type in self.event_types


@dataclass(frozen=True, slots=True)
class EventCause:
    """The API request that emitted an event: the Event's `request`."""

    request_id: str | None
    idempotency_key: str | None


@dataclass(frozen=True, slots=True)
class Event:
    """An event as kept: the exact body every delivery of it sends (kept as bytes, the smallest form)."""

    id: str  # a KSUID
    type: str
    body: bytes
    replay_count: int = 0

    @classmethod
    def build(
        cls, event_id: str, event_type: str, created: int, data: dict[str, Any], cause: EventCause | None
    ) -> Event:
        envelope: dict[str, Any] = {  # the spec's Event, keys in its order
            "id": event_id,
            "type": event_type,
            "created": created,
            "api_version": API_VERSION,
            "data": {"object": data},
        }
        if cause is not None:
            envelope["request"] = {"id": cause.request_id, "idempotency_key": cause.idempotency_key}
        # Compact JSON, non-ASCII kept as UTF-8: the bytes JSON.stringify gives back, so the docs' Node
        # handler, which verifies a re-serialized body, accepts them too.
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(event_id, event_type, body)

    def envelope(self) -> dict[str, Any]:
        return json.loads(self.body)

    def encoded(self) -> bytes:
        """The event as its stream keeps it (its id is the stream's): JSON, the body as text (it is
        UTF-8, so it comes back byte for byte)."""
        kept = {"type": self.type, "replay_count": self.replay_count, "body": self.body.decode()}
        return json.dumps(kept, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def decoded(cls, event_id: str, payload: bytes) -> Event:
        kept = json.loads(payload)
        return cls(event_id, str(kept["type"]), str(kept["body"]).encode(), int(kept["replay_count"]))


@dataclass(frozen=True)
class HistoryPage:
    data: list[dict[str, Any]]
    has_more: bool
    cursor: str | None


class DakotaWebhooks:
    """One environment's targets and event streams (per API key), and its signing key."""

    def __init__(self, context: BackendContext) -> None:
        self._provider = context.provider.name
        self._clock = context.clock
        # Event and delivery ids come from a source of their own, so emitting events does not change
        # the users' ids that a seed makes.
        seed = context.config.seed
        source = None if seed is None else f"{seed}:{self._provider}:events"  # each environment its own
        self._ids = IdFactory(random.Random(source), context.clock)
        self._dispatcher = context.webhooks
        allowed = context.config.webhook_allowed_hosts
        self._allowed_hosts = None if allowed is None else frozenset(host.lower() for host in allowed)
        self.signing_key = _signing_key(context)
        self._targets = context.collection(
            kind="webhook-targets",
            not_found=lambda: NotFound(TARGET_NOT_FOUND),
            conflict=lambda _field, _target: Conflict(),
            bad_cursor=lambda name: InvalidRequest(fields={name: [UNKNOWN_TARGET_CURSOR.format(name=name)]}),
        )
        self._events = context.event_log("events", EVENTS_PER_KEY, EVENTS_KEPT)  # each key's stream
        self._lock = threading.Lock()
        self._dispatcher.connect(self._provider, Channel(self._signed_headers, self._after_attempt))

    # --- targets -------------------------------------------------------------------------------------

    def create_target(self, scope: str, fields: dict[str, Any]) -> WebhookTarget:
        self._check_host(fields["url"])
        now = int(self._clock.now().timestamp())
        target = WebhookTarget(
            id=self._ids.ksuid(at=self._clock.now()),
            url=fields["url"],
            global_=fields["global_"],
            event_types=_types(fields.get("event_types")),
            time_last_healthy=now,
            time_last_attempted=now,
        )
        self._targets.insert(scope, target.id, target)
        return target

    def _check_host(self, url: str) -> None:
        from urllib.parse import urlsplit

        hosts = self._allowed_hosts
        if hosts is not None and (urlsplit(url).hostname or "").lower() not in hosts:
            raise InvalidRequest(fields={"url": [HOST_NOT_ALLOWED.format(hosts=", ".join(sorted(hosts)))]})

    def target(self, scope: str, target_id: str) -> WebhookTarget:
        return self._targets.get(scope, target_id)

    def targets(self, scope: str, limit: int, **cursors: str | None) -> Page[WebhookTarget]:
        """Oldest first, as they were created."""
        return self._targets.page(self._targets.values(scope), limit, **cursors)

    def update_target(self, scope: str, target_id: str, changes: dict[str, Any]) -> WebhookTarget:
        with self._lock:
            target = self._targets.get(scope, target_id)
            if "global_" in changes:
                target = replace(target, global_=changes["global_"])
            if "event_types" in changes:
                target = replace(target, event_types=_types(changes["event_types"]))
            self._targets.replace(scope, target_id, target)
            return target

    def delete_target(self, scope: str, target_id: str) -> None:
        self._targets.delete(scope, target_id)

    # --- events --------------------------------------------------------------------------------------

    def emit(self, scope: str, event_type: str, data: dict[str, Any], cause: EventCause | None) -> Event:
        """Keep the event in the key's stream and queue it for each target that selects it."""
        now = self._clock.now()
        event = Event.build(self._ids.ksuid(at=now), event_type, int(now.timestamp()), data, cause)
        self._events.append(scope, event.id, event.encoded())
        targets = self._selecting(scope, event_type)
        if targets:
            self._queue(scope, event, targets, replay=False)
        return event

    def _selecting(self, scope: str, event_type: str) -> list[WebhookTarget]:
        return [target for target in self._targets.values(scope) if target.selects(event_type)]

    def _queue(self, scope: str, event: Event, targets: Iterable[WebhookTarget], *, replay: bool) -> None:
        now, body = self._clock.now(), event.body
        for target in targets:
            delivery = Delivery(
                id=self._ids.ksuid(at=now),
                provider=self._provider,
                scope=scope,
                event_id=event.id,
                event_type=event.type,
                target_id=target.id,
                url=target.url,
                body=body,
                created_at=now,
                next_attempt_at=now,
                is_replay=replay,
            )
            self._dispatcher.enqueue(delivery)

    def events(self, scope: str, limit: int, **cursors: str | None) -> Page[dict[str, Any]]:
        """Newest first (assumed: the spec gives no order), as Event envelopes."""
        newest_first = self._events.newest_first(scope)
        page = cursor_page(
            newest_first, limit, id_of=lambda kept: kept[0], bad_cursor=_bad_event_cursor, **cursors
        )
        envelopes = [Event.decoded(event_id, payload).envelope() for event_id, payload in page.items]
        return replace(page, items=envelopes)  # type: ignore[arg-type]

    def _event(self, scope: str, event_id: str) -> Event | None:
        payload = self._events.get(scope, event_id)
        return None if payload is None else Event.decoded(event_id, payload)

    def replay(self, scope: str, event_id: str) -> int:
        """Queue the event again for every target that selects it now, marked as a replay; how many."""

        def replayed(payload: bytes) -> bytes:
            event = Event.decoded(event_id, payload)
            if event.replay_count >= REPLAY_LIMIT:
                raise ReplayLimitExceeded()
            return replace(event, replay_count=event.replay_count + 1).encoded()

        try:  # counted once across every process that shares the log
            event = Event.decoded(event_id, self._events.change(scope, event_id, replayed))
        except KeyError:
            raise NotFound(DELIVERY_NOT_FOUND) from None
        targets = self._selecting(scope, event.type)
        self._queue(scope, event, targets, replay=True)
        return len(targets)

    # --- deliveries ----------------------------------------------------------------------------------

    def delivery(self, scope: str, event_id: str) -> dict[str, Any]:
        """The event's delivery record; "if the event was delivered to multiple targets, the first
        target's record is returned" (its first delivery, not a replay)."""
        records = [d for d in self._dispatcher.deliveries(self._provider, scope) if d.event_id == event_id]
        if not records:
            raise NotFound(DELIVERY_NOT_FOUND)
        originals = [d for d in records if not d.is_replay] or records
        return self._record_json(originals[-1])  # the list is newest first

    def history(
        self,
        scope: str,
        limit: int,
        *,
        status: str | None = None,
        event_type: str | None = None,
        simulation_id: str | None = None,
        from_: datetime | None = None,
        to: datetime | None = None,
        cursor: str | None = None,
    ) -> HistoryPage:
        """Delivery records of the last 30 days, filtered, grouped by event (one record per target and
        replay): the event with the newest record first, and each event's records newest first. `cursor`
        is the event id of the previous page's last record, and the next page starts after that event's
        records; so a page ends at an event's last record, unless one event's records fill it alone,
        when the cursor is `<event id>:<records already shown>` (assumed: the spec's cursor is an
        event id, and one event may have more targets than a page holds)."""
        low, high = self._clock.now() - RETENTION, None  # "silently clamped to the 30-day window"
        if from_ is not None:
            low = max(from_, low)
        if to is not None:
            high = to
        records = [
            d
            for d in self._dispatcher.deliveries(self._provider, scope)
            if _in_range(d.created_at, low, high)
            and status in (None, d.status)
            and event_type in (None, d.event_type)
            and simulation_id is None  # no delivery of the mock comes from a simulation
        ]
        grouped = _grouped_by_event(records)
        start = 0 if cursor is None else _cursor_position(grouped, cursor)
        page, next_cursor = _page_of_whole_events(grouped, start, limit)
        return HistoryPage([self._record_json(d) for d in page], next_cursor is not None, next_cursor)

    def _record_json(self, delivery: Delivery) -> dict[str, Any]:
        event = self._event(delivery.scope, delivery.event_id)
        return {
            "id": delivery.event_id,
            "event_type": delivery.event_type,
            "endpoint_url": delivery.url,
            "status": delivery.status,
            "attempts": delivery.attempts,
            "created_at": _timestamp(delivery.created_at),
            "delivered_at": _timestamp(delivery.delivered_at) if delivery.delivered_at else None,
            "simulation_id": None,
            "is_replay": delivery.is_replay,
            "replay_count": event.replay_count if event else 0,
            "payload": json.loads(delivery.body),
        }

    # --- the dispatcher's side -----------------------------------------------------------------------

    def _signed_headers(self, delivery: Delivery, timestamp: int) -> dict[str, str] | None:
        """One attempt's headers, signed now; None when the target was deleted meanwhile."""
        try:
            self._targets.get(delivery.scope, delivery.target_id)
        except NotFound:
            return None
        signature = self.signing_key.sign(str(timestamp).encode() + delivery.body)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: base64.b64encode(signature).decode(),
            TIMESTAMP_HEADER: str(timestamp),
            EVENT_ID_HEADER: delivery.event_id,
        }
        if delivery.is_replay:
            headers[REPLAY_HEADER] = "true"
        return headers

    def _after_attempt(self, delivery: Delivery) -> None:
        """The target's `time_last_attempted`, and `time_last_healthy` after a success, follow."""
        if delivery.last_attempt_at is None:
            return
        at = int(delivery.last_attempt_at.timestamp())
        with self._lock:
            try:
                target = self._targets.get(delivery.scope, delivery.target_id)
            except NotFound:
                return
            target = replace(target, time_last_attempted=at)
            if delivery.delivered_at is not None:
                target = replace(target, time_last_healthy=at)
            try:
                self._targets.replace(delivery.scope, target.id, target)
            except NotFound:
                pass

    def reseed(self, entropy: str) -> None:
        """A forked worker's own event and delivery ids (see MockState.reseed)."""
        self._ids = IdFactory(random.Random(f"{entropy}:{self._provider}:events"), self._clock)

    def reset(self) -> None:
        self._targets.clear()
        self._events.clear()

    def reset_scope(self, scope: str) -> None:
        self._targets.clear_scope(scope)
        self._events.clear_scope(scope)


def _signing_key(context: BackendContext) -> SigningKey:
    """The configured key, else one derived from the seed (the same every seeded start), else random."""
    settings = context.settings
    if settings is not None and settings.webhook_signing_key:
        return SigningKey.from_hex(settings.webhook_signing_key)
    if context.config.seed is not None:
        return SigningKey.derived(context.config.seed, context.provider.name)
    return SigningKey(context.secret("webhook signing key"))  # the same for every app on this store


def _types(given: list[str] | None) -> tuple[str, ...] | None:
    return None if given is None else tuple(dict.fromkeys(given))


def _bad_event_cursor(name: str) -> InvalidRequest:
    return InvalidRequest(fields={name: [UNKNOWN_CURSOR.format(name=name)]})


def _in_range(moment: datetime, low: datetime, high: datetime | None) -> bool:
    """Compared in whole seconds, as the records show their times."""
    second = moment.replace(microsecond=0)
    return second >= low.replace(microsecond=0) and (high is None or second <= high)


def _grouped_by_event(records: list[Delivery]) -> list[Delivery]:
    """Newest-first records, each event's together, in the order of each event's newest record."""
    groups: dict[str, list[Delivery]] = {}
    for record in records:
        groups.setdefault(record.event_id, []).append(record)
    return [record for group in groups.values() for record in group]


def _cursor_position(grouped: list[Delivery], cursor: str) -> int:
    """Where the page after `cursor` starts: after the event's records, or after `shown` of them."""
    event_id, _, shown = cursor.partition(":")
    positions = [index for index, record in enumerate(grouped) if record.event_id == event_id]
    if not positions or (shown and not (shown.isdigit() and 0 < int(shown) < len(positions))):
        raise InvalidRequest(INVALID_QUERY, fields={"cursor": [UNKNOWN_HISTORY_CURSOR]})
    return positions[0] + int(shown) if shown else positions[-1] + 1


def _page_of_whole_events(
    grouped: list[Delivery], start: int, limit: int
) -> tuple[list[Delivery], str | None]:
    """Up to `limit` records from `start`, ending at an event's last record where it can; and the cursor
    of the next page (None when there is none)."""
    page = grouped[start : start + limit]
    if start + len(page) >= len(grouped):
        return page, None
    last = page[-1].event_id
    if grouped[start + len(page)].event_id != last:
        return page, last
    whole = [record for record in page if record.event_id != last]
    if whole:
        return whole, whole[-1].event_id
    first_of_last = next(index for index, record in enumerate(grouped) if record.event_id == last)
    return page, f"{last}:{start + len(page) - first_of_last}"


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
