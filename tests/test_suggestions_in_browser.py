"""Evidence suggested by the public, in a real browser (Chromium): a visitor suggests two links on a
commitment's page; an analyst accepts one in the admin and rejects the other; the accepted one shows on
the public page as evidence, the rejected one never does. No step trips the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from commitments.choices import SuggestionState
from commitments.models import Evidence, EvidenceSuggestion
from commitments.views import SUGGESTION_THANKS
from tests.api_helpers import user_in
from tests.factories import CommitmentFactory
from tests.test_pages_in_browser import anonymous_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ACCEPTED = "https://www.example.org/news/chang-e-7-lands"
REJECTED = "https://forum.example.net/thread/9"


def policy_violations(tab: Any) -> list[str]:
    seen: list[str] = []
    tab.on("console", lambda message: seen.append(message.text))
    return seen


def test_a_visitors_suggestion_accepted_by_an_analyst_shows_and_a_rejected_one_never_does(
    chromium: Any, live_server: Any, signed_in_page: Any, screenshot: Any
) -> None:
    commitment = CommitmentFactory.create()
    visitor = anonymous_page(chromium, live_server)
    console = policy_violations(visitor)

    visitor.goto(commitment.get_absolute_url())
    trap = visitor.locator(".suggest-trap").bounding_box()
    assert trap is not None
    assert trap["x"] + trap["width"] < 0  # off-screen for people
    for url, note in ((ACCEPTED, "It reports the landing."), (REJECTED, "Someone says it landed.")):
        visitor.fill("#suggest-url", url)
        visitor.fill("#suggest-note", note)
        visitor.fill("#suggest-email", "reader@example.net")
        with visitor.expect_navigation():
            visitor.click("text=Send the suggestion")
        assert SUGGESTION_THANKS in visitor.locator(".notice").inner_text()
    screenshot(visitor, "suggestion-sent")
    assert EvidenceSuggestion.objects.filter(state=SuggestionState.PENDING).count() == 2
    assert ACCEPTED not in visitor.content()  # nothing shows before an analyst accepts it

    analyst = user_in("analyst", username="ana")
    admin = signed_in_page(analyst)
    admin_console = policy_violations(admin)
    admin.goto(reverse("admin:index"))
    admin.click("text=2 suggestions waiting for a decision")
    admin.click(f'tr:has(a[href="{ACCEPTED}"]) th a')  # the row's own link: its submitted time
    admin.check("#id_decision_0")  # accept
    admin.fill("#id_title", "Chang'e-7 lands near the south pole")
    admin.select_option("#id_kind", "mission_record")
    screenshot(admin, "suggestion-accepting")
    with admin.expect_navigation():
        admin.click('input[name="_save"]')
    assert "Accepted" in admin.locator(".messagelist").inner_text()
    admin.click(f'tr:has(a[href="{REJECTED}"]) th a')
    admin.check("#id_decision_1")  # reject
    admin.fill("#id_reason", "A forum post, not a source.")
    with admin.expect_navigation():
        admin.click('input[name="_save"]')
    assert "Rejected" in admin.locator(".messagelist").inner_text()

    visitor.goto(commitment.get_absolute_url())
    screenshot(visitor, "suggestion-accepted")
    evidence = visitor.locator("ul.evidence").inner_text()
    assert "Chang'e-7 lands near the south pole" in evidence
    assert visitor.locator(f'ul.evidence a[href="{ACCEPTED}"]').count() == 1
    assert REJECTED not in visitor.content()
    assert Evidence.objects.get().url == ACCEPTED
    violations = [text for text in [*console, *admin_console] if "Content Security Policy" in text]
    assert violations == []
