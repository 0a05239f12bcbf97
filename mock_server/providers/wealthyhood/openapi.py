"""The Wealthyhood routes the mock emulates, for its OpenAPI document (seed 002; Auth0's token endpoint)."""

from __future__ import annotations

from datetime import date

from mock_server.core.openapi import JSON, ApiDescription, Operation, Parameter, Reply
from mock_server.providers.wealthyhood.auth import READ_USERS, WRITE_USERS
from mock_server.providers.wealthyhood.errors import TOKEN_PATH, ErrorBody, OAuthErrorBody
from mock_server.providers.wealthyhood.routes import OBJECT_ID, USER_ID_HEADER
from mock_server.providers.wealthyhood.schemas import TokenRequest, TokenResponse, User, UserCreate

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

# Seed 002's request (its email address, obfuscated on the page, made whole).
SEED_BODY = {
    "email": "john.doe@example.com",
    "firstName": "John",
    "lastName": "Doe",
    "dateOfBirth": "1990-05-15",
    "residencyCountry": "GB",
}
USER_ID_LINK = f"header.{USER_ID_HEADER}"
USER_ID = Parameter(
    USER_ID_HEADER,
    "header",
    {"type": "string", "pattern": f"^{OBJECT_ID.pattern}$"},
    "The user's id (a MongoDB ObjectId).",
)

API = ApiDescription(
    title="Wealthyhood (mock-server)",
    version="1.0",
    description=(
        "The Wealthyhood user routes and the Auth0 client-credentials token endpoint, as mock-server "
        "emulates them. Any client id and secret get a token; users are scoped per client. By default "
        "any well-formed JWT is accepted; with --strict-auth only the mock's own tokens are."
    ),
    security_schemes={
        SCHEME: {
            "type": "oauth2",
            "description": "An Auth0 access token, sent as `Authorization: Bearer <token>`.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": TOKEN_PATH,
                    "scopes": {
                        READ_USERS: "Read users (name assumed).",
                        WRITE_USERS: "Create users (name assumed).",
                    },
                }
            },
        }
    },
    security=[{SCHEME: []}],
    operations=[
        Operation(
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
        ),
        Operation(
            "post",
            "/users",
            "createUser",
            "Create a user",
            security=[{SCHEME: [WRITE_USERS]}],
            body={JSON: UserCreate(today=date.today)},
            body_example=SEED_BODY,
            responses={
                201: Reply(
                    "User created successfully.",
                    {JSON: User},
                    links={
                        "GetCreatedUser": {
                            "operationId": "getMe",
                            "parameters": {USER_ID_LINK: "$response.body#/id"},
                        }
                    },
                ),
                400: BAD_REQUEST,
                401: UNAUTHORIZED,
                403: FORBIDDEN,
                409: error("CONFLICT: a user has this email (status and code assumed)."),
                413: error("PAYLOAD_TOO_LARGE: the body is over the server's size limit."),
                415: error(
                    "UNSUPPORTED_MEDIA_TYPE: the body is declared as something other than UTF-8 JSON."
                ),
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
                404: error("NOT_FOUND: no such user for this client."),
            },
        ),
    ],
)
