"""Content-Security-Policy and Permissions-Policy on every answer (issue 16), and no page, the admin
included, needing what the policy forbids: Chromium reports no violation on any of them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from commitments.models import Commitment
from tests.test_pages_in_browser import PUBLIC_PAGES, seed_with_history

pytestmark = pytest.mark.django_db


def policy(response: Any) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives if name}


@pytest.mark.parametrize("url", ["/", "/commitments/", "/api/v1/", "/admin/login/", "/healthz", "/nowhere"])
def test_every_answer_allows_only_this_sites_scripts_and_no_framing(url: str) -> None:
    response = Client().get(url)
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_only_the_api_documentation_pages_allow_inline_scripts(db: None) -> None:
    for url in ("/api/docs/", "/api/docs/redoc/"):
        assert "'unsafe-inline'" in policy(Client().get(url))["script-src"], url


@pytest.mark.slow
def test_no_page_or_admin_screen_trips_the_content_security_policy(
    chromium: Any, live_server: Any, signed_in_page: Any
) -> None:
    analyst = seed_with_history()
    analyst.is_superuser = True
    analyst.save()
    commitment = Commitment.objects.order_by("pk").first()
    assert commitment is not None
    tab = signed_in_page(analyst)
    violations: list[str] = []
    tab.on("console", lambda message: violations.append(message.text))
    admin_pages = [
        "/admin/",
        "/admin/commitments/commitment/",
        f"/admin/commitments/commitment/{commitment.pk}/change/",
        "/admin/commitments/document/",
        "/admin/commitments/evidence/add/",
        "/admin/commitments/review/",
        "/admin/commitments/evidencesuggestion/",
        "/api/v1/commitments/?format=api",
        "/api/docs/",
        "/api/docs/redoc/",
    ]
    seen = []
    for url in [*PUBLIC_PAGES, *admin_pages]:
        tab.goto(url)
        tab.wait_for_load_state("networkidle")
        seen += [f"{url}: {text[:140]}" for text in violations if "Content Security Policy" in text]
        violations.clear()
    assert seen == []
