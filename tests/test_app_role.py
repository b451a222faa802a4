"""Least privilege (issue 16): the app connects as a role that `grant_app_role` gave only row rights.
As that role the app works (reviews, evidence, the API), and no SQL it can run rewrites the record:
no TRUNCATE, no ALTER TABLE … DISABLE TRIGGER, no session_replication_role, no UPDATE or DELETE of
reviews and citations, no change to cited evidence, no status the history does not explain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from commitments import services
from commitments.models import Commitment, Evidence, Review
from tests.conftest import APP_ROLE, OWNER, connect_as
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROLE = "tracker_app_test"


@pytest.fixture
def as_app_role() -> Iterator[None]:
    """Grant the role its rights (as the owner), then let every query of the test run as it."""
    before = connection.settings_dict["USER"]
    connect_as(OWNER[0])
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # the owner itself, even where the suite acts as an app role
        cursor.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') "
            f"THEN CREATE ROLE {ROLE} LOGIN; END IF; END $$"
        )
    call_command("grant_app_role", ROLE, verbosity=0)
    connect_as(ROLE)
    try:
        yield
    finally:
        connect_as(before)


@pytest.fixture
def record() -> Evidence:
    """A review citing evidence, made as the owner before the test switches roles."""
    evidence = EvidenceFactory.create(title="Launch confirmed")
    services.record_review(
        commitment=evidence.commitment,
        reviewer=UserFactory.create(username="reviewer"),
        status="achieved",
        rationale="Launched.",
        evidence=[evidence],
    )
    return evidence


def refused(statement: str) -> str:
    """Run one statement as the app role; the database's reason for refusing it ('' if it ran)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except DatabaseError as error:
        return str(error)
    return ""


def test_the_app_works_as_the_app_role(record: Evidence, as_app_role: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (ROLE,)
    commitment = CommitmentFactory.create()
    evidence = EvidenceFactory.create(commitment=commitment)
    services.record_review(
        commitment=commitment,
        reviewer=UserFactory.create(username="analyst"),
        status="in_progress",
        rationale="Started.",
        evidence=[evidence],
    )
    uncited = EvidenceFactory.create(commitment=commitment)
    services.delete_evidence(evidence=uncited, actor=None)
    assert Review.objects.filter(commitment=commitment).count() == 1
    assert APIClient().get(f"/api/v1/commitments/{commitment.reference}/").status_code == 200
    assert APIClient().get("/api/v1/reports/progress/").status_code == 200


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("TRUNCATE commitments_review CASCADE", "permission denied"),
        ("TRUNCATE commitments_reviewcitation", "permission denied"),
        ("ALTER TABLE commitments_review DISABLE TRIGGER ALL", "must be owner"),
        ("ALTER TABLE commitments_evidence DISABLE TRIGGER USER", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("UPDATE commitments_review SET rationale = 'rewritten'", "permission denied"),
        ("DELETE FROM commitments_review", "permission denied"),
        ("DELETE FROM commitments_reviewcitation", "permission denied"),
        ("UPDATE commitments_evidence SET title = 'rewritten'", "cited by a review"),
        ("DELETE FROM commitments_evidence", "cited by a review"),
        ("UPDATE commitments_commitment SET status = 'stalled'", "changes only by recording a review"),
        ("DROP TABLE commitments_review", "must be owner"),
        ("CREATE TABLE intruder (id int)", "permission denied"),
    ],
)
def test_no_sql_the_app_role_can_run_rewrites_the_record(
    record: Evidence, as_app_role: None, statement: str, reason: str
) -> None:
    assert reason in refused(statement)


def test_after_every_attempt_the_record_is_as_it_was(record: Evidence, as_app_role: None) -> None:
    for statement in (
        "UPDATE commitments_review SET rationale = 'rewritten'",
        "UPDATE commitments_commitment SET status = 'stalled'",
        "TRUNCATE commitments_review CASCADE",
    ):
        refused(statement)
    review = Review.objects.get()
    assert (review.rationale, review.status_after) == ("Launched.", "achieved")
    assert Commitment.objects.get(pk=record.commitment_id).status == "achieved"
    assert Evidence.objects.get(pk=record.pk).title == "Launch confirmed"


@pytest.mark.skipif(
    not APP_ROLE, reason="set TRACKER_TEST_APP_ROLE (CI does) to run the suite as the app role"
)
def test_the_suite_acts_as_the_app_role_it_was_given() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (APP_ROLE,)
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            cursor.execute("UPDATE commitments_review SET rationale = rationale")
