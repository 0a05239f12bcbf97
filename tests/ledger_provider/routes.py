"""Ledger's routes: open an account, read one back."""

from __future__ import annotations

from flask import Blueprint, Response

from mock_server.core.auth import current_scope
from mock_server.core.http import json_response, load_body
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from tests.ledger_provider.models import LedgerBackend
from tests.ledger_provider.schemas import Account, AccountCreate


def build_blueprint(provider: Provider[LedgerBackend], ledger: LedgerBackend) -> Blueprint:
    blueprint = Blueprint(provider.name, __name__)
    create_schema, dump_account = AccountCreate(), dumper(Account())

    @blueprint.post("/accounts")
    def open_account() -> Response:
        return json_response(dump_account(ledger.open(current_scope(), load_body(create_schema))), 201)

    @blueprint.get("/accounts/<account_id>")
    def get_account(account_id: str) -> Response:
        return json_response(dump_account(ledger.get(current_scope(), account_id)))

    return blueprint
