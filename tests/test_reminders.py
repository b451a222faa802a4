"""The daily digest: who gets what, in what order, and never twice the same day (in-process)."""

from __future__ import annotations

import datetime
import smtplib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import reminders
from commitments.choices import ReminderState, Status
from commitments.models import Commitment, Reminder
from commitments.tasks import send_reminders
from tests.factories import DocumentFactory
from tests.reminder_helpers import DAY, FlakyBackend, addresses, make_stale
from tracker.celery import app as celery_app

pytestmark = pytest.mark.django_db


def outbox_for(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in addresses(", ".join(message.to))]


def mailed_to() -> list[str]:
    """The (first) To address of every message sent, sorted."""
    return sorted(addresses(", ".join(message.to))[0] for message in mail.outbox)


def only_digest_for(address: str) -> Any:
    found = outbox_for(address)
    assert len(found) == 1, f"{len(found)} digests to {address}: {[m.subject for m in mail.outbox]}"
    return found[0]


def references_in(message: Any) -> list[str]:
    """The references the plain-text digest lists, in order."""
    return [
        line.split(" - ")[0].removeprefix("[ESCALATED] ")
        for line in message.body.splitlines()
        if line.startswith(("DOC", "[ESCALATED] DOC"))
    ]


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in-process even when REDIS_URL (CI) makes the settings choose a real broker.

    Errors are not propagated at once, so that an eager task follows its retries (as a worker
    would, without the wait); `.get()` on the result raises if the last attempt failed.
    """
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, False
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def flaky_mail(settings: Any) -> Iterator[type[FlakyBackend]]:
    settings.EMAIL_BACKEND = "tests.reminder_helpers.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.refuse, FlakyBackend.attempts = 0, set(), 0
    yield FlakyBackend
    FlakyBackend.failures, FlakyBackend.refuse = 0, set()


# --- Who gets what ----------------------------------------------------------------------


def test_each_owner_gets_one_digest_of_their_own_stale_commitments_most_overdue_first(
    make_user: Callable[..., Any],
) -> None:
    ana, bob = make_user("analyst", username="ana"), make_user("analyst", username="bob")
    newer = make_stale(ana, days=35)[0]
    oldest = make_stale(ana, days=55)[0]
    middle = make_stale(ana, days=45)[0]
    bobs = make_stale(bob, days=40)[0]

    reminders.send_digests(day=DAY)

    assert len(mail.outbox) == 2
    digest = only_digest_for("ana@example.org")
    assert references_in(digest) == [oldest.reference, middle.reference, newer.reference]
    assert bobs.reference not in digest.body
    assert references_in(only_digest_for("bob@example.org")) == [bobs.reference]
    assert digest.subject == "[Commitment Tracker] 3 commitments need your review"
    assert "is disabled" not in digest.body


def test_fresh_final_and_snoozed_commitments_are_left_out_and_nobody_without_stale_items_is_mailed(
    make_user: Callable[..., Any],
) -> None:
    ana, bob = make_user("analyst", username="ana"), make_user("analyst", username="bob")
    stale = make_stale(ana, days=31)[0]
    make_stale(ana, days=29)  # fresh: unassessed is stale after 30 days
    make_stale(ana, days=900, status=Status.ACHIEVED, reviewed=True)  # final: never stale
    make_stale(bob, days=20)

    reminders.send_digests(day=DAY)

    assert references_in(only_digest_for("ana@example.org")) == [stale.reference]
    assert outbox_for("bob@example.org") == []


def test_digest_is_plain_text_and_html_with_a_link_to_each_commitments_admin_page(
    make_user: Callable[..., Any], settings: Any
) -> None:
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    ana = make_user("analyst", username="ana", first_name="Ana", last_name="Lyst")
    commitment = make_stale(ana, days=45)[0]
    link = f"https://tracker.example.org/admin/commitments/commitment/{commitment.pk}/change/"

    reminders.send_digests(day=DAY)

    digest = only_digest_for("ana@example.org")
    html, mimetype = digest.alternatives[0]
    assert mimetype == "text/html"
    assert "Hello Ana Lyst" in digest.body
    assert link in digest.body
    assert f'href="{link}"' in html
    assert commitment.reference in html
    assert "review due 15 days ago" in digest.body  # 45 days since creation, interval 30


def test_a_long_digest_lists_the_most_overdue_hundred_and_links_to_the_rest(
    make_user: Callable[..., Any], settings: Any
) -> None:
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    ana = make_user("analyst", username="ana")
    make_stale(ana, count=reminders.DIGEST_LIST_LIMIT, days=50)
    least_overdue = make_stale(ana, count=2, days=40)

    reminders.send_digests(day=DAY)

    digest = only_digest_for("ana@example.org")
    assert len(references_in(digest)) == 100
    assert all(item.reference not in digest.body for item in least_overdue)
    assert (
        "... and 2 more: https://tracker.example.org/admin/commitments/commitment/?owner=mine&stale=yes"
        in (digest.body)
    )
    assert digest.subject == "[Commitment Tracker] 102 commitments need your review"
    reminder = Reminder.objects.get()
    assert (reminder.item_count, len(reminder.listed_commitment_ids)) == (102, 100)


def test_escalated_items_are_marked_and_the_owners_digest_copies_the_leads(
    make_user: Callable[..., Any],
) -> None:
    ana = make_user("analyst", username="ana")
    lee, lou = make_user("lead", username="lee"), make_user("lead", username="lou")
    make_user("lead", username="mute", email="")  # a lead without an address cannot be copied
    escalated = make_stale(ana, days=61)[0]  # more than twice the 30-day interval
    merely_stale = make_stale(ana, days=59)[0]

    reminders.send_digests(day=DAY)

    digest = only_digest_for("ana@example.org")
    assert digest.subject == "[Commitment Tracker] 2 commitments need your review (1 escalated)"
    assert sorted(addresses(", ".join(digest.cc))) == ["lee@example.org", "lou@example.org"]
    assert f"[ESCALATED] {escalated.reference}" in digest.body
    assert f"[ESCALATED] {merely_stale.reference}" not in digest.body
    assert "ESCALATED" in digest.alternatives[0][0]
    assert len(mail.outbox) == 1  # the leads own nothing and nothing is unassigned: only copied
    assert {lee.email, lou.email} <= set(addresses(", ".join(digest.cc)))


def test_an_owners_digest_without_escalated_items_copies_nobody(
    make_user: Callable[..., Any], lead: Any
) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=59)

    reminders.send_digests(day=DAY)

    assert only_digest_for("ana@example.org").cc == []


def test_unassigned_stale_commitments_go_to_each_lead_in_their_own_digest(
    make_user: Callable[..., Any],
) -> None:
    make_user("lead", username="lee"), make_user("lead", username="lou")
    make_user("lead", username="gone", is_active=False)
    make_user("analyst", username="ana")
    unassigned = make_stale(None, days=70)[0]

    reminders.send_digests(day=DAY)

    assert mailed_to() == ["lee@example.org", "lou@example.org"]
    for address in ("lee@example.org", "lou@example.org"):
        digest = only_digest_for(address)
        assert f"[ESCALATED] {unassigned.reference}" in digest.body
        assert "UNASSIGNED (1)" in digest.body
        assert digest.cc == []  # leads already get unassigned items themselves


def test_a_lead_who_owns_stale_commitments_gets_one_digest_with_both_sections(
    make_user: Callable[..., Any],
) -> None:
    lee = make_user("lead", username="lee")
    own = make_stale(lee, days=40)[0]
    unassigned = make_stale(None, days=50)[0]

    reminders.send_digests(day=DAY)

    digest = only_digest_for("lee@example.org")
    assert len(mail.outbox) == 1
    assert "YOUR COMMITMENTS (1)" in digest.body
    assert "UNASSIGNED (1)" in digest.body
    assert references_in(digest) == [own.reference, unassigned.reference]
    assert digest.subject == "[Commitment Tracker] 2 commitments need your review"


def test_stale_commitments_of_a_disabled_owner_go_to_the_leads(make_user: Callable[..., Any]) -> None:
    make_user("lead", username="lee")
    gone = make_user("analyst", username="gone", is_active=False)
    orphan = make_stale(gone, days=40)[0]

    reminders.send_digests(day=DAY)

    assert outbox_for("gone@example.org") == []
    digest = only_digest_for("lee@example.org")
    assert orphan.reference in digest.body
    assert "owner gone is disabled" in digest.body


def test_a_recipient_without_an_email_address_is_skipped_and_reported(make_user: Callable[..., Any]) -> None:
    ana = make_user("analyst", username="ana", email="")
    make_stale(ana, days=40)

    summary = reminders.send_digests(day=DAY)

    assert mail.outbox == []
    assert not Reminder.objects.exists()
    assert summary.lines() == ["ana: 1 item(s); 0 escalated — skipped: no e-mail address"]


def test_unassigned_items_with_no_lead_to_tell_are_reported(make_user: Callable[..., Any]) -> None:
    make_stale(None, days=40, count=2)

    summary = reminders.send_digests(day=DAY)

    assert mail.outbox == []
    assert summary.lines() == [
        "2 unassigned stale item(s) — nobody told: no active lead with an e-mail address"
    ]


def test_snoozed_commitments_are_not_reminded_about_until_the_snooze_ends(
    make_user: Callable[..., Any],
) -> None:
    ana = make_user("analyst", username="ana")
    snoozed, other = make_stale(ana, days=45), make_stale(ana, days=45)
    Commitment.objects.filter(pk=snoozed[0].pk).update(
        snoozed_until=DAY + datetime.timedelta(days=1), snooze_reason="Waiting for the annual report."
    )

    reminders.send_digests(day=DAY)
    assert references_in(only_digest_for("ana@example.org")) == [other[0].reference]
    assert Commitment.objects.stale(at=timezone.now()).filter(pk=snoozed[0].pk).exists()  # still stale

    mail.outbox.clear()
    reminders.send_digests(day=DAY + datetime.timedelta(days=1))  # the snooze ends that day
    assert snoozed[0].reference in only_digest_for("ana@example.org").body


def test_review_intervals_come_from_settings(make_user: Callable[..., Any], settings: Any) -> None:
    ana = make_user("analyst", username="ana")
    in_progress = make_stale(ana, days=10, status=Status.IN_PROGRESS, reviewed=True)[0]
    reminders.send_digests(day=DAY)
    assert mail.outbox == []  # 10 days < the default 90

    settings.COMMITMENT_REVIEW_INTERVAL_DAYS = {**settings.COMMITMENT_REVIEW_INTERVAL_DAYS, "in_progress": 7}
    reminders.send_digests(day=DAY)
    digest = only_digest_for("ana@example.org")
    assert in_progress.reference in digest.body
    assert "review due 3 days ago" in digest.body

    settings.COMMITMENT_REVIEW_INTERVAL_DAYS = {**settings.COMMITMENT_REVIEW_INTERVAL_DAYS, "in_progress": 4}
    digest = reminders.preview_digest(ana, DAY + datetime.timedelta(days=1))
    assert digest is not None
    assert digest.escalated_count == 1  # 11 days > twice 4


def test_dry_run_sends_nothing_and_records_nothing(make_user: Callable[..., Any], lead: Any) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=70)
    make_stale(None, days=40)

    summary = reminders.send_digests(day=DAY, dry_run=True)

    assert mail.outbox == []
    assert not Reminder.objects.exists()
    assert summary.lines() == [
        "ana <ana@example.org>: 1 item(s); 1 escalated; cc lee@example.org — would send",
        "lee <lee@example.org>: 1 item(s); 0 escalated — would send",
    ]


# --- Never twice ------------------------------------------------------------------------


def test_each_sent_digest_is_recorded_with_its_recipient_day_and_items(
    make_user: Callable[..., Any], lead: Any
) -> None:
    ana = make_user("analyst", username="ana")
    items = make_stale(ana, days=70) + make_stale(ana, days=40, count=2)

    reminders.send_digests(day=DAY)

    reminder = Reminder.objects.get(recipient=ana)
    assert (reminder.day, reminder.state, reminder.item_count, reminder.escalated_count) == (
        DAY,
        ReminderState.SENT,
        3,
        1,
    )
    # In the e-mail's order: most overdue first.
    assert reminder.listed_commitments() == [*items[:1], *sorted(items[1:], key=lambda c: c.reference)]
    assert reminder.sent_at is not None
    assert reminder.cc == "lee@example.org"
    assert reminder.message_id == only_digest_for("ana@example.org").extra_headers["Message-ID"]


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(
    make_user: Callable[..., Any],
) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=40)

    reminders.send_digests(day=DAY)
    again = reminders.send_digests(day=DAY)
    assert len(mail.outbox) == 1
    assert [delivery.outcome for delivery in again.deliveries] == [reminders.Outcome.ALREADY_SENT]

    reminders.send_digests(day=DAY + datetime.timedelta(days=1))
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(recipient=ana, state=ReminderState.SENT).count() == 2


def test_the_database_refuses_a_second_reminder_for_the_same_person_and_day(
    make_user: Callable[..., Any],
) -> None:
    ana = make_user("analyst", username="ana")
    Reminder.objects.create(recipient=ana, day=DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(recipient=ana, day=DAY)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_claim_is_committed_at_once_and_a_second_is_refused_cleanly(
    make_user: Callable[..., Any],
) -> None:
    ana = make_user("analyst", username="ana")
    assert not connection.in_atomic_block  # as in a worker: autocommit

    first = reminders.claim_digest(recipient_pk=ana.pk, day=DAY)
    seen_elsewhere: list[int] = []

    def look_from_another_connection() -> None:  # a thread has a connection of its own
        seen_elsewhere.append(Reminder.objects.filter(day=DAY).count())
        connection.close()

    other = threading.Thread(target=look_from_another_connection)
    other.start()
    other.join()
    second = reminders.claim_digest(recipient_pk=ana.pk, day=DAY)

    assert first is not None
    assert second is None
    assert seen_elsewhere == [1]
    assert Reminder.objects.get().pk == first.pk  # the connection is still usable after the conflict


def test_a_digest_claimed_by_another_run_is_not_sent_again(make_user: Callable[..., Any]) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=40)
    Reminder.objects.create(recipient=ana, day=DAY, claimed_at=timezone.now())  # another run, sending now

    summary = reminders.send_digests(day=DAY)

    assert mail.outbox == []
    assert [delivery.outcome for delivery in summary.deliveries] == [reminders.Outcome.TAKEN]


def test_a_claim_abandoned_longer_than_the_timeout_is_taken_over_and_sent_with_the_same_message_id(
    make_user: Callable[..., Any], settings: Any
) -> None:
    """The documented crash window: a worker died after claiming. If its e-mail had already been
    accepted, the take-over is a second copy (at-least-once), recognisable by its Message-ID."""
    settings.REMINDER_CLAIM_TIMEOUT_MINUTES = 15
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=40)
    dead = Reminder.objects.create(
        recipient=ana, day=DAY, message_id="<first-attempt@tracker.example.org>", claimed_at=timezone.now()
    )

    reminders.send_digests(day=DAY)
    assert mail.outbox == []  # 0 minutes old: maybe still sending, leave it

    Reminder.objects.filter(pk=dead.pk).update(claimed_at=timezone.now() - datetime.timedelta(minutes=16))
    summary = reminders.send_digests(day=DAY)

    digest = only_digest_for("ana@example.org")
    assert digest.extra_headers["Message-ID"] == "<first-attempt@tracker.example.org>"
    reminder = Reminder.objects.get(pk=dead.pk)
    assert (reminder.state, reminder.attempts) == (ReminderState.SENT, 2)
    assert "attempt 2" in summary.lines()[0]


def test_a_sender_whose_claim_was_taken_over_does_not_mark_it(make_user: Callable[..., Any]) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=40)
    digest = reminders.preview_digest(ana, DAY)
    assert digest is not None
    slow = reminders.claim_digest(recipient_pk=ana.pk, day=DAY)
    assert slow is not None
    Reminder.objects.filter(pk=slow.pk).update(claimed_at=timezone.now() - datetime.timedelta(hours=1))
    fast = reminders.claim_digest(recipient_pk=ana.pk, day=DAY)
    assert fast is not None

    assert reminders.mark_sent(slow, digest) is False
    assert Reminder.objects.get().state == ReminderState.CLAIMED
    assert reminders.mark_sent(fast, digest) is True
    assert Reminder.objects.get().state == ReminderState.SENT


def test_a_failed_send_is_not_recorded_and_the_retried_task_sends_it_once(
    make_user: Callable[..., Any], flaky_mail: type[FlakyBackend], eager_celery: None
) -> None:
    ana, bob = make_user("analyst", username="ana"), make_user("analyst", username="bob")
    make_stale(ana, days=40), make_stale(bob, days=40)
    flaky_mail.failures = 1  # ana's first send fails; bob's goes through; the retry sends ana's

    assert send_reminders.delay(day=DAY.isoformat()).get() == {"sent": 1, "already_sent": 1}
    assert mailed_to() == ["ana@example.org", "bob@example.org"]
    assert Reminder.objects.filter(state=ReminderState.SENT).count() == 2
    assert Reminder.objects.get(recipient=ana).attempts == 1  # released, then claimed afresh


def test_a_send_that_keeps_failing_leaves_no_record_and_does_not_hold_up_the_others(
    make_user: Callable[..., Any], flaky_mail: type[FlakyBackend]
) -> None:
    ana, bob = make_user("analyst", username="ana"), make_user("analyst", username="bob")
    make_stale(ana, days=40), make_stale(bob, days=40)
    flaky_mail.refuse = {"ana@example.org"}

    summary = reminders.send_digests(day=DAY)

    assert mailed_to() == ["bob@example.org"]
    assert list(Reminder.objects.values_list("recipient__username", "state")) == [("bob", "sent")]
    assert [d.outcome for d in summary.failures] == [reminders.Outcome.FAILED]
    with pytest.raises(Exception, match="No such user"):
        summary.raise_first_error()  # the task re-raises it, so Celery retries with backoff


def test_a_digest_that_keeps_failing_is_tried_at_most_max_retries_plus_one_times(
    make_user: Callable[..., Any], flaky_mail: type[FlakyBackend], eager_celery: None
) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=40)
    flaky_mail.refuse = {"ana@example.org"}

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_reminders.delay(day=DAY.isoformat()).get()

    assert flaky_mail.attempts == 5 + 1 == (send_reminders.max_retries or 0) + 1
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_a_run_stops_after_three_failed_sends_in_a_row(
    make_user: Callable[..., Any], flaky_mail: type[FlakyBackend]
) -> None:
    for name in ("ana", "bob", "cyd", "dee"):
        make_stale(make_user("analyst", username=name), days=40)
    flaky_mail.failures = 10

    summary = reminders.send_digests(day=DAY)

    assert len(summary.deliveries) == 3
    assert summary.stopped_early
    assert not Reminder.objects.exists()


def test_the_beat_task_sends_todays_digests(make_user: Callable[..., Any], eager_celery: None) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=40, day=timezone.localdate())

    result = send_reminders.delay()

    assert result.get() == {"sent": 1}
    assert only_digest_for("ana@example.org")
    assert Reminder.objects.get().day == timezone.localdate()


def test_the_beat_schedule_has_one_entry_for_the_reminder_task(settings: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["send-reminders"]["task"] == send_reminders.name
    schedule = settings.CELERY_BEAT_SCHEDULE["send-reminders"]["schedule"]
    assert (schedule.hour, schedule.minute) == ({settings.REMINDER_HOUR}, {settings.REMINDER_MINUTE})


# --- Queries ----------------------------------------------------------------------------

# leads; stale commitments with their owners (one cursor); dead evidence links on those owners'
# commitments (issue 17: the digest mentions them); digests already sent that day
PLAN_QUERIES = 4
# claim INSERT, which inside the test's transaction also shows a SAVEPOINT and a RELEASE (in
# production: BEGIN/COMMIT); the mark, one UPDATE that records the listed items too
QUERIES_PER_DIGEST = 4


def add_stale(owners: list[Any], per_owner: int) -> None:
    """`per_owner` stale commitments for each owner (one of them escalated, so the leads are
    copied) and `per_owner` unassigned ones for the leads."""
    document = DocumentFactory.create()
    for owner in owners:
        make_stale(owner, per_owner - 1, days=40, document=document)
        make_stale(owner, 1, days=70, document=document)
    make_stale(None, per_owner, days=40, document=document)


def counted_run(day: datetime.date, dry_run: bool = False) -> tuple[int, int, str]:
    with CaptureQueriesContext(connection) as captured:
        summary = reminders.send_digests(day=day, dry_run=dry_run)
    sql = "\n".join(query["sql"][:160] for query in captured.captured_queries)
    return len(captured), summary.count(reminders.Outcome.SENT), sql


def test_a_run_needs_a_fixed_number_of_queries_plus_a_fixed_number_per_digest_sent(
    make_user: Callable[..., Any], lead: Any
) -> None:
    """Pinned: 4 + 4 per digest, for 10 owners × 5 commitments as for 40 × 20: none per commitment."""
    owners = [make_user("analyst", username=f"owner{i:03d}") for i in range(10)]
    add_stale(owners, per_owner=5)
    assert counted_run(DAY, dry_run=True)[0] == PLAN_QUERIES
    small, small_sent, sql = counted_run(DAY)
    assert small_sent == 11  # 10 owners and the lead
    assert small == PLAN_QUERIES + QUERIES_PER_DIGEST * small_sent, sql

    owners += [make_user("analyst", username=f"owner{i:03d}") for i in range(10, 40)]
    add_stale(owners[:10], per_owner=15)
    add_stale(owners[10:], per_owner=20)
    assert Commitment.objects.filter(owner__in=owners).count() == 40 * 20
    next_day = DAY + datetime.timedelta(days=1)
    assert counted_run(next_day, dry_run=True)[0] == PLAN_QUERIES
    large, large_sent, sql = counted_run(next_day)
    assert large_sent == 41
    assert large == PLAN_QUERIES + QUERIES_PER_DIGEST * large_sent, sql
