"""The dashboard at /__admin/ui/: pages for the people who use the sandbox, to look rather than curl.

Its pages are a client of the documented admin API (/__admin/...) and of the providers' own APIs, which
their script calls with fetch: the server renders only what is declared (the providers, their mounts and
routes), never the state, so anything a page does a script can do through the same routes."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, render_template

from mock_server.core.provider import Provider
from mock_server.core.routing import OWN_PATH_PREFIX
from mock_server.core.state import current_state

UI_PREFIX = OWN_PATH_PREFIX + "/ui"
DAKOTA_IDEMPOTENCY_HEADER = "x-idempotency-key"

# Each API's own user routes, relative to its mount ("{id}": the user's id), and a body its create takes.
# An API without a route has none here: the page then offers what the admin API offers instead (delete) or
# nothing (Taliware's users cannot be edited through its API). Keyed by family: a sandbox is its API's twin.
USER_APIS: dict[str, dict[str, Any]] = {
    "dots": {
        "get": "GET /api/v2/users/{id}",
        "create": "POST /api/v2/users",
        "edit": "PATCH /api/v2/users/{id}",
        "delete": "DELETE /api/v2/users/{id}",
        "example": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "country_code": "1",
            "phone_number": "4155550123",
        },
        "edit_example": {"first_name": "Ada"},
    },
    "wealthyhood": {
        "get": "GET /users/me",
        "create": "POST /users",
        "edit": "PATCH /users/me/employment-info",
        "user_header": "x-user-id",  # /users/me is the user this header names
        "example": {
            "email": "ada@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "dateOfBirth": "1990-05-15",
            "residencyCountry": "GB",
        },
        "edit_example": {"employmentStatus": "FullTime", "industry": "Technology"},
    },
    "dakota": {
        "get": "GET /users/{id}",
        "create": "POST /users",
        "edit": "PATCH /users/{id}",
        "delete": "DELETE /users/{id}",
        "idempotency_header": DAKOTA_IDEMPOTENCY_HEADER,
        "example": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "role": "viewer",
        },
        "edit_example": {"first_name": "Ada"},
    },
    "taliware": {
        "get": "GET /v1/cl2c/users/{id}",
        "create": "POST /v1/cl2c/user",
        "example": {
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "userName": "ada.lovelace",
            "phoneNumber": "+14155550123",
        },
    },
}
# Providers whose webhooks the webhooks page shows, with their replay route.
WEBHOOK_APIS = {"dakota": {"targets": "GET /webhooks/targets", "replay": "POST /webhooks/events/{id}/replay"}}

OVERVIEW = "overview"  # the page at the dashboard's root
PAGES = (
    (OVERVIEW, "Overview"),
    ("users", "Users"),
    ("journal", "Journal"),
    ("faults", "Faults"),
    ("messages", "Messages"),
    ("webhooks", "Webhooks"),
    ("data", "Fixtures & reset"),
)


def family(provider: Provider[Any]) -> str:
    """The API a provider emulates: "dots" for both Dots and its sandbox."""
    return provider.name.split("-", 1)[0]


def provider_view(provider: Provider[Any]) -> dict[str, Any]:
    """What the pages show and call of one provider: all declared, none of it state."""
    config = current_state().config
    return {
        "name": provider.name,
        "title": provider.title,
        "prefix": provider.prefix,
        "hosts": list(provider.hosts),
        "own_port": config.provider_ports.get(provider.name),
        "example_path": provider.example_path,
        "fixture_scope": provider.fixture_scope,
        "users": USER_APIS.get(family(provider), {}),
        "webhooks": WEBHOOK_APIS.get(family(provider)),
    }


def build_dashboard_blueprint() -> Blueprint:
    dashboard = Blueprint(
        "dashboard",
        __name__,
        template_folder="ui/templates",
        static_folder="ui/static",
        static_url_path="/static",
    )

    def page(name: str) -> str:
        providers = [provider_view(provider) for provider in current_state().providers.values()]
        return render_template(
            f"dashboard/{name}.html",
            page=name,
            pages=PAGES,
            providers=providers,
            admin_prefix=OWN_PATH_PREFIX,
        )

    for name, _title in PAGES:
        path = "/" if name == OVERVIEW else f"/{name}"
        dashboard.add_url_rule(path, name, partial(page, name), methods=["GET"])
    return dashboard
