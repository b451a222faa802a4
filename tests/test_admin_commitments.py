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
from tests.admin_helpers import admin_client, change_url, current_form, evidence_row, new_evidence_row
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:commitments_commitment_changelist")


@pytest.fixture
def analyst_client(analyst: Any) -> Client:
    return admin_client(analyst)


@pytest.fixture
def lead_client(lead: Any) -> Client:
    return admin_client(lead)


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


def review_with_new_evidence(client: Client, commitment: Commitment) -> dict[str, Any]:
    """The analyst's everyday save: a new status, why, and the source they just found."""
    data = current_form(client, commitment)
    data.update({"new_status": Status.ACHIEVED, "rationale": "Chang'e-6 returned samples."})
    return new_evidence_row(data, url="https://news.example.org/change6", title="Chang'e-6 lands")


def test_status_change_with_rationale_records_a_review_citing_new_evidence(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()

    response = analyst_client.post(
        change_url(commitment), review_with_new_evidence(analyst_client, commitment)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    review = Review.objects.get()
    assert (review.status_before, review.status_after) == (Status.UNASSESSED, Status.ACHIEVED)
    assert [e.title for e in review.evidence.all()] == ["Chang'e-6 lands"]
    commitment.refresh_from_db()
    assert commitment.status == Status.ACHIEVED


MAX_QUERIES_FOR_ONE_SAVE = 30


@pytest.mark.parametrize("curation", [False, True], ids=["review", "review-and-curation"])
def test_one_save_moves_the_version_by_exactly_one_within_the_query_budget(
    lead_client: Client, curation: bool
) -> None:
    commitment = CommitmentFactory.create(primary_sector="human-spaceflight")
    EvidenceFactory.create_batch(3, commitment=commitment)  # rows already on the form
    data = review_with_new_evidence(lead_client, commitment)
    if curation:
        data.update({"priority": "high", "target_date": "2025-06-30"})

    with CaptureQueriesContext(connection) as captured:
        response = lead_client.post(change_url(commitment), data)

    assert response.status_code == 302
    assert Commitment.objects.get().version == commitment.version + 1
    sql = "\n".join(f"{n}. {query['sql']}" for n, query in enumerate(captured.captured_queries, 1))
    assert len(captured) <= MAX_QUERIES_FOR_ONE_SAVE, f"{len(captured)} queries:\n{sql}"


def test_a_save_costs_the_same_queries_however_much_evidence_is_on_the_form(lead_client: Client) -> None:
    def save_queries(existing_rows: int) -> int:
        commitment = CommitmentFactory.create()
        EvidenceFactory.create_batch(existing_rows, commitment=commitment)
        data = review_with_new_evidence(lead_client, commitment)
        with CaptureQueriesContext(connection) as captured:
            assert lead_client.post(change_url(commitment), data).status_code == 302
        return len(captured)

    assert save_queries(1) == save_queries(12)


def test_a_colleagues_save_between_the_check_and_the_write_lands_on_the_form(
    analyst_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's check passed, then someone saved before the row was locked: the service refuses,
    nothing is written, and the analyst sees the form again with what they typed."""
    commitment = CommitmentFactory.create()
    data = review_with_new_evidence(analyst_client, commitment)
    original = services.save_commitment_edit

    def colleague_saves_first(**kwargs: Any) -> Any:
        services.assign_owner(
            commitments=[commitment.pk], owner=UserFactory.create(username="lee", is_staff=True), actor=None
        )
        return original(**kwargs)

    monkeypatch.setattr(services, "save_commitment_edit", colleague_saves_first)
    response = analyst_client.post(change_url(commitment), data)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "after you opened it" in form.non_field_errors()[0]
    assert form["rationale"].value() == "Chang'e-6 returned samples."
    assert "https://news.example.org/change6" in response.content.decode()
    assert (Review.objects.count(), Evidence.objects.count()) == (0, 0)


def test_the_review_form_has_one_status_field(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()
    page = analyst_client.get(change_url(commitment)).content.decode()
    assert page.count(">Status:</label>") + page.count(">Status</label>") == 1
    assert 'class="status-badge"' not in page.split('id="commitment_form"')[1].split("</fieldset>")[1]


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


def test_uncited_evidence_is_deleted_from_the_inline_and_the_version_moves_once(lead_client: Client) -> None:
    evidence = EvidenceFactory.create()
    data = current_form(lead_client, evidence.commitment)
    data[f"{evidence_row(data, evidence)}-DELETE"] = "on"

    response = lead_client.post(change_url(evidence.commitment), data)

    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert Commitment.objects.get().version == 2


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
