from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.choices import Status
from commitments.models import Commitment, Evidence, Review
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:commitments_commitment_changelist")


def change_url(commitment: Commitment) -> str:
    return reverse("admin:commitments_commitment_change", args=[commitment.pk])


@pytest.fixture
def analyst_client(analyst: Any) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


@pytest.fixture
def lead_client(lead: Any) -> Client:
    client = Client()
    client.force_login(lead)
    return client


def current_form(client: Client, commitment: Commitment) -> dict[str, Any]:
    response = client.get(change_url(commitment))
    assert response.status_code == 200
    return form_data(response.content.decode(), "commitment_form")


def make_rich_commitments(count: int, owner: Any) -> None:
    """Commitments with everything the changelist shows: sector, owner, reviews, evidence."""
    for _ in range(count):
        commitment = CommitmentFactory.create(owner=owner, primary_sector="human-spaceflight")
        EvidenceFactory.create(commitment=commitment)
        services.record_review(
            commitment=commitment, reviewer=owner, status=Status.IN_PROGRESS, rationale="Going."
        )


def changelist_queries(client: Client, query: str = "") -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?sector=space-infrastructure&stale=no&owner=mine&q=five"])
def test_changelist_query_count_is_the_same_for_5_and_50_commitments(
    analyst_client: Client, analyst: Any, query: str
) -> None:
    make_rich_commitments(5, analyst)
    with_5 = changelist_queries(analyst_client, query)
    make_rich_commitments(45, analyst)
    with_50 = changelist_queries(analyst_client, query)

    assert with_5 == with_50
    # session, user, groups' permissions, filter choices, the page; pinned so regressions show.
    assert with_50 <= 12, f"{with_50} queries"


def test_changelist_shows_badge_sector_owner_and_stale_flag(analyst_client: Client, analyst: Any) -> None:
    old = CommitmentFactory.create(
        owner=analyst, primary_sector="satellite-navigation", reference="DOC-II-01"
    )
    Commitment.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=31))

    page = analyst_client.get(CHANGELIST).content.decode()

    assert "DOC-II-01" in page
    assert "Satellite navigation" in page
    assert 'class="status-badge"' in page
    assert "Unassessed" in page
    assert 'class="stale-flag"' in page


def test_sector_filter_on_a_parent_includes_its_children(analyst_client: Client) -> None:
    CommitmentFactory.create(reference="NAV-1", primary_sector="satellite-navigation")
    CommitmentFactory.create(reference="HSF-1", primary_sector="human-spaceflight")

    page = analyst_client.get(CHANGELIST + "?sector=space-infrastructure").content.decode()

    assert "NAV-1" in page
    assert "HSF-1" not in page


def test_status_change_with_rationale_records_a_review_citing_new_evidence(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()
    data = current_form(analyst_client, commitment)
    data.update(
        {
            "new_status": Status.ACHIEVED,
            "rationale": "Chang'e-6 returned samples.",
            "evidence-TOTAL_FORMS": "1",
            "evidence-0-url": "https://news.example.org/change6",
            "evidence-0-title": "Chang'e-6 lands",
            "evidence-0-kind": "news_report",
            "evidence-0-signal": "progress",
        }
    )

    response = analyst_client.post(change_url(commitment), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    review = Review.objects.get()
    assert (review.status_before, review.status_after) == (Status.UNASSESSED, Status.ACHIEVED)
    assert [e.title for e in review.evidence.all()] == ["Chang'e-6 lands"]
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED


def test_status_change_without_rationale_shows_a_form_error(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()
    data = current_form(analyst_client, commitment)
    data.update({"new_status": Status.ACHIEVED, "rationale": ""})

    response = analyst_client.post(change_url(commitment), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["rationale"] == [services.RATIONALE_REQUIRED]
    assert Review.objects.count() == 0
    assert Commitment.objects.get().status == Status.UNASSESSED


def test_save_based_on_a_stale_version_shows_the_conflict_and_changes_nothing(
    analyst_client: Client, lead_client: Client
) -> None:
    commitment = CommitmentFactory.create()
    analyst_form = current_form(analyst_client, commitment)
    lead_form = current_form(lead_client, commitment)
    lead_form.update({"priority": "high"})
    assert lead_client.post(change_url(commitment), lead_form).status_code == 302

    analyst_form.update({"new_status": Status.STALLED, "rationale": "No news for a year."})
    response = analyst_client.post(change_url(commitment), analyst_form)

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert "changed by lee" in errors[0]
    assert "lee" in response.content.decode()
    commitment.refresh_from_db()
    assert (commitment.status, commitment.priority, commitment.version) == (Status.UNASSESSED, "high", 2)
    assert Review.objects.count() == 0


def test_analyst_cannot_reassign_but_lead_can(analyst_client: Client, lead_client: Client, lead: Any) -> None:
    commitment = CommitmentFactory.create()
    data = current_form(analyst_client, commitment)
    data.update({"owner": str(lead.pk), "priority": "high"})
    assert analyst_client.post(change_url(commitment), data).status_code == 302
    commitment.refresh_from_db()
    assert (commitment.owner, commitment.priority) == (None, "normal")

    data = current_form(lead_client, commitment)
    data.update({"owner": str(lead.pk), "primary_sector": "", "priority": "high"})
    assert lead_client.post(change_url(commitment), data).status_code == 302
    commitment.refresh_from_db()
    assert (commitment.owner, commitment.priority) == (lead, "high")


def test_change_form_shows_text_in_its_source_paragraph_and_history_newest_first(
    analyst_client: Client,
) -> None:
    commitment = CommitmentFactory.create()
    reviewer = UserFactory.create(username="historian")
    services.record_review(
        commitment=commitment, reviewer=reviewer, status=Status.IN_PROGRESS, rationale="first"
    )
    services.record_review(
        commitment=commitment, reviewer=reviewer, status=Status.STALLED, rationale="second"
    )

    page = analyst_client.get(change_url(commitment)).content.decode()

    assert "<mark>In the next five years, the country will do a great many things.</mark>" in page
    assert page.index("second") < page.index("first")
    assert 'name="reviews-0-DELETE"' not in page


def test_cited_evidence_cannot_be_deleted_from_the_inline(lead_client: Client) -> None:
    evidence = EvidenceFactory.create()
    services.record_review(
        commitment=evidence.commitment,
        reviewer=UserFactory.create(),
        status="achieved",
        rationale="x",
        evidence=[evidence],
    )
    data = current_form(lead_client, evidence.commitment)
    data["evidence-0-DELETE"] = "on"

    response = lead_client.post(change_url(evidence.commitment), data)

    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_csv_export_neutralises_formula_cells(analyst_client: Client) -> None:
    formula = CommitmentFactory.create(text='=HYPERLINK("http://evil.example","click")', reference="-2+3")
    plain = CommitmentFactory.create(text="China will launch Chang'e-7.", reference="CSP2021-II.4-02")

    response = analyst_client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [formula.pk, plain.pk]}
    )

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_reference = {row[0]: row for row in rows[1:]}
    assert by_reference["'-2+3"][3] == '\'=HYPERLINK("http://evil.example","click")'
    assert by_reference["CSP2021-II.4-02"][3] == "China will launch Chang'e-7."
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_assign_to_me_action(analyst_client: Client, analyst: Any) -> None:
    commitments = CommitmentFactory.create_batch(2)

    analyst_client.post(
        CHANGELIST, {"action": "assign_to_me", "_selected_action": [c.pk for c in commitments]}
    )

    assert set(Commitment.objects.values_list("owner", "version")) == {(analyst.pk, 2)}


def test_mark_reviewed_action_asks_for_an_optional_rationale_then_records_reviews(
    analyst_client: Client,
) -> None:
    commitments = CommitmentFactory.create_batch(2)
    selected = {"action": "mark_reviewed", "_selected_action": [c.pk for c in commitments]}

    confirm = analyst_client.post(CHANGELIST, selected)
    assert confirm.status_code == 200
    assert "Record reviews" in confirm.content.decode()
    assert Review.objects.count() == 0

    analyst_client.post(CHANGELIST, {**selected, "apply": "1", "rationale": ""})

    assert (
        list(Review.objects.values_list("status_before", "status_after"))
        == [("unassessed", "unassessed")] * 2
    )
    assert Commitment.objects.filter(last_reviewed_at__isnull=False).count() == 2


def test_reviews_cannot_be_added_changed_or_deleted_in_the_admin(lead_client: Client) -> None:
    review = services.record_review(
        commitment=CommitmentFactory.create(),
        reviewer=UserFactory.create(),
        status="stalled",
        rationale="Slipped.",
    )
    url = reverse("admin:commitments_review_change", args=[review.pk])

    assert lead_client.get(reverse("admin:commitments_review_add")).status_code == 403
    assert lead_client.post(url, {"rationale": "rewritten"}).status_code == 403
    assert (
        lead_client.post(
            reverse("admin:commitments_review_delete", args=[review.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Review.objects.get().rationale == "Slipped."


def test_index_panel_lists_my_stale_items_and_counts_by_status(analyst_client: Client, analyst: Any) -> None:
    stale = CommitmentFactory.create(owner=analyst, reference="MINE-STALE")
    Commitment.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    CommitmentFactory.create(owner=analyst, reference="MINE-FRESH")

    page = analyst_client.get(reverse("admin:index")).content.decode()

    assert "My stale commitments (1)" in page
    assert "MINE-STALE" in page
    assert "MINE-FRESH" not in page
    assert "Commitments by status (2)" in page
