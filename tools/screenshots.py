"""Screenshots of the dashboard's main pages for docs/screenshots/, from a seeded server: how they are made
and refreshed (docs/dashboard.md shows them).

    .venv/bin/python tools/screenshots.py

Needs Debian's chromium (apt-get install chromium) and the dev extra's Playwright; never `playwright install`.
It starts `python -m mock_server --seed 1` on a free port, makes a little traffic through the APIs so that
the journal, outbox and webhooks pages have something to show, and stops the server whatever happens."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PAGES = {
    "overview": "",
    "users": "users",
    "journal": "journal",
    "faults": "faults",
    "messages": "messages",
    "webhooks": "webhooks",
}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
DOTS_CREDENTIAL = ("pk_dev_mockserver", "sk_dev_mockserver")  # the bundled fixtures' client
DAKOTA_KEY = "dk_test_mockserver"
SETTLE_MS = 1500  # the pages poll every second: let them fill before the picture


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"the server exited with {process.returncode}")
        try:
            if requests.get(f"{url}/__admin/health", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    sys.exit("the server did not start within 30 s")


def make_traffic(url: str) -> None:
    """A few calls of each kind, so every page has rows: users, journal entries, a code, a fault, a hook."""
    users = requests.get(f"{url}/dots/api/v2/users", auth=DOTS_CREDENTIAL, timeout=5).json()["data"]
    requests.post(
        f"{url}/dots/api/v2/users/{users[0]['id']}/send-verification-token", auth=DOTS_CREDENTIAL, timeout=5
    )
    requests.post(f"{url}/dots/api/v2/users", json={"first_name": "Ada"}, auth=DOTS_CREDENTIAL, timeout=5)
    dakota = {"x-api-key": DAKOTA_KEY}
    requests.post(
        f"{url}/dakota/webhooks/targets",
        json={"url": "http://127.0.0.1:9/webhooks"},  # nothing listens: deliveries show their failed attempts
        headers={**dakota, "x-idempotency-key": str(uuid.uuid4())},
        timeout=5,
    )
    requests.post(
        f"{url}/dakota/users",
        json={"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "role": "viewer"},
        headers={**dakota, "x-idempotency-key": str(uuid.uuid4())},
        timeout=5,
    )
    requests.post(
        f"{url}/__admin/faults",
        json={"provider": "taliware", "method": "POST", "status": 503, "times": 3},
        timeout=5,
    )


def shoot(url: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed (Debian: apt-get install chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=DESKTOP)
            for name, path in PAGES.items():
                page.goto(f"{url}/__admin/ui/{path}")
                page.wait_for_timeout(SETTLE_MS)
                target = OUT / f"{name}.png"
                page.screenshot(path=str(target))
                saved.append(target)
        finally:
            browser.close()
    return saved


def main() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "mock_server", "--port", str(port), "--quiet", "--seed", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_until_healthy(url, process)
        make_traffic(url)
        for path in shoot(url):
            print(path.relative_to(ROOT))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
