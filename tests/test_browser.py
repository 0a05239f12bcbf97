"""CORS proven in a real headless browser: pages on one origin call every provider on another with fetch and
custom headers (each forcing a preflight), and read the answers and the exposed response headers."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import chromium_executable, free_port
from tests.dakota.helpers import REQUEST_ID
from tests.dakota.helpers import expected_user as dakota_user
from tests.taliware.helpers import expected_user as taliware_user
from tests.wealthyhood.helpers import expected_user as wealthyhood_user

CHROMIUM = chromium_executable()

PAGE = """<!doctype html>
<html><body><pre id="result">pending</pre>
<script>
const headers = {
  "Authorization": "Basic CREDENTIAL",
  "Content-Type": "application/json",
  "x-request-id": "browser-test",
};
const body = {first_name: "Zoë", last_name: "Browser", email: "zoe@example.com",
              country_code: "1", phone_number: "4155550199"};
(async () => {
  const out = document.getElementById("result");
  try {
    const created = await fetch("MOCK/dots/api/v2/users",
                                {method: "POST", headers, body: JSON.stringify(body)});
    const user = await created.json();
    const listed = await fetch("MOCK/dots/api/v2/users", {headers});
    const failed = await fetch("MOCK/dots/api/v2/users", {method: "POST", headers, body: "{"});
    out.textContent = JSON.stringify({
      status: created.status, name: user.first_name, id: user.id,
      listed: (await listed.json()).data.length,
      error_status: failed.status, error: await failed.json(),
    });
  } catch (error) {
    out.textContent = "ERROR " + error;
  }
})();
</script></body></html>"""


# Every other provider's custom headers, each forcing its own preflight: Dakota's x-api-key and
# x-idempotency-key (reading the exposed x-request-id and Idempotent-Replayed), Taliware's tenant and
# X-API-Key, Wealthyhood's bearer token and x-user-id. SCOPE keeps the data apart from other tests'.
EVERY_PROVIDER_PAGE = """<!doctype html>
<html><body><pre id="result">pending</pre>
<script>
const MOCK = "MOCK_URL";
const json = {"Content-Type": "application/json"};
async function call(path, init) {
  const response = await fetch(MOCK + path, init);
  return {status: response.status, body: await response.json(), headers: response.headers};
}
async function dakota() {
  const init = {method: "POST", body: JSON.stringify(DAKOTA_BODY),
                headers: {...json, "x-api-key": "SCOPE", "x-idempotency-key": "IDEMPOTENCY_KEY"}};
  const first = await call("/dakota/users", init);
  const replay = await call("/dakota/users", init);
  return {status: first.status, body: first.body, request_id: first.headers.get("x-request-id"),
          replayed: first.headers.get("Idempotent-Replayed"),
          replay_status: replay.status, replay_body: replay.body,
          replay_replayed: replay.headers.get("Idempotent-Replayed")};
}
async function taliware() {
  const created = await call("/taliware/v1/cl2c/user", {method: "POST", body: JSON.stringify(TALIWARE_BODY),
                             headers: {...json, "tenant": "SCOPE", "X-API-Key": "browser-key"}});
  return {status: created.status, body: created.body};
}
async function wealthyhood() {
  const grant = {grant_type: "client_credentials", client_id: "SCOPE", client_secret: "browser-secret",
                 audience: "https://api.wealthyhood.com"};
  const token = await call("/wealthyhood/oauth/token",
                           {method: "POST", headers: json, body: JSON.stringify(grant)});
  const bearer = {"Authorization": "Bearer " + token.body.access_token};
  const created = await call("/wealthyhood/users", {method: "POST", headers: {...json, ...bearer},
                                                    body: JSON.stringify(WEALTHYHOOD_BODY)});
  const me = await call("/wealthyhood/users/me", {headers: {...bearer, "x-user-id": created.body.id}});
  return {token_status: token.status, token_type: token.body.token_type, status: created.status,
          body: created.body, me_status: me.status, me: me.body};
}
(async () => {
  const out = document.getElementById("result");
  try {
    out.textContent = JSON.stringify(
      {dakota: await dakota(), taliware: await taliware(), wealthyhood: await wealthyhood()});
  } catch (error) {
    out.textContent = "ERROR " + error;
  }
})();
</script></body></html>"""
DAKOTA_BODY = {"first_name": "Zoë", "last_name": "Browser", "email": "zoe@example.com", "role": "viewer"}
TALIWARE_BODY = {
    "firstName": "Zoë",
    "lastName": "Browser",
    "email": "zoe@example.com",
    "userName": "zoe.browser",
    "phoneNumber": "+14155550199",
}
WEALTHYHOOD_BODY = {
    "email": "zoe@example.com",
    "firstName": "Zoë",
    "lastName": "Browser",
    "dateOfBirth": "1990-05-15",
    "residencyCountry": "GB",
}


def serve_page(page: str) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            data = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def run_page_in_chromium(url: str, profile: str) -> str:
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=90,
    )
    return result.stdout


def page_result(page: str, tmp_path) -> dict:
    """What the page, served on an origin of its own, writes into its result element in Chromium."""
    server, page_url = serve_page(page)  # another port: another origin
    try:
        dom = run_page_in_chromium(page_url, str(tmp_path / "profile"))
    finally:
        server.shutdown()
        server.server_close()
    text = html.unescape(dom.split('<pre id="result">', 1)[1].split("</pre>", 1)[0])
    assert not text.startswith(("ERROR", "pending")), f"the page's fetch failed: {text}"
    return json.loads(text)


# Under CI=true a missing chromium stops the run before this (tests/conftest.py), in one line.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install chromium)"
)


@needs_chromium
def test_a_page_on_another_origin_calls_the_mock_with_fetch(live_server, unique_client, tmp_path):
    credential = base64.b64encode(f"{unique_client}:".encode()).decode()  # a browser's base64(client_id:)
    result = page_result(PAGE.replace("MOCK", live_server.url).replace("CREDENTIAL", credential), tmp_path)
    assert result["status"] == 200 and result["name"] == "Zoë" and result["listed"] == 1
    assert result["error_status"] == 400
    assert result["error"] == {
        "success": False,
        "error_code": "invalid-input",
        "message": "Request body must be a valid JSON object.",
    }


@needs_chromium
def test_a_page_calls_every_provider_with_its_custom_headers_and_reads_the_exposed_ones(
    live_server, tmp_path
):
    scope = f"browser-{uuid.uuid4().hex[:12]}"  # a Dakota key, Taliware tenant and Wealthyhood client
    page = (
        EVERY_PROVIDER_PAGE.replace("MOCK_URL", live_server.url)
        .replace("SCOPE", scope)
        .replace("IDEMPOTENCY_KEY", str(uuid.uuid4()))
        .replace("DAKOTA_BODY", json.dumps(DAKOTA_BODY))
        .replace("TALIWARE_BODY", json.dumps(TALIWARE_BODY))
        .replace("WEALTHYHOOD_BODY", json.dumps(WEALTHYHOOD_BODY))
    )
    result = page_result(page, tmp_path)

    dakota = result["dakota"]
    user = dakota["body"]
    assert (dakota["status"], user) == (201, dakota_user(user["id"], DAKOTA_BODY, user["created_at"]))
    assert REQUEST_ID.match(dakota["request_id"])  # readable: exposed to the script
    assert dakota["replayed"] is None
    assert (dakota["replay_status"], dakota["replay_body"], dakota["replay_replayed"]) == (201, user, "true")

    taliware = result["taliware"]
    valid_until = taliware["body"]["authValidUpto"]  # the live server runs on the real clock
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", valid_until)
    assert taliware["status"] == 200
    assert taliware["body"] == taliware_user(taliware["body"], TALIWARE_BODY, authValidUpto=valid_until)

    wealthyhood = result["wealthyhood"]
    assert (wealthyhood["token_status"], wealthyhood["token_type"]) == (200, "Bearer")
    created = wealthyhood["body"]
    assert wealthyhood["status"] == 201
    assert created == wealthyhood_user(created["id"], WEALTHYHOOD_BODY, created_at=created["createdAt"])
    assert (wealthyhood["me_status"], wealthyhood["me"]) == (200, created)
