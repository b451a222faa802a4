"""Every admin changelist runs the same number of queries for a few rows and for many."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.admin.base import EstimatedCountPaginator
from commitments.choices import LinkStatus, ReminderState, Status
from commitments.models import ApiToken, EvidenceLink, Reminder, Section
from tests.factories import (
    CommitmentFactory,
    DocumentFactory,
    EvidenceFactory,
    EvidenceSuggestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def add_rows(n: int) -> None:
    """n of everything a changelist can list, with the relations each list shows."""
    for i in range(n):
        owner = UserFactory.create()
        document = DocumentFactory.create()
        section = Section.objects.create(
            document=document,
            key=f"K{i}",
            number=str(i),
            title="T",
            heading=f"{i}. T",
            level=1,
            position=i,
            start_offset=0,
        )
        commitment = CommitmentFactory.create(
            document=document, section=section, owner=owner, primary_sector="governance"
        )
        evidence = EvidenceFactory.create(commitment=commitment)
        EvidenceLink.objects.create(evidence=evidence, status=LinkStatus.BROKEN, checked_at=timezone.now())
        EvidenceSuggestionFactory.create(commitment=commitment)
        rejected = EvidenceSuggestionFactory.create(commitment=commitment)
        services.reject_suggestion(suggestion=rejected, actor=owner, reason="Not about it.")
        services.record_review(
            commitment=commitment, reviewer=owner, status=Status.STALLED, rationale="Late."
        )
        Reminder.objects.create(
            recipient=owner,
            day=datetime.date(2026, 1, 1),
            state=ReminderState.SENT,
            sent_at=timezone.now(),
            listed_commitment_ids=[commitment.pk],
        )
        token = ApiToken(user=owner, name=f"t{i}")
        token.issue_key()
        token.save()


CHANGELISTS = [
    "commitments_commitment",
    "commitments_document",
    "commitments_section",
    "commitments_sector",
    "commitments_review",
    "commitments_evidence",
    "commitments_reminder",
    "commitments_apitoken",
    "commitments_evidencesuggestion",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelist_query_count_does_not_depend_on_rows(model: str, lead: Any) -> None:
    client = Client()
    lead.is_superuser = True  # every changelist, including the ones leads only read
    lead.save()
    client.force_login(lead)
    url = reverse(f"admin:{model}_changelist")

    add_rows(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_rows(25)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(few) == len(many), "\n".join(q["sql"] for q in many.captured_queries)


def superuser_client(lead: Any) -> Client:
    lead.is_superuser = True
    lead.save()
    client = Client()
    client.force_login(lead)
    return client


@pytest.mark.parametrize("model", ["commitments_commitment", "commitments_section"])
def test_the_document_filter_never_loads_a_documents_text(model: str, lead: Any) -> None:
    client = superuser_client(lead)
    add_rows(3)

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(f"admin:{model}_changelist"))

    assert page.status_code == 200
    assert "Policy document" in page.content.decode()  # the filter still names each document
    assert not [query["sql"] for query in queries if "full_text" in query["sql"]]


def counts(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]


@pytest.mark.postgres
@pytest.mark.usefixtures("as_owner")  # it sets the planner's statistics by hand, which is the owner's right
@pytest.mark.parametrize("model", ["commitments_commitment", "commitments_review", "commitments_evidence"])
def test_a_large_unfiltered_changelist_takes_the_planners_estimate_instead_of_counting(
    model: str, lead: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = superuser_client(lead)
    add_rows(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the statistics autovacuum keeps up to date in a running database
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 0)  # "large" from one row
    url = reverse(f"admin:{model}_changelist")

    with CaptureQueriesContext(connection) as unfiltered:
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as searched:
        assert client.get(url, {"q": "DOC"}).status_code == 200

    assert counts(unfiltered) == []
    assert len(counts(searched)) == 1  # a filtered list is counted exactly, once
