"""A minimal extra provider, "Ledger", built by following docs/architecture.md's checklist step by step:
one package of the providers' shape, and one registry line (here `REGISTRY.with_provider(LEDGER)`, as a
test cannot edit mock_server/providers/__init__.py). tests/test_architecture.py serves it."""

from mock_server.core.openapi import JSON, ApiDescription, Operation, Reply
from mock_server.core.provider import Provider
from tests.ledger_provider.auth import KEY_HEADER, authenticate, credential_headers
from tests.ledger_provider.errors import ErrorBody, render_error
from tests.ledger_provider.models import LedgerBackend
from tests.ledger_provider.routes import build_blueprint
from tests.ledger_provider.schemas import Account, AccountCreate

API = ApiDescription(
    title="Ledger (mock-server)",
    version="1",
    description="A provider made from the checklist.",
    security_schemes={"key": {"type": "apiKey", "in": "header", "name": KEY_HEADER}},
    security=[{"key": []}],
    operations=[
        Operation(
            "post",
            "/accounts",
            "createAccount",
            "Open an account",
            body={JSON: AccountCreate},
            responses={
                201: Reply("The account.", {JSON: Account}),
                400: Reply("Invalid.", {JSON: ErrorBody}),
            },
        )
    ],
)

LEDGER = Provider(
    name="ledger",
    title="Ledger",
    prefix="/ledger",
    hosts=("api.ledger.test",),
    example_path="/accounts",
    build_backend=LedgerBackend,
    build_blueprint=build_blueprint,
    render_error=render_error,
    authenticate=authenticate,
    credential_headers=credential_headers,
    fixture_scope="ledger-team",
    request_headers=(KEY_HEADER,),
    api=API,
)
