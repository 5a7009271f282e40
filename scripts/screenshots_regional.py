"""Screenshots of the co-operative's pages for docs/user-guide.md, from a running demo.

    flask --app wsgi demo-passwords > /tmp/demo-passwords.txt
    .venv/bin/python scripts/screenshots_regional.py /tmp/demo-passwords.txt [--base http://127.0.0.1:5000]

Signs in as the Greater Manchester co-operative's placement officer (the regional panel, a
run, sending a proposal to its authority), then as Manchester's placement officer (the
proposal in Tasks) and the co-operative's commissioner (capacity by member, and its placement
location view). It runs a
regional panel and sends a proposal in the demo database it runs against.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from scripts.screenshots_workflow import ARGS, accounts

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


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

        def shot(page: Any, name: str, full_page: bool = False) -> None:
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)

        officer = as_user("cooperative.officer@coop-gm.demo")
        officer.goto(f"{base}/regional-panel/")
        shot(officer, "regional-panel")
        officer.click("button:has-text('Allocate across the region')")
        officer.wait_for_selector("h1:has-text('proposed allocation')")
        shot(officer, "regional-panel-run")
        run_url = officer.url
        officer.locator("a:has-text('What its best options would cost the region')").first.click()
        officer.wait_for_selector("h1:has-text('What each option would cost the region')")
        shot(officer, "regional-cost-to-others")
        officer.goto(run_url)
        officer.locator("button:has-text('Send to Manchester')").first.click()
        officer.wait_for_selector(".govuk-notification-banner")
        shot(officer, "regional-panel-sent")

        manchester = as_user("placement.officer@manchester.demo")
        manchester.goto(f"{base}/tasks/")
        manchester.locator("#regional-proposals").scroll_into_view_if_needed()
        shot(manchester, "regional-proposal-task")

        commissioner = as_user("cooperative.commissioner@coop-gm.demo")
        commissioner.goto(f"{base}/capacity/members/")
        shot(commissioner, "capacity-by-member", full_page=True)
        commissioner.goto(f"{base}/capacity/members/location")
        commissioner.locator("#table-location_members").scroll_into_view_if_needed()
        shot(commissioner, "capacity-by-member-location")
        browser.close()


if __name__ == "__main__":
    main()
