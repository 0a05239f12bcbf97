"""The journal keeps bodies as sent, but masks secrets inside them as it masks credential headers."""

import json
import time

import pytest
import requests

from mock_server.core.journal import mask_body, mask_form
from tests.dakota.helpers import key
from tests.wealthyhood.helpers import TOKEN, token_request

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "masked"),
    [
        ('{"client_secret":"s3cr3t-value-1234"}', '{"client_secret":"s3cr3t-val…"}'),
        ('{"password": "short"}', '{"password": "…"}'),
        ('{"clientSecret" : "abcdefghijKLMN"}', '{"clientSecret" : "abcdefghij…"}'),
        ('{"api-key":"k","API_KEY":"k2"}', '{"api-key":"…","API_KEY":"…"}'),
        (
            '{"user":{"name":"Bob","password":"hunter2hunter2"}}',
            '{"user":{"name":"Bob","password":"hunter2hun…"}}',
        ),
        ('{"api_key": 123456789012345}', '{"api_key": 1234567890…}'),
        ('{"password": null, "token": true}', '{"password": null, "token": true}'),
        ('{"secret":"ab\\"cdefghijklmn"}', '{"secret":"ab…"}'),  # never half an escape sequence
        (
            '{"note":"my \\"password\\": \\"x\\"","email":"a@b.c"}',
            '{"note":"my \\"password\\": \\"x\\"","email":"a@b.c"}',
        ),
        (
            '{"passwords":["a","b"],"secret_question":"pet?"}',
            '{"passwords":["a","b"],"secret_question":"pet?"}',
        ),
        ('{"password":"unterminated', '{"password":"unterminated'),  # not a member: nothing to mask
        ("not json at all", "not json at all"),
    ],
)
def test_mask_body_masks_the_values_of_secret_json_fields_only(body, masked):
    assert mask_body(body, "application/json") == masked


@pytest.mark.parametrize(
    "body",
    ['{"password":"' + '\\"' * 8000, '{"k":"' + '\\"' * 8000, '"a"' * 5000, '"' + "x:" * 8000],
)
def test_mask_body_takes_linear_time_on_a_hostile_16_kib_body(body):
    started = time.perf_counter()
    assert mask_body(body, None) == body  # nothing in these is a whole secret member
    assert time.perf_counter() - started < 0.1  # a backtracking pattern took over a second


def test_mask_body_reads_json_whatever_the_content_type_says():
    assert mask_body('{"password":"hunter2hunter2"}', "text/plain") == '{"password":"hunter2hun…"}'


@pytest.mark.parametrize(
    ("form", "masked"),
    [
        (
            "grant_type=client_credentials&client_id=app&client_secret=s3cr3t-value-1234",
            "grant_type=client_credentials&client_id=app&client_secret=s3cr3t-val…",
        ),
        ("client%5Fsecret=abc&audience=a", "client%5Fsecret=…&audience=a"),
        ("limit=10&search=secret", "limit=10&search=secret"),
        ("", ""),
    ],
)
def test_mask_form_masks_secret_fields_of_forms_and_query_strings(form, masked):
    assert mask_form(form) == masked
    assert mask_body(form, FORM) == masked


def journal(client) -> list[dict]:
    return client.get("/__admin/requests").get_json()["requests"]


def test_a_token_request_and_its_token_are_masked_in_the_journal(client):
    body = json.dumps(token_request(client_secret="a-client-secret-of-32-characters"))
    response = client.post(TOKEN, data=body, content_type="application/json")
    token = response.get_json()["access_token"]
    (entry,) = journal(client)
    assert entry["body"] == (
        '{"grant_type": "client_credentials", "audience": "https://api.wealthyhood.com", '
        '"client_id": "client-a", "client_secret": "a-client-s…"}'
    )
    assert entry["response_body"] == (
        f'{{"access_token":"{token[:10]}…","token_type":"Bearer","expires_in":3600,'
        '"scope":"read:users write:users"}'
    )
    assert "a-client-secret-of-32-characters" not in str(entry) and token not in str(entry)


def test_a_form_encoded_token_request_is_kept_and_masked_in_the_journal(client):
    form = "grant_type=client_credentials&client_id=app&client_secret=s3cr3t-value-1234&audience=a"
    response = client.post(TOKEN, data=form, content_type=FORM)
    assert response.status_code == 200  # the form was still read after the journal kept its bytes
    (entry,) = journal(client)
    assert entry["body"] == "grant_type=client_credentials&client_id=app&client_secret=s3cr3t-val…&audience=a"


def test_a_secret_in_the_query_string_is_masked_in_the_journal(client):
    client.get("/dakota/users?limit=5&api_key=dk_live_4KLkSmzQbL6Xs8xnUjssdGHX7PfhHpAb")
    (entry,) = journal(client)
    assert entry["query"] == "limit=5&api_key=dk_live_4K…"


def test_a_body_without_secrets_is_kept_exactly_as_sent(client):
    body = '{ "first_name": "Zoë",\n  "last_name": "Doe", "email": "zoe@example.com", "role": "admin" }'
    client.post(
        "/dakota/users",
        data=body.encode(),
        headers={"x-api-key": "key-a", "x-idempotency-key": key(1), "Content-Type": "application/json"},
    )
    (entry,) = journal(client)
    assert entry["body"] == body


# --- a dropped connection is journaled as what it was: no answer ------------------------------------


def test_a_dropped_connection_is_journaled_with_no_status(client):
    client.post("/__admin/faults", json={"drop": True, "times": 1, "provider": "dakota"})
    client.get("/dakota/users", headers={"x-api-key": "key-a"})  # the test client gets no socket to cut
    client.get("/dakota/users", headers={"x-api-key": "key-a"})
    dropped, answered = journal(client)
    # Was status 200: the status line of a response that was never sent whole.
    assert (dropped["status"], dropped["dropped"], dropped["response_body"]) == (None, True, "")
    assert (answered["status"], answered["dropped"]) == (200, False)


def test_a_dropped_connection_is_not_listed_as_a_200(client):
    client.post("/__admin/faults", json={"drop": True, "times": 1})
    client.get("/dakota/users", headers={"x-api-key": "key-a"})
    assert client.get("/__admin/requests?status=200").get_json() == {"requests": [], "total": 0}


def test_a_connection_dropped_over_a_socket_is_journaled_as_dropped(live_server):
    path = f"/drop-journal-{time.monotonic_ns()}"
    admin = f"{live_server.url}/__admin"
    requests.post(f"{admin}/faults", json={"drop": True, "times": 1, "path": path}, timeout=5)
    with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.get(f"{live_server.url}/dakota{path}", headers={"x-api-key": "key-a"}, timeout=5)
    entries = requests.get(f"{admin}/requests", params={"path": f"/dakota{path}"}, timeout=5).json()
    assert [(entry["status"], entry["dropped"], entry["response_body"]) for entry in entries["requests"]] == [
        (None, True, "")
    ]
