"""The mock's own control plane under /__admin: health, reset, fixtures, the journal, faults, the outbox
of messages the APIs "sent", user statuses no API call reaches, and outbound webhook deliveries."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from flask import Blueprint, Response, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from mock_server.base.config import MEMORY_STORE, Latency
from mock_server.base.errors import ApiError, InvalidRequest, NotFound
from mock_server.core.admin_auth import admin_authorized
from mock_server.core.documents import document_index
from mock_server.core.faults import FaultRule
from mock_server.core.fixtures import FixtureError, load_fixtures_path
from mock_server.core.http import body_bytes, json_response, read_json
from mock_server.core.http import validate as load_with
from mock_server.core.journal import JournalEntry, mask
from mock_server.core.routing import OWN_PATH_PREFIX
from mock_server.core.state import ScopeResetUnsupported, current_state
from mock_server.core.webhooks import STATUSES, Delivery

ADMIN_PREFIX = OWN_PATH_PREFIX


# A scope is one credential's data partition: what the provider's auth makes of a request's credential
# (a Dots client id, a Wealthyhood token's subject, a Dakota API key, a Taliware tenant), and what a
# fixtures file's "scope" names. Never empty.
NON_EMPTY = validate.Length(min=1, error="A scope is never empty.")
SCOPE_NEEDS_PROVIDER = "A scope belongs to one provider: give provider too."
CREDENTIAL_REFUSED = "No scope given, and the {provider} credential sent with this call is refused: {reason}"


class Lenient(Schema):
    """An admin request's body or query string: what it does not name is ignored."""

    class Meta:
        unknown = EXCLUDE


class ScopeQuery(Lenient):
    """Everything, a provider's, or one scope's: what a reset, DELETE /requests, /messages and /faults
    clear, and what the listings filter by."""

    provider = fields.String()
    scope = fields.String(validate=NON_EMPTY)


class FixturesRequest(Lenient):
    path = fields.String(required=True, validate=validate.Length(min=1))  # "" would be the server's cwd


class JournalQuery(ScopeQuery):
    method = fields.String()
    path = fields.String()
    status = fields.Integer()
    since = fields.AwareDateTime(default_timezone=UTC)
    limit = fields.Integer(validate=validate.Range(min=1))


class MessagesQuery(ScopeQuery):
    user_id = fields.String()
    limit = fields.Integer(validate=validate.Range(min=1))


class DeliveriesQuery(ScopeQuery):
    status = fields.String(validate=validate.OneOf(STATUSES))
    event_id = fields.String()
    limit = fields.Integer(validate=validate.Range(min=1))


class DeliverRequest(Lenient):
    due_only = fields.Boolean(load_default=False)


class CredentialsQuery(Lenient):
    scope = fields.String(required=True, validate=validate.Length(min=1))


class UserStatusRequest(Lenient):
    provider = fields.String(required=True)
    user_id = fields.String(required=True)
    status = fields.String(required=True)


@runtime_checkable
class UserStatuses(Protocol):
    """A backend whose users carry a status that only the provider's staff change (Dots: a user in review
    or disabled): the admin API sets it, so a client's handling of those users can be tested."""

    user_statuses: tuple[str, ...]

    def set_user_status(self, user_id: str, status: str) -> None:
        """Give the user (of any scope) that status; the provider's NotFound if there is none."""


# Far past any client's timeout. Unbounded, a rule could ask for more than time.sleep takes, and every
# request it matched answered 500.
MAX_LATENCY_MS = 10 * 60 * 1000


class LatencyRange(fields.Field):
    """Milliseconds: one number, or [min, max] to draw from."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Latency:
        latency = _latency(value)
        if latency is None:
            raise ValidationError("latency_ms must be a number of milliseconds or [min, max].")
        if latency.high > MAX_LATENCY_MS:
            raise ValidationError(f"latency_ms must be at most {MAX_LATENCY_MS} (10 minutes).")
        return latency


def _latency(value: Any) -> Latency | None:
    if _milliseconds(value):
        return Latency(value, value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(map(_milliseconds, value))
        and value[0] <= value[1]
    ):
        return Latency(value[0], value[1])
    return None


def _milliseconds(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class FaultRuleRequest(ScopeQuery):
    method = fields.String()
    path = fields.String(load_default="*")
    times = fields.Integer(validate=validate.Range(min=1))
    probability = fields.Float(load_default=1.0, validate=validate.Range(min=0.0, max=1.0))
    status = fields.Integer(validate=validate.Range(min=400, max=599))
    message = fields.String()
    latency_ms = LatencyRange()
    drop = fields.Boolean(load_default=False)

    @validates_schema
    def one_effect(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not (data.get("status") or data.get("latency_ms") or data.get("drop")):
            raise ValidationError("A rule needs status, latency_ms or drop.", "_schema")
        if data.get("drop") and data.get("status"):
            raise ValidationError("A rule cannot both drop the connection and answer a status.", "_schema")


def _optional_json() -> Any:
    return read_json() if body_bytes().strip() else {}


def _body_and_query() -> Any:
    """A POST's parameters: its JSON body, and its query string too, so that
    `curl -X POST '.../__admin/reset?provider=dots'` is not taken for a reset of everything. A parameter
    given in both must have one value."""
    body = _optional_json()
    if not isinstance(body, dict):
        return body  # the schema names what is wrong with it
    query = request.args.to_dict()
    for name in sorted(query):
        if name in body and body[name] != query[name]:
            raise InvalidRequest(fields={name: ["given in the query string and the body, with two values."]})
    return {**query, **body}


def _known_provider(name: str | None) -> str | None:
    if name is not None and name not in current_state().providers:
        raise InvalidRequest(fields={"provider": [f"Unknown provider {name!r}."]})
    return name


def _scope(provider: str | None, given: str | None) -> str | None:
    """The scope a call asks for: `given`; else the one the provider's own credential headers, sent
    with this admin call, map to (a test suite knows its credential, not our scope string); None: the
    whole provider (or, without one, everything)."""
    if given is not None:
        if provider is None:
            raise InvalidRequest(fields={"scope": [SCOPE_NEEDS_PROVIDER]})
        return given
    return None if provider is None else _credential_scope(provider)


def _credential_scope(provider: str) -> str | None:
    """The scope of the `provider` credential in this request's headers; None when it carries none of the
    headers that provider's credential is made of; 400 when it carries them and they are refused."""
    state = current_state()
    declared, backend = state.providers[provider], state.backends[provider]
    if not any(name in request.headers for name in declared.credential_headers(backend, "scope")):
        return None
    try:
        return declared.authenticate(request, backend).scope
    except ApiError as error:
        reason = error.message or type(error).__name__
        message = CREDENTIAL_REFUSED.format(provider=provider, reason=reason)
        raise InvalidRequest(fields={"scope": [message]}) from None


def _scope_asked(query: dict[str, Any]) -> tuple[str | None, str | None]:
    """The provider and scope of a checked query or body (both None: everything)."""
    provider = _known_provider(query.get("provider"))
    return provider, _scope(provider, query.get("scope"))


def _masked(scope: str | None) -> str | None:
    """A scope as the admin API shows it: masked as the journal masks credentials (a Dakota scope is its
    API key)."""
    return None if scope is None else mask(scope)


def _backend_with_statuses(provider: str) -> UserStatuses:
    _known_provider(provider)
    backend = current_state().backends[provider]
    if not isinstance(backend, UserStatuses):
        raise InvalidRequest(fields={"provider": [f"{provider} users have no status to set."]})
    return backend


def build_admin_blueprint() -> Blueprint:
    admin = Blueprint("admin", __name__)

    @admin.get("/health")
    def health() -> Response:
        """200 with the providers and how many users the store holds; 503 while the store is down. With an
        admin token set, a caller without it (a container's health probe) is told only up or down."""
        state = current_state()
        if not admin_authorized():
            alive = state.store_alive()
            return json_response({"status": "ok" if alive else "store unavailable"}, 200 if alive else 503)
        store = "memory" if state.config.store == MEMORY_STORE else "redis"
        providers = {provider.name: provider.prefix for provider in state.providers.values()}
        if not state.store_alive():
            return json_response({"status": "store unavailable", "store": store, "providers": providers}, 503)
        users = sum(state.store.count(name) for name in state.providers)
        return json_response({"status": "ok", "store": store, "providers": providers, "users": users})

    @admin.get("/openapi")
    def openapi_documents() -> Response:
        return json_response({"documents": document_index()})

    @admin.post("/reset")
    def reset() -> Response:
        """Back to the start state: everything, one provider, or one credential's scope of a provider; the
        fixture users loaded at start that belong to what was reset are loaded again."""
        state = current_state()
        provider, scope = _scope_asked(load_with(ScopeQuery(), _body_and_query()))
        try:
            loaded = state.reset(provider, scope)
        except ScopeResetUnsupported as error:
            raise InvalidRequest(fields={"scope": [str(error)]}) from None
        except FixtureError as error:  # a user made meanwhile took a fixture user's email, say
            raise InvalidRequest(str(error)) from None
        return json_response(
            {
                "reset": [provider] if provider else sorted(state.providers),
                "scope": _masked(scope),
                "loaded": loaded,
            }
        )

    @admin.post("/fixtures")
    def load_fixtures() -> Response:
        state = current_state()
        path = load_with(FixturesRequest(), _optional_json())["path"]
        try:
            loaded = load_fixtures_path(state.backends, path, state.store)
        except FixtureError as error:  # the file, the user and the reason: what the CLI prints
            raise InvalidRequest(str(error)) from None
        return json_response({"loaded": loaded})

    @admin.get("/requests")
    def journal() -> Response:
        query = load_with(JournalQuery(), request.args.to_dict())
        query["provider"], query["scope"] = _scope_asked(query)
        entries = [entry for entry in current_state().journal.entries() if _journal_match(entry, query)]
        if "limit" in query:
            entries = entries[-query["limit"] :]
        return json_response({"requests": [entry.to_json() for entry in entries], "total": len(entries)})

    @admin.delete("/requests")
    def clear_journal() -> Response:
        current_state().journal.clear(*_scope_asked(load_with(ScopeQuery(), request.args.to_dict())))
        return Response(status=204)

    @admin.get("/messages")
    def outbox() -> Response:
        query = load_with(MessagesQuery(), request.args.to_dict())
        provider, scope = _scope_asked(query)
        messages = [
            message
            for message in current_state().outbox.messages(provider, query.get("user_id"))
            if scope in (None, message.scope)
        ]
        if "limit" in query:
            messages = messages[-query["limit"] :]
        return json_response(
            {"messages": [message.to_json() for message in messages], "total": len(messages)}
        )

    @admin.delete("/messages")
    def clear_outbox() -> Response:
        current_state().outbox.clear(*_scope_asked(load_with(ScopeQuery(), request.args.to_dict())))
        return Response(status=204)

    @admin.post("/users/status")
    def set_user_status() -> Response:
        change = load_with(UserStatusRequest(), _optional_json())
        backend = _backend_with_statuses(change["provider"])
        if change["status"] not in backend.user_statuses:
            allowed = ", ".join(backend.user_statuses)
            raise InvalidRequest(fields={"status": [f"status must be one of: {allowed}."]})
        backend.set_user_status(change["user_id"], change["status"])
        return json_response({key: change[key] for key in ("provider", "user_id", "status")})

    @admin.get("/faults")
    def list_faults() -> Response:
        return json_response({"faults": [_rule_json(rule) for rule in current_state().faults.list()]})

    @admin.post("/faults")
    def add_fault() -> Response:
        state = current_state()
        fields_ = load_with(FaultRuleRequest(), _body_and_query())
        fields_["provider"], fields_["scope"] = _scope_asked(fields_)
        rule = FaultRule(id=state.ids.uuid4(), **fields_)
        state.faults.add(rule)
        return json_response(_rule_json(rule), 201)

    @admin.delete("/faults/<rule_id>")
    def delete_fault(rule_id: str) -> Response:
        if not current_state().faults.remove(rule_id):
            raise NotFound(f"No fault rule {rule_id}.")
        return Response(status=204)

    @admin.delete("/faults")
    def clear_faults() -> Response:
        current_state().faults.clear(*_scope_asked(load_with(ScopeQuery(), request.args.to_dict())))
        return Response(status=204)

    add_webhook_routes(admin)
    add_credential_routes(admin)
    add_user_routes(admin)
    return admin


class UsersQuery(ScopeQuery):
    q = fields.String()
    limit = fields.Integer(validate=validate.Range(min=1))


class ScopesQuery(Lenient):
    provider = fields.String()


class UserDeleteQuery(Lenient):
    scope = fields.String(required=True, validate=NON_EMPTY)


def add_user_routes(admin: Blueprint) -> None:
    """The users the store holds, across credentials: what no provider's API lists (each sees only its own
    credential's), for the dashboard's users page and for scripts. Scopes are shown whole, as the outbox
    shows them: a client needs one to ask /credentials for the headers that reach those users."""

    @admin.get("/scopes")
    def scopes() -> Response:
        """Each provider's credential scopes that hold users, with how many."""
        state = current_state()
        provider = _known_provider(load_with(ScopesQuery(), request.args.to_dict()).get("provider"))
        found = [
            {"provider": name, "scope": scope, "users": len(state.store.values(name, scope))}
            for name in ([provider] if provider else state.providers)
            for scope in sorted(state.store.scopes(name))
        ]
        return json_response({"scopes": found, "total": len(found)})

    @admin.get("/users")
    def users() -> Response:
        """Users of every provider (or one), of every scope (or one), whose stored record contains `q`
        (case-insensitive), oldest first; `limit`: the first that many."""
        query = load_with(UsersQuery(), request.args.to_dict())
        provider = _known_provider(query.get("provider"))
        if query.get("scope") is not None and provider is None:
            raise InvalidRequest(fields={"scope": [SCOPE_NEEDS_PROVIDER]})
        found = [
            user for user in _stored_users(provider, query.get("scope")) if _contains(user, query.get("q"))
        ][: query.get("limit")]
        return json_response({"users": found, "total": len(found)})

    @admin.delete("/users/<provider>/<user_id>")
    def delete_user(provider: str, user_id: str) -> Response:
        """Forget one user of one scope: for the APIs that have no delete of their own (Wealthyhood,
        Taliware); Dots' and Dakota's own DELETE also do what those APIs do on a delete (Dakota's event)."""
        _known_provider(provider)
        scope = load_with(UserDeleteQuery(), request.args.to_dict())["scope"]
        if current_state().store.delete(provider, scope, user_id) is None:
            raise NotFound(f"No {provider} user {user_id} in that scope.")
        return Response(status=204)


def _stored_users(provider: str | None, scope: str | None) -> list[dict[str, Any]]:
    state = current_state()
    return [
        _user_json(name, each_scope, record)
        for name in ([provider] if provider else state.providers)
        for each_scope in ([scope] if scope else sorted(state.store.scopes(name)))
        for record in state.store.values(name, each_scope)
    ]


def _user_json(provider: str, scope: str, record: Any) -> dict[str, Any]:
    """A stored user as the admin API lists it: who and where, and the record as stored (not the provider's
    shape: GET it through the provider's API, with /credentials, for that)."""
    stored = dataclasses.asdict(record) if dataclasses.is_dataclass(record) else record
    return {
        "provider": provider,
        "scope": scope,
        "id": getattr(record, "id", None),
        "name": " ".join(filter(None, (getattr(record, "first_name", ""), getattr(record, "last_name", "")))),
        "email": getattr(record, "email", None),
        "record": json.loads(json.dumps(stored, default=str)),
    }


def _contains(user: dict[str, Any], text: str | None) -> bool:
    return text is None or text.casefold() in json.dumps(user, ensure_ascii=False).casefold()


def add_credential_routes(admin: Blueprint) -> None:
    @admin.get("/credentials/<provider>")
    def credentials(provider: str) -> Response:
        """Headers of a valid credential for `provider` and `?scope=`: what MockServer.credentials gives a
        test in-process, for a client of a server in another process (a Wealthyhood token only it signs)."""
        _known_provider(provider)
        scope = load_with(CredentialsQuery(), request.args.to_dict())["scope"]
        state = current_state()
        headers = state.providers[provider].credential_headers(state.backends[provider], scope)
        return json_response({"provider": provider, "scope": scope, "headers": headers})


def add_webhook_routes(admin: Blueprint) -> None:
    @admin.get("/webhooks")
    def webhooks() -> Response:
        """Whether delivery runs, how it is bounded, the counts, and each provider's public key."""
        state = current_state()
        policy = state.webhooks.policy
        return json_response(
            {
                "paused": state.webhooks.paused,
                "counts": state.webhooks.counts(),
                "public_keys": current_state().webhook_public_keys(),
                "retry_schedule_seconds": list(policy.retry_delays),
                "max_attempts": policy.max_attempts,
                "timeout_seconds": policy.timeout_seconds,
                "concurrency": policy.concurrency,
                "queue_size": policy.queue_size,
                "history_size": policy.history_size,
                "allowed_hosts": sorted(state.config.webhook_allowed_hosts or []) or None,
            }
        )

    @admin.get("/webhooks/deliveries")
    def webhook_deliveries() -> Response:
        query = load_with(DeliveriesQuery(), request.args.to_dict())
        provider, scope = _scope_asked(query)
        deliveries = [
            delivery
            for delivery in current_state().webhooks.deliveries(provider, scope)
            if query.get("status") in (None, delivery.status)
            and query.get("event_id") in (None, delivery.event_id)
        ][: query.get("limit")]
        return json_response(
            {"deliveries": [_delivery_json(d) for d in deliveries], "total": len(deliveries)}
        )

    @admin.post("/webhooks/deliver")
    def deliver_webhooks() -> Response:
        """Attempt every pending delivery now (or only those due), and answer with their outcomes."""
        due_only = load_with(DeliverRequest(), _optional_json())["due_only"]
        attempted = current_state().webhooks.deliver_now(due_only=due_only)
        return json_response({"deliveries": [_delivery_json(d) for d in attempted], "total": len(attempted)})

    @admin.post("/webhooks/pause")
    def pause_webhooks() -> Response:
        current_state().webhooks.pause()
        return json_response({"paused": True})

    @admin.post("/webhooks/resume")
    def resume_webhooks() -> Response:
        current_state().webhooks.resume()
        return json_response({"paused": False})


def _rule_json(rule: FaultRule) -> dict[str, Any]:
    """A fault rule as the admin API shows it: its scope masked."""
    return {**rule.to_json(), "scope": _masked(rule.scope)}


def _delivery_json(delivery: Delivery) -> dict[str, Any]:
    """A delivery as the admin API shows it: the credential masked, as the journal masks it."""
    return {**delivery.to_json(), "scope": mask(delivery.scope)}


def _journal_match(entry: JournalEntry, query: dict[str, Any]) -> bool:
    since: datetime | None = query.get("since")
    return (
        query.get("provider") in (None, entry.provider)
        and query.get("scope") in (None, entry.scope)
        and query.get("method", entry.method).upper() == entry.method
        and _path_match(query.get("path"), entry.path)
        and query.get("status") in (None, entry.status)
        and (since is None or entry.time >= since)
    )


def _path_match(pattern: str | None, path: str) -> bool:
    return pattern is None or fnmatch.fnmatchcase(path, pattern)
