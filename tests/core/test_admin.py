import time

import pytest
import requests

from mock_server import create_app
from tests.conftest import basic
from tests.dots.helpers import PROD, SANDBOX, error, person

AUTH = basic("client-a")
SOME_UUID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"


def test_health_lists_the_providers(client):
    client.post(PROD, headers=AUTH, json=person(1))
    response = client.get("/__admin/health")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "store": "memory",
        "providers": {
            "dots": "/dots",
            "dots-sandbox": "/dots-sandbox",
            "wealthyhood": "/wealthyhood",
            "wealthyhood-sandbox": "/wealthyhood-sandbox",
            "dakota": "/dakota",
            "dakota-sandbox": "/dakota-sandbox",
            "taliware": "/taliware",
        },
        "users": 1,
    }


def test_reset_all_clears_users_journal_and_faults(client, state):
    client.post(PROD, headers=AUTH, json=person(1))
    client.post("/__admin/faults", json={"status": 503})
    response = client.post("/__admin/reset")
    assert response.status_code == 200
    assert response.get_json() == {
        "reset": [
            "dakota",
            "dakota-sandbox",
            "dots",
            "dots-sandbox",
            "taliware",
            "wealthyhood",
            "wealthyhood-sandbox",
        ],
        "scope": None,
        "loaded": {},
    }
    assert (state.store.count(), len(state.journal.entries()), state.faults.list()) == (0, 0, [])


def test_reset_one_provider_keeps_the_others(client, state):
    client.post(PROD, headers=AUTH, json=person(1))
    client.post(SANDBOX, headers=AUTH, json=person(1))
    response = client.post("/__admin/reset", json={"provider": "dots-sandbox"})
    assert response.get_json() == {"reset": ["dots-sandbox"], "scope": None, "loaded": {}}
    assert (state.store.count("dots"), state.store.count("dots-sandbox")) == (1, 0)
    assert {entry.provider for entry in state.journal.entries()} == {"dots"}


def test_reset_of_an_unknown_provider_is_400(client):
    response = client.post("/__admin/reset", json={"provider": "nope"})
    assert response.status_code == 400
    assert response.get_json() == {"error": "provider: Unknown provider 'nope'."}


def test_journal_filters_by_provider_method_path_and_status(client):
    client.post(PROD, headers=AUTH, json=person(1))
    client.post(PROD, headers=AUTH, json={})
    client.get(SANDBOX, headers=AUTH)
    assert client.get("/__admin/requests").get_json()["total"] == 3
    failed = client.get("/__admin/requests?status=400").get_json()["requests"]
    assert [(entry["method"], entry["status"]) for entry in failed] == [("POST", 400)]
    assert failed[0]["response_body"] == (
        '{"success":false,"error_code":"invalid-input","message":"first_name is required."}'
    )
    assert client.get("/__admin/requests?provider=dots-sandbox&method=get").get_json()["total"] == 1
    assert client.get("/__admin/requests?path=/dots/*").get_json()["total"] == 2


def test_journal_since_filters_by_time(client, clock):
    client.get(PROD, headers=AUTH)
    clock.advance(60)
    client.get(SANDBOX, headers=AUTH)
    since = clock.now().isoformat()
    entries = client.get("/__admin/requests", query_string={"since": since}).get_json()["requests"]
    assert [entry["provider"] for entry in entries] == ["dots-sandbox"]


def test_journal_masks_credentials_and_is_cleared_by_delete(client):
    client.get(PROD, headers=basic("a-long-client-id"))
    (entry,) = client.get("/__admin/requests").get_json()["requests"]
    assert entry["headers"]["Authorization"].endswith("…")
    assert "YS1sb25nLWNsaWVudC1pZDpza19kZXZfc2VjcmV0" not in str(entry)  # base64 of the credential
    assert client.delete("/__admin/requests").status_code == 204
    assert client.get("/__admin/requests").get_json() == {"requests": [], "total": 0}


def test_admin_calls_are_not_journaled(client):
    client.get("/__admin/health")
    assert client.get("/__admin/requests").get_json()["total"] == 0


def test_a_status_fault_answers_in_the_providers_shape_for_the_next_n_requests(client, state):
    rule = client.post(
        "/__admin/faults", json={"provider": "dots", "method": "POST", "times": 2, "status": 503}
    )
    assert rule.status_code == 201
    for _ in range(2):
        response = client.post(PROD, headers=AUTH, json=person(1))
        assert response.status_code == 503
        assert response.get_json() == error("service-unavailable", "Service Unavailable")
    assert client.post(PROD, headers=AUTH, json=person(1)).status_code == 200
    assert client.get("/__admin/faults").get_json() == {"faults": []}  # spent
    assert state.store.count() == 1


def test_a_fault_matches_only_its_provider_method_and_path(client):
    client.post("/__admin/faults", json={"provider": "dots", "path": "/api/v2/users/*", "status": 500})
    assert client.get(PROD, headers=AUTH).status_code == 200  # the list path does not match
    assert client.get(f"{SANDBOX}/{SOME_UUID}", headers=AUTH).status_code == 404  # another provider
    response = client.get(f"{PROD}/{SOME_UUID}", headers=AUTH)
    assert response.get_json() == error("internal-server-error", "Internal Server Error")


def test_a_probability_fault_fires_about_that_often_and_repeatably():
    def statuses(seed: int) -> list[int]:
        client = create_app({"seed": seed}).test_client()
        client.post("/__admin/faults", json={"probability": 0.3, "status": 502, "message": "upstream down"})
        return [client.get(PROD, headers=AUTH).status_code for _ in range(200)]

    first = statuses(5)
    assert first == statuses(5)
    assert 30 <= first.count(502) <= 90


def test_a_drop_fault_drops_the_connection_over_a_socket(live_server):
    admin = f"{live_server.url}/__admin/faults"
    rule = requests.post(admin, json={"drop": True, "times": 1, "path": "/drop-test/*"}, timeout=5).json()
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.get(f"{live_server.url}/dots/drop-test/x", auth=("c", "s"), timeout=5)
    after = requests.get(f"{live_server.url}/dots/drop-test/x", auth=("c", "s"), timeout=5)
    assert after.status_code == 404  # the rule was spent: the next request is answered normally
    assert rule["id"] not in requests.get(admin, timeout=5).text


def test_faults_are_listed_and_deleted(client):
    rule = client.post("/__admin/faults", json={"latency_ms": [10, 20]}).get_json()
    assert client.get("/__admin/faults").get_json()["faults"] == [rule]
    assert rule["latency_ms"] == [10, 20] and rule["hits"] == 0
    assert client.delete(f"/__admin/faults/{rule['id']}").status_code == 204
    assert client.delete(f"/__admin/faults/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({}, "_schema: A rule needs status, latency_ms or drop."),
        ({"status": 200}, "status: Must be greater than or equal to 400 and less than or equal to 599."),
        (
            {"drop": True, "status": 500},
            "_schema: A rule cannot both drop the connection and answer a status.",
        ),
        ({"latency_ms": [5, 1]}, "latency_ms: latency_ms must be a number of milliseconds or [min, max]."),
        ({"status": 500, "provider": "nope"}, "provider: Unknown provider 'nope'."),
    ],
)
def test_a_bad_fault_rule_is_refused(client, rule, message):
    response = client.post("/__admin/faults", json=rule)
    assert (response.status_code, response.get_json()) == (400, {"error": message})


def test_a_latency_fault_delays_the_request(client):
    client.post("/__admin/faults", json={"latency_ms": 150, "times": 1})
    started = time.monotonic()
    client.get(PROD, headers=AUTH)
    assert time.monotonic() - started >= 0.15


def test_global_latency_delays_every_api_request_but_not_admin():
    client = create_app({"latency_ms": "120-130"}).test_client()
    started = time.monotonic()
    client.get(PROD, headers=AUTH)
    assert time.monotonic() - started >= 0.12
    started = time.monotonic()
    client.get("/__admin/health")
    assert time.monotonic() - started < 0.1
