"""docker-compose.yml, the documented shared sandbox, checked without a Docker engine: `docker compose
config` (or Debian's docker-compose) validates it, and each replica's settings are ones the server takes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mock_server.providers import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
REPLICAS = ("mock-a", "mock-b")


def compose_command() -> list[str]:
    """`docker compose` where the plugin is installed, else Debian's `docker-compose`; CI installs one."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if os.environ.get("CI"):
        pytest.fail(
            "neither `docker compose` nor docker-compose is installed; .ci/run installs docker-compose"
        )
    pytest.skip("neither `docker compose` nor docker-compose is installed")


@pytest.fixture(scope="module")
def compose() -> dict:
    """The file as the tool resolves it (anchors merged, defaults filled); YAML, as both versions write."""
    result = subprocess.run(
        [*compose_command(), "--file", str(COMPOSE_FILE), "config"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_compose_file_is_valid_and_runs_two_replicas_on_one_redis(compose):
    services = compose["services"]
    assert set(services) == {"redis", *REPLICAS}
    stores = {services[name]["environment"]["MOCK_SERVER_STORE"] for name in REPLICAS}
    namespaces = {services[name]["environment"]["MOCK_SERVER_STORE_NAMESPACE"] for name in REPLICAS}
    assert (stores, len(namespaces)) == ({"redis://redis:6379/0"}, 1)  # one world, shared


def test_redis_has_a_healthcheck_and_the_replicas_wait_for_it(compose):
    services = compose["services"]
    assert services["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    for name in REPLICAS:
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_each_replica_publishes_a_loopback_port_of_its_own(compose):
    published = []
    for name in REPLICAS:
        (port,) = compose["services"][name]["ports"]
        published.append(port if isinstance(port, str) else f"{port['host_ip']}:{port['published']}")
    assert [text.split(":")[0] for text in published] == ["127.0.0.1", "127.0.0.1"]
    assert len({text.split(":")[1] for text in published}) == 2


@pytest.mark.parametrize("replica", REPLICAS)
def test_a_replicas_settings_are_ones_the_server_takes(compose, replica):
    environ = {key: str(value) for key, value in compose["services"][replica]["environment"].items()}
    config = REGISTRY.config_from_env(environ)
    assert (config.store, config.workers) == ("redis://redis:6379/0", 2)
