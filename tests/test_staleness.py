from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from commitments import services
from commitments.choices import Status
from commitments.models import Commitment
from tests.factories import CommitmentFactory, UserFactory, reviewed_into

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def aged(days: int, status: str = Status.UNASSESSED, reviewed: bool = False) -> Commitment:
    commitment = CommitmentFactory.create()
    moment = NOW - datetime.timedelta(days=days)
    fields = {"status": status, "created_at": moment - datetime.timedelta(days=400)}
    fields["last_reviewed_at"] = moment if reviewed else None
    if not reviewed:
        fields["created_at"] = moment
    Commitment.objects.filter(pk=commitment.pk).update(**fields)
    reviewed_into([commitment], status, at=moment)
    return commitment


def stale_pks() -> set[int]:
    return set(Commitment.objects.stale(at=NOW).values_list("pk", flat=True))


def test_unreviewed_commitment_is_stale_30_days_after_creation() -> None:
    fresh, stale = aged(29), aged(31)
    assert stale_pks() == {stale.pk}
    assert fresh.pk not in stale_pks()


@pytest.mark.parametrize(
    ("status", "fresh_days", "stale_days"),
    [(Status.IN_PROGRESS, 89, 91), (Status.STALLED, 89, 91), (Status.PARTIALLY_ACHIEVED, 179, 181)],
)
def test_review_interval_depends_on_status(status: str, fresh_days: int, stale_days: int) -> None:
    fresh, stale = aged(fresh_days, status, reviewed=True), aged(stale_days, status, reviewed=True)
    assert stale_pks() == {stale.pk}
    assert fresh.pk not in stale_pks()


@pytest.mark.parametrize("status", [Status.ACHIEVED, Status.NOT_ACHIEVED])
def test_final_statuses_are_never_stale(status: str) -> None:
    aged(5000, status, reviewed=True)
    assert stale_pks() == set()


def test_intervals_are_overridable_in_settings(settings: object) -> None:
    commitment = aged(10, Status.IN_PROGRESS, reviewed=True)
    settings.COMMITMENT_REVIEW_INTERVAL_DAYS = {  # type: ignore[attr-defined]
        **settings.COMMITMENT_REVIEW_INTERVAL_DAYS,  # type: ignore[attr-defined]
        "in_progress": 7,
    }
    assert stale_pks() == {commitment.pk}


def test_a_review_makes_a_commitment_fresh_again() -> None:
    commitment = aged(100, Status.IN_PROGRESS, reviewed=True)
    services.mark_reviewed(commitment=commitment, reviewer=UserFactory.create())
    assert commitment.pk not in set(Commitment.objects.stale().values_list("pk", flat=True))
    listed = Commitment.objects.for_list().get(pk=commitment.pk)
    assert vars(listed)["is_stale"] is False  # the annotation every list shows
