"""Swagger UI and ReDoc in a real browser (Chromium at laptop size) load every asset from the app itself:
not one request leaves for another host, fonts, logos and validator badges included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api_helpers import catalogue
from tests.browser import LAPTOP

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A name that is neither localhost nor 127.0.0.1: Swagger UI shows its online validator badge (an image
# from validator.swagger.io) only for schemas on such hosts, so the docs are also opened under it.
PUBLIC_HOST = "docs.tracker.test"
PAGES = [
    ("/api/docs/", ".opblock-summary-description >> text=List and filter commitments", "swagger-ui"),
    ("/api/docs/redoc/", "h2 >> text=List and filter commitments", "redoc"),
]


@pytest.fixture
def browser_context(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport=LAPTOP)

    def from_live_server(route: Any) -> None:
        parts = urlsplit(route.request.url)
        upstream = f"{live_server.url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        route.fulfill(response=context.request.fetch(upstream, method=route.request.method))

    context.route(f"http://{PUBLIC_HOST}/**", from_live_server)
    yield context
    context.close()  # an open tab keeps a server thread, and its database connection, busy


def visit(context: Any, url: str, ready: str) -> list[str]:
    """Every URL the page requested while loading and drawing the API's operations."""
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    page.wait_for_selector(ready, timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # images a component adds after it mounts (ReDoc's sidebar footer)
    return requested


def elsewhere(requested: list[str], own_host: str) -> list[str]:
    return [
        url
        for url in requested
        if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).netloc != own_host
    ]


@pytest.mark.parametrize(("path", "ready", "name"), PAGES)
def test_the_docs_request_nothing_from_another_host(
    browser_context: Any, live_server: Any, screenshot: Any, path: str, ready: str, name: str
) -> None:
    catalogue()
    own_host = urlsplit(live_server.url).netloc
    page_requests = visit(browser_context, live_server.url + path, ready)
    screenshot(browser_context.pages[-1], name)

    assert elsewhere(page_requests, own_host) == []
    assert any(urlsplit(url).path == "/api/schema/" for url in page_requests)
    assert any("/static/drf_spectacular_sidecar/" in url for url in page_requests)


@pytest.mark.parametrize(("path", "ready", "name"), PAGES)
def test_the_docs_request_nothing_from_another_host_when_served_under_a_public_name(
    browser_context: Any, screenshot: Any, path: str, ready: str, name: str
) -> None:
    page_requests = visit(browser_context, f"http://{PUBLIC_HOST}{path}", ready)
    screenshot(browser_context.pages[-1], f"{name}-public-host")

    assert elsewhere(page_requests, PUBLIC_HOST) == []
