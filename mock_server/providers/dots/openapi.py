"""The Dots user routes the mock emulates, for its OpenAPI document (spec v2; seeds 000 and 001)."""

from __future__ import annotations

from marshmallow import fields

from mock_server.core.openapi import JSON, ApiDescription, Operation, Parameter, Reply
from mock_server.providers.dots.errors import ErrorBody
from mock_server.providers.dots.schemas import (
    AddedPayoutMethod,
    AddressUpdate,
    ComplianceSubmission,
    Empty,
    ListQuery,
    PaymentMethod,
    PayoutMethodCreate,
    TokenRequest,
    User,
    UserCreate,
    UserList,
    UserUpdate,
    VerifyRequest,
    uuid_text,
)

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
# Where the spec types user_id as any string: one that is not a user's id is a 404, not a 400.
ANY_USER_ID = Parameter(
    "user_id", "path", fields.String(), "The user's id (any string; the spec sets no format)."
)
# The spec's examples of an added payout method, a body for each platform.
ACH_EXAMPLE = {
    "platform": "ach",
    "routing_number": "123456789",
    "account_number": "123456789",
    "account_type": "checking",
}
W9_EXAMPLE = {
    "w9": {
        "entity_type": "individual",
        "first_name": "Bob",
        "last_name": "Loblaw",
        "date_of_birth": "1990-05-15",
        "tin": "123456789",
        "address": {
            "line_1": "1 Market St",
            "city": "San Francisco",
            "state": "CA",
            "country": "US",
            "postcode": "94105",
        },
    }
}


def error(description: str) -> Reply:
    return Reply(description, {JSON: ErrorBody})


BAD_REQUEST = error("Invalid input: the first failed field, with its code (invalid-email, ...).")
UNAUTHORIZED = error("Missing or malformed Basic credentials (status assumed).")
NOT_FOUND = error("No such user for this client id (status assumed).")
CONFLICT = error("The email or username belongs to another user (status assumed).")
TOO_LARGE = error("The body is over the server's size limit (status assumed).")
UNSUPPORTED = error("The body is declared as something other than UTF-8 JSON (status and code assumed).")
USER = Reply("The user.", {JSON: User})
DONE = Reply("Done; the spec gives no body, the mock answers `{}`.", {JSON: Empty})
TIN_CHECK = (
    "A W-9 sets the `*_collected` flags and starts a TIN check: `compliance.tax_id_verification` (and "
    "`compliance.w9.tax_id_verification`) is `pending` for 3 seconds of the app clock, then `matched`, or "
    "`mismatched` for a TIN that is not nine digits or begins `000` (the mock's test numbers, such as "
    "`000000000`). A W-8BEN alone makes the user a foreign payee (`w9` null). `date_of_birth` is required "
    "(the spec's `required`), `business_name` for a business, `foreign_tax_id` unless the citizenship is AU, "
    "BM, VG, KY or JP; a body with neither form is refused."
)
TOKENS = (
    "The code (6 digits, from the seeded random source) is not sent: read it at `GET /__admin/messages`. "
    "A new code replaces the last one; each lives 10 minutes on the app clock and allows 5 wrong tries."
)
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
                    "`default_payout_method` must name the platform of a payout method the user has (PUT "
                    "payout-methods); any other is refused (400)."
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
            *USER_ROUTE_OPERATIONS,
        ],
    )


def _with_body(status: int = 200, reply: Reply = DONE) -> dict[int, Reply]:
    """The replies of an operation that reads a JSON body."""
    return {
        status: reply,
        400: BAD_REQUEST,
        401: UNAUTHORIZED,
        404: NOT_FOUND,
        413: TOO_LARGE,
        415: UNSUPPORTED,
    }


# The routes under /v2/users/{user_id} beyond the user itself (issue 14).
USER_ROUTE_OPERATIONS = (
    Operation(
        "put",
        "/api/v2/users/{user_id}/compliance",
        "submit-compliance",
        "Submit compliance information",
        description=TIN_CHECK,
        parameters=[ANY_USER_ID],
        body={JSON: ComplianceSubmission},
        body_example=W9_EXAMPLE,
        responses=_with_body(),
    ),
    Operation(
        "post",
        "/api/v2/users/{user_id}/send-verification-token",
        "send-verification-token",
        "Send a verification token",
        description=(
            TOKENS + ' The body is optional, as in the spec: `{"use_voice": true}` calls rather than texts.'
        ),
        parameters=[ANY_USER_ID],
        body={JSON: TokenRequest},
        body_required=False,
        responses=_with_body(202, Reply("Accepted; the mock answers `{}`.", {JSON: Empty})),
    ),
    Operation(
        "post",
        "/api/v2/users/{user_id}/verify",
        "verify",
        "Verify a user",
        description=(
            "A correct token makes an `unverified` user `verified` (a user in review or disabled stays so). "
            'A wrong, expired or used token, or none sent: 400 `incorrect-token`, "Incorrect token". '
            + TOKENS
        ),
        parameters=[USER_ID],
        body={JSON: VerifyRequest},
        responses=_with_body(),
    ),
    Operation(
        "get",
        "/api/v2/users/{user_id}/payout-methods",
        "get-payout-methods",
        "List payout methods",
        parameters=[USER_ID],
        responses={
            200: Reply("The user's payout methods, a bare array.", {JSON: PaymentMethod(many=True)}),
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
        },
    ),
    Operation(
        "put",
        "/api/v2/users/{user_id}/payout-methods",
        "add-payout-method",
        "Add a payout method",
        description=(
            "One method per platform: adding one again replaces it. ach needs routing_number, account_number "
            "and account_type; cash_app routing_number, account_number and cash_tag; paypal email; venmo "
            "phone_number or handle. `is_default: true` makes it the user's `default_payout_method`."
        ),
        parameters=[USER_ID],
        body={JSON: PayoutMethodCreate},
        body_example=ACH_EXAMPLE,
        responses=_with_body(reply=Reply("The method added (`id` for ach only).", {JSON: AddedPayoutMethod})),
    ),
    Operation(
        "put",
        "/api/v2/users/{user_id}/addresses",
        "add-user-address",
        "Add a user address",
        description="Sets `compliance.address_collected`. A US address's `state` is its 2-letter code.",
        parameters=[ANY_USER_ID],
        body={JSON: AddressUpdate},
        body_example={
            "postcode": "94105",
            "city": "San Francisco",
            "state": "CA",
            "country": "US",
            "line_1": "1 Market St",
        },
        responses=_with_body(),
    ),
)


PRODUCTION_API = description("production", "A user is created only if none has its phone number.")
SANDBOX_API = description("sandbox", "Phone numbers may repeat.")
