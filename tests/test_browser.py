"""CORS proven in a real headless browser: a page on one origin calls the mock on another with fetch and
custom headers (which forces a preflight), and reads the answer and an exposed response header."""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

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


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="chromium is not installed")
def test_a_page_on_another_origin_calls_the_mock_with_fetch(live_server, unique_client, tmp_path):
    assert CHROMIUM, "CI installs Debian's chromium in .ci/run"
    credential = base64.b64encode(f"{unique_client}:".encode()).decode()  # a browser's base64(client_id:)
    page = PAGE.replace("MOCK", live_server.url).replace("CREDENTIAL", credential)
    server, page_url = serve_page(page)  # another port: another origin
    try:
        dom = run_page_in_chromium(page_url, str(tmp_path / "profile"))
    finally:
        server.shutdown()
        server.server_close()
    text = html.unescape(dom.split('<pre id="result">', 1)[1].split("</pre>", 1)[0])
    assert not text.startswith(("ERROR", "pending")), f"the page's fetch failed: {text}"
    result = json.loads(text)
    assert result["status"] == 200 and result["name"] == "Zoë" and result["listed"] == 1
    assert result["error_status"] == 400
    assert result["error"] == {
        "success": False,
        "error_code": "invalid-input",
        "message": "Request body must be a valid JSON object.",
    }
