from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from commitments import services
from commitments.choices import Status
from commitments.exceptions import AppendOnlyError, CitedEvidenceIsFrozenError, ConcurrentEditError
from commitments.models import Commitment, Evidence, Review
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_status_change_writes_exactly_one_review_with_before_and_after() -> None:
    commitment = CommitmentFactory.create()
    reviewer = UserFactory.create()

    review = services.record_review(
        commitment=commitment, reviewer=reviewer, status=Status.IN_PROGRESS, rationale="Launch scheduled."
    )

    assert list(Review.objects.values_list("status_before", "status_after", "rationale", "reviewer")) == [
        (Status.UNASSESSED, Status.IN_PROGRESS, "Launch scheduled.", reviewer.pk)
    ]
    commitment.refresh_from_db()
    assert commitment.status == Status.IN_PROGRESS
    assert commitment.last_reviewed_at == review.reviewed_at
    assert commitment.version == 2
    assert commitment.updated_by == reviewer


@pytest.mark.parametrize("rationale", ["", "   \n\t "])
def test_review_without_rationale_is_rejected_and_changes_nothing(rationale: str) -> None:
    commitment = CommitmentFactory.create()

    with pytest.raises(ValidationError) as raised:
        services.record_review(
            commitment=commitment, reviewer=UserFactory.create(), status=Status.ACHIEVED, rationale=rationale
        )

    assert raised.value.message_dict == {"rationale": [services.RATIONALE_REQUIRED]}
    assert Review.objects.count() == 0
    commitment.refresh_from_db()
    assert (commitment.status, commitment.version, commitment.last_reviewed_at) == (
        Status.UNASSESSED,
        1,
        None,
    )


def test_review_without_status_change_needs_no_rationale() -> None:
    commitment = CommitmentFactory.create()

    services.mark_reviewed(commitment=commitment, reviewer=UserFactory.create())

    review = Review.objects.get()
    assert (review.status_before, review.status_after, review.rationale) == (
        Status.UNASSESSED,
        Status.UNASSESSED,
        "",
    )
    commitment.refresh_from_db()
    assert commitment.last_reviewed_at is not None


def test_unknown_status_is_rejected() -> None:
    with pytest.raises(ValidationError, match="is not a status"):
        services.record_review(
            commitment=CommitmentFactory.create(), reviewer=UserFactory.create(), status="done", rationale="x"
        )
    assert Review.objects.count() == 0


def test_review_cites_evidence_of_its_commitment() -> None:
    evidence = EvidenceFactory.create()

    review = services.record_review(
        commitment=evidence.commitment,
        reviewer=UserFactory.create(),
        status=Status.ACHIEVED,
        rationale="Mission completed.",
        evidence=[evidence.pk],
    )

    assert list(review.evidence.all()) == [evidence]


def test_citing_evidence_of_another_commitment_is_rejected() -> None:
    commitment = CommitmentFactory.create()
    foreign = EvidenceFactory.create()

    with pytest.raises(ValidationError) as raised:
        services.record_review(
            commitment=commitment,
            reviewer=UserFactory.create(),
            status=Status.ACHIEVED,
            rationale="x",
            evidence=[foreign],
        )

    assert raised.value.message_dict == {"evidence": [services.FOREIGN_EVIDENCE]}
    assert Review.objects.count() == 0


def test_review_based_on_a_stale_version_is_refused() -> None:
    commitment = CommitmentFactory.create()
    colleague = UserFactory.create(username="colleague")
    services.record_review(
        commitment=commitment.pk, reviewer=colleague, status=Status.STALLED, rationale="Delayed."
    )

    with pytest.raises(ConcurrentEditError, match="changed by colleague") as raised:
        services.record_review(
            commitment=commitment.pk,
            reviewer=UserFactory.create(),
            status=Status.ACHIEVED,
            rationale="Done.",
            expected_version=1,
        )

    assert raised.value.current_version == 2
    assert Review.objects.count() == 1
    assert Commitment.objects.get().status == Status.STALLED


def test_editing_a_review_raises() -> None:
    review = services.record_review(
        commitment=CommitmentFactory.create(),
        reviewer=UserFactory.create(),
        status=Status.STALLED,
        rationale="Delayed.",
    )
    review.rationale = "Rewritten history"

    with pytest.raises(AppendOnlyError):
        review.save()
    with pytest.raises(AppendOnlyError):
        Review.objects.filter(pk=review.pk).update(rationale="Rewritten history")
    assert Review.objects.get().rationale == "Delayed."


def test_deleting_a_review_raises() -> None:
    review = services.record_review(
        commitment=CommitmentFactory.create(),
        reviewer=UserFactory.create(),
        status=Status.STALLED,
        rationale="Delayed.",
    )

    with pytest.raises(AppendOnlyError):
        review.delete()
    with pytest.raises(AppendOnlyError):
        Review.objects.all().delete()
    assert Review.objects.count() == 1


def test_database_refuses_a_status_change_review_without_rationale() -> None:
    commitment = CommitmentFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            commitment=commitment,
            reviewer=UserFactory.create(),
            status_before="unassessed",
            status_after="achieved",
        )


@pytest.mark.postgres
@pytest.mark.usefixtures("as_owner")  # the triggers, even for the owner (the app role lacks the rights)
def test_database_refuses_raw_sql_that_rewrites_history() -> None:
    services.record_review(
        commitment=CommitmentFactory.create(),
        reviewer=UserFactory.create(),
        status=Status.STALLED,
        rationale="Delayed.",
    )
    for statement in ("UPDATE commitments_review SET rationale = 'x'", "DELETE FROM commitments_review"):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert Review.objects.get().rationale == "Delayed."


def run_while_holding_the_row(hold: Callable[[], object], then: Callable[[], object]) -> list[BaseException]:
    """Run `hold` in a transaction that keeps the commitment's row locked for a moment, and `then`
    in a second connection that starts meanwhile; return what either raised."""
    holding = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                hold()
                holding.set()
                time.sleep(0.5)
        except BaseException as error:
            errors.append(error)
        finally:
            holding.set()
            connection.close()

    def second() -> None:
        try:
            holding.wait(5)
            then()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reviews_serialise_and_both_are_recorded() -> None:
    commitment = CommitmentFactory.create()
    first_reviewer, second_reviewer = (
        UserFactory.create(username="first"),
        UserFactory.create(username="second"),
    )
    errors = run_while_holding_the_row(
        lambda: services.record_review(
            commitment=commitment.pk, reviewer=first_reviewer, status=Status.IN_PROGRESS, rationale="Started."
        ),
        lambda: services.record_review(
            commitment=commitment.pk, reviewer=second_reviewer, status=Status.STALLED, rationale="Slipped."
        ),
    )

    assert errors == []
    reviews = list(
        Review.objects.order_by("pk").values_list("reviewer__username", "status_before", "status_after")
    )
    # Without the lock the second review would read the pre-commit status and record unassessed → stalled.
    assert reviews == [
        ("first", Status.UNASSESSED, Status.IN_PROGRESS),
        ("second", Status.IN_PROGRESS, Status.STALLED),
    ]
    commitment.refresh_from_db()
    assert (commitment.status, commitment.version) == (Status.STALLED, 3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_edits_based_on_the_same_version_cannot_both_land() -> None:
    commitment = CommitmentFactory.create()
    lead, colleague = UserFactory.create(username="lee"), UserFactory.create(username="col")

    def edit(user: User, priority: str) -> Callable[[], object]:
        return lambda: services.save_commitment_edit(
            commitment=commitment.pk,
            actor=user,
            expected_version=1,
            curation=services.Curation(priority=priority),
            review=services.ReviewProposal(status=Status.IN_PROGRESS, rationale=f"{user.username} says so."),
        )

    errors = run_while_holding_the_row(edit(lead, "high"), edit(colleague, "low"))

    assert [type(error) for error in errors] == [ConcurrentEditError]
    assert "changed by lee" in str(errors[0])
    stored = Commitment.objects.get()
    assert (stored.priority, stored.version) == ("high", 2)
    assert list(Review.objects.values_list("reviewer__username", flat=True)) == ["lee"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_evidence_cited_while_it_is_being_corrected_stays_as_the_review_saw_it() -> None:
    evidence = EvidenceFactory.create(title="As cited")
    reviewer, editor = UserFactory.create(username="rev"), UserFactory.create(username="ed")
    correction = Evidence.objects.get(pk=evidence.pk)  # read before the review cites it
    correction.title = "Rewritten"

    errors = run_while_holding_the_row(
        lambda: services.record_review(
            commitment=evidence.commitment_id,
            reviewer=reviewer,
            status="achieved",
            rationale="x",
            evidence=[evidence],
        ),
        lambda: services.save_evidence(evidence=correction, actor=editor),
    )

    assert [type(error) for error in errors] == [CitedEvidenceIsFrozenError]
    assert Evidence.objects.get().title == "As cited"
