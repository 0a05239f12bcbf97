"""The dashboard end to end: a real server in its own process, driven in headless Chromium (Debian's, through
Playwright) as a person would, by role and accessible name, so that a control without a name fails a test.
Each test makes its data under a credential of its own, and checks what the page did through the API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from mock_server.receiver import WebhookReceiver
from tests.conftest import chromium_executable, free_port
from tests.processes import stop_process

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM = chromium_executable()
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
START_SECONDS = 30
WAIT_MS = 10_000  # how long an expectation waits for the page (polls every second) before it fails
expect.set_options(timeout=WAIT_MS)

# Under CI=true a missing chromium stops the run before this (tests/conftest.py), in one line.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)"
)


ADMIN_TOKEN = "e2e-admin-token-7f3a"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`python -m mock_server` as `make run` starts it, seeded; stopped whatever the tests did."""
    yield from running_server()


@pytest.fixture(scope="module")
def guarded_server() -> Iterator[str]:
    """The same, with `--admin-token`."""
    yield from running_server("--admin-token", ADMIN_TOKEN)


def running_server(*args: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet", "--seed", "1", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, url)
        yield url
    finally:
        stop_process(process)
        process.stderr.close()


def wait_until_healthy(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}: {process.stderr.read().decode()}")
        try:
            if requests.get(f"{url}/__admin/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer within {START_SECONDS} s")


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile per test; a script error on the page fails the test."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(WAIT_MS)
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"script errors on the page: {errors}"


def dakota_headers(api_key: str) -> dict[str, str]:
    return {"x-api-key": api_key, "x-idempotency-key": str(uuid.uuid4())}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create_dakota_user(server: str, api_key: str, email: str) -> dict:
    body = {"first_name": "Zoë", "last_name": "Dashboard", "email": email, "role": "viewer"}
    created = requests.post(f"{server}/dakota/users", json=body, headers=dakota_headers(api_key), timeout=5)
    assert created.status_code == 201, created.text
    return created.json()


def answer_of(page) -> tuple[int, dict]:
    """The status and body of the provider's answer the users page shows."""
    text = page.get_by_label("Answer from the provider").text_content()
    _call, status, body = text.split("\n", 2)
    return int(status.removeprefix("→ ")), json.loads(body)


def test_the_overview_lists_each_api_with_counts_and_a_curl_that_works(server, page):
    page.goto(f"{server}/__admin/ui/")
    health = requests.get(f"{server}/__admin/health", timeout=5).json()
    expect(page.get_by_role("heading", name="Dots", exact=True)).to_be_visible()
    expect(page.locator("#total-users")).to_have_text(str(health["users"]))
    curl = page.get_by_label("curl for Dakota", exact=True)
    expect(curl).to_have_text(f"curl -H 'x-api-key: dk_test_mockserver' '{server}/dakota/users'")
    expect(page.get_by_role("button", name="Copy curl for Dakota", exact=True)).to_be_enabled()
    listed = requests.get(f"{server}/dakota/users", headers={"x-api-key": "dk_test_mockserver"}, timeout=5)
    assert listed.status_code == 200


def test_a_user_made_through_the_api_is_found_and_edited_and_a_refused_edit_shows_the_api_error(server, page):
    api_key, email = unique("dk_test_ui"), f"{unique('zoe')}@example.com"
    user = create_dakota_user(server, api_key, email)
    page.goto(f"{server}/__admin/ui/users")
    page.get_by_label("Provider", exact=True).select_option(label="Dakota")
    page.get_by_label("Credential scope", exact=True).select_option(value=api_key)
    page.get_by_label("Search").fill(email)
    page.get_by_role("button", name="Search users").click()
    page.get_by_role("button", name=f"Open Zoë Dashboard {email}").click()
    expect(page.get_by_label("User as the API shows it")).to_contain_text(user["id"])

    page.get_by_label("Changes (JSON)").fill('{"first_name": "Renamed"}')
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    seen = requests.get(f"{server}/dakota/users/{user['id']}", headers={"x-api-key": api_key}, timeout=5)
    assert seen.json()["first_name"] == "Renamed"

    page.get_by_label("Changes (JSON)").fill('{"first_name": ""}')
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text("Refused by the API: 400.")
    status, body = answer_of(page)
    refused = requests.patch(
        f"{server}/dakota/users/{user['id']}",
        json={"first_name": ""},
        headers=dakota_headers(api_key),
        timeout=5,
    )
    assert status == refused.status_code == 400
    assert without_request_id(body) == without_request_id(refused.json())  # the provider's own body


def without_request_id(body: dict) -> dict:
    """A Dakota error body less the id each request gets."""
    return {key: value for key, value in body.items() if key != "request_id"}


def test_a_new_request_appears_in_the_journal_without_a_reload(server, page):
    page.goto(f"{server}/__admin/ui/journal")
    page.evaluate("window.notReloaded = true")
    missing = f"/dakota/users/{unique('nobody')}"
    requests.get(f"{server}{missing}", headers={"x-api-key": "dk_test_mockserver"}, timeout=5)
    entry = page.get_by_role("listitem").filter(has_text=f"GET {missing}")
    expect(entry).to_be_visible()
    entry.locator("summary").click()  # opens it: request and response
    expect(entry).to_contain_text("X-Api-Key: dk_test_mo…")  # masked as the journal masks it
    expect(entry).to_contain_text('"status": 400')
    assert page.evaluate("window.notReloaded") is True


def test_a_fault_rule_added_in_the_page_fails_the_next_call_in_the_providers_shape(server, page):
    client = unique("pk_ui")
    page.goto(f"{server}/__admin/ui/faults")
    form = page.locator("#fault-add")
    form.get_by_label("Provider").select_option(label="Dots")
    form.get_by_label("Credential scope").fill(client)
    form.get_by_label("Status").fill("503")
    page.get_by_role("button", name="Add fault rule").click()
    expect(page.get_by_role("status")).to_have_text("Rule added.")

    failed = requests.get(f"{server}/dots/api/v2/users", auth=(client, ""), timeout=5)
    assert failed.status_code == 503
    assert failed.json() == {
        "success": False,
        "error_code": "service-unavailable",
        "message": "Service Unavailable",
    }
    rule = next(r for r in requests.get(f"{server}/__admin/faults", timeout=5).json()["faults"] if r["hits"])
    page.reload()
    page.get_by_role("button", name=f"Remove fault rule {rule['id']}").click()
    expect(page.get_by_role("button", name=f"Remove fault rule {rule['id']}")).to_have_count(0)
    assert requests.get(f"{server}/dots/api/v2/users", auth=(client, ""), timeout=5).status_code == 200


def test_the_outbox_shows_the_verification_code_that_verifies_the_user(server, page):
    client = unique("pk_ui")
    body = {
        "first_name": "Zoë",
        "last_name": "Outbox",
        "email": f"{unique('zoe')}@example.com",
        "country_code": "1",
        "phone_number": "4155550199",
    }
    user = requests.post(f"{server}/dots/api/v2/users", json=body, auth=(client, ""), timeout=5).json()
    sent = requests.post(
        f"{server}/dots/api/v2/users/{user['id']}/send-verification-token", auth=(client, ""), timeout=5
    )
    assert sent.status_code == 202
    page.goto(f"{server}/__admin/ui/messages")
    row = page.get_by_role("row").filter(has_text=user["id"])
    expect(row).to_have_count(1)
    code = row.locator(".code").text_content()
    assert re.fullmatch(r"\d{6}", code)
    verified = requests.post(
        f"{server}/dots/api/v2/users/{user['id']}/verify", json={"token": code}, auth=(client, ""), timeout=5
    )
    assert verified.status_code == 200, verified.text


def test_a_webhook_delivery_is_replayed_from_the_page(server, page):
    api_key = unique("dk_test_ui")
    public_key = requests.get(f"{server}/__admin/webhooks", timeout=5).json()["public_keys"]["dakota"]
    with WebhookReceiver(public_key) as receiver:
        target = requests.post(
            f"{server}/dakota/webhooks/targets",
            json={"url": receiver.url},
            headers=dakota_headers(api_key),
            timeout=5,
        )
        assert target.status_code == 201, target.text
        create_dakota_user(server, api_key, f"{unique('hook')}@example.com")
        first = receiver.wait_for("user.created", timeout=10)

        page.goto(f"{server}/__admin/ui/webhooks")
        page.get_by_label("API key").fill(api_key)
        page.get_by_role("button", name="Show webhooks").click()
        expect(page.get_by_role("cell", name=receiver.url).first).to_be_visible()
        page.get_by_role("button", name=f"Replay event {first.event_id}").click()
        expect(page.get_by_role("status")).to_have_text("Replay queued.")

        replayed = receiver.wait_for(event_id=first.event_id, replay=True, timeout=10)
        assert replayed.event_type == "user.created"
        expect(page.get_by_role("cell", name="delivered (replay)")).to_be_visible()


def test_with_an_admin_token_the_dashboard_asks_for_it_once_and_never_shows_it(guarded_server, page):
    page.goto(f"{guarded_server}/__admin/ui/")
    expect(page).to_have_url(f"{guarded_server}/__admin/ui/login")
    page.get_by_label("Admin token").fill("not-the-token")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("That is not the admin token.")).to_be_visible()

    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{guarded_server}/__admin/ui/")
    health = requests.get(
        f"{guarded_server}/__admin/health", headers={"X-Admin-Token": ADMIN_TOKEN}, timeout=5
    )
    expect(page.locator("#total-users")).to_have_text(str(health.json()["users"]))  # its fetches are let in
    page.goto(f"{guarded_server}/__admin/ui/journal")
    expect(page.get_by_role("heading", name="Journal", exact=True)).to_be_visible()
    assert ADMIN_TOKEN not in page.content()
    refused = requests.get(f"{guarded_server}/__admin/requests", timeout=5)
    assert refused.status_code == 401


PAGES = ["", "users", "journal", "faults", "messages", "webhooks", "data"]
# Every control a person can reach, and how its accessible name is worked out (the parts a test can read
# without an accessibility tree: aria-label, aria-labelledby, a <label>, its text, title, placeholder).
UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]'))
  .filter(el => el.offsetParent !== null || el.getClientRects().length)
  .filter(el => {
    const byIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => (document.getElementById(id) || {}).textContent || '').join('');
    const labels = Array.from(el.labels || []).map(l => l.textContent).join('');
    const text = el.tagName === 'INPUT' ? (['submit', 'button'].includes(el.type) ? el.value : '')
      : el.textContent;
    const name = [el.getAttribute('aria-label'), byIds, labels, text, el.title].join('').trim();
    return !name;
  })
  .map(el => el.outerHTML.slice(0, 120))"""


@pytest.mark.parametrize("path", PAGES)
def test_every_control_on_a_page_has_an_accessible_name(server, page, path):
    page.goto(f"{server}/__admin/ui/{path}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(UNNAMED_CONTROLS) == []


@pytest.mark.parametrize("path", PAGES)
def test_a_page_fits_a_phone_screen_without_sideways_scrolling(browser, server, path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto(f"{server}/__admin/ui/{path}")
        phone.wait_for_load_state("networkidle")
        overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path or 'overview'} is {overflow}px wider than the phone"
        expect(phone.get_by_role("navigation")).to_be_visible()
    finally:
        context.close()


def test_a_reset_of_one_credential_asks_first_and_leaves_the_others(server, page):
    mine, theirs = unique("dk_test_reset"), unique("dk_test_keep")
    for api_key in (mine, theirs):
        create_dakota_user(server, api_key, f"{unique('reset')}@example.com")
    page.goto(f"{server}/__admin/ui/data")
    page.get_by_label("Provider", exact=True).select_option(label="Dakota")
    page.get_by_label("Credential scope (optional)").fill(mine)

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Reset data").click()
    expect(page.get_by_role("status")).to_have_text("Reset cancelled.")
    assert len(dakota_users(server, mine)) == 1  # declining the confirmation changes nothing

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset data").click()
    expect(page.get_by_label("Admin API's answer")).to_contain_text('"reset"')
    assert dakota_users(server, mine) == []
    assert len(dakota_users(server, theirs)) == 1


def dakota_users(server: str, api_key: str) -> list[dict]:
    listed = requests.get(f"{server}/dakota/users", headers={"x-api-key": api_key}, timeout=5)
    assert listed.status_code == 200, listed.text
    return listed.json()["data"]
