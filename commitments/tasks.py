"""Celery tasks: thin wrappers that load what they need and call the code that does the work."""

from __future__ import annotations

import smtplib
from datetime import date
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from commitments import linkcheck, reminders


@shared_task(
    bind=True,
    name="commitments.tasks.send_reminders",
    # A mail server or database that is briefly away: try again later. SMTPException and the
    # socket errors are OSErrors; listed for the reader.
    autoretry_for=(
        smtplib.SMTPException,
        ConnectionError,
        TimeoutError,
        OSError,
        OperationalError,
        InterfaceError,
    ),
    retry_backoff=60,
    retry_backoff_max=600,  # well under the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT)
    retry_jitter=True,
    max_retries=5,
)
def send_reminders(self: Any, day: str | None = None, follow_up: bool = False) -> dict[str, int]:
    """The daily digests (beat runs it; so can anyone, any number of times: it never sends twice).

    `day` (YYYY-MM-DD) defaults to today. A failed send is re-raised after the whole run, so
    the retry resends only what failed: digests already sent that day are skipped.
    """
    summary = reminders.send_digests(day=date.fromisoformat(day) if day else None)
    if summary.count(reminders.Outcome.TAKEN) and not follow_up and self.request.retries == 0:
        # On the queue this run came from (a worker may serve only that one).
        _follow_up(summary.day, queue=(self.request.delivery_info or {}).get("routing_key"))
    summary.raise_first_error()
    return summary.counts()


def _follow_up(day: date, queue: str | None) -> None:
    """Look again once the claims this run found would count as abandoned.

    They belong to another run that is sending them, or to a worker that died mid-send; this
    run may itself be the redelivery after that death (a killed pool process is redelivered at
    once, before its claim times out). The second look finds them sent, or takes them over.
    It never schedules a third.
    """
    if send_reminders.app.conf.task_always_eager:
        return  # no broker to wait with; the next run or `send_reminders` covers it
    countdown = reminders.claim_timeout().total_seconds() * 1.1 + 1
    # A countdown longer than the visibility timeout would be redelivered over and over.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    send_reminders.apply_async(
        kwargs={"day": day.isoformat(), "follow_up": True},
        countdown=min(countdown, visibility * 0.9),
        queue=queue or send_reminders.app.conf.task_default_queue,
    )


@shared_task(
    name="commitments.tasks.check_evidence_links",
    # A database that is briefly away: the next beat run (minutes later) picks the batch up again, as
    # its links stay due and their claims lapse; nothing to retry here.
    ignore_result=True,
)
def check_evidence_links() -> dict[str, int]:
    """One batch of due evidence links (beat runs it every TRACKER_LINK_CHECK_MINUTES)."""
    return linkcheck.check_evidence(limit=settings.TRACKER_LINK_CHECK_BATCH).as_dict()
