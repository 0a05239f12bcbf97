"""Writing and loading fixtures files in tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mock_server.core.fixtures import FixtureError, load_fixtures_path

MISSING = object()  # in a change to an entry: drop the key


def changed(entry: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """`entry` with `change` applied; a key changed to MISSING is dropped."""
    merged = {**entry, **change}
    return {key: value for key, value in merged.items() if value is not MISSING}


def load_users(state: Any, folder: Path, provider: str, users: list[dict], scope: str) -> dict[str, int]:
    """Load `users` for `provider` through a fixtures file, as --fixtures and the admin API do."""
    path = folder / f"{provider}-fixture.json"
    path.write_text(json.dumps({"provider": provider, "scope": scope, "users": users}))
    return load_fixtures_path(state.backends, path)


def refusal(state: Any, folder: Path, provider: str, users: list[dict], scope: str = "s") -> str:
    """Why the fixtures file of `users` is refused, without the file's path."""
    with pytest.raises(FixtureError) as refused:
        load_users(state, folder, provider, users, scope)
    return str(refused.value).split(": ", 1)[1]
