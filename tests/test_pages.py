"""The public pages: what a researcher sees, in valid HTML, at a fixed number of queries however much
there is to show; and the Atom feeds of status changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import feedparser
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import reports, services
from commitments.choices import Status
from commitments.models import Commitment, Document, Section
from tests.api_helpers import at, link_sectors, review_at
from tests.factories import CommitmentFactory, DocumentFactory, EvidenceFactory, UserFactory
from tests.page_helpers import assert_valid_html

pytestmark = pytest.mark.django_db

SECTORS = ["deep-space-exploration", "satellite-navigation", "earth-observation", "governance"]
STATUSES = [Status.IN_PROGRESS, Status.ACHIEVED, Status.STALLED, Status.PARTIALLY_ACHIEVED]


def make_document(size: int, slug: str = "plan") -> Document:
    """A document of `size` commitments in two sections, each with sectors, evidence and reviews."""
    promises = [f"The country will build facility number {n} by 2030." for n in range(size)]
    text = (
        "I. Tasks\n\n"
        + "\n".join(promises[: size // 2])
        + "\n\nII. More tasks\n\n"
        + "\n".join(promises[size // 2 :])
    )
    document = DocumentFactory.create(slug=slug, reference_prefix=slug.upper(), full_text=text)
    sections = [
        Section.objects.create(
            document=document,
            key=key,
            number=key,
            title=title,
            heading=f"{key}. {title}",
            level=1,
            position=position,
            start_offset=text.index(f"{key}. {title}"),
        )
        for position, (key, title) in enumerate([("I", "Tasks"), ("II", "More tasks")])
    ]
    reviewer = UserFactory.create(username=f"rev-{slug}")
    for n, promise in enumerate(promises):
        start = text.index(promise)
        commitment = CommitmentFactory.create(
            document=document,
            section=sections[0] if n < size // 2 else sections[1],
            reference=f"{slug.upper()}-{n:03d}",
            text=promise,
            start_offset=start,
            end_offset=start + len(promise),
            owner=reviewer if n % 2 else None,
        )
        link_sectors(commitment, SECTORS[n % len(SECTORS)], SECTORS[(n + 1) % len(SECTORS)])
        evidence = EvidenceFactory.create(commitment=commitment, title=f"Source for {n}")
        review_at(at("2024-03-01"), commitment, Status.NOT_STARTED, reviewer, rationale="Nothing yet.")
        services.record_review(
            commitment=commitment.pk,
            reviewer=reviewer,
            status=STATUSES[n % len(STATUSES)],
            rationale=f"Progress on facility {n}.",
            evidence=[evidence],
        )
    return document


def get(url: str) -> Any:
    response = Client().get(url)
    assert response.status_code == 200, response.content[:500]
    return response


# --- What each page shows -----------------------------------------------------------------------


def test_the_overview_shows_headline_figures_the_chart_table_and_the_latest_changes() -> None:
    document = make_document(8)

    page = get(f"/?document={document.slug}").content.decode()

    summary = reports.summary(Commitment.objects.filter(document=document))
    assert (
        f'<span class="figure-value">{summary["total"]}</span> <span class="figure-label">Commitments' in page
    )
    assert "Latest status changes" in page
    assert "Progress on facility 7." in page
    assert 'type="application/atom+xml"' in page
    assert '<svg viewBox="0 0' in page


def test_the_chart_table_has_the_numbers_of_the_progress_report() -> None:
    document = make_document(12)

    page = get(f"/?document={document.slug}").content.decode()

    progress = reports.progress(Commitment.objects.filter(document=document), group_by="sector")
    table = page.split('id="by-sector-table"')[1].split("</table>")[0]
    shown = {
        key: [int(n) for n in re.findall(r"<td>(\d+)</td>", row)]
        for key, row in re.findall(r'<tr data-sector="([^"]*)">(.*?)</tr>', table, re.S)
    }
    expected = {
        row["group"]: [*(row["counts"][s] for s in Status.values), row["total"], row["overdue"]]
        for row in progress.rows
    }
    assert shown == expected


def test_an_unknown_document_on_the_overview_is_a_404() -> None:
    assert Client().get("/?document=nope").status_code == 404


def test_the_list_filters_like_the_api_and_links_csv_and_api_with_the_same_filters() -> None:
    make_document(8)

    page = get("/commitments/?sector=satellite-navigation&status=achieved").content.decode()

    listed = set(re.findall(r'<tr data-reference="([^"]+)"', page))
    api = Client().get("/api/v1/commitments/?sector=satellite-navigation&status=achieved").json()
    assert listed == {item["reference"] for item in api["results"]}
    assert listed  # the selection is not empty: the comparison means something
    assert (
        "/api/v1/commitments/?sector=satellite-navigation&amp;status=achieved&amp;format=csv&amp;bom=1"
        in page
    )
    assert 'href="/api/v1/commitments/?sector=satellite-navigation&amp;status=achieved"' in page


def test_the_list_pages_through_every_commitment() -> None:
    make_document(60)

    first = get("/commitments/").content.decode()
    second = get("/commitments/?page=2").content.decode()

    assert len(re.findall(r'<tr data-reference="', first)) == 50
    assert len(re.findall(r'<tr data-reference="', second)) == 10
    assert 'rel="next"' in first


def test_the_commitment_page_shows_its_words_evidence_history_and_a_citation() -> None:
    make_document(2)
    commitment = Commitment.objects.get(reference="PLAN-001")

    page = get(f"/commitments/{commitment.reference}/").content.decode()

    assert f"<mark>{commitment.text}</mark>" in page
    assert "Source for 1" in page
    assert page.index("Nothing yet.") < page.index("Progress on facility 1.")  # oldest first
    assert f'id="review-{commitment.reviews.order_by("pk").reverse()[0].pk}"' in page
    assert f"http://testserver/commitments/{commitment.reference}/ (accessed" in page


def test_an_unknown_reference_is_a_404() -> None:
    assert Client().get("/commitments/NOPE-1/").status_code == 404


def test_the_document_page_marks_every_commitment_in_place_with_its_status_in_words() -> None:
    document = make_document(10)

    page = get(f"/documents/{document.slug}/").content.decode()

    marks = re.findall(r'<a id="c-([^"]+)" class="commitment-mark"', page)
    assert marks == [
        c.reference for c in Commitment.objects.filter(document=document).order_by("start_offset")
    ]
    for commitment in Commitment.objects.filter(document=document):
        assert f"{commitment.reference} · {commitment.get_status_display()}</span> <mark" in page
    assert 'id="section-II"' in page


def test_the_sector_page_includes_its_children() -> None:
    make_document(8)

    page = get("/sectors/space-infrastructure/").content.decode()

    listed = set(re.findall(r'<tr data-reference="([^"]+)"', page))
    expected = set(
        Commitment.objects.in_sectors(["space-infrastructure"]).values_list("reference", flat=True)
    )
    assert listed == expected
    assert "Satellite navigation" in page


# page → (its URL for a document, the queries it may run: pinned, so a regression shows)
PAGES: dict[str, tuple[Callable[[Document], str], int]] = {
    "overview": (lambda document: "/", 7),
    "overview of a document": (lambda document: f"/?document={document.slug}", 7),
    # The list draws its filter form: the documents, the sectors and the owners to choose from.
    # The page's ids first, then its rows, their sectors and latest reviews.
    "list": (lambda document: "/commitments/", 8),
    "list, filtered": (
        lambda document: "/commitments/?sector=space-infrastructure&status=achieved&q=facility",
        9,
    ),
    "commitment": (lambda document: f"/commitments/{document.reference_prefix}-001/", 8),
    "document": (lambda document: f"/documents/{document.slug}/", 5),
    "sector": (lambda document: "/sectors/space-infrastructure/", 11),
    "feed": (lambda document: "/feeds/changes/", 2),
    "feed of a selection": (
        lambda document: f"/feeds/changes/?document={document.slug}&sector=governance",
        5,  # the document and the sector named are checked: they exist
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_valid_html_and_its_queries_do_not_grow_with_the_data(name: str) -> None:
    url_for, pinned = PAGES[name]

    def queries(size: int, slug: str) -> int:
        document = make_document(size, slug)
        url = url_for(document)
        with CaptureQueriesContext(connection) as captured:
            response = get(url)
        if not name.startswith("feed"):
            assert_valid_html(response.content.decode())
        return len(captured)

    small, large = queries(4, "small"), queries(30, "large")

    assert small == large, f"{small} queries for 4 commitments, {large} for 30"
    assert large <= pinned


# --- Feeds ----------------------------------------------------------------------------------------


def parse_feed(url: str) -> Any:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_feed_is_atom_listing_status_changes_newest_first() -> None:
    make_document(3)  # PLAN-000: not started, then in progress

    feed = parse_feed("/feeds/changes/")

    titles = [entry.title for entry in feed.entries]
    assert "PLAN-000: Not started → In progress" in titles
    assert "PLAN-000: Unassessed → Not started" in titles
    assert titles.index("PLAN-000: Not started → In progress") < titles.index(
        "PLAN-000: Unassessed → Not started"
    )
    first = feed.entries[0]
    assert first.link.startswith("http://testserver/commitments/PLAN-")
    assert "#review-" in first.id
    assert first.author == "rev-plan"


@pytest.mark.parametrize(
    ("query", "references"),
    [
        ("document=other", {"OTHER-000"}),
        ("sector=satellite-navigation&status=achieved", {"PLAN-001"}),
        ("commitment=PLAN-002", {"PLAN-002"}),
    ],
)
def test_a_feed_follows_a_document_a_sector_a_filter_or_one_commitment(
    query: str, references: set[str]
) -> None:
    make_document(4)
    make_document(1, "other")

    feed = parse_feed(f"/feeds/changes/?{query}")

    assert {entry.title.split(":")[0] for entry in feed.entries} == references


def test_a_confirming_review_is_not_a_status_change_in_the_feed() -> None:
    make_document(1)
    services.mark_reviewed(
        commitment=Commitment.objects.get().pk, reviewer=UserFactory.create(), rationale="Still."
    )

    feed = parse_feed("/feeds/changes/")

    assert all("Still." not in entry.summary for entry in feed.entries)
    assert len(feed.entries) == 2


@pytest.mark.parametrize("query", ["status=nonsense", "sector=nope", "commitment=NOPE-1"])
def test_a_feed_of_an_unknown_selection_is_a_400(query: str) -> None:
    assert Client().get(f"/feeds/changes/?{query}").status_code == 400


def test_markup_in_the_data_is_text_on_every_page() -> None:
    payload = '<script>alert("x")</script>'
    document = make_document(2)
    Commitment.objects.filter(document=document).update(text=f"The country will {payload}.")
    commitment = Commitment.objects.filter(document=document).first()
    assert commitment is not None
    services.record_review(
        commitment=commitment.pk, reviewer=UserFactory.create(), status="stalled", rationale=payload
    )

    for url in (
        "/",
        f"/commitments/{commitment.reference}/",
        "/commitments/",
        f"/documents/{document.slug}/",
    ):
        page = get(url).content.decode()
        assert payload not in page, url


def test_the_admins_view_on_site_is_the_public_page() -> None:
    commitment = CommitmentFactory.create(reference="X-1")
    assert commitment.get_absolute_url() == reverse("pages:commitment", args=["X-1"]) == "/commitments/X-1/"


@pytest.mark.parametrize("url", ["/", "/commitments/", "/feeds/changes/", "/sectors/governance/"])
def test_the_pages_work_before_any_document_is_imported(url: str) -> None:
    page = get(url).content.decode()
    if not url.startswith("/feeds/"):
        assert_valid_html(page)


def test_the_list_explains_its_filters_in_words_not_query_syntax() -> None:
    page = get("/commitments/").content.decode()

    assert "A broad sector includes its narrower ones" in page
    assert "comma-separated" not in page
