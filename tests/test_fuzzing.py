"""Schemathesis against the production server, for every provider's OpenAPI document: no 5xx, every
response as the document says (status, media type, headers, body), nothing the document forbids
accepted. Bounded and repeatable: schemathesis.toml fixes the seed and the number of examples, and
carries each document's credentials (for Wealthyhood, a token from the mock's own Auth0 endpoint).

The fuzzer creates webhook targets on whatever URLs it makes up (Dakota's createWebhookTarget takes any
http or https URL), and then events for them, so it runs against a server of its own whose webhook
dispatcher is paused: deliveries are queued and listed, never attempted, and nothing leaves the machine.
(Restricting webhook_allowed_hosts instead would refuse nearly every generated target with a 400, and the
operations on a target would go all but untested.)"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from mock_server.providers import REGISTRY
from tests.conftest import LiveServer

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
METHODS = {"get", "post", "put", "patch", "delete"}


def run_schemathesis(url: str, report: Path, *options: str) -> subprocess.CompletedProcess[str]:
    command = [SCHEMATHESIS, "--config-file", str(ROOT / "schemathesis.toml"), "run", url, "--no-color"]
    command += ["--report", "json", "--report-json-path", str(report), *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=report.parent)


@pytest.fixture(scope="module")
def fuzzed_server() -> Iterator[LiveServer]:
    """A production server of the fuzzer's own, its webhook deliveries paused: none is ever attempted."""
    server = LiveServer()
    try:
        paused = requests.post(f"{server.url}/__admin/webhooks/pause", timeout=5)
        assert paused.json() == {"paused": True}
        yield server
    finally:
        server.stop()


def attempted_deliveries(server: LiveServer) -> list[dict]:
    deliveries = requests.get(f"{server.url}/__admin/webhooks/deliveries", timeout=5).json()["deliveries"]
    return [delivery for delivery in deliveries if delivery["attempts"] or delivery["last_attempt_at"]]


@pytest.mark.parametrize("provider", REGISTRY.providers, ids=lambda provider: provider.name)
def test_schemathesis_run_finds_nothing_wrong(fuzzed_server, tmp_path, provider):
    document_url = f"{fuzzed_server.url}{provider.prefix}/openapi.json"
    document = requests.get(document_url, timeout=5).json()
    report_path = tmp_path / "report.json"
    result = run_schemathesis(document_url, report_path)
    report = json.loads(report_path.read_text())
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["failures"] == [] and report["errors"] == []
    # The credentials worked: no operation answered only 401/403, and valid requests got through.
    assert report["warnings"]["missing_auth"] == []
    accepted = sum(rate["accepted"] for phases in report["valid_rates"].values() for rate in phases.values())
    assert accepted > 0
    # Every operation of the document, the Dakota webhook and event ones too, was fuzzed.
    documented = sum(method in METHODS for item in document["paths"].values() for method in item)
    assert report["operations"]["tested"] == report["operations"]["total"] == documented
    # Webhook targets on made-up URLs got queued deliveries, and not one was sent.
    assert attempted_deliveries(fuzzed_server) == []


def test_schemathesis_run_fails_on_a_document_the_server_breaks(live_server, tmp_path):
    """The check can fail: a copy of the Dakota document that promises 200 where the server says 201."""
    document = requests.get(f"{live_server.url}/dakota/openapi.json", timeout=5).json()
    create = document["paths"]["/users"]["post"]["responses"]
    create["200"] = create.pop("201")
    schema_file = tmp_path / "broken.json"
    schema_file.write_text(json.dumps(document))
    result = run_schemathesis(
        str(schema_file),
        tmp_path / "report.json",
        "--url",
        f"{live_server.url}/dakota",
        "--phases",
        "examples",
    )
    report = json.loads((tmp_path / "report.json").read_text())
    assert result.returncode != 0
    assert [(failure["type"], failure["operations"]) for failure in report["failures"]] == [
        ("UndefinedStatusCode", ["POST /users"])
    ]
