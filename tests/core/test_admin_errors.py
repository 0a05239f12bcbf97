"""Every admin error is a 4xx with its reason: no admin input reaches a 500. A fixtures load that fails
names the file, the user and the reason, as the command line does, and changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mock_server.fixtures import generate_fixtures
from tests.dakota.helpers import USERS

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
BAD_ROLE = "role: role must be one of: admin, viewer"


def dakota_file(
    folder: Path, scope: str, count: int = 3, bad_index: int | None = None, seed: int = 41
) -> Path:
    """A Dakota fixtures file of `count` users for `scope`; the user at `bad_index` has a refused role."""
    document = generate_fixtures("dakota", count, seed=seed)
    document["scope"] = scope
    if bad_index is not None:
        document["users"][bad_index]["role"] = "owner"
    path = folder / f"dakota-{seed}.json"
    path.write_text(json.dumps(document))
    return path


def load_over_socket(live_server, path: Path | str) -> requests.Response:
    return requests.post(f"{live_server.url}/__admin/fixtures", json={"path": str(path)}, timeout=10)


def dakota_ids_over_socket(live_server, scope: str) -> list[str]:
    response = requests.get(f"{live_server.url}{USERS}", headers={"x-api-key": scope}, timeout=5)
    return [user["id"] for user in response.json()["data"]]


def test_a_missing_fixtures_path_is_400_with_its_reason_over_a_socket(live_server, tmp_path):
    path = tmp_path / "missing.json"
    response = load_over_socket(live_server, path)
    assert (response.status_code, response.json()) == (
        400,
        {"error": f"no fixtures file or folder at {path}"},
    )


def test_a_fixtures_file_that_is_not_json_is_400_with_its_reason_over_a_socket(live_server, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("users: none")
    response = load_over_socket(live_server, path)
    assert (response.status_code, response.json()) == (
        400,
        {"error": f"{path}: Expecting value: line 1 column 1 (char 0)"},
    )


def test_a_bad_fixture_user_is_400_naming_file_index_and_reason_and_loads_nothing_over_a_socket(
    live_server, tmp_path, unique_client
):
    path = dakota_file(tmp_path, unique_client, count=3, bad_index=2)
    response = load_over_socket(live_server, path)
    assert (response.status_code, response.json()) == (400, {"error": f"{path}: users[2]: {BAD_ROLE}"})
    assert dakota_ids_over_socket(live_server, unique_client) == []  # not the two users before it


def test_the_admin_api_and_the_command_line_give_one_message_for_a_bad_fixtures_file(tmp_path, client):
    path = dakota_file(tmp_path, "scope-a", count=2, bad_index=1)
    refused = subprocess.run(
        [sys.executable, "-m", "mock_server", "--fixtures", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    message = client.post("/__admin/fixtures", json={"path": str(path)}).get_json()["error"]
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"mock-server: {message}"


def test_a_fixtures_load_that_fails_keeps_the_users_already_there(client, state, tmp_path):
    loaded = client.post("/__admin/fixtures", json={"path": str(dakota_file(tmp_path, "scope-a", count=2))})
    assert loaded.get_json() == {"loaded": {"dakota": 2}}
    before = state.store.values("dakota", "scope-a")
    # A new user first, then one whose email is taken by a user already loaded.
    document = generate_fixtures("dakota", 1, seed=42)
    document["scope"] = "scope-a"
    document["users"].append({**document["users"][0], "id": before[0].id, "email": before[0].email})
    path = tmp_path / "clash.json"
    path.write_text(json.dumps(document))
    response = client.post("/__admin/fixtures", json={"path": str(path)})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(f"{path}: users[1]: ")
    assert state.store.values("dakota", "scope-a") == before


def test_a_folder_whose_second_file_is_bad_loads_nothing(client, state, tmp_path):
    dakota_file(tmp_path, "scope-a", count=2, seed=1)  # dakota-1.json, read first
    bad = dakota_file(tmp_path, "scope-b", count=2, bad_index=1, seed=2)
    response = client.post("/__admin/fixtures", json={"path": str(tmp_path)})
    assert (response.status_code, response.get_json()) == (400, {"error": f"{bad}: users[1]: {BAD_ROLE}"})
    assert state.store.count() == 0


def test_a_folder_with_a_file_that_is_not_json_loads_nothing(client, state, tmp_path):
    dakota_file(tmp_path, "scope-a", count=2)
    (tmp_path / "zz.json").write_text("[")
    response = client.post("/__admin/fixtures", json={"path": str(tmp_path)})
    assert response.status_code == 400
    assert state.store.count() == 0


def test_a_file_with_users_of_one_email_twice_loads_neither(client, state, tmp_path):
    document = generate_fixtures("dakota", 2, seed=43)
    document["users"][1]["email"] = document["users"][0]["email"]
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(document))
    assert client.post("/__admin/fixtures", json={"path": str(path)}).status_code == 400
    assert state.store.count() == 0


LONG_NAME = "a" * 5000

# (method, path, body, content type, status, error). Each row answered 4xx with its reason; the rows
# marked "was 500" crashed the admin call, those marked "later 500" made API requests crash.
ADMIN_INPUTS = [
    ("POST", "/__admin/reset", b"[]", JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/reset", b"null", JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/reset", b"{", JSON, 400, "Expecting property name enclosed in double quotes"),
    ("POST", "/__admin/reset", b"\xff", JSON, 400, "Expecting value"),
    ("POST", "/__admin/reset", b"provider=dots", FORM, 400, "Expecting value"),
    ("POST", "/__admin/reset", b'{"provider": 5}', JSON, 400, "provider: Not a valid string."),
    ("POST", "/__admin/reset", b'{"provider": null}', JSON, 400, "provider: Field may not be null."),
    (
        "POST",
        "/__admin/reset",
        b'{"provider": "nope"}',
        "text/plain",
        400,
        "provider: Unknown provider 'nope'.",
    ),
    ("GET", "/__admin/requests?status=abc", None, None, 400, "status: Not a valid integer."),
    ("GET", "/__admin/requests?status=", None, None, 400, "status: Not a valid integer."),
    ("GET", "/__admin/requests?since=garbage", None, None, 400, "since: Not a valid datetime."),
    ("GET", "/__admin/requests?limit=0", None, None, 400, "limit: Must be greater than or equal to 1."),
    ("GET", "/__admin/requests?limit=-1", None, None, 400, "limit: Must be greater than or equal to 1."),
    ("GET", "/__admin/requests?limit=abc", None, None, 400, "limit: Not a valid integer."),
    ("POST", "/__admin/faults", b"[]", JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/faults", b"[1, 2]", JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/faults", b"null", JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/faults", b'"x"', JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/faults", b"{", JSON, 400, "Expecting property name enclosed in double quotes"),
    ("POST", "/__admin/faults", b"status=503", FORM, 400, "Expecting value"),
    ("POST", "/__admin/faults", b'{"status": 503, "probability": NaN}', JSON, 400, "NaN is not valid JSON"),
    ("POST", "/__admin/faults", b'{"status": "abc"}', JSON, 400, "status: Not a valid integer."),
    ("POST", "/__admin/faults", b'{"status": null}', JSON, 400, "status: Field may not be null."),
    ("POST", "/__admin/faults", b'{"status": 1e400}', JSON, 400, "status: Number too large."),
    (
        "POST",
        "/__admin/faults",
        b'{"status": 99999999999999999999999}',
        JSON,
        400,
        "status: Must be greater than or equal to 400 and less than or equal to 599.",
    ),
    (  # later 500: a sleep past what time.sleep takes
        "POST",
        "/__admin/faults",
        b'{"latency_ms": 99999999999999999999999}',
        JSON,
        400,
        "latency_ms: latency_ms must be at most 600000 (10 minutes).",
    ),
    (
        "POST",
        "/__admin/faults",
        b'{"latency_ms": [1]}',
        JSON,
        400,
        "latency_ms: latency_ms must be a number of milliseconds or [min, max].",
    ),
    (
        "POST",
        "/__admin/faults",
        b'{"status": 503, "times": 0}',
        JSON,
        400,
        "times: Must be greater than or equal to 1.",
    ),
    ("POST", "/__admin/faults", b'{"drop": "maybe"}', JSON, 400, "drop: Not a valid boolean."),
    (
        "POST",
        "/__admin/faults",
        b'{"status": 503, "provider": 7}',
        JSON,
        400,
        "provider: Not a valid string.",
    ),
    ("POST", "/__admin/faults", b'{"status": 503, "path": ["a"]}', JSON, 400, "path: Not a valid string."),
    ("DELETE", "/__admin/faults/no-such-rule", None, None, 404, "No fault rule no-such-rule."),
    ("PUT", "/__admin/faults", None, None, 405, "Method PUT is not allowed."),
    ("POST", "/__admin/fixtures", b"", None, 400, "path: Missing data for required field."),
    ("POST", "/__admin/fixtures", b"[]", JSON, 400, "_schema: Invalid input type."),
    ("POST", "/__admin/fixtures", b'{"path": null}', JSON, 400, "path: Field may not be null."),
    ("POST", "/__admin/fixtures", b'{"path": 5}', JSON, 400, "path: Not a valid string."),
    ("POST", "/__admin/fixtures", b'{"path": ""}', JSON, 400, "path: Shorter than minimum length 1."),
    (  # was 500
        "POST",
        "/__admin/fixtures",
        b'{"path": "/dev/null"}',
        JSON,
        400,
        "no fixtures file or folder at /dev/null",
    ),
    (  # was 500
        "POST",
        "/__admin/fixtures",
        b'{"path": "a\\u0000b"}',
        JSON,
        400,
        "no fixtures file or folder at a\x00b",
    ),
    (  # was 500
        "POST",
        "/__admin/fixtures",
        json.dumps({"path": LONG_NAME}).encode(),
        JSON,
        400,
        f"{LONG_NAME}: File name too long",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "content_type", "status", "error"), ADMIN_INPUTS)
def test_a_bad_admin_input_is_a_4xx_with_its_reason(client, method, path, body, content_type, status, error):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.open(path, method=method, data=body, headers=headers)
    assert response.status_code < 500
    assert (response.status_code, response.get_json()) == (status, {"error": error})


@pytest.mark.parametrize(
    "document",
    [
        "[" * 100_000,  # past Python's nesting limit: was 500
        "\ufeff{}",
        '{"provider": "dakota", "scope": "s", "users": {}}',
        '{"provider": "dakota", "scope": "s", "users": [null]}',
        '{"provider": "dakota", "scope": "s", "users": [{"id": 1e999}]}',
    ],
)
def test_a_malformed_fixtures_file_is_400_with_its_name(client, state, tmp_path, document):
    path = tmp_path / "odd.json"
    path.write_text(document, encoding="utf-8")
    response = client.post("/__admin/fixtures", json={"path": str(path)})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(f"{path}: ")
    assert state.store.count() == 0


@pytest.mark.parametrize("status", [520, 499])
def test_a_fault_of_a_status_with_no_reason_phrase_answers_it_in_the_providers_shape(client, status):
    assert client.post("/__admin/faults", json={"status": status, "times": 1}).status_code == 201
    response = client.get("/dots/api/v2/users", headers={"Authorization": "Basic Yzpz"})
    assert response.status_code == status
    assert response.get_json() == {
        "success": False,
        "error_code": "internal-server-error",
        "message": "Error",
    }
