"""Snoozing a commitment: no reminders about it until a day, with a reason, shown in the admin."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments import services
from commitments.models import Commitment
from tests.reminder_helpers import make_stale

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:commitments_commitment_changelist")
TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
NEXT_MONTH = timezone.localdate() + datetime.timedelta(days=30)


@pytest.fixture
def analyst_client(analyst: Any) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


def stale_commitment(owner: Any = None) -> Commitment:
    return make_stale(owner, days=45, day=timezone.localdate())[0]


# --- The service ------------------------------------------------------------------------


def test_snoozing_records_until_when_why_and_who_and_moves_the_version_on(analyst: Any) -> None:
    commitment = stale_commitment()

    services.snooze_commitment(
        commitment=commitment, until=NEXT_MONTH, reason="  Waiting for the annual report. ", actor=analyst
    )

    commitment.refresh_from_db()
    assert commitment.snoozed_until == NEXT_MONTH
    assert commitment.snooze_reason == "Waiting for the annual report."
    assert commitment.snoozed_by == analyst
    assert commitment.version == 2


@pytest.mark.parametrize(
    ("until", "reason", "errors"),
    [
        (NEXT_MONTH, "   ", {"reason": [services.SNOOZE_REASON_REQUIRED]}),
        (timezone.localdate(), "Later.", {"until": [services.SNOOZE_DATE_NOT_IN_FUTURE]}),
        (
            timezone.localdate() - datetime.timedelta(days=3),
            "",
            {"until": [services.SNOOZE_DATE_NOT_IN_FUTURE], "reason": [services.SNOOZE_REASON_REQUIRED]},
        ),
    ],
)
def test_a_snooze_needs_a_reason_and_a_day_after_today(
    analyst: Any, until: datetime.date, reason: str, errors: dict[str, list[str]]
) -> None:
    commitment = stale_commitment()

    with pytest.raises(ValidationError) as refused:
        services.snooze_commitment(commitment=commitment, until=until, reason=reason, actor=analyst)

    assert refused.value.message_dict == errors
    commitment.refresh_from_db()
    assert (commitment.snoozed_until, commitment.version) == (None, 1)


def test_unsnoozing_resumes_reminders(analyst: Any) -> None:
    commitment = stale_commitment()
    services.snooze_commitment(commitment=commitment, until=TOMORROW, reason="Later.", actor=analyst)

    services.unsnooze_commitment(commitment=commitment, actor=analyst)

    commitment.refresh_from_db()
    assert (commitment.snoozed_until, commitment.snooze_reason, commitment.snoozed_by) == (None, "", None)
    assert Commitment.objects.not_snoozed(timezone.localdate()).filter(pk=commitment.pk).exists()


def test_the_database_refuses_a_snooze_without_a_reason() -> None:
    commitment = stale_commitment()
    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.filter(pk=commitment.pk).update(snoozed_until=NEXT_MONTH, snooze_reason="")


# --- The admin --------------------------------------------------------------------------


def post_action(client: Client, action: str, commitments: list[Commitment], **data: str) -> Any:
    return client.post(
        CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in commitments], **data}
    )


def test_the_snooze_action_asks_for_a_date_and_a_reason_then_snoozes(
    analyst_client: Client, analyst: Any
) -> None:
    first, second = stale_commitment(), stale_commitment()

    page = post_action(analyst_client, "snooze", [first, second])
    assert page.status_code == 200
    assert 'name="until"' in page.content.decode()
    assert 'name="reason"' in page.content.decode()

    done = post_action(
        analyst_client, "snooze", [first, second], apply="1", until=f"{NEXT_MONTH}", reason="Mid-term review."
    )
    assert done.status_code == 302
    for commitment in (first, second):
        commitment.refresh_from_db()
        assert (commitment.snoozed_until, commitment.snooze_reason) == (NEXT_MONTH, "Mid-term review.")
        assert commitment.snoozed_by == analyst


def test_the_snooze_page_shows_what_is_wrong_and_snoozes_nothing(analyst_client: Client) -> None:
    commitment = stale_commitment()

    page = post_action(
        analyst_client, "snooze", [commitment], apply="1", until=f"{timezone.localdate()}", reason=""
    )

    assert page.status_code == 200
    body = page.content.decode()
    assert services.SNOOZE_DATE_NOT_IN_FUTURE in body
    assert "This field is required." in body
    commitment.refresh_from_db()
    assert commitment.snoozed_until is None


def test_the_change_form_shows_the_snooze_read_only(analyst_client: Client, analyst: Any) -> None:
    commitment = stale_commitment(owner=analyst)
    services.snooze_commitment(
        commitment=commitment, until=NEXT_MONTH, reason="Mid-term <review>.", actor=analyst
    )

    body = analyst_client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk])).content
    text = body.decode()

    assert f"Snoozed until <strong>{NEXT_MONTH:%Y-%m-%d}</strong> by ana: Mid-term &lt;review&gt;." in text
    assert 'name="snoozed_until"' not in text  # only the service writes it


def test_the_snoozed_filter_finds_snoozed_commitments_and_the_stale_filter_still_counts_them(
    analyst_client: Client, analyst: Any
) -> None:
    snoozed, awake = stale_commitment(), stale_commitment()
    services.snooze_commitment(commitment=snoozed, until=TOMORROW, reason="Later.", actor=analyst)

    def listed(query: str) -> set[str]:
        response = analyst_client.get(CHANGELIST + query)
        assert response.status_code == 200
        return {c.reference for c in response.context["cl"].result_list}

    assert listed("?snoozed=yes") == {snoozed.reference}
    assert listed("?snoozed=no") == {awake.reference}
    assert listed("?stale=yes") == {snoozed.reference, awake.reference}


def test_the_resume_action_unsnoozes(analyst_client: Client, analyst: Any) -> None:
    commitment = stale_commitment()
    services.snooze_commitment(commitment=commitment, until=TOMORROW, reason="Later.", actor=analyst)

    assert post_action(analyst_client, "unsnooze", [commitment]).status_code == 302

    commitment.refresh_from_db()
    assert commitment.snoozed_until is None
