"""The dashboard's pages render (the browser tests in tests/test_dashboard_e2e.py drive them), and the admin
routes they need and no other admin route gave: the users across credentials, their scopes, a delete."""

from __future__ import annotations

import re

import pytest

from mock_server import create_app
from mock_server.base.config import Config
from mock_server.serve import banner

PAGES = {
    "/__admin/ui/": ["<h1>Overview</h1>", "Dots sandbox", "/dakota", "api.platform.dakota.xyz", "Copy curl"],
    "/__admin/ui/users": ["<h1>Users</h1>", "Search users", "Changes (JSON)", "Create user"],
    "/__admin/ui/journal": [
        "<h1>Journal</h1>",
        "Apply filter",
        "Live updates",
        'aria-label="Journal entries"',
    ],
    "/__admin/ui/faults": ["<h1>Faults</h1>", "Add fault rule", "Latency (ms)", "Remove every rule"],
    "/__admin/ui/messages": ["<h1>Messages</h1>", "Dots verification codes", "Show messages"],
    "/__admin/ui/webhooks": ["<h1>Webhooks</h1>", '<option value="dakota">Dakota</option>', "Show webhooks"],
    "/__admin/ui/data": ["<h1>Fixtures &amp; reset</h1>", "Load fixtures", "Reset data"],
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_renders_with_its_controls_and_the_navigation(client, path):
    page = client.get(path)
    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"
    text = page.get_data(as_text=True)
    for expected in [*PAGES[path], 'aria-current="page"', "/__admin/ui/static/dashboard.js"]:
        assert expected in text, expected


@pytest.mark.parametrize("name", ["dashboard.js", "dashboard.css"])
def test_the_script_and_stylesheet_are_served_from_the_package(client, name):
    served = client.get(f"/__admin/ui/static/{name}")
    assert served.status_code == 200 and served.data
    served.close()


def test_a_page_names_only_the_providers_served():
    app = create_app({"seed": 1, "provider": "taliware"})
    text = app.test_client().get("/__admin/ui/").get_data(as_text=True)
    assert "Taliware CL2C" in text and "Dakota" not in text


def test_the_banner_names_the_dashboard():
    assert re.search(r"\n  Dashboard +http://127.0.0.1:9000/__admin/ui/\n", banner(Config(port=9000)) + "\n")


def dakota_user(client, api_key: str, email: str) -> dict:
    body = {"first_name": "Ada", "last_name": "Admin", "email": email, "role": "viewer"}
    headers = {"x-api-key": api_key, "x-idempotency-key": "8e5a2a55-2c7e-4d1a-9f43-1e0e7e0f1a01"}
    created = client.post("/dakota/users", json=body, headers=headers)
    assert created.status_code == 201, created.json
    return created.json


def test_users_lists_every_scope_and_filters_by_provider_scope_and_text(client):
    user = dakota_user(client, "dk_test_one", "ada.one@example.com")
    dakota_user(client, "dk_test_two", "bob.two@example.com")
    everyone = client.get("/__admin/users?provider=dakota").json
    assert {each["scope"] for each in everyone["users"]} == {"dk_test_one", "dk_test_two"}

    found = client.get("/__admin/users?provider=dakota&scope=dk_test_one&q=ADA.ONE").json
    assert found["total"] == 1
    listed = found["users"][0]
    assert {key: listed[key] for key in ("provider", "scope", "id", "name", "email")} == {
        "provider": "dakota",
        "scope": "dk_test_one",
        "id": user["id"],
        "name": "Ada Admin",
        "email": "ada.one@example.com",
    }
    assert listed["record"]["role"] == "viewer"
    assert client.get("/__admin/users?q=bob.two&limit=1").json["total"] == 1
    assert client.get("/__admin/users?q=nobody-at-all").json == {"users": [], "total": 0}


def test_scopes_count_the_users_of_each_credential(client):
    dakota_user(client, "dk_test_one", "ada.one@example.com")
    assert client.get("/__admin/scopes?provider=dakota").json == {
        "scopes": [{"provider": "dakota", "scope": "dk_test_one", "users": 1}],
        "total": 1,
    }


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("/__admin/users?provider=nope", "provider", "Unknown provider 'nope'."),
        ("/__admin/users?scope=dk_test_one", "scope", "A scope belongs to one provider: give provider too."),
        ("/__admin/users?provider=dakota&limit=0", "limit", "Must be greater than or equal to 1."),
        ("/__admin/scopes?provider=nope", "provider", "Unknown provider 'nope'."),
    ],
)
def test_users_and_scopes_refuse_a_bad_query_naming_the_field(client, query, field, message):
    refused = client.get(query)
    assert refused.status_code == 400
    assert message in str(refused.json), refused.json
    assert field in str(refused.json)


def test_delete_forgets_one_user_of_one_scope(client):
    user = dakota_user(client, "dk_test_one", "ada.one@example.com")
    path = f"/__admin/users/dakota/{user['id']}"
    assert client.delete(path + "?scope=dk_test_two").status_code == 404  # another credential's: untouched
    assert client.delete(path + "?scope=dk_test_one").status_code == 204
    assert client.get("/__admin/users?provider=dakota&scope=dk_test_one").json["total"] == 0
    assert client.delete(path).status_code == 400  # the scope is required
