"""Invariants the database itself enforces, whatever path the data takes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commitments.models import Commitment, CommitmentSector, Evidence, Sector
from tests.factories import CommitmentFactory, DocumentFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def test_commitment_reference_is_unique_per_document() -> None:
    first = CommitmentFactory.create(reference="CSP2021-II.4-03")
    CommitmentFactory.create(reference="CSP2021-II.4-03")  # another document: fine

    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentFactory.create(reference="CSP2021-II.4-03", document=first.document)


def test_status_outside_the_scale_is_refused_by_the_database() -> None:
    commitment = CommitmentFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(status="done")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>", "ftp://x.org/f"],
)
def test_evidence_url_must_be_http_or_https(url: str) -> None:
    evidence = EvidenceFactory.build(commitment=CommitmentFactory.create(), url=url)
    with pytest.raises(ValidationError):
        evidence.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        evidence.save()  # skips validators: the check constraint still refuses it
    assert not Evidence.objects.exists()


def test_a_commitment_has_at_most_one_primary_sector() -> None:
    commitment = CommitmentFactory.create(primary_sector="human-spaceflight")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitmentSector.objects.create(
            commitment=commitment, sector=Sector.objects.get(slug="space-science"), is_primary=True
        )
    CommitmentSector.objects.create(commitment=commitment, sector=Sector.objects.get(slug="space-science"))
    assert commitment.sector_links.count() == 2


def test_plan_period_must_end_after_it_starts() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory.create(period_start="2026-01-01", period_end="2025-12-31")


def test_default_taxonomy_is_installed_with_hierarchy() -> None:
    infrastructure = Sector.objects.get(slug="space-infrastructure")
    assert set(infrastructure.children.values_list("slug", flat=True)) == {
        "earth-observation",
        "satellite-communications",
        "satellite-navigation",
    }
    assert Sector.objects.count() == 14
