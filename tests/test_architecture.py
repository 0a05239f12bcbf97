"""The shape of the code, checked: the import contract (layers, no cycles) can fail, importing the package
or its pytest plugin loads no Flask, settings are refused when the app is built, and a provider made
by following docs/architecture.md's checklist gets every shared feature by declaring itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server import create_app
from mock_server.providers import REGISTRY
from tests.ledger_provider import LEDGER

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
KEY = {"X-Ledger-Key": "team-a"}
ACCOUNT = {"owner": "Ada", "currency": "EUR"}


# --- the import contract ------------------------------------------------------------------------


def lint_imports_on_a_copy(tmp_path: Path, additions: dict[str, str]) -> subprocess.CompletedProcess:
    """lint-imports, as `make lint` runs it, on a copy of the package with `additions` appended to files."""
    shutil.copytree(
        ROOT / "mock_server", tmp_path / "mock_server", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for relative, line in additions.items():
        with open(tmp_path / relative, "a", encoding="utf-8") as module:
            module.write(f"\n{line}  # noqa\n")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
    )


def test_the_import_contract_holds_for_the_tree_as_it_is(tmp_path):
    result = lint_imports_on_a_copy(tmp_path, {})
    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout


def test_the_import_contract_fails_on_an_upward_import(tmp_path):
    result = lint_imports_on_a_copy(tmp_path, {"mock_server/base/clock.py": "import mock_server.app"})
    assert result.returncode == 1
    assert "mock_server.base is not allowed to import mock_server.app" in result.stdout


def test_the_import_contract_fails_on_a_cycle_even_inside_one_layer(tmp_path):
    # state imports journal; journal importing state back closes a cycle within core.
    result = lint_imports_on_a_copy(
        tmp_path, {"mock_server/core/journal.py": "from mock_server.core import state"}
    )
    assert result.returncode == 1
    assert "No cycles are allowed in mock_server.core" in result.stdout


def test_the_import_contract_fails_when_a_provider_imports_another(tmp_path):
    result = lint_imports_on_a_copy(
        tmp_path, {"mock_server/providers/dots/auth.py": "import mock_server.providers.dakota.auth"}
    )
    assert result.returncode == 1
    assert "- mock_server.providers.dots.auth -> mock_server.providers.dakota.auth" in result.stdout


# --- what importing costs -----------------------------------------------------------------------


@pytest.mark.parametrize("module", ["mock_server", "mock_server.pytest_plugin"])
def test_importing_loads_neither_flask_nor_any_provider(module):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert module in imported  # the check can see what was imported
    assert not {name for name in imported if name.split(".")[0] in ("flask", "werkzeug", "marshmallow")}
    assert not {name for name in imported if name.startswith(("mock_server.providers", "mock_server.app"))}


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"latency_ms": "fast"}, "latency 'fast' is not milliseconds like 100 or 50-200"),
        ({"latency_ms": "200-100"}, "latency '200-100' must be a range from low to high"),
        ({"threads": 0}, "threads must be 1 or more"),
        ({"port": "eighty"}, "port='eighty' is not a number"),
        ({"rate_limit": "dots=1/s"}, "provider 'dots' has no rate limit to emulate"),
        ({"taliware_tenant": "acme"}, "unknown setting 'taliware_tenant'"),
    ],
)
def test_a_bad_setting_is_refused_when_the_app_is_built_not_at_its_first_request(settings, message):
    with pytest.raises(ValueError, match=message):
        create_app(settings)


def test_settings_are_typed_once_whatever_they_came_from():
    from_dict = REGISTRY.config({"latency_ms": "5-9", "taliware_tenants": "a,b", "cors_origins": "http://x"})
    from_env = REGISTRY.config_from_env(
        {
            "MOCK_SERVER_LATENCY_MS": "5-9",
            "MOCK_SERVER_TALIWARE_TENANTS": "a,b",
            "MOCK_SERVER_CORS_ORIGINS": "http://x",
        }
    )
    assert from_dict == from_env
    assert (from_dict.latency_ms.low, from_dict.latency_ms.high) == (5, 9)
    assert from_dict.settings_for("taliware").tenants == frozenset({"a", "b"})
    # The worker reads the same settings back from the environment the server exports.
    assert REGISTRY.config_from_env(from_dict.to_environ(REGISTRY.catalog)) == from_dict


# --- a provider made from the checklist ---------------------------------------------------------


@pytest.fixture
def ledger_app():
    return create_app({"seed": 7}, registry=REGISTRY.with_provider(LEDGER))


def test_the_new_provider_serves_its_routes_with_its_own_auth_and_errors(ledger_app):
    client = ledger_app.test_client()
    created = client.post("/ledger/accounts", json=ACCOUNT, headers=KEY)
    assert created.status_code == 201 and created.get_json()["owner"] == "Ada"
    account_id = created.get_json()["id"]
    assert client.get(f"/ledger/accounts/{account_id}", headers=KEY).get_json() == created.get_json()
    assert client.get(f"/ledger/accounts/{account_id}", headers={"X-Ledger-Key": "team-b"}).get_json() == {
        "error": {"code": 404, "message": "No such account."}
    }
    assert client.post("/ledger/accounts", json=ACCOUNT).get_json() == {
        "error": {"code": 401, "message": "A key is required."}
    }
    assert client.post("/ledger/accounts", json=ACCOUNT, headers=KEY).get_json() == {
        "error": {"code": 409, "message": "Ada already has an account."}
    }
    assert client.post("/ledger/accounts", json={"owner": "Bo"}, headers=KEY).get_json() == {
        "error": {"code": 400, "message": "currency: Missing data for required field."}
    }


def test_the_new_provider_gets_routing_errors_and_its_real_host_in_its_own_shape(ledger_app):
    client = ledger_app.test_client()
    assert client.get("/ledger/nowhere", headers=KEY).get_json() == {
        "error": {"code": 404, "message": "Cannot GET /nowhere"}
    }
    refused = client.delete("/ledger/accounts", headers=KEY)
    assert (refused.status_code, refused.headers["Allow"]) == (405, "OPTIONS, POST")
    assert (
        client.post("/accounts", json=ACCOUNT, headers={"Host": "api.ledger.test", **KEY}).status_code == 201
    )


def test_the_new_provider_gets_the_sandbox_machinery(ledger_app, tmp_path):
    client, state = ledger_app.test_client(), ledger_app.extensions["mock_server"]
    client.post("/__admin/faults", json={"provider": "ledger", "status": 503, "times": 1})
    assert client.post("/ledger/accounts", json=ACCOUNT, headers=KEY).get_json() == {
        "error": {"code": 503, "message": "Service Unavailable"}
    }
    assert [entry.provider for entry in state.journal.entries()] == ["ledger"]
    path = tmp_path / "ledger.json"
    fixture = {"id": "f" * 8, "owner": "Cy", "currency": "USD"}
    path.write_text(json.dumps({"provider": "ledger", "scope": "team-a", "users": [fixture]}))
    assert client.post("/__admin/fixtures", json={"path": str(path)}).get_json() == {"loaded": {"ledger": 1}}
    assert client.get("/ledger/accounts/ffffffff", headers=KEY).get_json() == fixture
    assert client.post("/__admin/reset", json={"provider": "ledger"}).status_code == 200
    assert client.get("/ledger/accounts/ffffffff", headers=KEY).status_code == 404


def test_a_provider_without_a_per_scope_reset_refuses_one_and_keeps_its_data(ledger_app):
    client = ledger_app.test_client()
    created = client.post("/ledger/accounts", json=ACCOUNT, headers=KEY).get_json()
    refused = client.post("/__admin/reset", json={"provider": "ledger", "scope": "team-a"})
    assert (refused.status_code, refused.get_json()) == (
        400,
        {"error": "scope: ledger cannot reset one scope."},
    )
    assert client.get(f"/ledger/accounts/{created['id']}", headers=KEY).get_json() == created


def test_the_new_provider_is_documented_and_reachable_from_a_browser(ledger_app):
    client = ledger_app.test_client()
    document = client.get("/ledger/openapi.json").get_json()
    assert list(document["paths"]) == ["/accounts"] and document["servers"] == [{"url": "/ledger"}]
    preflight = client.options(
        "/ledger/accounts",
        headers={
            "Origin": "http://app.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-ledger-key",
        },
    )
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "x-ledger-key"


def test_the_new_provider_generates_fixtures_of_its_own():
    from faker import Faker

    app = create_app({"seed": 1, "provider": "ledger"}, registry=REGISTRY.with_provider(LEDGER))
    entries = (
        app.extensions["mock_server"].backends["ledger"].fixture_entries(Faker(LEDGER.fixture_locale), 2)
    )
    assert [sorted(entry) for entry in entries] == [["currency", "id", "owner"]] * 2
