"""The benchmark data generator, at a small size: the data it loads obeys the domain's rules, and the
same seed gives the same data."""

from __future__ import annotations

import datetime
import io
import re
from collections import Counter, defaultdict

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from commitments import benchmark_data
from commitments.choices import Status
from commitments.models import (
    REFERENCE_PREFIX_PATTERN,
    Commitment,
    CommitmentSector,
    Document,
    Evidence,
    Review,
    ReviewCitation,
    Section,
)
from tests.factories import CommitmentFactory, EvidenceFactory

# Loading the dataset (COPY, sequences moved past the loaded ids) is the owner's work, as in production.
pytestmark = pytest.mark.usefixtures("as_owner")

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
COMMITMENTS = 1000  # two documents


@pytest.fixture
def generated(db: None) -> dict[str, int]:
    return benchmark_data.generate(COMMITMENTS, seed=7, now=NOW)


def _context(seed_sectors: int = 14) -> benchmark_data.Context:
    return benchmark_data.Context(
        now=NOW,
        sectors=tuple((pk, f"Sector {pk}") for pk in range(1, seed_sectors + 1)),
        analyst_group_id=1,
        first_ids={},
    )


def test_counts_are_as_asked(generated: dict[str, int]) -> None:
    assert generated["documents"] == Document.objects.count() == COMMITMENTS // 500
    assert generated["commitments"] == Commitment.objects.count() == COMMITMENTS
    assert generated["users"] == User.objects.filter(username__regex=r"^analyst[0-9]{3}$").count() == 500
    assert generated["sections"] == Section.objects.count()
    assert generated["reviews"] == Review.objects.count()
    assert generated["evidence"] == Evidence.objects.count()
    assert generated["citations"] == ReviewCitation.objects.count()
    assert 3.5 <= generated["reviews"] / COMMITMENTS <= 6.5
    assert 1.5 <= generated["evidence"] / COMMITMENTS <= 2.5
    citing_reviews = ReviewCitation.objects.values("review").distinct().count()
    assert 0.25 <= citing_reviews / generated["reviews"] <= 0.45
    per_commitment = Counter(Review.objects.values_list("commitment_id", flat=True))
    assert max(per_commitment.values()) <= 20
    assert Commitment.objects.filter(owner__isnull=False).count() > COMMITMENTS * 0.8
    assert len(set(Commitment.objects.values_list("status", flat=True))) == len(Status.values)


def test_most_commitments_have_one_primary_sector_and_at_most_two_more(generated: dict[str, int]) -> None:
    primaries = Counter(CommitmentSector.objects.filter(is_primary=True).values_list("commitment", flat=True))
    secondaries = Counter(
        CommitmentSector.objects.filter(is_primary=False).values_list("commitment", flat=True)
    )
    assert set(primaries.values()) == {1}
    assert COMMITMENTS * 0.85 < len(primaries) < COMMITMENTS
    assert max(secondaries.values()) <= 2
    assert set(secondaries) <= set(primaries)


def test_every_commitment_status_is_its_latest_review(generated: dict[str, int]) -> None:
    latest: dict[int, Review] = {}
    for review in Review.objects.order_by("reviewed_at", "pk"):
        latest[review.commitment_id] = review
    for commitment in Commitment.objects.all():
        newest = latest.get(commitment.pk)
        assert commitment.status == (newest.status_after if newest else Status.UNASSESSED)
        assert commitment.last_reviewed_at == (newest.reviewed_at if newest else None)


def test_review_chains_are_consistent(generated: dict[str, int]) -> None:
    chains: dict[int, list[Review]] = defaultdict(list)
    for review in Review.objects.order_by("reviewed_at", "pk"):
        chains[review.commitment_id].append(review)
    window_start = NOW - datetime.timedelta(days=5 * 365)
    for commitment in Commitment.objects.all():
        chain = chains.get(commitment.pk, [])
        assert commitment.version == 1 + len(chain)
        previous = Status.UNASSESSED.value
        for review in chain:
            assert review.status_before == previous
            assert review.rationale or review.status_before == review.status_after
            assert commitment.created_at < review.reviewed_at < NOW
            assert review.reviewed_at > window_start
            previous = review.status_after


def test_citations_only_point_at_earlier_evidence_of_the_same_commitment(generated: dict[str, int]) -> None:
    citations = ReviewCitation.objects.select_related("review", "evidence")
    assert citations.exists()
    for citation in citations:
        assert citation.evidence.commitment_id == citation.review.commitment_id
        assert citation.evidence.created_at < citation.review.reviewed_at
    assert not Evidence.objects.exclude(url__startswith="https://").exists()


def test_commitment_text_is_in_its_document_at_its_offsets(generated: dict[str, int]) -> None:
    texts = dict(Document.objects.values_list("pk", "full_text"))
    keys = dict(Section.objects.values_list("pk", "key"))
    prefixes = dict(Document.objects.values_list("pk", "reference_prefix"))
    for commitment in Commitment.objects.all():
        assert (
            texts[commitment.document_id][commitment.start_offset : commitment.end_offset] == commitment.text
        )
        assert commitment.section_id is not None
        assert re.fullmatch(
            rf"{prefixes[commitment.document_id]}-{re.escape(keys[commitment.section_id])}-\d{{2,}}",
            commitment.reference,
        )
    for prefix in prefixes.values():
        assert re.fullmatch(REFERENCE_PREFIX_PATTERN, prefix)
        assert len(prefix) <= 20
    for section in Section.objects.select_related("document"):
        assert section.document.full_text[section.start_offset :].startswith(section.heading)
        assert (section.parent_id is None) == (section.level == 1)


def test_snoozed_commitments_are_snoozed_into_the_future_with_a_reason(generated: dict[str, int]) -> None:
    snoozed = Commitment.objects.filter(snoozed_until__isnull=False)
    assert snoozed.count() == generated["snoozed"] > 0
    for commitment in snoozed:
        assert commitment.snoozed_until is not None
        assert commitment.snoozed_until > NOW.date()
        assert commitment.snooze_reason


def test_the_same_seed_builds_the_same_rows() -> None:
    first = benchmark_data.digest(benchmark_data.build_batches(600, 3, _context()))
    again = benchmark_data.digest(benchmark_data.build_batches(600, 3, _context()))
    other = benchmark_data.digest(benchmark_data.build_batches(600, 4, _context()))
    assert first == again
    assert first != other


@pytest.mark.django_db
def test_the_loaded_rows_are_the_built_rows_ids_included() -> None:
    context = benchmark_data.read_context(NOW)
    built = defaultdict(list)
    for batch in benchmark_data.build_batches(300, 11, context):
        for name, rows in batch.items():
            built[name].extend(rows)
    benchmark_data.generate(300, 11, now=NOW)
    columns = benchmark_data.tables()["commitments"].attnames
    picked = [columns.index(name) for name in ("id", "reference", "status", "version", "last_reviewed_at")]
    expected = sorted(tuple(row[index] for index in picked) for row in built["commitments"])
    loaded = sorted(
        Commitment.objects.values_list("id", "reference", "status", "version", "last_reviewed_at")
    )
    assert loaded == expected
    assert sorted(Review.objects.values_list("id", "commitment_id", "status_after")) == sorted(
        (row[0], row[1], row[5]) for row in built["reviews"]
    )


@pytest.mark.django_db
def test_every_column_of_the_written_tables_is_filled() -> None:
    # A column added to a model later must be added to the generator too, or COPY leaves it NULL.
    for table in benchmark_data.tables().values():
        columns = {field.attname for field in table.model._meta.concrete_fields}
        assert set(table.attnames) == columns - benchmark_data.FILLED_BY_THE_DATABASE


@pytest.mark.django_db
def test_later_inserts_get_new_ids(generated: dict[str, int]) -> None:
    commitment = Commitment.objects.order_by("pk").last()
    assert commitment is not None
    evidence = EvidenceFactory.create(commitment=commitment)
    assert evidence.pk > max(Evidence.objects.exclude(pk=evidence.pk).values_list("pk", flat=True))
    user = User.objects.create(username="newcomer")
    assert user.pk > 500


@pytest.mark.django_db
def test_refuses_a_database_with_commitments() -> None:
    CommitmentFactory.create()
    with pytest.raises(CommandError, match="already has commitments"):
        call_command("generate_benchmark_data", "--commitments", "10", stdout=io.StringIO())
    assert not User.objects.filter(username="analyst001").exists()
    assert Commitment.objects.count() == 1


@pytest.mark.django_db
def test_command_prints_what_it_made() -> None:
    out = io.StringIO()
    call_command(
        "generate_benchmark_data", "--commitments", "40", "--seed", "2", "--as-of", "2026-06-01", stdout=out
    )
    printed = out.getvalue()
    for label in (
        "documents: 1",
        "commitments: 40",
        "users: 500",
        "reviews:",
        "citations:",
        "snoozed:",
        "seconds:",
    ):
        assert label in printed
    assert Commitment.objects.count() == 40
