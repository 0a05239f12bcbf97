"""Fixture files: seed users per provider, loaded at start or over the admin API.

A file is {"provider": NAME, "scope": CREDENTIAL_SCOPE, "users": [ENTRY, ...]}: the users belong to that
credential (a Dots client id, a Dakota API key, a Taliware tenant, a Wealthyhood client). An entry is what
the provider's create request takes, plus the `id` (and creation time, where the provider has one) it keeps.
Each backend reads its own entries (`Backend.load_fixture`) and writes them (`Backend.fixture_entries`);
generating a whole file is mock_server/fixtures.py's."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_server.base.errors import ApiError, InvalidRequest
from mock_server.core.provider import Backend

if TYPE_CHECKING:
    from faker import Faker

# Generated fixtures are stamped at a fixed moment, so the same seed always writes the same file.
FIXTURE_EPOCH = datetime(2024, 10, 3, 10, 30, tzinfo=UTC)
# Generated users were created over this long before that moment, so lists sorted by time look real.
CREATION_WINDOW = timedelta(days=90)


class FixtureError(ValueError):
    """A fixtures file that cannot be read or whose users are not valid for their provider."""


def fixture_files(path: str | Path) -> list[Path]:
    path = Path(path)
    if path.is_dir():
        return sorted(path.glob("*.json"))
    if path.is_file():
        return [path]
    raise FixtureError(f"no fixtures file or folder at {path}")


def load_fixtures_path(backends: Mapping[str, Backend], path: str | Path) -> dict[str, int]:
    """Load every fixtures file at `path` (a file, or a folder of *.json) into the backends it names;
    count the users per provider. Files for providers this server does not serve are skipped."""
    loaded: dict[str, int] = {}
    for file in fixture_files(path):
        document = _read(file)
        name = document["provider"]
        if name not in backends:
            continue
        for index, entry in enumerate(document["users"]):
            if not isinstance(entry, dict):
                raise FixtureError(f"{file}: users[{index}]: expected an object")
            try:
                backends[name].load_fixture(document["scope"], entry)
            except ApiError as error:
                raise FixtureError(f"{file}: users[{index}]: {_describe(error)}") from None
        loaded[name] = loaded.get(name, 0) + len(document["users"])
    return loaded


def _read(file: Path) -> dict[str, Any]:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FixtureError(f"{file}: {error}") from None
    if not (
        isinstance(document, dict)
        and isinstance(document.get("provider"), str)
        and isinstance(document.get("scope"), str)
        and isinstance(document.get("users"), list)
    ):
        raise FixtureError(f'{file}: expected {{"provider": str, "scope": str, "users": [...]}}')
    return document


def _describe(error: ApiError) -> str:
    if isinstance(error, InvalidRequest) and error.fields:
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.fields.items())
    return error.message or type(error).__name__


def creation_times(faker: Faker, count: int, end: datetime) -> list[datetime]:
    """`count` creation times drawn from the CREATION_WINDOW before `end`, oldest first, whole
    milliseconds apart (the finest any provider shows)."""
    window_ms = int(CREATION_WINDOW.total_seconds() * 1000)
    offsets = sorted((faker.random_int(0, window_ms) for _ in range(count)), reverse=True)
    return [end - timedelta(milliseconds=offset) for offset in offsets]
