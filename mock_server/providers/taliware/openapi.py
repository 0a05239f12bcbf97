"""The Taliware CL2C routes the mock emulates, for its OpenAPI document (seed 004)."""

from __future__ import annotations

from marshmallow import fields

from mock_server.core.openapi import JSON, ApiDescription, Operation, Parameter, Reply
from mock_server.providers.taliware.errors import ErrorResult, UnsupportedMediaTypeProblem, ValidationProblem
from mock_server.providers.taliware.schemas import User, UserCreateBody

PROBLEM_JSON = "application/problem+json"


def error_result(description: str) -> Reply:
    return Reply(description, {JSON: ErrorResult})


# Seed 004's Node.js example.
SEED_BODY = {
    "firstName": "John",
    "lastName": "Doe",
    "email": "john.doe@example.com",
    "userName": "johndoe",
    "phoneNumber": "+1234567890",
}
UNAUTHORIZED = error_result("Authentication Failed: no tenant of that id, or no X-API-Key.")

API = ApiDescription(
    title="Taliware CL2C (mock-server)",
    version="v1",
    description=(
        "The Taliware CL2C user routes, as mock-server emulates them: an ASP.NET Core service on the "
        "fullstackhero starter kit. Any API key is accepted; users are scoped per tenant. A route that "
        "does not exist, or a method a route does not take, answers 404 or 405 with no body at all."
    ),
    security_schemes={
        "tenant": {"type": "apiKey", "in": "header", "name": "tenant", "description": "The tenant id."},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "The API key id."},
    },
    security=[{"tenant": [], "apiKey": []}],  # both headers, on every call
    operations=[
        Operation(
            "post",
            "/v1/cl2c/user",
            "createUser",
            "Create a user",
            body={JSON: UserCreateBody},
            body_example=SEED_BODY,
            responses={
                200: Reply("The user created.", {JSON: User}),
                400: Reply("One or more validation errors occurred.", {PROBLEM_JSON: ValidationProblem}),
                401: UNAUTHORIZED,
                409: error_result("Username '...' is already taken (status assumed)."),
                413: error_result("Request body too large."),
                415: Reply(
                    "The Content-Type is not JSON (or its charset not UTF-8 or UTF-16).",
                    {PROBLEM_JSON: UnsupportedMediaTypeProblem},
                ),
            },
        ),
        Operation(
            "get",
            "/v1/cl2c/users",
            "listUsers",
            "List the tenant's users, oldest first",
            responses={
                200: Reply("Every user of the tenant.", {JSON: {"type": "array", "items": User}}),
                401: UNAUTHORIZED,
            },
        ),
        Operation(
            "get",
            "/v1/cl2c/users/{user_id}",
            "getUser",
            "Get a user",
            parameters=[Parameter("user_id", "path", fields.String(), "The user's id.")],
            responses={
                200: Reply("The user.", {JSON: User}),
                401: UNAUTHORIZED,
                404: error_result("User Not Found."),
            },
        ),
    ],
)
