"""Keyword search: ranked on PostgreSQL and served by the search indexes (migrations 0007, 0009);
typographic quotes and dashes match their plain forms on both sides."""

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


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Launch the Chang'e-7 lunar probe", "Chang\u2019e-7"),  # curly in the query
        ("Launch the Chang\u2019e-7 lunar probe", "Chang'e-7"),  # curly in the text
        ("Launch the Chang\u2018e\u20137 lunar probe", "Chang\u2019e\u20147"),  # both, and dashes
        ("Launch the Chang'e-7 lunar probe", "Chang\u2019e\u20137"),  # an en dash in the query
        ("Launch the Chang\u2019e\u20137 lunar probe", "Chang'e-7"),  # an en dash in the text
        ("Build the \u201cSpace Silk Road\u201d corridor", '"Space Silk Road"'),
        ("Build the \u201cSpace Silk Road\u201d corridor", "\u201cSpace Silk Road\u201d"),
    ],
)
def test_typographic_quotes_and_dashes_match_plain_ones(stored: str, query: str) -> None:
    CommitmentFactory.create(reference="CSP-1", text=stored)
    CommitmentFactory.create(reference="CSP-2", text="Build commercial launch sites")

    assert list(Commitment.objects.search(query).values_list("reference", flat=True)) == ["CSP-1"]


def test_typographic_quotes_in_the_lead_in_are_folded_too() -> None:
    CommitmentFactory.create(
        reference="CSP-1", text="land near the south pole", lead_in="China\u2019s probe will:"
    )
    CommitmentFactory.create(reference="CSP-2", text="Build commercial launch sites")

    assert list(Commitment.objects.search("China's probe").values_list("reference", flat=True)) == ["CSP-1"]


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
@pytest.mark.parametrize("terms", ["lunar probe", "Chang\u2019e-7 \u2014 probe"])
def test_search_plan_uses_the_indexes_not_a_table_scan(terms: str) -> None:
    CommitmentFactory.create()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Commitment.objects.search(terms).order_by().values("pk").explain()
    assert "commitment_search_document_idx" in plan
    assert "commitment_reference_upper_idx" in plan
    assert "Seq Scan" not in plan


@pytest.mark.postgres
def test_the_search_follows_every_change_of_the_text() -> None:
    # The weighted vector is kept by a trigger (migration 0012), whichever way the text is written:
    # a save, a bulk update, a new row.
    commitment = CommitmentFactory.create(text="Build a heliport.")
    assert list(Commitment.objects.search("heliport")) == [commitment]

    Commitment.objects.filter(pk=commitment.pk).update(text="Build a spaceport.", lead_in="By 2030:")

    assert list(Commitment.objects.search("heliport")) == []
    assert list(Commitment.objects.search("spaceport 2030")) == [commitment]
    assert list(Commitment.objects.search(commitment.reference)) == [commitment]
