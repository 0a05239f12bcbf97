"""A server shared by several suites: one credential's reset, fault rules and journal never touch another
credential's, and a reset brings back the fixture users the server started with. Every behaviour is run on
both stores, memory and Redis."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mock_server import create_app
from mock_server.fixtures import BUNDLED_FIXTURES, generate_fixtures
from tests.conftest import basic
from tests.dakota.helpers import USERS as DAKOTA_USERS
from tests.dakota.helpers import headers as dakota_headers
from tests.dakota.helpers import key
from tests.dakota.helpers import person as dakota_person
from tests.dots.helpers import PROD as DOTS_USERS
from tests.dots.helpers import person as dots_person

EVERY_PROVIDER = [
    "dakota",
    "dakota-sandbox",
    "dots",
    "dots-sandbox",
    "taliware",
    "wealthyhood",
    "wealthyhood-sandbox",
]
# Longer than the ten characters a mask keeps, so the masked form shows which scope it is.
CLIENT_A, CLIENT_B = "client-alpha-1", "client-bravo-2"
KEY_A, KEY_B = "dk_test_alpha_key", "dk_test_bravo_key"
HOOK = "http://127.0.0.1:9/hook"  # never reached: deliveries stay paused

App = Callable[..., Any]


@pytest.fixture(params=["memory", "redis"])
def make_app(request, clock) -> App:
    """Builds an app with the given settings, on the parametrized store (Redis: a namespace of its own)."""

    def build(**settings: Any) -> Any:
        if request.param == "redis":
            url = request.getfixturevalue("redis_url")
            settings = {"store": url, "store_namespace": f"scopes-{uuid.uuid4().hex}", **settings}
        return create_app({"seed": 1234, **settings}, clock=clock)

    return build


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def dots_ids(client, client_id: str) -> list[str]:
    return [user["id"] for user in client.get(DOTS_USERS, headers=basic(client_id)).get_json()["data"]]


def dakota_ids(client, api_key: str, path: str = DAKOTA_USERS) -> list[str]:
    return [item["id"] for item in client.get(path, headers=dakota_headers(api_key)).get_json()["data"]]


def create_dots(client, client_id: str, n: int) -> str:
    response = client.post(DOTS_USERS, headers=basic(client_id), json=dots_person(n))
    assert response.status_code == 200
    return response.get_json()["id"]


def create_dakota(client, api_key: str, n: int, idempotency_key: str | None = None) -> str:
    sent = dakota_headers(api_key, idempotency_key or key(n))
    response = client.post(DAKOTA_USERS, headers=sent, json=dakota_person(n))
    assert response.status_code == 201
    return response.get_json()["id"]


def journaled(client, query: str = "") -> list[tuple[str | None, str | None, str, str, int | None]]:
    entries = client.get(f"/__admin/requests{query}").get_json()["requests"]
    return [(e["provider"], e["scope"], e["method"], e["path"], e["status"]) for e in entries]


# --- reset of one credential ------------------------------------------------------------------------------


def test_a_scoped_reset_forgets_that_clients_users_only(client):
    a_user, b_user = create_dots(client, CLIENT_A, 1), create_dots(client, CLIENT_B, 2)
    sandbox_user = client.post(
        "/dots-sandbox/api/v2/users", headers=basic(CLIENT_A), json=dots_person(3)
    ).get_json()["id"]

    response = client.post("/__admin/reset", json={"provider": "dots", "scope": CLIENT_A})

    assert (response.status_code, response.get_json()) == (
        200,
        {"reset": ["dots"], "scope": "client-alp…", "loaded": {}},
    )
    assert (dots_ids(client, CLIENT_A), dots_ids(client, CLIENT_B)) == ([], [b_user])
    sandbox = client.get("/dots-sandbox/api/v2/users", headers=basic(CLIENT_A)).get_json()["data"]
    assert [user["id"] for user in sandbox] == [sandbox_user]  # the same client on another provider
    assert a_user != b_user


def test_the_providers_own_credential_headers_name_the_scope_to_reset(client):
    create_dakota(client, KEY_A, 1)
    b_user = create_dakota(client, KEY_B, 2)

    response = client.post("/__admin/reset", json={"provider": "dakota"}, headers=dakota_headers(KEY_A))

    assert response.get_json() == {"reset": ["dakota"], "scope": "dk_test_al…", "loaded": {}}
    assert (dakota_ids(client, KEY_A), dakota_ids(client, KEY_B)) == ([], [b_user])


def test_a_scope_in_the_query_string_is_read_as_in_the_body(client):
    create_dots(client, CLIENT_A, 1)
    b_user = create_dots(client, CLIENT_B, 2)

    response = client.post(f"/__admin/reset?provider=dots&scope={CLIENT_A}")

    assert response.get_json() == {"reset": ["dots"], "scope": "client-alp…", "loaded": {}}
    assert (dots_ids(client, CLIENT_A), dots_ids(client, CLIENT_B)) == ([], [b_user])


def test_a_provider_reset_without_a_credential_still_resets_the_whole_provider(client):
    create_dots(client, CLIENT_A, 1)
    create_dots(client, CLIENT_B, 2)
    dakota_user = create_dakota(client, KEY_A, 1)

    response = client.post("/__admin/reset?provider=dots")

    assert response.get_json() == {"reset": ["dots"], "scope": None, "loaded": {}}
    assert (dots_ids(client, CLIENT_A), dots_ids(client, CLIENT_B)) == ([], [])
    assert dakota_ids(client, KEY_A) == [dakota_user]


def test_a_scoped_reset_forgets_everything_keyed_to_that_api_key(make_app):
    client = make_app(rate_limit="dakota=100/min").test_client()
    client.post("/__admin/webhooks/pause")
    for api_key in (KEY_A, KEY_B):
        target = {"url": HOOK, "global": True}
        created = client.post(
            "/dakota/webhooks/targets", headers=dakota_headers(api_key, key(9)), json=target
        )
        assert created.status_code == 201
        create_dakota(client, api_key, 1, idempotency_key=key(1))  # an event, a delivery, a window
    client.post("/__admin/faults", json={"provider": "dakota", "scope": KEY_A, "status": 500, "path": "/x"})
    client.post("/__admin/faults", json={"provider": "dakota", "scope": KEY_B, "status": 500, "path": "/x"})

    client.post("/__admin/reset", json={"provider": "dakota", "scope": KEY_A})

    # A's window starts over (this request is its first); B's goes on (its third).
    a_usage = client.get(DAKOTA_USERS, headers=dakota_headers(KEY_A)).headers["X-RateLimit-Remaining"]
    b_usage = client.get(DAKOTA_USERS, headers=dakota_headers(KEY_B)).headers["X-RateLimit-Remaining"]
    assert (a_usage, b_usage) == ("99", "97")
    for path in (DAKOTA_USERS, "/dakota/webhooks/targets", "/dakota/events"):
        assert (len(dakota_ids(client, KEY_A, path)), len(dakota_ids(client, KEY_B, path))) == (0, 1)
    deliveries = client.get("/__admin/webhooks/deliveries").get_json()["deliveries"]
    assert [delivery["scope"] for delivery in deliveries] == ["dk_test_br…"]
    for api_key, total in ((KEY_A, 0), (KEY_B, 1)):
        listed = client.get(f"/__admin/webhooks/deliveries?provider=dakota&scope={api_key}").get_json()
        assert listed["total"] == total
    assert [rule["scope"] for rule in client.get("/__admin/faults").get_json()["faults"]] == ["dk_test_br…"]
    # The idempotency key is free again for A, with another body; B's still replays B's user.
    again = client.post(DAKOTA_USERS, headers=dakota_headers(KEY_A, key(1)), json=dakota_person(2))
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, None)


def test_a_scoped_reset_forgets_the_clients_verification_codes_and_journal(client):
    users = {client_id: create_dots(client, client_id, n) for n, client_id in enumerate((CLIENT_A, CLIENT_B))}
    for client_id, user_id in users.items():
        sent = client.post(f"{DOTS_USERS}/{user_id}/send-verification-token", headers=basic(client_id))
        assert sent.status_code == 202

    client.post("/__admin/reset", json={"provider": "dots", "scope": CLIENT_A})

    messages = client.get("/__admin/messages").get_json()["messages"]
    assert [(m["scope"], m["user_id"]) for m in messages] == [(CLIENT_B, users[CLIENT_B])]
    assert client.get(f"/__admin/messages?provider=dots&scope={CLIENT_A}").get_json() == {
        "messages": [],
        "total": 0,
    }
    assert journaled(client) == [
        ("dots", "client-bra…", "POST", DOTS_USERS, 200),
        ("dots", "client-bra…", "POST", f"{DOTS_USERS}/{users[CLIENT_B]}/send-verification-token", 202),
    ]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ({"json": {"scope": CLIENT_A}}, "scope: A scope belongs to one provider: give provider too."),
        ({"json": {"provider": "dots", "scope": ""}}, "scope: A scope is never empty."),
        ({"json": {"provider": "nope", "scope": CLIENT_A}}, "provider: Unknown provider 'nope'."),
        ({"json": {"provider": "dots", "scope": 7}}, "scope: Not a valid string."),
        (
            {"json": {"provider": "dakota"}, "headers": {"x-api-key": "two words"}},
            "scope: No scope given, and the dakota credential sent with this call is refused: "
            "Missing or invalid API key",
        ),
        (
            {"json": {"provider": "taliware"}, "headers": {"tenant": "root"}},
            "scope: No scope given, and the taliware credential sent with this call is refused: "
            "Authentication Failed.",
        ),
        (
            {"query_string": {"provider": "dots"}, "json": {"provider": "dakota"}},
            "provider: given in the query string and the body, with two values.",
        ),
    ],
)
def test_a_bad_scoped_reset_is_400_in_the_admin_shape_and_resets_nothing(client, call, error):
    user = create_dots(client, CLIENT_A, 1)
    response = client.post("/__admin/reset", **call)
    assert (response.status_code, response.get_json()) == (400, {"error": error})
    assert dots_ids(client, CLIENT_A) == [user]


def test_state_reset_takes_a_provider_and_a_scope(make_app):
    app = make_app()
    state, client = app.extensions["mock_server"], app.test_client()
    create_dots(client, CLIENT_A, 1)
    b_user = create_dots(client, CLIENT_B, 2)
    assert state.reset("dots", CLIENT_A) == {}
    assert (dots_ids(client, CLIENT_A), dots_ids(client, CLIENT_B)) == ([], [b_user])
    with pytest.raises(ValueError, match="a scope belongs to one provider: name the provider too"):
        state.reset(scope=CLIENT_B)
    with pytest.raises(ValueError, match="unknown provider 'nope'"):
        state.reset("nope")


@pytest.mark.parametrize(
    ("provider", "path", "scope"),
    [
        ("dots", DOTS_USERS, "suite-scope-1"),
        ("wealthyhood", "/wealthyhood/users", "suite-scope-1@clients"),  # the token's subject
        ("dakota", DAKOTA_USERS, "suite-scope-1"),
        ("taliware", "/taliware/v1/cl2c/users", "suite-scope-1"),
    ],
)
def test_each_providers_credential_headers_map_to_the_documented_scope(make_app, provider, path, scope):
    app = make_app()
    state, client = app.extensions["mock_server"], app.test_client()
    declared = state.providers[provider]
    sent = declared.credential_headers(state.backends[provider], "suite-scope-1")
    client.get(path, headers=sent)
    client.get(path, headers=declared.credential_headers(state.backends[provider], "another-scope"))

    by_scope = client.get("/__admin/requests", query_string={"provider": provider, "scope": scope})
    by_headers = client.get("/__admin/requests", query_string={"provider": provider}, headers=sent)

    assert [entry["path"] for entry in by_scope.get_json()["requests"]] == [path]
    assert by_headers.get_json() == by_scope.get_json()
    assert state.journal.entries()[0].scope == scope


# --- fault rules of one credential ------------------------------------------------------------------------


def test_a_fault_rule_for_one_scope_fails_that_clients_requests_and_the_others_pass(client):
    rule = client.post("/__admin/faults", json={"provider": "dots", "scope": CLIENT_A, "status": 503})
    assert rule.status_code == 201
    assert rule.get_json() == {
        "id": rule.get_json()["id"],
        "provider": "dots",
        "scope": "client-alp…",
        "method": None,
        "path": "*",
        "times": None,
        "probability": 1.0,
        "status": 503,
        "message": None,
        "latency_ms": None,
        "drop": False,
        "hits": 0,
    }

    failed = client.get(DOTS_USERS, headers=basic(CLIENT_A))
    passed = client.get(DOTS_USERS, headers=basic(CLIENT_B))
    anonymous = client.get(DOTS_USERS)

    assert (failed.status_code, failed.get_json()) == (
        503,
        {"success": False, "error_code": "service-unavailable", "message": "Service Unavailable"},
    )
    assert (passed.status_code, passed.get_json()) == (200, {"data": [], "has_more": False})
    assert anonymous.status_code == 401  # no credential: not the rule's scope, so auth answers
    assert client.get("/__admin/faults").get_json()["faults"][0]["hits"] == 1


def test_a_fault_rule_takes_its_scope_from_the_credential_headers_sent(client):
    client.post("/__admin/faults", json={"provider": "dakota", "status": 500}, headers=dakota_headers(KEY_A))
    assert client.get(DAKOTA_USERS, headers=dakota_headers(KEY_A)).status_code == 500
    assert client.get(DAKOTA_USERS, headers=dakota_headers(KEY_B)).status_code == 200


def test_deleting_one_scopes_fault_rules_keeps_the_others(client):
    for scope in (CLIENT_A, CLIENT_B):
        client.post("/__admin/faults", json={"provider": "dots", "scope": scope, "status": 503})
    client.post("/__admin/faults", json={"provider": "dots", "status": 500, "path": "/elsewhere"})

    assert client.delete(f"/__admin/faults?provider=dots&scope={CLIENT_A}").status_code == 204

    rules = client.get("/__admin/faults").get_json()["faults"]
    assert [(rule["provider"], rule["scope"], rule["status"]) for rule in rules] == [
        ("dots", "client-bra…", 503),
        ("dots", None, 500),
    ]


def test_a_scoped_fault_rule_needs_its_provider(client):
    response = client.post("/__admin/faults", json={"scope": CLIENT_A, "status": 503})
    assert (response.status_code, response.get_json()) == (
        400,
        {"error": "scope: A scope belongs to one provider: give provider too."},
    )
    assert client.get("/__admin/faults").get_json() == {"faults": []}


# --- the journal per credential ---------------------------------------------------------------------------


def test_the_journal_records_each_requests_scope_and_filters_by_it(client):
    client.post("/__admin/faults", json={"provider": "dots", "scope": CLIENT_A, "status": 503, "times": 1})
    client.get(DOTS_USERS, headers=basic(CLIENT_A))  # answered by the fault, before auth
    create_dots(client, CLIENT_A, 1)
    create_dots(client, CLIENT_B, 2)
    client.get("/dots/api/v2/nothing-here", headers=basic(CLIENT_A))  # no route: auth never ran
    client.get(DOTS_USERS)  # no credential

    assert journaled(client, f"?provider=dots&scope={CLIENT_A}") == [
        ("dots", "client-alp…", "GET", DOTS_USERS, 503),
        ("dots", "client-alp…", "POST", DOTS_USERS, 200),
        ("dots", "client-alp…", "GET", "/dots/api/v2/nothing-here", 404),
    ]
    by_headers = client.get("/__admin/requests?provider=dots", headers=basic(CLIENT_B)).get_json()
    assert [(entry["scope"], entry["method"]) for entry in by_headers["requests"]] == [
        ("client-bra…", "POST")
    ]
    assert by_headers["total"] == 1
    assert journaled(client)[-1] == ("dots", None, "GET", DOTS_USERS, 401)


def test_one_scopes_journal_entries_can_be_cleared_alone(client):
    create_dots(client, CLIENT_A, 1)
    create_dots(client, CLIENT_B, 2)
    create_dakota(client, CLIENT_A, 1)  # the same string, as another provider's scope

    assert client.delete(f"/__admin/requests?provider=dots&scope={CLIENT_A}").status_code == 204

    assert journaled(client) == [
        ("dots", "client-bra…", "POST", DOTS_USERS, 200),
        ("dakota", "client-alp…", "POST", DAKOTA_USERS, 201),
    ]


def test_a_journal_entrys_scope_is_masked_as_its_credential_header_is(client):
    client.get(DAKOTA_USERS, headers=dakota_headers(KEY_A))
    (entry,) = client.get("/__admin/requests").get_json()["requests"]
    assert (entry["scope"], entry["headers"]["X-Api-Key"]) == ("dk_test_al…", "dk_test_al…")
    assert KEY_A not in json.dumps(entry)


# --- a reset brings the start fixtures back ---------------------------------------------------------------


def bundled_ids(provider: str) -> list[str]:
    document = json.loads((BUNDLED_FIXTURES / f"{provider}.json").read_text())
    return [user["id"] for user in document["users"]]


def test_a_full_reset_brings_back_the_bundled_users_and_nothing_else(make_app):
    client = make_app(fixtures=str(BUNDLED_FIXTURES)).test_client()
    create_dots(client, "pk_dev_mockserver", 1)
    create_dots(client, CLIENT_A, 2)
    create_dakota(client, "dk_test_mockserver", 1)
    client.delete(f"{DAKOTA_USERS}/{dakota_ids(client, 'dk_test_mockserver')[0]}", headers=dakota_headers(
        "dk_test_mockserver"
    ))  # fmt: skip

    response = client.post("/__admin/reset")

    assert response.get_json() == {
        "reset": EVERY_PROVIDER,
        "scope": None,
        "loaded": {provider: 5 for provider in EVERY_PROVIDER},
    }
    assert sorted(dots_ids(client, "pk_dev_mockserver")) == sorted(bundled_ids("dots"))
    assert sorted(dakota_ids(client, "dk_test_mockserver")) == sorted(bundled_ids("dakota"))
    assert dots_ids(client, CLIENT_A) == []
    assert client.get("/__admin/health").get_json()["users"] == 5 * len(EVERY_PROVIDER)


def test_a_scoped_reset_of_the_fixture_scope_brings_back_its_fixture_users_only(make_app, tmp_path):
    path = tmp_path / "dots.json"
    path.write_text(json.dumps({**generate_fixtures("dots", 3, seed=7), "scope": CLIENT_A}))
    client = make_app(fixtures=str(path)).test_client()
    fixture_ids = dots_ids(client, CLIENT_A)
    create_dots(client, CLIENT_A, 1)
    b_user = create_dots(client, CLIENT_B, 2)
    path.unlink()  # what is loaded again is what was loaded at start, not the file as it is now

    again = client.post("/__admin/reset", json={"provider": "dots", "scope": CLIENT_A})
    other = client.post("/__admin/reset", json={"provider": "dots-sandbox", "scope": CLIENT_A})

    assert again.get_json() == {"reset": ["dots"], "scope": "client-alp…", "loaded": {"dots": 3}}
    assert other.get_json() == {"reset": ["dots-sandbox"], "scope": "client-alp…", "loaded": {}}
    assert (len(fixture_ids), dots_ids(client, CLIENT_A)) == (3, fixture_ids)
    assert dots_ids(client, CLIENT_B) == [b_user]


def test_a_provider_reset_brings_back_that_providers_fixture_users(make_app, tmp_path):
    for provider, seed in (("dots", 7), ("dakota", 8)):
        (tmp_path / f"{provider}.json").write_text(json.dumps(generate_fixtures(provider, 2, seed=seed)))
    client = make_app(fixtures=str(tmp_path)).test_client()
    create_dots(client, "pk_dev_mockserver", 1)

    response = client.post("/__admin/reset", json={"provider": "dots"})

    assert response.get_json() == {"reset": ["dots"], "scope": None, "loaded": {"dots": 2}}
    assert len(dots_ids(client, "pk_dev_mockserver")) == 2


def test_the_fixtures_kept_are_the_ones_loaded_at_start(tmp_path: Path):
    path = tmp_path / "dots.json"
    path.write_text(json.dumps(generate_fixtures("dots", 2, seed=7)))
    state = create_app({"fixtures": str(path), "provider": "dots"}).extensions["mock_server"]
    assert [(document.provider, document.scope, len(document.users)) for document in state.fixtures] == [
        ("dots", "pk_dev_mockserver", 2)
    ]
