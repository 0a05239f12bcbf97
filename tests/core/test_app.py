import pytest

from mock_server import create_app
from mock_server.core.routing import host_without_port
from tests.conftest import basic

USERS = "/api/v2/users"


@pytest.mark.parametrize(
    ("host", "namespace"),
    [
        ("api.dots.dev", "dots"),
        ("API.DOTS.DEV:443", "dots"),
        ("api.senddotssandbox.com", "dots-sandbox"),
        ("pls.senddotssandbox.com", "dots-sandbox"),
    ],
)
def test_a_real_host_reaches_its_provider_without_the_prefix(client, state, host, namespace):
    response = client.get(USERS, headers={"Host": host, **basic("c1")})
    assert response.status_code == 200
    client.post(USERS, headers={"Host": host, **basic("c1")}, json=VALID)
    assert state.store.count(namespace) == 1


def test_an_unknown_host_without_a_prefix_is_not_routed(client):
    response = client.get(USERS, headers=basic("c1"))
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "No emulated API at /api/v2/users. APIs are mounted at: /dots, /dots-sandbox, /wealthyhood, "
        "/wealthyhood-sandbox, /dakota, /dakota-sandbox, /taliware; "
        "or send a provider's real host in the Host header."
    }


def test_one_provider_served_alone_answers_at_the_root():
    client = create_app({"provider": "dots-sandbox"}).test_client()
    assert client.get(USERS, headers=basic("c1")).status_code == 200
    assert client.get("/dots" + USERS, headers=basic("c1")).status_code == 404


def test_an_unknown_provider_name_is_refused():
    with pytest.raises(ValueError, match="unknown provider 'nope'"):
        create_app({"provider": "nope"})


def test_each_app_is_a_clean_world():
    first, second = create_app(), create_app()
    first.test_client().post("/dots" + USERS, headers=basic("c1"), json=VALID)
    assert first.extensions["mock_server"].store.count() == 1
    assert second.extensions["mock_server"].store.count() == 0


def test_the_journal_records_requests_with_credentials_masked(client, state):
    client.post("/dots" + USERS, headers=basic("client-with-a-long-id"), json=VALID)
    (entry,) = state.journal.entries()
    assert (entry.provider, entry.method, entry.path, entry.status) == ("dots", "POST", "/dots" + USERS, 200)
    assert entry.headers["Authorization"] == "Basic Y2xp…"
    assert '"first_name": "Bob"' in entry.body or '"first_name":"Bob"' in entry.body
    assert '"id":' in entry.response_body


def test_the_journal_is_a_bounded_ring():
    app = create_app({"journal_size": 3})
    client = app.test_client()
    for _ in range(5):
        client.get("/dots" + USERS, headers=basic("c1"))
    assert len(app.extensions["mock_server"].journal.entries()) == 3


def test_reset_of_one_provider_keeps_the_others(client, state):
    client.post("/dots" + USERS, headers=basic("c1"), json=VALID)
    client.post("/dots-sandbox" + USERS, headers=basic("c1"), json=VALID)
    state.reset("dots")
    assert (state.store.count("dots"), state.store.count("dots-sandbox")) == (0, 1)


@pytest.mark.parametrize(
    ("header", "host"),
    [("api.dots.dev", "api.dots.dev"), ("api.dots.dev:8080", "api.dots.dev"), ("[::1]:8080", "[::1]")],
)
def test_host_without_port(header, host):
    assert host_without_port(header) == host


VALID = {
    "first_name": "Bob",
    "last_name": "Loblaw",
    "email": "bob@bobloblaw.com",
    "country_code": "1",
    "phone_number": "4154332334",
}
