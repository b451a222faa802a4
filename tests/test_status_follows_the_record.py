"""A commitment's status is its latest review's status_after, and PostgreSQL holds it so (migration
0015): a status written any other way, by the ORM or by SQL, is refused when its transaction commits;
the review service, which writes both, is not. Tests force the deferred check at once with
`SET CONSTRAINTS ALL IMMEDIATE` (their transaction never commits)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from commitments import services
from commitments.models import Commitment
from tests.factories import CommitmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Every commitment whose stored status is not what its review history says.
DISAGREEING = """
SELECT c.id FROM commitments_commitment c
LEFT JOIN LATERAL (
    SELECT r.status_after FROM commitments_review r
    WHERE r.commitment_id = c.id ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1
) latest ON true
WHERE c.status IS DISTINCT FROM COALESCE(latest.status_after, 'unassessed')
"""


def disagreeing() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(DISAGREEING)
        return [row[0] for row in cursor.fetchall()]


def check_now() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.fixture
def reviewed() -> Commitment:
    commitment = CommitmentFactory.create()
    services.record_review(
        commitment=commitment, reviewer=UserFactory.create(), status="in_progress", rationale="Started."
    )
    return commitment


def test_the_review_service_moves_the_status_within_the_rule(reviewed: Commitment) -> None:
    services.record_review(
        commitment=reviewed, reviewer=UserFactory.create(), status="achieved", rationale="Done."
    )
    check_now()
    assert disagreeing() == []


def execute(sql: str, params: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_queryset_update_of_status_is_refused(reviewed: Commitment) -> None:
    check_now()
    with pytest.raises(IntegrityError, match="changes only by recording a review"), transaction.atomic():
        Commitment.objects.filter(pk=reviewed.pk).update(status="achieved")


def test_sql_update_of_status_is_refused(reviewed: Commitment) -> None:
    check_now()
    with pytest.raises(IntegrityError, match="latest review"), transaction.atomic():
        execute("UPDATE commitments_commitment SET status = 'achieved' WHERE id = %s", [reviewed.pk])


def test_a_review_inserted_without_moving_its_commitment_is_refused(reviewed: Commitment) -> None:
    reviewer = UserFactory.create()
    check_now()
    with pytest.raises(IntegrityError, match="latest review"), transaction.atomic():
        execute(
            "INSERT INTO commitments_review (commitment_id, reviewer_id, reviewed_at, status_before, "
            "status_after, rationale, method_version) VALUES (%s, %s, "
            "clock_timestamp() + interval '1 minute', 'in_progress', 'stalled', 'By SQL', '2026.1')",
            [reviewed.pk, reviewer.pk],
        )


def test_a_new_commitment_starts_unassessed_and_no_other_way() -> None:
    check_now()
    CommitmentFactory.create()
    with pytest.raises(IntegrityError, match="latest review"), transaction.atomic():
        CommitmentFactory.create(status="achieved")
