"""Screenshots of the missing-from-care pages for docs/user-guide.md, from a running demo.

    flask --app wsgi demo-passwords > /tmp/demo-passwords.txt
    .venv/bin/python scripts/screenshots_missing_from_care.py /tmp/demo-passwords.txt [--base http://127.0.0.1:5000]

Signs in as the Greater Manchester Police co-ordinator (the map and list, a notification) and
the return-home-interview provider's worker (their tasks), and saves PNGs in docs/screenshots/.
It writes nothing to the demo database but the audit events of the views.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def accounts(path: str) -> dict[str, str]:
    found = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.search(r"(\S+@\S+\.demo)\s+(\S+)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("passwords")
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    args = parser.parse_args()
    logins = accounts(args.passwords)
    base = args.base
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)

        def as_user(email: str) -> Any:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"{base}/sign-in")
            page.fill("#email", email)
            page.fill("#password", logins[email])
            page.click("button:has-text('Sign in')")
            page.wait_for_load_state()
            return page

        coordinator = as_user("missing.persons.coordinator@gmp.demo")
        coordinator.goto(f"{base}/missing-from-care/")
        # The map draws after the authority outlines load: wait for its markers.
        coordinator.wait_for_selector("#missing-map .app-map-marker")
        coordinator.wait_for_timeout(500)
        coordinator.screenshot(path=str(OUT / "missing-from-care-map.png"), full_page=True)
        coordinator.click("a:has-text('Notification ')")
        coordinator.wait_for_load_state()
        coordinator.screenshot(path=str(OUT / "police-notification.png"), full_page=True)

        worker = as_user("rhi.worker@rhi-gm.demo")
        worker.goto(f"{base}/missing-from-care/")
        worker.screenshot(path=str(OUT / "return-home-interviews.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
