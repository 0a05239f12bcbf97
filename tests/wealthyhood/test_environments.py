"""Production and the sandbox are two environments: their own prefix and real host, their own store, their
own Auth0 tenant; the test routes exist in the sandbox only, and production refuses them as it refuses
any unknown route."""

import pytest

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.wealthyhood.helpers import (
    PREFIX,
    SANDBOX,
    SANDBOX_ISSUER,
    SEED_BODY,
    api,
    as_user,
    authorized,
    create_user,
    error,
    get_token,
)

TEST_ROUTES = [
    ("GET", "/test/help/statuses", None),
    ("POST", "/test/users", {"email": "t@example.com", "status": "INVESTED"}),
    ("POST", "/test/deposits", {"userId": "64f0c51e7fb3fc001234abcd", "amount": 100.5}),
]
# Production's answer to each, by path: its answer to any unknown route.
REFUSED_IN_PRODUCTION = {
    "/test/help/statuses": error("Cannot GET /test/help/statuses", "NOT_FOUND"),
    "/test/users": error("Cannot POST /test/users", "NOT_FOUND"),
    "/test/deposits": error("Cannot POST /test/deposits", "NOT_FOUND"),
}


def test_each_environment_has_its_own_users(client, state):
    production, sandbox = authorized(client), authorized(client, prefix=SANDBOX)
    in_production = create_user(client, production, SEED_BODY)
    in_sandbox = create_user(client, sandbox, SEED_BODY, prefix=SANDBOX)  # the same email: another store
    assert (state.store.count("wealthyhood"), state.store.count("wealthyhood-sandbox")) == (1, 1)
    assert client.get(api(SANDBOX)["me"], headers=as_user(sandbox, in_production["id"])).status_code == 404
    assert client.get(api(PREFIX)["me"], headers=as_user(production, in_sandbox["id"])).status_code == 404
    assert client.get(api(SANDBOX)["me"], headers=as_user(sandbox, in_sandbox["id"])).get_json() == in_sandbox


@pytest.mark.parametrize(
    ("host", "environment"),
    [("api.wealthyhood.com", "wealthyhood"), ("api.sandbox.wealthyhood.com", "wealthyhood-sandbox")],
)
def test_each_real_host_reaches_its_own_environment(client, state, host, environment):
    grant = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "audience": "a"}
    token = client.post("/oauth/token", headers={"Host": host}, json=grant).get_json()["access_token"]
    created = client.post(
        "/users", headers={"Host": host, "Authorization": f"Bearer {token}"}, json=SEED_BODY
    )
    assert created.status_code == 201
    assert state.store.count(environment) == state.store.count() == 1


def test_each_environment_issues_tokens_of_its_own_tenant(client):
    import jwt

    production = jwt.decode(get_token(client), options={"verify_signature": False})
    sandbox = jwt.decode(get_token(client, prefix=SANDBOX), options={"verify_signature": False})
    assert (production["iss"], production["aud"]) == ("https://wealthyhood.mock-server.invalid/",
                                                      "https://api.wealthyhood.com")  # fmt: skip
    assert (sandbox["iss"], sandbox["aud"]) == (SANDBOX_ISSUER, "https://api.wealthyhood.com")  # as asked


@pytest.mark.parametrize(("issued_by", "used_on"), [(PREFIX, SANDBOX), (SANDBOX, PREFIX)])
def test_with_strict_auth_one_environments_token_is_refused_by_the_other(issued_by, used_on):
    client = create_app({"strict_auth": True, "seed": 5}, clock=ManualClock()).test_client()
    token = get_token(client, prefix=issued_by)
    response = client.post(f"{used_on}/users", headers={"Authorization": f"Bearer {token}"}, json=SEED_BODY)
    assert (response.status_code, response.get_json()) == (
        401,
        error("Access token was not issued by this server.", "UNAUTHORIZED"),
    )
    own = client.post(f"{issued_by}/users", headers={"Authorization": f"Bearer {token}"}, json=SEED_BODY)
    assert own.status_code == 201


def test_seeded_environments_sign_with_different_keys():
    """A token claiming the sandbox's issuer but signed with production's key is forged, even seeded."""
    import jwt

    client = create_app({"seed": 5}, clock=ManualClock()).test_client()
    production_token = get_token(client)
    claims = jwt.decode(production_token, options={"verify_signature": False})
    state = client.application.extensions["mock_server"]
    forged = jwt.encode({**claims, "iss": SANDBOX_ISSUER}, state.backends["wealthyhood"].tokens._key)
    response = client.post(f"{SANDBOX}/users", headers={"Authorization": f"Bearer {forged}"}, json=SEED_BODY)
    assert (response.status_code, response.get_json()) == (
        401,
        error("Access token signature is invalid.", "UNAUTHORIZED"),
    )


def without_length(headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != "Content-Length"}


@pytest.mark.parametrize(("method", "path", "body"), TEST_ROUTES)
def test_production_refuses_the_test_routes_as_any_unknown_route(client, method, path, body):
    auth = authorized(client)
    response = client.open(f"{PREFIX}{path}", method=method, headers=auth, json=body)
    unknown = client.open(f"{PREFIX}/test/unknown", method=method, headers=auth, json=body)
    assert (response.status_code, response.get_json()) == (404, REFUSED_IN_PRODUCTION[path])
    assert unknown.status_code == 404
    assert without_length(unknown.headers) == without_length(response.headers)


@pytest.mark.parametrize(("method", "path", "body"), TEST_ROUTES)
def test_production_refuses_the_test_routes_through_its_real_host_too(client, method, path, body):
    headers = {"Host": "api.wealthyhood.com", **authorized(client)}
    response = client.open(path, method=method, headers=headers, json=body)
    assert (response.status_code, response.get_json()) == (404, REFUSED_IN_PRODUCTION[path])


@pytest.mark.parametrize(("method", "path", "body"), TEST_ROUTES)
def test_the_sandbox_serves_the_test_routes(client, method, path, body):
    auth = authorized(client, prefix=SANDBOX)
    response = client.open(f"{SANDBOX}{path}", method=method, headers=auth, json=body)
    assert response.status_code != 404 or response.get_json() == error("User not found", "NOT_FOUND")


def test_each_environments_document_lists_its_own_routes(client):
    production = client.get(f"{PREFIX}/openapi.json").get_json()
    sandbox = client.get(f"{SANDBOX}/openapi.json").get_json()
    test_paths = {"/test/help/statuses", "/test/users", "/test/deposits"}
    assert not test_paths & set(production["paths"])
    assert set(sandbox["paths"]) == set(production["paths"]) | test_paths
    assert sandbox["servers"] == [{"url": SANDBOX}]
    assert "sandbox (api.sandbox.wealthyhood.com)" in sandbox["info"]["description"]


def test_the_sandbox_served_alone_answers_at_the_root():
    client = create_app({"provider": "wealthyhood-sandbox"}, clock=ManualClock()).test_client()
    auth = authorized(client, prefix="")
    assert client.get("/test/help/statuses", headers=auth).status_code == 200
    assert client.get(f"{SANDBOX}/test/help/statuses", headers=auth).status_code == 404


def test_resetting_one_environment_keeps_the_other(client, state):
    create_user(client, authorized(client), SEED_BODY)
    create_user(client, authorized(client, prefix=SANDBOX), SEED_BODY, prefix=SANDBOX)
    assert client.post("/__admin/reset", json={"provider": "wealthyhood-sandbox"}).status_code == 200
    assert (state.store.count("wealthyhood"), state.store.count("wealthyhood-sandbox")) == (1, 0)


# (path, method, JSON pointer into the operation, what it must say): each as the code checks it.
DOCUMENTED = [
    ("/wallets", "get", "/parameters/0", {"in": "query", "name": "owner", "required": True,
                                          "schema": {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}}),
    ("/wallets", "get", "/security", [{"auth0": ["read:users"]}]),
    ("/users/me/employment-info", "patch", "/parameters/0/name", "x-user-id"),
    ("/users/me/employment-info", "patch", "/security", [{"auth0": ["write:users"]}]),
    ("/bank-accounts", "post", "/parameters/0/required", True),
    ("/bank-accounts", "post", "/security", [{"auth0": ["write:users"]}]),
    ("/test/users", "post", "/security", [{"auth0": ["write:users"]}]),
    ("/test/help/statuses", "get", "/security", [{"auth0": ["read:users"]}]),
]  # fmt: skip


def pointed(document, pointer: str):
    for part in pointer.strip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


@pytest.mark.parametrize(("path", "method", "pointer", "expected"), DOCUMENTED)
def test_the_sandbox_document_says_what_the_code_checks(client, path, method, pointer, expected):
    document = client.get(f"{SANDBOX}/openapi.json").get_json()
    assert pointed(document["paths"][path][method], pointer) == expected


def test_the_documents_request_schemas_say_what_the_code_checks(client):
    schemas = client.get(f"{SANDBOX}/openapi.json").get_json()["components"]["schemas"]
    assert schemas["UserCreate"]["properties"]["language"]["enum"] == ["en", "el"]
    assert schemas["EmploymentInfo"]["required"] == ["employmentStatus", "incomeRangeId", "sourcesOfWealth"]
    assert schemas["SandboxUserCreate"]["properties"]["status"]["enum"] == [
        "INVESTED", "INVESTED_WITH_CASH", "INVESTED_WITH_SAVINGS"
    ]  # fmt: skip
    assert schemas["SandboxDepositCreate"]["properties"]["amount"] == {"type": "number", "minimum": 0.01}
    assert schemas["SandboxDepositCreate"]["required"] == ["amount", "userId"]
    assert schemas["SandboxUser"]["required"] == ["_id", "currency", "email", "portfolios", "status"]
