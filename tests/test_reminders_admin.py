"""The reminder log in the admin (read-only) and the "preview my digest" page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments import reminders
from commitments.models import Reminder
from tests.reminder_helpers import DAY, make_stale

pytestmark = pytest.mark.django_db

LOG = reverse("admin:commitments_reminder_changelist")
PREVIEW = reverse("admin:commitments_reminder_preview")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_reminder_log_lists_sent_digests_and_links_to_the_preview(analyst: Any) -> None:
    make_stale(analyst, days=70)
    reminders.send_digests(day=DAY)

    response = client_for(analyst).get(LOG)

    assert response.status_code == 200
    assert [(r.recipient, r.day, r.state) for r in response.context["cl"].result_list] == [
        (analyst, DAY, "sent")
    ]
    assert f'href="{PREVIEW}"' in response.content.decode()


def test_the_reminder_log_is_read_only_even_for_a_superuser(make_user: Any, analyst: Any) -> None:
    make_stale(analyst, days=40)
    reminders.send_digests(day=DAY)
    reminder = Reminder.objects.get()
    admin = client_for(make_user(username="root", is_superuser=True))
    change = reverse("admin:commitments_reminder_change", args=[reminder.pk])

    assert admin.get(reverse("admin:commitments_reminder_add")).status_code == 403
    assert admin.post(change, {"state": "claimed"}).status_code == 403
    assert admin.post(reverse("admin:commitments_reminder_delete", args=[reminder.pk])).status_code == 403
    page = admin.get(change)
    assert page.status_code == 200
    assert 'type="submit"' not in page.content.decode().split('id="content-main"')[1].split("</form>")[0]
    assert Reminder.objects.get().state == "sent"


def test_a_sent_digest_shows_what_it_listed_in_its_order_each_linked(analyst: Any) -> None:
    recent = make_stale(analyst, days=40)
    oldest = make_stale(analyst, days=70)
    reminders.send_digests(day=DAY)
    reminder = Reminder.objects.get()

    page = client_for(analyst).get(reverse("admin:commitments_reminder_change", args=[reminder.pk]))

    listed = page.content.decode().split("<ol>")[1].split("</ol>")[0]
    links = [reverse("admin:commitments_commitment_change", args=[c.pk]) for c in [*oldest, *recent]]
    assert [line.split('href="')[1].split('"')[0] for line in listed.split("<li>")[1:]] == links
    assert oldest[0].reference in listed


def test_preview_shows_my_digest_as_it_would_be_sent_today_and_sends_nothing(lead: Any, analyst: Any) -> None:
    today = timezone.localdate()
    mine = make_stale(lead, days=70, day=today)[0]
    unassigned = make_stale(None, days=40, day=today)[0]
    someone_elses = make_stale(analyst, days=40, day=today)[0]

    response = client_for(lead).get(PREVIEW)

    assert response.status_code == 200
    body = response.content.decode()
    assert "[Commitment Tracker] 2 commitments need your review (1 escalated)" in body
    assert mine.reference in body
    assert unassigned.reference in body
    assert someone_elses.reference not in body
    assert reverse("admin:commitments_commitment_change", args=[mine.pk]) in body
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_preview_says_when_there_is_nothing_to_remind_me_about(analyst: Any) -> None:
    response = client_for(analyst).get(PREVIEW)

    assert response.status_code == 200
    assert "Nothing to remind you about" in response.content.decode()


def test_preview_warns_that_a_user_without_an_email_address_gets_no_digest(make_user: Any) -> None:
    user = make_user("analyst", username="nomail", email="")
    make_stale(user, days=40, day=timezone.localdate())

    body = client_for(user).get(PREVIEW).content.decode()

    assert "You have no e-mail address" in body
