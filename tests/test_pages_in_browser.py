"""The public pages in a real browser (Chromium), as a researcher and an analyst use them, on the
seed document. Each test saves a screenshot of what it saw (tests/browser.py: `screenshot`)."""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from commitments import reports, services
from commitments.models import Commitment, Evidence, Review
from tests.api_helpers import user_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def seed_with_history() -> User:
    """The seed paper, with a year of reviews on a third of its commitments."""
    call_command("bootstrap", verbosity=0)
    analyst = user_in("analyst", username="ana")
    statuses = ["in_progress", "achieved", "partially_achieved", "stalled", "not_started"]
    for n, commitment in enumerate(Commitment.objects.order_by("pk")[:35]):
        evidence = Evidence.objects.create(
            commitment=commitment, url=f"https://news.example.org/{n}", title=f"Mission report {n}"
        )
        services.record_review(
            commitment=commitment.pk,
            reviewer=analyst,
            status=statuses[n % len(statuses)],
            rationale=f"Mission report {n} says so.",
            evidence=[evidence],
        )
    return analyst


def anonymous_page(chromium: Any, live_server: Any, viewport: dict[str, int] | None = None) -> Any:
    context = chromium.new_context(
        viewport=viewport or {"width": 1366, "height": 900}, base_url=live_server.url
    )
    return context.new_page()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Any:
    tab = anonymous_page(chromium, live_server)
    yield tab
    tab.context.close()


def test_a_researcher_filters_by_sector_and_status_and_gets_the_right_rows(
    page: Any, screenshot: Any
) -> None:
    seed_with_history()

    page.goto(reverse("pages:commitment-list"))
    page.check('input[name="sector"][value="space-infrastructure"]')
    for status in ("in_progress", "achieved"):
        page.check(f'input[name="status"][value="{status}"]')
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    screenshot(page, "list-filtered")

    shown = set(
        page.locator("tbody tr[data-reference]").evaluate_all("rows => rows.map(r => r.dataset.reference)")
    )
    expected = set(
        Commitment.objects.in_sectors(["space-infrastructure"])
        .filter(status__in=["in_progress", "achieved"])
        .values_list("reference", flat=True)
    )
    assert expected  # the filter selects something, so the comparison means something
    assert shown == expected
    assert "sector=space-infrastructure" in page.url
    assert "status=in_progress" in page.url  # a shareable URL


def test_a_researcher_opens_a_commitment_and_sees_its_history(page: Any, screenshot: Any) -> None:
    seed_with_history()
    commitment = Commitment.objects.filter(reviews__isnull=False).order_by("pk").first()
    assert commitment is not None

    page.goto(reverse("pages:commitment-list"))
    page.click(f'tbody a[href="{commitment.get_absolute_url()}"]')
    page.wait_for_load_state("load")
    screenshot(page, "commitment")

    assert page.locator("h1").inner_text() == commitment.reference
    entries = page.locator("ol.timeline > li")
    assert entries.count() == commitment.reviews.count()
    review = commitment.reviews.get()
    assert review.rationale in entries.first.inner_text()
    assert "Mission report" in page.locator("ul.evidence").inner_text()
    assert commitment.reference in page.locator(".cite").inner_text()


def test_the_document_page_marks_every_commitment_of_the_seed(page: Any, screenshot: Any) -> None:
    seed_with_history()

    page.goto(reverse("pages:document", args=["csp2021"]))
    screenshot(page, "document")

    marks = page.locator(".source-text a.commitment-mark")
    assert marks.count() == Commitment.objects.filter(document__slug="csp2021").count() == 101
    # Each mark says its status in words, not colour alone.
    first = Commitment.objects.filter(document__slug="csp2021").order_by("start_offset").first()
    assert first is not None
    assert f"{first.reference} · {first.get_status_display()}" in marks.first.inner_text()


def test_the_charts_numbers_match_the_progress_report(page: Any, screenshot: Any) -> None:
    seed_with_history()

    page.goto(reverse("pages:overview") + "?document=csp2021")
    screenshot(page, "overview")

    drawn = page.locator("svg.stacked-bars g.bar").evaluate_all(
        """bars => bars.map(bar => [bar.dataset.sector, Number(bar.dataset.total), Object.fromEntries(
            [...bar.querySelectorAll('rect')].map(r => [r.dataset.status, Number(r.dataset.count)]))])"""
    )
    progress = reports.progress(Commitment.objects.filter(document__slug="csp2021"), group_by="sector")
    expected = [
        [
            row["group"] or "",
            row["total"],
            {status: count for status, count in row["counts"].items() if count},
        ]
        for row in progress.rows
    ]
    assert drawn == expected
    figures = dict(
        zip(
            page.locator(".figure-label").all_inner_texts(),
            [int(value) for value in page.locator(".figure-value").all_inner_texts()],
            strict=True,
        )
    )
    assert figures["Commitments"] == progress.overall["total"]
    assert figures["Achieved"] == progress.overall["counts"]["achieved"]


def test_an_analysts_review_in_the_admin_shows_on_the_public_page_and_in_the_feed(
    signed_in_page: Any, page: Any, screenshot: Any
) -> None:
    analyst = seed_with_history()
    commitment = Commitment.objects.filter(reviews__isnull=True).order_by("pk").last()
    assert commitment is not None
    admin = signed_in_page(analyst)

    admin.goto(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    admin.select_option('select[name="new_status"]', "achieved")
    admin.fill('textarea[name="rationale"]', "Chang'e-7 landed near the south pole.")
    admin.click('input[name="_save"]')
    admin.wait_for_load_state("load")
    assert Review.objects.filter(commitment=commitment, status_after="achieved").exists()

    page.goto(commitment.get_absolute_url())
    screenshot(page, "commitment-after-review")
    assert "Achieved" in page.locator(".facts").inner_text()
    assert "Chang'e-7 landed near the south pole." in page.locator("ol.timeline").inner_text()
    feed = feedparser.parse(page.request.get(reverse("pages:feed-changes") + "?document=csp2021").body())
    assert feed.entries[0].title == f"{commitment.reference}: Unassessed → Achieved"
    assert "Chang'e-7 landed" in feed.entries[0].summary


PUBLIC_PAGES = [
    "/",
    "/?document=csp2021",
    "/commitments/",
    "/commitments/?sector=deep-space-exploration&status=in_progress",
    "/commitments/CSP2021-II.4-03/",
    "/documents/csp2021/",
    "/sectors/space-infrastructure/",
]


def test_no_page_asks_any_host_but_the_server_and_every_page_fits_a_phone(
    chromium: Any, live_server: Any, screenshot: Any
) -> None:
    seed_with_history()
    for viewport, name in (({"width": 1366, "height": 900}, "laptop"), (PHONE, "phone")):
        tab = anonymous_page(chromium, live_server, viewport)
        requests: list[str] = []
        tab.on("request", lambda request, seen=requests: seen.append(request.url))
        for url in PUBLIC_PAGES:
            tab.goto(url)
            tab.wait_for_load_state("networkidle")
            width = tab.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{url} is {width} px wide on a {viewport['width']} px screen"
        screenshot(tab, f"sector-{name}")  # the last of PUBLIC_PAGES
        tab.context.close()
        elsewhere = [url for url in requests if not url.startswith((live_server.url, "data:"))]
        assert elsewhere == [], f"requests to other hosts: {elsewhere}"


def test_a_commitment_page_prints_without_navigation(page: Any, screenshot: Any) -> None:
    seed_with_history()

    page.emulate_media(media="print")
    page.goto("/commitments/CSP2021-II.4-03/")
    screenshot(page, "commitment-print")

    assert page.locator(".site-header nav").is_hidden()
    assert page.locator(".cite").is_visible()


def test_the_list_can_be_used_with_the_keyboard_alone(page: Any) -> None:
    seed_with_history()
    page.goto(reverse("pages:commitment-list"))

    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.locator("#id_q").focus()
    page.keyboard.type("lunar")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "q=lunar" in page.url
    assert page.locator("tbody tr[data-reference]").count() > 0
