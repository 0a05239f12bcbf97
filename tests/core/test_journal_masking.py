"""A secret in a body is masked whatever its Content-Type says: clients mislabel form bodies (sent as
JSON, as text, or with no Content-Type at all), and the journal must not show their secrets."""

from __future__ import annotations

import time

import pytest
import requests

from mock_server.core.journal import mask_body
from tests.wealthyhood.helpers import TOKEN

FORM = "application/x-www-form-urlencoded"
SECRET = "cs_live_7f3a9c2e41b84d6f9a0e5c1b2d3f4a5b"
MASKED = "cs_live_7f…"  # its first ten characters, as a credential header is masked
MISLABELS = [None, "application/json", "text/plain"]  # what a form body is wrongly sent as


def token_form(client_id: str, secret: str = SECRET) -> str:
    return f"grant_type=client_credentials&client_id={client_id}&client_secret={secret}&audience=a"


@pytest.mark.parametrize("media_type", MISLABELS)
def test_mask_body_masks_a_form_whatever_its_declared_media_type(media_type):
    assert mask_body(token_form("app"), media_type) == token_form("app", MASKED)


def test_mask_body_masks_json_declared_as_a_form():
    body = f'\n  {{"client_id": "app", "client_secret": "{SECRET}"}}'
    assert mask_body(body, FORM) == f'\n  {{"client_id": "app", "client_secret": "{MASKED}"}}'


def test_a_json_body_keeps_form_like_text_in_its_strings_byte_for_byte():
    # A guard on how forms are found: read as a form, this body's last "field" would run to its end
    # and swallow the closing quote.
    body = '{"callback": "https://app.example/cb?code=1&token=abcdefghijklmnop"}'
    assert mask_body(body, "application/json") == body


@pytest.mark.parametrize("body", ["a" * 16384, " " * 16384])
def test_mask_body_takes_linear_time_on_a_hostile_16_kib_form(body):
    started = time.perf_counter()
    mask_body(body, FORM)
    assert time.perf_counter() - started < 0.1  # a field that could start anywhere took over a second


def journal_text(live_server) -> str:
    response = requests.get(f"{live_server.url}/__admin/requests", timeout=5)
    assert response.status_code == 200
    return response.content.decode("utf-8")


def journaled_body(live_server, client_id: str) -> str:
    response = requests.get(f"{live_server.url}/__admin/requests", params={"path": TOKEN}, timeout=5)
    (entry,) = [entry for entry in response.json()["requests"] if client_id in entry["body"]]
    return entry["body"]


@pytest.mark.parametrize("content_type", MISLABELS)
def test_a_mislabelled_form_token_request_is_journaled_with_its_secret_masked(
    live_server, unique_client, content_type
):
    headers = {"Content-Type": content_type} if content_type else {}
    form = token_form(unique_client)
    # A str body: requests sends it as it is, with no Content-Type of its own.
    requests.post(f"{live_server.url}{TOKEN}", data=form, headers=headers, timeout=5)
    text = journal_text(live_server)
    assert SECRET not in text
    assert MASKED in text
    assert journaled_body(live_server, unique_client) == token_form(unique_client, MASKED)
