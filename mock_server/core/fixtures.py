"""Fixture files: seed users per provider, loaded at start or over the admin API.

A file is {"provider": NAME, "scope": CREDENTIAL_SCOPE, "users": [ENTRY, ...]}: the users belong to that
credential (a Dots client id, a Dakota API key, a Taliware tenant, a Wealthyhood client). An entry is what
the provider's create request takes, plus the `id` (and creation time, where the provider has one) it keeps.
Each backend reads its own entries (`Backend.load_fixture`) and writes them (`Backend.fixture_entries`);
generating a whole file is mock_server/fixtures.py's."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mock_server.base.errors import ApiError, InvalidRequest
from mock_server.base.store import Store
from mock_server.core.provider import Backend

if TYPE_CHECKING:
    from faker import Faker

# Generated fixtures are stamped at a fixed moment, so the same seed always writes the same file.
FIXTURE_EPOCH = datetime(2024, 10, 3, 10, 30, tzinfo=UTC)
# Generated users were created over this long before that moment, so lists sorted by time look real.
CREATION_WINDOW = timedelta(days=90)


class FixtureError(ValueError):
    """A fixtures file that cannot be read or whose users are not valid for their provider."""


class FixtureFile(NamedTuple):
    """A fixtures file read and its shape checked: its users are objects, not yet validated."""

    file: Path
    provider: str
    scope: str
    users: list[dict[str, Any]]


def fixture_files(path: str | Path) -> list[Path]:
    path = Path(path)
    try:
        if path.is_dir():
            return sorted(path.glob("*.json"))
        if path.is_file():
            return [path]
    except OSError as error:  # a name too long, a folder the server may not enter
        raise FixtureError(f"{path}: {error.strerror or error}") from None
    raise FixtureError(f"no fixtures file or folder at {path}")


def read_fixtures(path: str | Path, providers: Iterable[str]) -> list[FixtureFile]:
    """Every fixtures file at `path` (a file, or a folder of *.json) read and its shape checked, less
    those of providers not among `providers` (the ones this server serves)."""
    served = set(providers)
    return [document for document in map(_read, fixture_files(path)) if document.provider in served]


def load_fixtures_path(
    backends: Mapping[str, Backend], path: str | Path, store: Store | None = None
) -> dict[str, int]:
    """Load every fixtures file at `path` (a file, or a folder of *.json) into the backends it names;
    count the users per provider. Files for providers this server does not serve are skipped.

    All or nothing: every file is read and checked before a user is loaded, and, given the `store`
    the backends write to, a user refused takes back the users loaded before it. (At start-up there
    is nothing to take back: a refused user stops the server.)"""
    return load_documents(backends, read_fixtures(path, backends), store)


def load_documents(
    backends: Mapping[str, Backend], documents: list[FixtureFile], store: Store | None = None
) -> dict[str, int]:
    """Load fixtures files already read (see load_fixtures_path, whose rules these follow)."""
    added = _UsersAdded(store, documents) if store is not None else None
    try:
        for document in documents:
            _load(backends[document.provider], document)
    except Exception:
        if added is not None:
            added.take_back()
        raise
    return _users_per_provider(documents)


def _users_per_provider(documents: list[FixtureFile]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for document in documents:
        counts[document.provider] = counts.get(document.provider, 0) + len(document.users)
    return counts


def _load(backend: Backend, document: FixtureFile) -> None:
    for index, entry in enumerate(document.users):
        try:
            backend.load_fixture(document.scope, entry)
        except ApiError as error:
            raise FixtureError(f"{document.file}: users[{index}]: {_describe(error)}") from None


class _UsersAdded:
    """The users a load adds, known by comparing the store before and after, to take back if a later
    user is refused. A backend keeps its users in the store under its provider's name (see
    `BackendContext.collection`), each record under its own `id`."""

    def __init__(self, store: Store, documents: list[FixtureFile]) -> None:
        self._store = store
        # Only records the files name are taken back: users that API requests create meanwhile stay.
        self._named = {str(user.get("id")).lower() for document in documents for user in document.users}
        self._before = {
            (document.provider, document.scope): self._ids(document.provider, document.scope)
            for document in documents
        }

    def _ids(self, namespace: str, scope: str) -> set[str]:
        return {record.id for record in self._store.values(namespace, scope)}

    def take_back(self) -> None:
        for (namespace, scope), before in self._before.items():
            for record_id in self._ids(namespace, scope) - before:
                if record_id.lower() in self._named:
                    self._store.delete(namespace, scope, record_id)


def _read(file: Path) -> FixtureFile:
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise FixtureError(f"{file}: {error.strerror or error}") from None
    except ValueError as error:
        raise FixtureError(f"{file}: {error}") from None
    except RecursionError:  # Python's parser gives up on deep nesting: the file's fault
        raise FixtureError(f"{file}: the JSON is nested too deeply") from None
    if not (
        isinstance(document, dict)
        and isinstance(document.get("provider"), str)
        and isinstance(document.get("scope"), str)
        and isinstance(document.get("users"), list)
    ):
        raise FixtureError(f'{file}: expected {{"provider": str, "scope": str, "users": [...]}}')
    for index, entry in enumerate(document["users"]):
        if not isinstance(entry, dict):
            raise FixtureError(f"{file}: users[{index}]: expected an object")
    return FixtureFile(file, document["provider"], document["scope"], document["users"])


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
