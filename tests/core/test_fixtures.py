import json
import subprocess
import sys

import pytest

from mock_server import create_app
from mock_server.fixtures import BUNDLED_FIXTURES, FixtureError, generate_fixtures
from tests.conftest import basic


def generate_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mock_server", "fixtures", "generate", *args],
        capture_output=True,
        text=True,
    )


def test_generate_writes_the_same_file_for_the_same_seed():
    first = generate_cli("--provider", "dots", "--count", "3", "--seed", "9")
    second = generate_cli("--provider", "dots", "--count", "3", "--seed", "9")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert (document["provider"], document["scope"], len(document["users"])) == (
        "dots",
        "pk_dev_mockserver",
        3,
    )
    assert generate_cli("--provider", "dots", "--count", "3", "--seed", "10").stdout != first.stdout


def test_generate_to_a_file(tmp_path):
    out = tmp_path / "dots.json"
    assert generate_cli("--provider", "dots", "--count", "2", "--output", str(out)).returncode == 0
    assert len(json.loads(out.read_text())["users"]) == 2


@pytest.mark.parametrize("provider", ["dots", "dots-sandbox"])
def test_generated_users_load_and_keep_their_ids(tmp_path, provider):
    document = generate_fixtures(provider, 25, seed=3)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(document))
    client = create_app({"fixtures": str(path)}).test_client()
    prefix = "/dots" if provider == "dots" else "/dots-sandbox"
    listed = client.get(f"{prefix}/api/v2/users?limit=100", headers=basic(document["scope"])).get_json()[
        "data"
    ]
    assert sorted(user["id"] for user in listed) == sorted(entry["id"] for entry in document["users"])
    first = document["users"][0]
    fetched = client.get(f"{prefix}/api/v2/users/{first['id']}", headers=basic(document["scope"])).get_json()
    assert (fetched["email"], fetched["metadata"]) == (first["email"], first["metadata"])


def test_the_bundled_fixtures_load_for_their_credential():
    app = create_app({"fixtures": str(BUNDLED_FIXTURES)})
    state = app.extensions["mock_server"]
    assert state.store.count("dots") == 5
    users = app.test_client().get("/dots/api/v2/users", headers=basic("pk_dev_mockserver")).get_json()["data"]
    assert len(users) == 5


def test_fixtures_load_over_the_admin_api(client, tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps(generate_fixtures("dots", 4, seed=1)))
    response = client.post("/__admin/fixtures", json={"path": str(path)})
    assert (response.status_code, response.get_json()) == (200, {"loaded": {"dots": 4}})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "Expecting value"),
        ({"provider": "dots"}, 'expected {"provider": str, "scope": str, "users": [...]}'),
        (
            {"provider": "dots", "scope": "s", "users": [{"id": "x", "first_name": "A"}]},
            "users[0]: id: id must be a valid UUID.",
        ),
        (
            {"provider": "dots", "scope": "s", "users": [{"id": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}]},
            "users[0]: first_name: first_name is required.",
        ),
    ],
)
def test_a_bad_fixtures_file_is_refused_with_its_reason(tmp_path, document, message):
    path = tmp_path / "bad.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(FixtureError, match=message.replace("[", r"\[").replace("]", r"\]")):
        create_app({"fixtures": str(path)})


def test_a_duplicate_phone_in_a_production_fixture_is_refused(tmp_path):
    document = generate_fixtures("dots", 2, seed=1)
    document["users"][1]["phone_number"] = document["users"][0]["phone_number"]
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FixtureError, match=r"users\[1\]: A user with this phone number already exists."):
        create_app({"fixtures": str(path)})


def test_a_missing_fixtures_path_stops_the_server_with_a_message():
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--fixtures", "/nonexistent/fixtures"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "no fixtures file or folder at /nonexistent/fixtures" in result.stderr
