"""Migration 0022: a reminder's listed commitments move from the many-to-many table onto its row, in the
order they were recorded, and back."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import CommitmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("commitments", "0021_reference_index")]
AFTER = [("commitments", "0022_reminder_listed_commitment_ids")]


def migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.fixture
def at_0021(as_owner: None) -> Iterator[Any]:  # migrations run as the owner
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    yield migrate(BEFORE)
    migrate(latest)


def test_the_listed_commitments_move_onto_the_reminder_in_their_recorded_order_and_back(at_0021: Any) -> None:
    first, second, third = (CommitmentFactory.create() for _ in range(3))
    user = UserFactory.create()
    Reminder = at_0021.get_model("commitments", "Reminder")
    listing = Reminder.objects.create(recipient_id=user.pk, day=datetime.date(2026, 1, 5), state="claimed")
    empty = Reminder.objects.create(recipient_id=user.pk, day=datetime.date(2026, 1, 6), state="claimed")
    Through = Reminder.commitments.through
    for commitment in (third, first, second):  # recorded in the e-mail's order
        Through.objects.create(reminder_id=listing.pk, commitment_id=commitment.pk)

    after = migrate(AFTER).get_model("commitments", "Reminder")

    assert after.objects.get(pk=listing.pk).listed_commitment_ids == [third.pk, first.pk, second.pk]
    assert after.objects.get(pk=empty.pk).listed_commitment_ids == []

    before = migrate(BEFORE).get_model("commitments", "Reminder")

    pairs = before.commitments.through.objects.order_by("pk").values_list("reminder_id", "commitment_id")
    assert list(pairs) == [(listing.pk, third.pk), (listing.pk, first.pk), (listing.pk, second.pk)]
