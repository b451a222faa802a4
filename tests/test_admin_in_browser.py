"""The admin in a real browser (Chromium at laptop size): markup from documents, reviews, evidence or
a person's name never runs as script on any admin or public page, and the working pages fit a
1366 px screen."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.models import ApiToken, Commitment, Review
from tests.admin_helpers import change_url, current_form
from tests.api_helpers import user_in
from tests.factories import CommitmentFactory, DocumentFactory, EvidenceFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Each sets window.__xss if it ever runs: as a script element or as an event handler. (A javascript:
# link cannot be stored: evidence URLs are http(s) by validator and by database constraint.)
PAYLOAD = '<script>window.__xss="script"</script><img src=x onerror="window.__xss=\'img\'">'


def hostile_record() -> dict[str, Any]:
    """A commitment whose every shown text carries a payload, reviewed, evidenced, snoozed, stale."""
    lead = user_in("lead", username="lee")
    lead.first_name, lead.last_name = PAYLOAD, PAYLOAD
    lead.save()
    text = f"The country will {PAYLOAD} by 2030."
    document = DocumentFactory.create(title=f"Plan {PAYLOAD}", full_text=f"I. Heading\n\n{text}\n")
    section = SectionFactory.create(document=document, heading=f"I. {PAYLOAD}", title=PAYLOAD)
    start = document.full_text.index(text)
    commitment = CommitmentFactory.create(
        document=document,
        section=section,
        text=text,
        lead_in=PAYLOAD,
        start_offset=start,
        end_offset=start + len(text),
        owner=lead,
        primary_sector="governance",
    )
    cited = EvidenceFactory.create(commitment=commitment, title=PAYLOAD, publisher=PAYLOAD, excerpt=PAYLOAD)
    uncited = EvidenceFactory.create(commitment=commitment, title=f"Uncited {PAYLOAD}")
    long_ago = timezone.now() - datetime.timedelta(days=120)
    Commitment.objects.filter(pk=commitment.pk).update(created_at=long_ago - datetime.timedelta(days=1))
    # Reviewed long ago, citing the evidence: stale now, so it is in the lead's digest too.
    with mock.patch("commitments.services.timezone.now", return_value=long_ago):
        services.record_review(
            commitment=commitment.pk, reviewer=lead, status="in_progress", rationale=PAYLOAD, evidence=[cited]
        )
    snoozed = CommitmentFactory.create(document=document, text=text, owner=lead)
    services.snooze_commitment(
        commitment=snoozed.pk, until=datetime.date(2099, 1, 1), reason=PAYLOAD, actor=lead
    )
    token = ApiToken(user=lead, name=PAYLOAD)
    services.issue_api_token(token=token, actor=lead)
    # A change through the admin, so the history page has an entry naming the commitment.
    client = Client()
    client.force_login(lead)
    client.post(change_url(commitment), current_form(client, commitment))
    return {
        "lead": lead,
        "commitment": commitment,
        "snoozed": snoozed,
        "cited": cited,
        "uncited": uncited,
        "document": document,
        "section": section,
    }


def assert_no_script_ran(page: Any, url: str, dialogs: list[str]) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status < 400, f"{url}: {response.status}"
    page.wait_for_load_state("load")
    ran = page.evaluate("() => window.__xss")
    assert ran is None, f"{url}: the {ran} payload ran"
    assert dialogs == [], f"{url}: a dialog opened"


def test_no_payload_runs_as_script_on_any_admin_or_public_page(signed_in_page: Any) -> None:
    record = hostile_record()
    commitment, lead = record["commitment"], record["lead"]
    page = signed_in_page(lead)
    dialogs: list[str] = []

    def note_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", note_dialog)
    urls = [
        reverse("admin:index"),
        reverse("admin:commitments_commitment_changelist"),
        reverse("admin:commitments_commitment_changelist") + "?q=country",
        reverse("admin:commitments_commitment_change", args=[commitment.pk]),
        reverse("admin:commitments_commitment_change", args=[record["snoozed"].pk]),
        reverse("admin:commitments_commitment_history", args=[commitment.pk]),
        reverse("admin:commitments_review_changelist"),
        reverse(
            "admin:commitments_review_change", args=[Review.objects.filter(commitment=commitment).get().pk]
        ),
        reverse("admin:commitments_evidence_changelist"),
        reverse("admin:commitments_evidence_change", args=[record["cited"].pk]),
        reverse("admin:commitments_evidence_change", args=[record["uncited"].pk]),
        reverse("admin:commitments_evidence_delete", args=[record["uncited"].pk]),
        reverse("admin:commitments_document_changelist"),
        reverse("admin:commitments_document_change", args=[record["document"].pk]),
        reverse("admin:commitments_document_import"),
        reverse("admin:commitments_document_import_revision", args=[record["document"].pk]),
        reverse("admin:commitments_section_changelist"),
        reverse("admin:commitments_section_change", args=[record["section"].pk]),
        reverse("admin:commitments_reminder_preview"),
        reverse("admin:commitments_apitoken_changelist"),
        reverse("admin:commitments_apitoken_change", args=[ApiToken.objects.get().pk]),
        # The public pages show the same data to anyone.
        reverse("pages:overview"),
        reverse("pages:overview") + f"?document={record['document'].slug}",
        reverse("pages:commitment-list"),
        reverse("pages:commitment-list") + "?q=country",
        commitment.get_absolute_url(),
        record["snoozed"].get_absolute_url(),
        reverse("pages:document", args=[record["document"].slug]),
        reverse("pages:sector", args=["governance"]),
    ]
    for url in urls:
        assert_no_script_ran(page, url, dialogs)

    # The payloads are on the pages, as text: what was tested is what an attacker would plant.
    page.goto(reverse("admin:commitments_commitment_change", args=[commitment.pk]))
    assert PAYLOAD in page.inner_text("#content")
    page.goto(reverse("admin:commitments_reminder_preview"))
    assert f"Hello {PAYLOAD} {PAYLOAD}" in page.inner_text("#content")
    plain_text = page.locator("pre").text_content() or ""  # the e-mail's text part, shown as text
    assert commitment.reference in plain_text
    assert f"Hello {PAYLOAD} {PAYLOAD}" in plain_text

    # The action pages and the page that shows a new token's key.
    for action in ("mark_reviewed", "snooze"):
        page.goto(reverse("admin:commitments_commitment_changelist"))
        page.check(f'input[name="_selected_action"][value="{commitment.pk}"]')
        page.select_option('select[name="action"]', action)
        page.click('button[name="index"]')
        page.wait_for_load_state("load")
        assert page.locator(f"#{action}_form").count() == 1
        assert page.evaluate("() => window.__xss") is None, action
    page.goto(reverse("admin:commitments_apitoken_add"))
    page.fill('input[name="name"]', PAYLOAD)
    page.click('input[name="_save"]')
    page.wait_for_load_state("load")
    assert page.locator("#api-key").count() == 1
    assert page.evaluate("() => window.__xss") is None
    assert dialogs == []


# --- Fits a laptop screen -------------------------------------------------------------------


def seed() -> User:
    call_command("bootstrap", verbosity=0)
    return user_in("lead", username="lee")


def fully_visible_rows(page: Any) -> int:
    return int(
        page.evaluate(
            """() => [...document.querySelectorAll('#result_list tbody tr')]
                .filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"""
        )
    )


def page_width(page: Any) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def test_the_commitments_list_shows_at_least_15_rows_on_a_laptop_screen(signed_in_page: Any) -> None:
    page = signed_in_page(seed())

    page.goto(reverse("admin:commitments_commitment_changelist"))

    assert fully_visible_rows(page) >= 15
    scroll_width, width = page_width(page)
    assert scroll_width <= width, "the list is wider than the screen"
    # A cut text carries the whole text on hover.
    first = page.locator("#result_list tbody tr .commitment-text").first
    assert first.get_attribute("title") == Commitment.objects.order_by("document", "start_offset")[0].text


def test_a_long_rationale_wraps_instead_of_widening_the_page(signed_in_page: Any) -> None:
    lead = seed()
    commitment = Commitment.objects.order_by("pk")[0]
    rationale = (
        "Confirmed by the launch record " + "https://example.org/" + "x" * 300 + " " + "and more. " * 150
    )
    services.record_review(commitment=commitment, reviewer=lead, status="in_progress", rationale=rationale)
    page = signed_in_page(lead)

    for url in (
        reverse("admin:commitments_review_changelist"),
        reverse("admin:commitments_commitment_change", args=[commitment.pk]),
    ):
        page.goto(url)
        scroll_width, width = page_width(page)
        assert scroll_width <= width, f"{url} is {scroll_width} px wide on a {width} px screen"


def test_the_review_list_columns_fit_the_screen(signed_in_page: Any) -> None:
    lead = seed()
    for commitment in Commitment.objects.order_by("pk")[:30]:
        services.record_review(
            commitment=commitment, reviewer=lead, status="not_started", rationale="Nothing yet."
        )
    page = signed_in_page(lead)

    page.goto(reverse("admin:commitments_review_changelist"))

    scroll_width, width = page_width(page)
    assert scroll_width <= width
    assert fully_visible_rows(page) >= 10
