"""Wealthyhood routes: the Auth0 token endpoint, the user routes (POST /users is seed 002), the wallet and
bank accounts; and, in the sandbox only, the test routes (in production they are unknown routes)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from mock_server.base.errors import InvalidRequest
from mock_server.core.auth import current_scope, public
from mock_server.core.http import json_response, load_body, validate
from mock_server.core.provider import Provider
from mock_server.core.speedups import dumper
from mock_server.providers.wealthyhood.auth import (
    READ_USERS,
    TOKEN_LIFETIME_SECONDS,
    WRITE_USERS,
    read_token_request,
    requires_scope,
)
from mock_server.providers.wealthyhood.errors import TOKEN_PATH
from mock_server.providers.wealthyhood.models import OBJECT_ID, WealthyhoodBackend
from mock_server.providers.wealthyhood.schemas import (
    TEST_USER_STATUSES,
    BankAccount,
    BankAccountCreate,
    Deposit,
    EmploymentInfoUpdate,
    SandboxDepositCreate,
    SandboxStatuses,
    SandboxUserCreate,
    SandboxUserCreated,
    TokenResponse,
    User,
    UserCreate,
    Wallet,
    WalletQuery,
)

USER_ID_HEADER = "x-user-id"
MISSING_USER_ID = f"{USER_ID_HEADER} header is required."
INVALID_USER_ID = f"{USER_ID_HEADER} must be a valid ObjectId (24 hexadecimal characters)."
# RFC 6749 section 5.1: token responses must not be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def build_blueprint(provider: Provider[WealthyhoodBackend], wealthyhood: WealthyhoodBackend) -> Blueprint:
    """Production's routes (the sandbox has them too)."""
    blueprint = Blueprint(provider.name, __name__)
    add_token_route(blueprint, wealthyhood)
    add_user_routes(blueprint, wealthyhood)
    add_banking_routes(blueprint, wealthyhood)
    return blueprint


def build_sandbox_blueprint(
    provider: Provider[WealthyhoodBackend], wealthyhood: WealthyhoodBackend
) -> Blueprint:
    """The sandbox's routes: production's, and the test routes "only available in development and
    staging environments"."""
    blueprint = build_blueprint(provider, wealthyhood)
    add_test_routes(blueprint, wealthyhood)
    return blueprint


def add_token_route(blueprint: Blueprint, wealthyhood: WealthyhoodBackend) -> None:
    dump_token = dumper(TokenResponse())

    @blueprint.post(TOKEN_PATH)
    @public
    def issue_token() -> Response:
        grant = read_token_request(request)
        body = {
            "access_token": wealthyhood.tokens.issue(grant),
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(grant.scopes),
        }
        return json_response(dump_token(body), headers=NO_STORE)


def add_user_routes(blueprint: Blueprint, wealthyhood: WealthyhoodBackend) -> None:
    create_schema, employment_schema = UserCreate(today=wealthyhood.today), EmploymentInfoUpdate()
    dump_user = dumper(User())

    @blueprint.post("/users")
    @requires_scope(WRITE_USERS)
    def create_user() -> Response:
        user = wealthyhood.create(current_scope(), load_body(create_schema))
        return json_response(dump_user(user), 201)

    @blueprint.get("/users/me")
    @requires_scope(READ_USERS)
    def get_me() -> Response:
        return json_response(dump_user(wealthyhood.get(current_scope(), user_id_from_header())))

    @blueprint.patch("/users/me/employment-info")
    @requires_scope(WRITE_USERS)
    def update_employment_info() -> Response:
        user_id = user_id_from_header()
        info = load_body(employment_schema)["employment_info"]
        return json_response(dump_user(wealthyhood.update_employment_info(current_scope(), user_id, info)))


def add_banking_routes(blueprint: Blueprint, wealthyhood: WealthyhoodBackend) -> None:
    wallet_query, account_schema = WalletQuery(), BankAccountCreate()
    dump_wallet, dump_account = dumper(Wallet()), dumper(BankAccount())

    @blueprint.get("/wallets")
    @requires_scope(READ_USERS)
    def get_wallet() -> Response:
        owner = validate(wallet_query, request.args.to_dict())["owner"]
        return json_response(dump_wallet(wealthyhood.wallet(current_scope(), owner)))

    @blueprint.post("/bank-accounts")
    @requires_scope(WRITE_USERS)
    def create_bank_account() -> Response:
        user_id = user_id_from_header()
        account = wealthyhood.add_bank_account(current_scope(), user_id, load_body(account_schema))
        return json_response(dump_account(account), 201)


def add_test_routes(blueprint: Blueprint, wealthyhood: WealthyhoodBackend) -> None:
    user_schema, deposit_schema = SandboxUserCreate(), SandboxDepositCreate()
    dump_statuses, dump_created = dumper(SandboxStatuses()), dumper(SandboxUserCreated())
    dump_deposit = dumper(Deposit())

    @blueprint.get("/test/help/statuses")
    @requires_scope(READ_USERS)
    def test_statuses() -> Response:
        return json_response(dump_statuses({"statuses": list(TEST_USER_STATUSES)}))

    @blueprint.post("/test/users")
    @requires_scope(WRITE_USERS)
    def create_test_user() -> Response:
        user = wealthyhood.create_test_user(current_scope(), load_body(user_schema))
        return json_response(dump_created({"user": user}), 201)

    @blueprint.post("/test/deposits")
    @requires_scope(WRITE_USERS)
    def create_test_deposit() -> Response:
        deposit = wealthyhood.create_test_deposit(current_scope(), load_body(deposit_schema))
        return json_response(dump_deposit(deposit), 201)


def user_id_from_header() -> str:
    user_id = request.headers.get(USER_ID_HEADER, "").strip()
    if not user_id:
        raise InvalidRequest(fields={USER_ID_HEADER: [MISSING_USER_ID]})
    if not OBJECT_ID.fullmatch(user_id):
        raise InvalidRequest(fields={USER_ID_HEADER: [INVALID_USER_ID]})
    return user_id
