"""Screenshots of the care-plan workflow pages for docs/user-guide.md, from a running demo.

    flask --app wsgi demo-passwords > /tmp/demo-passwords.txt
    .venv/bin/python scripts/screenshots_workflow.py /tmp/demo-passwords.txt [--base http://127.0.0.1:5000]

Reads the demo accounts from the output of `flask demo-passwords`, signs in as
each role in turn, walks the journey (young people, referral form, options with
the map, compare, decision form, the director's approval, tasks, history, audit
log, API tokens and docs) and saves PNGs in docs/screenshots/. It records a real
decision in the demo database it runs against.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
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

        def shot(page: Any, name: str, full_page: bool = True) -> None:
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)

        sw = as_user("social.worker@manchester.demo")
        sw.goto(f"{base}/young-people/")
        shot(sw, "young-people")
        sw.locator("table a").first.click()
        sw.wait_for_selector("h1")
        shot(sw, "young-person")
        sw.goto(f"{base}/referrals/new")
        sw.fill("#young_people", "aged 14")  # the search, open on its matches
        sw.wait_for_selector("#young_people__listbox li")
        shot(sw, "referral-form", full_page=False)
        sw.goto(f"{base}/referrals/")
        reference = sw.locator("table a").nth(2).inner_text().strip()
        sw.goto(f"{base}/referrals/{reference}")
        sw.click("button:has-text('Find placement options')")
        sw.wait_for_selector("h1:has-text('Placement options')")
        sw.wait_for_timeout(800)  # let the map draw
        sw.locator("#options-map-section").scroll_into_view_if_needed()
        shot(sw, "options-map", full_page=False)
        options_url = sw.url
        phone = browser.new_page(viewport={"width": 375, "height": 800})
        phone.context.add_cookies(sw.context.cookies())
        phone.goto(options_url)
        phone.wait_for_timeout(800)
        shot(phone, "options-phone", full_page=False)
        phone.close()
        boxes = sw.locator("input[name='placement'][type='checkbox']")
        if boxes.count() >= 2:
            boxes.nth(0).check()
            boxes.nth(1).check()
            sw.click("button:has-text('Compare')")
            sw.wait_for_selector("h1")
            shot(sw, "compare")
            sw.go_back()
        sw.locator("a:has-text('Choose this option')").first.click()
        sw.wait_for_selector("h1:has-text('Record the decision')")
        shot(sw, "decision-form")

        director = as_user("director@manchester.demo")
        director.goto(f"{base}/tasks/")
        shot(director, "tasks")
        director.locator("#approvals ~ table a").first.click()
        director.wait_for_selector("h1:has-text('Placement decision')")
        shot(director, "decision-approval")
        decision_url = director.url

        today = date.today()

        def fill_date(page: Any, prefix: str) -> None:
            page.fill(f"#{prefix}-day", str(today.day))
            page.fill(f"#{prefix}-month", str(today.month))
            page.fill(f"#{prefix}-year", str(today.year))

        sw.goto(decision_url.replace("/decisions/", "/decisions/") + "/amend")
        sw.wait_for_selector("h1:has-text('Amend the care plan')")
        sw.fill("#change_note", "Host consulted by phone and sent the care plan; contact with nan now fortnightly.")
        fill_date(sw, "host_consulted_on")
        fill_date(sw, "care_plan_sent_to_host_on")
        if sw.locator("select[id$='-frequency']").count():
            sw.locator("select[id$='-frequency']").first.select_option("fortnightly")
        sw.click("button:has-text('Save as version')")
        sw.wait_for_selector("h1:has-text('Placement decision')")
        sw.click("text=History:")
        sw.wait_for_selector("h1:has-text('Care plan history')")
        shot(sw, "care-plan-history")

        admin = as_user("admin@manchester.demo")
        admin.goto(f"{base}/admin/audit")
        shot(admin, "audit-log")
        admin.goto(f"{base}/account/api-tokens")
        shot(admin, "api-tokens")
        admin.goto(f"{base}/api/v1/docs")
        shot(admin, "api-docs")
        browser.close()
    print(f"Saved screenshots in {OUT}")


if __name__ == "__main__":
    main()
