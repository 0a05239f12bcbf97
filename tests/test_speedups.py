"""The speed-ups that use private APIs of marshmallow and Flask can be switched off, and every provider
behaves the same without them: the provider suites pass with MOCK_SERVER_SPEEDUPS_OFF=all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from marshmallow import Schema, fields

from mock_server.core import speedups

ROOT = Path(__file__).resolve().parent.parent
PROVIDER_SUITES = ["tests/dots", "tests/wealthyhood", "tests/dakota", "tests/taliware"]


class Greeting(Schema):
    text = fields.String()


@pytest.mark.parametrize(
    ("switch", "enabled"),
    [
        ("", set(speedups.NAMES)),
        ("all", set()),
        ("compiled_dump", {"cached_ensure_sync", "direct_request"}),
        (" cached_ensure_sync , compiled_dump ", {"direct_request"}),
    ],
)
def test_the_switch_names_what_is_off(switch, enabled):
    assert speedups.enabled_speedups({speedups.SWITCH: switch}) == enabled


def test_an_unknown_speed_up_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown speed-up \['fast'\]"):
        speedups.enabled_speedups({speedups.SWITCH: "fast"})


def test_switched_off_a_route_dumps_with_marshmallow_itself(monkeypatch):
    schema = Greeting()
    assert speedups.dumper(schema) != schema.dump  # compiled
    monkeypatch.setattr(speedups, "ENABLED", frozenset())
    assert speedups.dumper(schema) == schema.dump


def test_the_process_reads_the_switch_at_start():
    result = subprocess.run(
        [sys.executable, "-c", "from mock_server.core.speedups import ENABLED; print(sorted(ENABLED))"],
        env={**os.environ, speedups.SWITCH: "all"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_every_provider_suite_passes_with_the_speed_ups_off():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PROVIDER_SUITES],
        cwd=ROOT,
        env={**os.environ, speedups.SWITCH: "all"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in summary and "failed" not in summary and "error" not in summary


def test_the_command_refuses_an_unknown_speed_up_with_a_message_not_a_trace():
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--no-fixtures"],
        env={**os.environ, speedups.SWITCH: "fast"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "mock-server: MOCK_SERVER_SPEEDUPS_OFF: unknown speed-up ['fast']" in result.stderr
    assert "Traceback" not in result.stderr
