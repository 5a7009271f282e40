"""Screenshots of each page for docs/user-guide.md, from a running `make run`.

    .venv/bin/python scripts/screenshots.py EMAIL PASSWORD [--base http://127.0.0.1:5000]

Signs in as EMAIL (a placement officer), opens the first open referral, finds its
options, and saves PNGs in docs/screenshots/. Also prints how long the ranking took
from the click to the options page being shown.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("email")
    parser.add_argument("password")
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--referral", help="reference to open (default: the first listed)")
    parser.add_argument("--name", default="ranking", help="file name of the options screenshot")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(f"{args.base}/sign-in")
        page.screenshot(path=str(OUT / "sign-in.png"))
        page.fill("#email", args.email)
        page.fill("#password", args.password)
        page.click("button:has-text('Sign in')")
        page.wait_for_url("**/referrals/")
        page.screenshot(path=str(OUT / "referrals.png"), full_page=True)
        if args.referral:
            page.goto(f"{args.base}/referrals/{args.referral}")
        else:
            page.locator("table a").first.click()
        page.wait_for_selector("h1")
        page.screenshot(path=str(OUT / "referral.png"), full_page=True)
        started = time.perf_counter()
        page.click("button:has-text('Find placement options')")
        page.wait_for_selector("h1:has-text('Placement options')")
        elapsed = time.perf_counter() - started
        page.set_viewport_size({"width": 1100, "height": 2000})
        page.screenshot(path=str(OUT / f"{args.name}.png"), full_page=False)
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(f"{args.base}/supply")
        page.screenshot(path=str(OUT / "supply.png"), full_page=True)
        browser.close()
    print(f"Ranking shown {elapsed * 1000:.0f} ms after the click; screenshots in {OUT}")


if __name__ == "__main__":
    main()
