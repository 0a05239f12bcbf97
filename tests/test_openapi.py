"""Every provider's OpenAPI document: valid OpenAPI 3.1, one operation per route and no more, saying
what request validation really accepts, and describing every error body the provider renders."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi

from mock_server import create_app
from mock_server.base.errors import (
    Conflict,
    Forbidden,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidRequest,
    MalformedBody,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    UnsupportedMediaType,
)
from mock_server.core.error_handling import render
from mock_server.providers import REGISTRY
from tests.conftest import basic

PROVIDERS = [provider.name for provider in REGISTRY.providers]
PREFIXES = {provider.name: provider.prefix for provider in REGISTRY.providers}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    client = create_app().test_client()
    return {name: client.get(f"{PREFIXES[name]}/openapi.json").get_json() for name in PROVIDERS}


def schema_validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema`, whose $refs point into the document's components."""
    return Draft202012Validator(
        {**schema, "components": document.get("components", {})}, format_checker=FormatChecker()
    )


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


# --- serving -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROVIDERS)
def test_openapi_document_is_valid_openapi_3_1(documents, name):
    document = documents[name]
    assert document["openapi"] == "3.1.0"
    validate_openapi(document)


def test_openapi_document_is_served_without_credentials_as_json(client):
    response = client.get("/dakota/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.get_json()["info"]["title"] == "Dakota Platform (mock-server)"


@pytest.mark.parametrize("name", PROVIDERS)
def test_openapi_document_names_its_mount_as_the_server(documents, name):
    assert documents[name]["servers"] == [{"url": PREFIXES[name]}]


def test_openapi_document_through_a_real_host_is_at_the_root(client):
    document = client.get("/openapi.json", headers={"Host": "api.wealthyhood.com"}).get_json()
    assert "servers" not in document  # the default server: the host the document came from
    token_url = document["components"]["securitySchemes"]["auth0"]["flows"]["clientCredentials"]["tokenUrl"]
    assert token_url == "/oauth/token"


def test_openapi_document_under_the_prefix_has_the_token_url_under_it(documents):
    scheme = documents["wealthyhood"]["components"]["securitySchemes"]["auth0"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == "/wealthyhood/oauth/token"


def test_openapi_document_of_a_provider_served_alone_is_at_the_root():
    client = create_app({"provider": "taliware"}).test_client()
    document = client.get("/openapi.json").get_json()
    assert document["info"]["title"] == "Taliware CL2C (mock-server)"
    assert "servers" not in document
    assert client.get("/taliware/openapi.json").status_code == 404


def test_openapi_document_refuses_other_methods_in_the_providers_shape(client):
    response = client.post("/dots/openapi.json")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.get_json() == {
        "success": False,
        "error_code": "method-not-allowed",
        "message": "Method POST is not allowed.",
    }


def test_openapi_document_is_the_mocks_own_not_faulted_limited_or_journaled():
    app = create_app({"rate_limit": "dakota=1/min"})
    client, state = app.test_client(), app.extensions["mock_server"]
    client.post("/__admin/faults", json={"provider": "dakota", "status": 503})
    for _ in range(3):
        response = client.get("/dakota/openapi.json", headers={"x-api-key": "key-a"})
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers
    assert state.journal.entries() == []
    assert client.get("/dakota/users", headers={"x-api-key": "key-a"}).status_code == 503  # still armed


def test_admin_openapi_lists_every_document(client):
    response = client.get("/__admin/openapi")
    assert response.status_code == 200
    assert response.get_json() == {
        "documents": [
            {
                "provider": name,
                "title": title,
                "path": f"{PREFIXES[name]}/openapi.json",
                "url": f"http://localhost{PREFIXES[name]}/openapi.json",
            }
            for name, title in [
                ("dots", "Dots"),
                ("dots-sandbox", "Dots sandbox"),
                ("wealthyhood", "Wealthyhood"),
                ("wealthyhood-sandbox", "Wealthyhood sandbox"),
                ("dakota", "Dakota"),
                ("dakota-sandbox", "Dakota sandbox"),
                ("taliware", "Taliware CL2C"),
            ]
        ]
    }


def test_admin_openapi_of_a_provider_served_alone_points_at_the_root():
    client = create_app({"provider": "dakota"}).test_client()
    (entry,) = client.get("/__admin/openapi").get_json()["documents"]
    assert (entry["path"], entry["url"]) == ("/openapi.json", "http://localhost/openapi.json")


# --- what is documented is what is served ------------------------------------------------------------


def served_operations(name: str) -> set[tuple[str, str]]:
    """(method, path) of every route the provider answers, paths as OpenAPI writes them."""
    app = create_app()
    prefix = PREFIXES[name]
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/") or rule.rule == f"{prefix}/openapi.json":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len(prefix) :])
        served |= {(method.lower(), path) for method in rule.methods or () if method.lower() in METHODS}
    return served


@pytest.mark.parametrize("name", PROVIDERS)
def test_openapi_document_has_one_operation_per_route_and_no_more(documents, name):
    documented = {(method, path) for method, path, _ in operations(documents[name])}
    assert documented == served_operations(name)


@pytest.mark.parametrize("name", PROVIDERS)
def test_openapi_document_operations_each_document_their_errors(documents, name):
    for method, path, operation in operations(documents[name]):
        statuses = {int(status) for status in operation["responses"]}
        assert any(status < 300 for status in statuses), (method, path)
        public = operation.get("security") == []
        assert public or 401 in statuses, (method, path)
        assert "requestBody" not in operation or 413 in statuses, (method, path)
        # A JSON body declared as something else is 415; the token endpoint also reads forms (400 there).
        takes_json_only = "requestBody" in operation and not path.endswith("/oauth/token")
        assert not takes_json_only or 415 in statuses, (method, path)


# (provider, JSON pointer into the document, what it must say): each one as the code validates it.
S = "/components/schemas/"
USER_ID_GET = "/paths/~1users~1{user_id}/get"
TARGETS = "/paths/~1webhooks~1targets"
TARGET = "/paths/~1webhooks~1targets~1{webhook_target_id}"
STATEMENTS = [
    ("dots", S + "UserCreate/properties/country_code/pattern", "^[0-9]{1,3}$"),
    ("dots", S + "UserCreate/properties/phone_number/pattern", "^[0-9]{1,20}$"),
    ("dots", S + "UserCreate/properties/first_name/maxLength", 50),
    ("dots", S + "UserCreate/properties/email/format", "email"),
    ("dots", S + "UserCreate/properties/metadata/type", ["string", "object"]),
    ("dots", S + "UserUpdate/properties/metadata/type", ["string", "object", "null"]),
    ("dots", S + "UserCreate/required", ["country_code", "email", "first_name", "last_name", "phone_number"]),
    ("dots", S + "UserCreate/properties/payout_options_exclude_list/uniqueItems", True),
    ("dots", S + "NecAdjustment/properties/amount/minimum", 1),
    ("dots", S + "User/properties/status/enum", ["verified", "unverified", "disabled", "in_review"]),
    ("dots", "/paths/~1api~1v2~1users~1{user_id}/get/parameters/0/schema/format", "uuid"),
    ("wealthyhood", S + "UserCreate/properties/firstName/maxLength", 100),
    ("wealthyhood", S + "UserCreate/properties/dateOfBirth/format", "date"),
    ("wealthyhood", S + "UserCreate/properties/residencyCountry/enum/0", "AD"),
    ("wealthyhood", S + "Address/required", ["city", "countryCode", "line1", "postalCode"]),
    ("wealthyhood", "/paths/~1users~1me/get/parameters/0/name", "x-user-id"),
    ("wealthyhood", "/paths/~1users~1me/get/parameters/0/in", "header"),
    ("wealthyhood", "/paths/~1users~1me/get/parameters/0/required", True),
    ("wealthyhood", "/paths/~1users~1me/get/parameters/0/schema/pattern", "^[0-9a-fA-F]{24}$"),
    ("wealthyhood", "/paths/~1users/post/security", [{"auth0": ["write:users"]}]),
    ("wealthyhood", "/paths/~1oauth~1token/post/security", []),
    ("dakota", "/paths/~1users/post/parameters/0/name", "x-idempotency-key"),
    ("dakota", "/paths/~1users/post/parameters/0/required", True),
    ("dakota", "/paths/~1users/post/parameters/0/schema/format", "uuid"),
    ("dakota", "/paths/~1users~1{user_id}/patch/parameters/0/name", "x-idempotency-key"),
    ("dakota", USER_ID_GET + "/parameters/0/schema/pattern", "^[0-9A-Za-z]{27}$"),
    ("dakota", USER_ID_GET + "/responses/200/headers/x-request-id/required", True),
    ("dakota", S + "UserCreate/properties/role/enum", ["admin", "viewer"]),
    ("dakota", S + "UserCreate/properties/first_name/minLength", 1),
    ("dakota", S + "User/properties/is_super_admin/enum", [True]),
    ("dakota", TARGETS + "/post/parameters/0/name", "x-idempotency-key"),
    ("dakota", TARGETS + "/post/parameters/0/required", True),
    ("dakota", TARGET + "/patch/parameters/1/name", "x-idempotency-key"),
    ("dakota", TARGET + "/get/parameters/0/schema/pattern", "^[0-9A-Za-z]{27}$"),
    ("dakota", TARGETS + "/get/parameters/0/schema/maximum", 100),
    ("dakota", S + "TargetCreate/required", ["url"]),
    ("dakota", S + "TargetCreate/properties/global/default", False),
    ("dakota", S + "TargetCreate/properties/event_types/items/enum/0", "user.created"),
    (
        "dakota",
        S + "WebhookTarget/required",
        ["global", "id", "time_last_attempted", "time_last_healthy", "url"],
    ),
    ("dakota", S + "WebhookDelivery/properties/status/enum", ["delivered", "failed", "pending"]),
    ("dakota", S + "ReplayResponse/properties/status/enum", ["queued"]),
    ("dakota", "/paths/~1webhooks/get/parameters/3/name", "from"),
    ("dakota", "/paths/~1webhooks/get/parameters/3/schema/format", "date-time"),
    (
        "dakota",
        "/components/securitySchemes/ApiKeyAuth",
        {"type": "apiKey", "in": "header", "name": "x-api-key"},
    ),
    (
        "taliware",
        S + "UserCreateBody/required",
        ["email", "firstName", "lastName", "phoneNumber", "userName"],
    ),
    ("taliware", S + "UserCreateBody/properties/userName/pattern", "\\S"),
    ("taliware", S + "UserCreateBody/properties/email/pattern", "^[^@]+@[^@]+$"),
    ("taliware", "/security", [{"tenant": [], "apiKey": []}]),
]


def resolve(document: Any, pointer: str) -> Any:
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        document = document[int(part)] if isinstance(document, list) else document.get(part)
    return document


# The spec's operationId of each route it has (GET /users/{user_id} is in Dakota's docs only).
DAKOTA_OPERATION_IDS = {
    ("post", "/users"): "createClientUser",
    ("get", "/users"): "listClientUsers",
    ("get", "/users/{user_id}"): "getClientUser",
    ("patch", "/users/{user_id}"): "updateClientUser",
    ("delete", "/users/{user_id}"): "deleteClientUser",
    ("post", "/webhooks/targets"): "createWebhookTarget",
    ("get", "/webhooks/targets"): "listWebhookTargets",
    ("get", "/webhooks/targets/{webhook_target_id}"): "getWebhookTarget",
    ("patch", "/webhooks/targets/{webhook_target_id}"): "updateWebhookTarget",
    ("delete", "/webhooks/targets/{webhook_target_id}"): "deleteWebhookTarget",
    ("get", "/events"): "listEvents",
    ("get", "/webhooks"): "listWebhookHistory",
    ("get", "/webhooks/{event_id}"): "getWebhookDelivery",
    ("post", "/webhooks/events/{event_id}/replay"): "replayWebhookDelivery",
}


@pytest.mark.parametrize("name", ["dakota", "dakota-sandbox"])
def test_openapi_document_of_dakota_names_each_operation_as_the_spec(documents, name):
    documented = {
        (method, path): operation["operationId"] for method, path, operation in operations(documents[name])
    }
    assert documented == DAKOTA_OPERATION_IDS


@pytest.mark.parametrize(("name", "pointer", "expected"), STATEMENTS)
def test_openapi_document_says_what_validation_accepts(documents, name, pointer, expected):
    assert resolve(documents[name], pointer) == expected


# Values the document allows that the code must take, and values it refuses that the code must refuse.
# (Not "1\n": the document's $ is ECMA-262's, the end of the string like Python's \Z, but Python's
# jsonschema reads it as Python's $, which also matches before a final newline.)
DOTS_USER_ID = "/paths/~1api~1v2~1users~1{user_id}/get/parameters/0/schema"
DAKOTA_USER_ID = USER_ID_GET + "/parameters/0/schema"


@pytest.mark.parametrize(
    ("name", "pointer", "value", "allowed"),
    [
        ("dots", S + "UserCreate/properties/country_code", "1", True),
        ("dots", S + "UserCreate/properties/country_code", "1234", False),
        ("dots", DOTS_USER_ID, "3C90C3CC-0D44-4B50-8888-8DD25736052A", True),
        ("dots", DOTS_USER_ID, "urn:3c90c3cc0d444b5088888dd25736052a", False),
        ("dakota", DAKOTA_USER_ID, "1NFHrqBHb3cTfLVkFSGmHZqdDPi", True),
        ("taliware", S + "UserCreateBody/properties/email", " @ ", True),
        ("taliware", S + "UserCreateBody/properties/email", "a@b@c", False),
        ("taliware", S + "UserCreateBody/properties/userName", " \t ", False),
        ("wealthyhood", S + "UserCreate/properties/residencyCountry", "gb", False),
    ],
)
def test_openapi_document_patterns_read_as_the_code_reads_them(documents, name, pointer, value, allowed):
    validator = schema_validator(documents[name], resolve(documents[name], pointer))
    assert validator.is_valid(value) is allowed


# --- every error body a provider renders is one its document describes ---------------------------------


SAMPLE_ERRORS = {
    400: [
        InvalidRequest(fields={"email": ["email is not valid."]}),
        MalformedBody("Expecting value", (1, 1, 0)),
    ],
    401: [Unauthorized("Missing credentials.")],
    403: [Forbidden("Not allowed.")],
    404: [NotFound("User not found.")],
    409: [Conflict("Already taken.", field="email"), IdempotencyKeyInFlight("In flight.")],
    413: [PayloadTooLarge("Too large.")],
    415: [UnsupportedMediaType()],
    422: [IdempotencyKeyReused()],
    429: [RateLimited("Slow down.", retry_after=3)],
}


def documented_errors() -> list[Any]:
    documents = {
        name: create_app().test_client().get(f"{PREFIXES[name]}/openapi.json").get_json()
        for name in PROVIDERS
    }
    cases = []
    for name in PROVIDERS:
        for method, path, operation in operations(documents[name]):
            for status, response in operation["responses"].items():
                for error in SAMPLE_ERRORS.get(int(status), []):
                    cases.append(
                        pytest.param(
                            name,
                            method,
                            path,
                            response,
                            error,
                            id=f"{name}-{method}-{path}-{type(error).__name__}",
                        )
                    )
    return cases


@pytest.mark.parametrize(("name", "method", "path", "documented", "error"), documented_errors())
def test_openapi_document_describes_each_error_the_provider_renders(
    documents, name, method, path, documented, error
):
    app = create_app()
    concrete = PREFIXES[name] + re.sub(r"\{[a-z_]*id\}", "1NFHrqBHb3cTfLVkFSGmHZqdDPi", path)
    with app.test_request_context(concrete, method=method.upper()):
        response = render(error)
    assert response.status_code == error.status
    media_type = next(media for media in documented["content"] if response.mimetype == media)
    schema = documented["content"][media_type]["schema"]
    schema_validator(documents[name], schema).validate(response.get_json())


def test_openapi_document_error_check_can_fail(documents):
    schema = documents["dots"]["paths"]["/api/v2/users"]["post"]["responses"]["400"]["content"][
        "application/json"
    ]
    assert not schema_validator(documents["dots"], schema["schema"]).is_valid(
        {"success": False, "error_code": "made-up", "message": "x"}
    )


# --- what the mock answers to its seed request is what the document says ----------------------------


def valid_credentials(client: Any, name: str) -> dict[str, str]:
    if name.startswith("wealthyhood"):  # production and sandbox
        grant = {"grant_type": "client_credentials", "client_id": "c1", "client_secret": "s", "audience": "a"}
        token = client.post(f"{PREFIXES[name]}/oauth/token", json=grant).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}
    if name.startswith("dakota"):  # production and sandbox
        return {"x-api-key": "key-a", "x-idempotency-key": "3c90c3cc-0d44-4b50-8888-8dd25736052a"}
    return {"taliware": {"tenant": "tenant-a", "X-API-Key": "key-a"}}.get(name, basic("c1"))


@pytest.mark.parametrize("name", PROVIDERS)
def test_openapi_document_example_request_creates_a_user_as_documented(documents, client, name):
    document = documents[name]
    (path, operation) = next(
        (path, operation)
        for method, path, operation in operations(document)
        if method == "post"
        and "example" in operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    )
    example = operation["requestBody"]["content"]["application/json"]["example"]
    response = client.post(PREFIXES[name] + path, headers=valid_credentials(client, name), json=example)
    documented = operation["responses"][str(response.status_code)]
    assert response.status_code < 300
    schema_validator(document, documented["content"]["application/json"]["schema"]).validate(
        response.get_json()
    )
