import pytest

from tests.taliware.helpers import CREATE, USERS, error_result, headers, person


@pytest.mark.parametrize("path", ["/taliware/v1/cl2c/nothing", "/taliware/", "/taliware/v1/cl2c/users/a/b"])
def test_an_unknown_route_is_404_with_no_body_as_endpoint_routing_answers(client, path):
    response = client.get(path, headers=headers())
    assert response.status_code == 404
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    # ASP.NET Core would list only GET for the users route: Flask always adds HEAD beside GET.
    [
        ("PUT", CREATE, "POST"),
        ("GET", CREATE, "POST"),
        ("OPTIONS", CREATE, "POST"),
        ("DELETE", USERS, "GET, HEAD"),
    ],
)
def test_a_wrong_method_is_405_with_allow_and_no_body(client, method, path, allow):
    response = client.open(path, method=method, headers=headers())
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.get_data() == b""
    assert "Content-Type" not in response.headers


def test_an_unexpected_failure_is_500_in_error_result_shape_without_a_trace(app, client, monkeypatch):
    backend = app.extensions["mock_server"].backends["taliware"]
    monkeypatch.setattr(backend, "create", lambda *args, **kwargs: 1 / 0)
    app.logger.disabled = True
    response = client.post(CREATE, headers=headers(), json=person(1))
    assert response.status_code == 500
    body = response.get_json()
    assert body == error_result(
        body,
        500,
        "An unexpected error occurred.",
        "Taliware.CL2C.Infrastructure.Middleware.ExceptionMiddleware",
    )
    assert "Traceback" not in response.get_data(as_text=True)


def test_error_ids_and_trace_ids_differ_per_request(client):
    first = client.get(f"{USERS}/x", headers=headers()).get_json()["errorId"]
    second = client.get(f"{USERS}/x", headers=headers()).get_json()["errorId"]
    assert first != second
    traces = {client.post(CREATE, headers=headers(), json={}).get_json()["traceId"] for _ in range(2)}
    assert len(traces) == 2
