#!/usr/bin/env bash
# The documentation site: build it with `mkdocs build --strict` into site/, serve site/ on
# 127.0.0.1, and check it in headless Chromium: the home page renders, the API reference
# shows the generated resource methods with their arguments, and the search finds a method
# by name. The home page's screenshot is saved as site/_screenshots/home.png. Any failure
# exits non-zero. Uses the venv .ci/run made (.venv), or makes one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 NO_MKDOCS_2_WARNING=1

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet -e ".[docs]" "playwright>=1.40"

# Debian's Chromium; Playwright drives it (its own browser downloads are not used).
if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

rm -rf site
.venv/bin/mkdocs build --strict --site-dir site

.venv/bin/python - <<'PY'
"""Serve site/ on loopback and check it in headless Chromium."""

import functools
import http.server
import sys
import tempfile
import threading
import typing
from pathlib import Path

from playwright.sync_api import sync_playwright

from telnyx_rooms_async._client import RoomsClient
from telnyx_rooms_async._operations import OPERATIONS
from telnyx_rooms_async.params import reading_order

SITE = Path("site").resolve()
SHOTS = SITE / "_screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Each client attribute (rooms, room_sessions...) and its resource class's name.
CLASSES = {name: cls.__name__ for name, cls in typing.get_type_hints(RoomsClient).items()}


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


handler = functools.partial(Quiet, directory=str(SITE))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{server.server_address[1]}"
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


SIGNATURE_JS = """id => {
    const heading = document.getElementById(id);
    if (!heading) return null;
    const signature = heading.closest('.doc-object').querySelector('.doc-signature');
    return signature ? signature.innerText : '';
}"""

with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
    browser = playwright.chromium.launch_persistent_context(
        profile,
        executable_path="/usr/bin/chromium",
        headless=True,
        args=FLAGS,
        viewport={"width": 1280, "height": 900},
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The home page: README.md as the front page, with the site's navigation.
    page.goto(f"{base}/", wait_until="networkidle")
    heading = page.locator("article h1").first.inner_text()
    check(heading.startswith("telnyx-rooms-async"), f"home: the page's heading ({heading!r})")
    check(page.locator("text=Quick start").count() > 0, "home: the quick start")
    check(page.locator("nav >> text=API reference").count() > 0, "home: the navigation")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "home.png"), full_page=False)
    check((SHOTS / "home.png").stat().st_size > 10_000, "home: screenshot saved")

    # The API reference: every generated method, with each of its arguments.
    page.goto(f"{base}/reference/resources/", wait_until="networkidle")
    for op in OPERATIONS:
        anchor = f"telnyx_rooms_async._resources.{CLASSES[op.resource]}.{op.name}"
        signature = page.evaluate(SIGNATURE_JS, anchor)
        arguments = [op.id_name] if op.id_name else []
        arguments += [a.name for a in reading_order(op.params)]
        shown = signature is not None and all(f"{a}" in signature for a in arguments)
        check(shown, f"reference: {op.key}({', '.join(arguments)})")
    page.goto(f"{base}/reference/client/", wait_until="networkidle")
    client = page.evaluate(SIGNATURE_JS, "telnyx_rooms_async.RoomsClient") or ""
    check("api_key" in client and "max_retries" in client, "reference: RoomsClient(...)")

    # The search: a method's name finds its resource page.
    page.goto(f"{base}/", wait_until="networkidle")
    page.click("label.md-search__icon, .md-search__input")
    # Typed key by key: the search listens to the keyboard, not to a value set at once.
    page.locator("input.md-search__input").press_sequentially("generate_join_client_token")
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15_000)
    found = results.all_inner_texts()
    check(any("generate_join_client_token" in r for r in found), "search: a method by name")
    page.screenshot(path=str(SHOTS / "search.png"), full_page=False)

    check(not errors, f"no script errors ({errors[:3]})")
    browser.close()

server.shutdown()
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print(f"site checked; screenshots in {SHOTS}")
PY
