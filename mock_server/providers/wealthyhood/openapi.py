"""The Wealthyhood routes the mock emulates, for the OpenAPI documents of production and the sandbox
(seed 002, the current docs; Auth0's token endpoint). The sandbox's document adds the test routes."""

from __future__ import annotations

from datetime import date

from mock_server.core.openapi import JSON, ApiDescription, Operation, Parameter, Reply
from mock_server.providers.wealthyhood.auth import READ_USERS, WRITE_USERS
from mock_server.providers.wealthyhood.errors import TOKEN_PATH, ErrorBody, OAuthErrorBody
from mock_server.providers.wealthyhood.routes import OBJECT_ID, USER_ID_HEADER
from mock_server.providers.wealthyhood.schemas import (
    BankAccount,
    BankAccountCreate,
    Deposit,
    EmploymentInfoUpdate,
    SandboxDepositCreate,
    SandboxStatuses,
    SandboxUserCreate,
    SandboxUserCreated,
    TokenRequest,
    TokenResponse,
    User,
    UserCreate,
    Wallet,
    WalletQuery,
)

FORM = "application/x-www-form-urlencoded"
SCHEME = "auth0"

# RFC 6750 section 3: every refused bearer request says why in WWW-Authenticate.
CHALLENGE = {"WWW-Authenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer"}}}
NO_STORE = {
    "Cache-Control": {"required": True, "schema": {"const": "no-store"}},
    "Pragma": {"required": True, "schema": {"const": "no-cache"}},
}


def error(description: str, headers: dict | None = None) -> Reply:
    return Reply(description, {JSON: ErrorBody}, headers or {})


def oauth_error(description: str) -> Reply:
    return Reply(description, {JSON: OAuthErrorBody}, NO_STORE)


BAD_REQUEST = error("BAD_REQUEST: the first failed field, named in the message.")
UNAUTHORIZED = error("No usable access token (code assumed).", CHALLENGE)
FORBIDDEN = error("The token lacks the route's scope (code assumed).", CHALLENGE)
TOO_LARGE = error("PAYLOAD_TOO_LARGE: the body is over the server's size limit.")
NOT_JSON = error("UNSUPPORTED_MEDIA_TYPE: the body is declared as something other than UTF-8 JSON.")
USER_NOT_FOUND = error("NOT_FOUND: no such user for this client.")

# Seed 002's request (its email address, obfuscated on the page, made whole).
SEED_BODY = {
    "email": "john.doe@example.com",
    "firstName": "John",
    "lastName": "Doe",
    "dateOfBirth": "1990-05-15",
    "residencyCountry": "GB",
}
USER_ID_LINK = f"header.{USER_ID_HEADER}"
CREATED_USER_ID = "$response.body#/id"
USER_ID = Parameter(
    USER_ID_HEADER,
    "header",
    {"type": "string", "pattern": f"^{OBJECT_ID.pattern}$"},
    "The user's id (a MongoDB ObjectId).",
)


def token_operation() -> Operation:
    return Operation(
        "post",
        TOKEN_PATH,
        "getAccessToken",
        "Get an access token (client-credentials grant)",
        security=[],
        body={JSON: TokenRequest, FORM: TokenRequest},
        responses={
            200: Reply("An access token.", {JSON: TokenResponse}, NO_STORE),
            400: oauth_error("invalid_request or unsupported_grant_type."),
            401: oauth_error("invalid_client: no client id and secret (in the body or in HTTP Basic)."),
            403: oauth_error("access_denied: no audience, or a scope that does not exist."),
            413: oauth_error("The body is over the server's size limit."),
        },
    )


def user_operations() -> list[Operation]:
    # A created user leads to everything that is its own: schemathesis follows these links.
    user_links = {
        "GetCreatedUser": {"operationId": "getMe", "parameters": {USER_ID_LINK: CREATED_USER_ID}},
        "GetCreatedUsersWallet": {"operationId": "getWallet", "parameters": {"query.owner": CREATED_USER_ID}},
        "LinkCreatedUsersBankAccount": {
            "operationId": "createBankAccount",
            "parameters": {USER_ID_LINK: CREATED_USER_ID},
        },
    }
    return [
        Operation(
            "post",
            "/users",
            "createUser",
            "Create a user (a wallet is provisioned with it)",
            security=[{SCHEME: [WRITE_USERS]}],
            body={JSON: UserCreate(today=date.today)},
            body_example=SEED_BODY,
            responses={
                201: Reply("User created successfully.", {JSON: User}, links=user_links),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                409: error("CONFLICT: a user has this email (status and code assumed)."),
                413: TOO_LARGE,
                415: NOT_JSON,
            },
        ),
        Operation(
            "get",
            "/users/me",
            "getMe",
            "Get the user named by x-user-id",
            security=[{SCHEME: [READ_USERS]}],
            parameters=[USER_ID],
            responses={
                200: Reply("The user.", {JSON: User}),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                404: USER_NOT_FOUND,
            },
        ),
        Operation(
            "patch",
            "/users/me/employment-info",
            "updateEmploymentInfo",
            "Replace the employment info of the user named by x-user-id",
            security=[{SCHEME: [WRITE_USERS]}],
            parameters=[USER_ID],
            body={JSON: EmploymentInfoUpdate},
            responses={
                200: Reply("Employment info updated successfully: the user (body assumed).", {JSON: User}),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                404: USER_NOT_FOUND,
                413: TOO_LARGE,
                415: NOT_JSON,
            },
        ),
    ]


def banking_operations() -> list[Operation]:
    return [
        Operation(
            "get",
            "/wallets",
            "getWallet",
            "Get the wallet provisioned with a user",
            description=(
                "`status` is `created` until the wallet is activated, then `active` (after "
                "MOCK_SERVER_WEALTHYHOOD_WALLET_ACTIVATION_SECONDS on the server's clock; 5 by default)."
            ),
            security=[{SCHEME: [READ_USERS]}],
            query=WalletQuery,
            responses={
                200: Reply("Wallet retrieved successfully.", {JSON: Wallet}),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                404: error("NOT_FOUND: no user of this client owns a wallet by that id."),
            },
        ),
        Operation(
            "post",
            "/bank-accounts",
            "createBankAccount",
            "Link a bank account to the user named by x-user-id",
            description="BIC and bank name are derived from the IBAN; the currency is always EUR.",
            security=[{SCHEME: [WRITE_USERS]}],
            parameters=[USER_ID],
            body={JSON: BankAccountCreate},
            responses={
                201: Reply("Bank account created.", {JSON: BankAccount}),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                404: USER_NOT_FOUND,
                409: error("CONFLICT: the user already has a bank account with this IBAN (assumed)."),
                413: TOO_LARGE,
                415: NOT_JSON,
            },
        ),
    ]


def sandbox_operations() -> list[Operation]:
    """The sandbox's test routes: an M2M token, no x-user-id."""
    test_user_links = {
        "DepositToTestUser": {
            "operationId": "createTestDeposit",
            "requestBody": {"userId": "$response.body#/user/_id", "amount": 100.5},
        },
        "GetTestUser": {
            "operationId": "getMe",
            "parameters": {USER_ID_LINK: "$response.body#/user/_id"},
        },
    }
    return [
        Operation(
            "get",
            "/test/help/statuses",
            "getTestUserStatuses",
            "List the statuses a test user can be created in",
            security=[{SCHEME: [READ_USERS]}],
            responses={
                200: Reply("List of available statuses.", {JSON: SandboxStatuses}),
                401: UNAUTHORIZED,
                403: FORBIDDEN,
            },
        ),
        Operation(
            "post",
            "/test/users",
            "createTestUser",
            "Create a test user in a status, with a portfolio, a bank account and an active wallet",
            security=[{SCHEME: [WRITE_USERS]}],
            body={JSON: SandboxUserCreate},
            responses={
                201: Reply(
                    "Test user created successfully.", {JSON: SandboxUserCreated}, links=test_user_links
                ),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                409: error("CONFLICT: a user has this email (assumed)."),
                413: TOO_LARGE,
                415: NOT_JSON,
            },
        ),
        Operation(
            "post",
            "/test/deposits",
            "createTestDeposit",
            "Create a settled deposit for a user with a portfolio",
            security=[{SCHEME: [WRITE_USERS]}],
            body={JSON: SandboxDepositCreate},
            responses={
                201: Reply("Deposit created successfully.", {JSON: Deposit}),
                400: error("BAD_REQUEST: a failed field, no portfolio, or no bank account to deposit from."),
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                404: error('NOT_FOUND: "User not found", or "Bank account not found".'),
                413: TOO_LARGE,
                415: NOT_JSON,
            },
        ),
    ]


def description(environment: str, host: str, operations: list[Operation], more: str = "") -> ApiDescription:
    return ApiDescription(
        # One title for both environments: schemathesis.toml gives both documents the same credentials.
        title="Wealthyhood (mock-server)",
        version="1.0",
        description=(
            f"Wealthyhood {environment} ({host}): the user routes, wallets, bank accounts{more} and the "
            "Auth0 client-credentials token endpoint, as mock-server emulates them. Any client id and "
            "secret get a token; users are scoped per client. By default any well-formed JWT is "
            "accepted; with --strict-auth only this environment's own tokens are."
        ),
        security_schemes={
            SCHEME: {
                "type": "oauth2",
                "description": "An Auth0 access token, sent as `Authorization: Bearer <token>`.",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": TOKEN_PATH,
                        "scopes": {
                            READ_USERS: "Read users and their wallets.",
                            WRITE_USERS: "Create and change users, link bank accounts (name assumed).",
                        },
                    }
                },
            }
        },
        security=[{SCHEME: []}],
        operations=operations,
    )


PRODUCTION_API = description(
    "production", "api.wealthyhood.com", [token_operation(), *user_operations(), *banking_operations()]
)
SANDBOX_API = description(
    "sandbox",
    "api.sandbox.wealthyhood.com",
    [token_operation(), *user_operations(), *banking_operations(), *sandbox_operations()],
    more=", the test routes (test users and deposits)",
)
