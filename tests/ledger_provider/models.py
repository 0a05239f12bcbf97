"""The Ledger backend: accounts per key, knowing nothing of HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.base.errors import Conflict, NotFound
from mock_server.core.http import validate
from mock_server.core.provider import BackendContext
from tests.ledger_provider.schemas import AccountCreate


@dataclass(frozen=True)
class Account:
    id: str
    owner: str
    currency: str


class LedgerBackend:
    def __init__(self, context: BackendContext) -> None:
        self._ids = context.ids
        self._accounts = context.collection(
            not_found=lambda: NotFound("No such account."),
            conflict=lambda field, account: Conflict(f"{account.owner} already has an account.", field=field),
        )

    def open(self, scope: str, fields: dict[str, Any], account_id: str | None = None) -> Account:
        account = Account(id=account_id or self._ids.uuid4(), **fields)
        self._accounts.insert(scope, account.id, account, {"owner": account.owner})
        return account

    def get(self, scope: str, account_id: str) -> Account:
        return self._accounts.get(scope, account_id)

    def load_fixture(self, scope: str, entry: dict[str, Any]) -> None:
        body = {key: value for key, value in entry.items() if key != "id"}
        self.open(scope, validate(AccountCreate(), body), account_id=entry["id"])

    def fixture_entries(self, faker: Any, count: int) -> list[dict[str, Any]]:
        return [
            {"id": self._ids.uuid4(), "owner": faker.unique.name(), "currency": "EUR"} for _ in range(count)
        ]

    def reset(self) -> None:
        self._accounts.clear()
