"""A real Chromium driven by Playwright, signed in to the admin of the live test server.

Debian's chromium (`apt-get install chromium`); Playwright's own browser download does not work
here. Without it, or without the playwright package, browser tests skip with the reason (and fail
when TRACKER_REQUIRE_SERVICES=1, as in CI).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.environment import missing_service

CHROMIUM = Path(os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("needs the playwright package (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        missing_service(f"needs Chromium at {CHROMIUM} (apt-get install chromium, or set TRACKER_CHROMIUM)")
    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make between
    # browser steps are still synchronous, one at a time.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def signed_in_page(chromium: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Opens browser tabs on the live server, each signed in as a given user; closes them after the test
    (an open tab keeps a server thread, and its database connection, busy)."""
    contexts: list[Any] = []

    def open_tab(user: Any, viewport: dict[str, int] = LAPTOP) -> Any:
        client = Client()
        client.force_login(user)
        context = chromium.new_context(viewport=viewport, base_url=live_server.url)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Saves a page's screenshot as evidence of what the test saw: under $TRACKER_SCREENSHOTS when
    set (CI keeps them), else in the test's temporary folder."""
    folder = Path(os.environ.get("TRACKER_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)

    def save(page: Any, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
