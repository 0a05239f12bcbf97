"""The Dots user routes the mock emulates, for its OpenAPI document (spec v2; seeds 000 and 001)."""

from __future__ import annotations

from mock_server.core.openapi import JSON, ApiDescription, Operation, Parameter, Reply
from mock_server.providers.dots.errors import ErrorBody
from mock_server.providers.dots.schemas import ListQuery, User, UserCreate, UserList, UserUpdate, uuid_text

# Seed 000's request.
SEED_BODY = {
    "first_name": "Bob",
    "last_name": "Loblaw",
    "email": "bob@bobloblaw.com",
    "country_code": "1",
    "phone_number": "4154332334",
    "metadata": {"internal_id": "user_121344"},
}
USER_ID = Parameter("user_id", "path", uuid_text("user_id"), "The user's id.")


def error(description: str) -> Reply:
    return Reply(description, {JSON: ErrorBody})


BAD_REQUEST = error("Invalid input: the first failed field, with its code (invalid-email, ...).")
UNAUTHORIZED = error("Missing or malformed Basic credentials (status assumed).")
NOT_FOUND = error("No such user for this client id (status assumed).")
CONFLICT = error("The email or username belongs to another user (status assumed).")
TOO_LARGE = error("The body is over the server's size limit (status assumed).")
UNSUPPORTED = error("The body is declared as something other than UTF-8 JSON (status and code assumed).")
USER = Reply("The user.", {JSON: User})
CURSORS = "A cursor must name a user of this client; `starting_after` and `ending_before` do not combine."


def description(environment: str, dedupe: str) -> ApiDescription:
    return ApiDescription(
        title=f"Dots {environment} (mock-server)",
        version="v2",
        description=(
            f"The Dots {environment} user routes, as mock-server emulates them. {dedupe} "
            "Any client id and API key are accepted; each client id sees only its own users."
        ),
        security_schemes={
            "api_key": {
                "type": "http",
                "scheme": "basic",
                "description": "base64(client_id:api_key), or base64(client_id:) from a browser.",
            }
        },
        security=[{"api_key": []}],
        operations=[
            Operation(
                "post",
                "/api/v2/users",
                "create-user",
                "Create a user",
                body={JSON: UserCreate},
                body_example=SEED_BODY,
                responses={
                    200: Reply("The user created (seed 000 says 200; the spec says 201).", {JSON: User}),
                    400: BAD_REQUEST,
                    401: UNAUTHORIZED,
                    409: CONFLICT,
                    413: TOO_LARGE,
                    415: UNSUPPORTED,
                },
            ),
            Operation(
                "get",
                "/api/v2/users",
                "get-users",
                "List users, newest first",
                description=CURSORS,
                query=ListQuery,
                responses={
                    200: Reply("A page of users.", {JSON: UserList}),
                    400: BAD_REQUEST,
                    401: UNAUTHORIZED,
                },
            ),
            Operation(
                "get",
                "/api/v2/users/{user_id}",
                "get-user",
                "Get a user",
                parameters=[USER_ID],
                responses={200: USER, 400: BAD_REQUEST, 401: UNAUTHORIZED, 404: NOT_FOUND},
            ),
            Operation(
                "patch",
                "/api/v2/users/{user_id}",
                "update-user",
                "Update a user",
                description=(
                    "`default_payout_method` is always refused (400): it must name a payout method the user "
                    "already has, and the mock emulates no payout methods."
                ),
                parameters=[USER_ID],
                body={JSON: UserUpdate},
                responses={
                    200: USER,
                    400: BAD_REQUEST,
                    401: UNAUTHORIZED,
                    404: NOT_FOUND,
                    413: TOO_LARGE,
                    415: UNSUPPORTED,
                },
            ),
            Operation(
                "delete",
                "/api/v2/users/{user_id}",
                "delete-user",
                "Delete a user",
                parameters=[USER_ID],
                responses={
                    200: Reply("The user deleted.", {JSON: User}),
                    400: BAD_REQUEST,
                    401: UNAUTHORIZED,
                    404: NOT_FOUND,
                },
            ),
        ],
    )


PRODUCTION_API = description("production", "A user is created only if none has its phone number.")
SANDBOX_API = description("sandbox", "Phone numbers may repeat.")
