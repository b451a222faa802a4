"""Keyword search: ranked on PostgreSQL and served by the search indexes (migration 0007)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import F

from commitments.models import Commitment
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def test_search_finds_words_in_any_order_and_exact_references() -> None:
    CommitmentFactory.create(reference="CSP-1", text="Launch the Chang'e-7 lunar probe")
    CommitmentFactory.create(reference="CSP-2", text="Build commercial launch sites")

    assert set(Commitment.objects.search("probe lunar").values_list("reference", flat=True)) == {"CSP-1"}
    assert set(Commitment.objects.search("csp-2").values_list("reference", flat=True)) == {"CSP-2"}
    assert Commitment.objects.search("   ").count() == 2


@pytest.mark.postgres
def test_search_ranks_reference_and_text_matches() -> None:
    CommitmentFactory.create(reference="A-1", text="Strengthen space traffic control")
    CommitmentFactory.create(
        reference="A-2", text="Space debris: monitor debris, remove debris, model debris"
    )

    ranked = list(
        Commitment.objects.search("debris")
        .order_by(F("search_rank").desc())
        .values_list("reference", flat=True)
    )

    assert ranked == ["A-2"]


@pytest.mark.postgres
def test_search_plan_uses_the_indexes_not_a_table_scan() -> None:
    CommitmentFactory.create()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Commitment.objects.search("lunar probe").order_by().values("pk").explain()
    assert "commitment_search_vector_idx" in plan
    assert "commitment_reference_upper_idx" in plan
    assert "Seq Scan" not in plan
