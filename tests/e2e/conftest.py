"""A live server on loopback and Debian's Chromium driven by Playwright.

The browser tests skip, saying why, when /usr/bin/chromium is missing
(`make test` installs it with apt-get when it can).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app
from tests.integration.decision_builders import build_decision_world

CHROMIUM = "/usr/bin/chromium"
# Flags that keep Chromium off the closed network of the build machines.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'planner.db'}")
    build_decision_world(app, [])  # the test world plus a nominated officer and a director
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is not installed (apt-get install chromium); browser tests cannot run"
        if os.environ.get("CI"):
            pytest.fail(f"{message}, and CI must run them")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
