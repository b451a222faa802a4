"""`manage.py send_reminders`: the same digests for those who run cron instead of Celery."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from commitments.models import Reminder
from tests.reminder_helpers import DAY, FlakyBackend, make_stale

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_who_would_get_what_and_sends_nothing(make_user: Any, lead: Any) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=70), make_stale(ana, days=40), make_stale(None, days=40)

    output = run("--dry-run", "--date", "2025-03-31")

    assert output.splitlines() == [
        "Dry run: nothing sent for 2025-03-31.",
        "  ana <ana@example.org>: 2 item(s); 1 escalated; cc lee@example.org — would send",
        "  lee <lee@example.org>: 1 item(s); 0 escalated — would send",
    ]
    assert mail.outbox == []
    assert not Reminder.objects.exists()


def test_date_is_the_day_to_act_as_for_staleness_and_for_the_once_a_day_rule(make_user: Any) -> None:
    ana = make_user("analyst", username="ana")
    make_stale(ana, days=31)  # stale on DAY, fresh two days before

    assert "Nothing is stale" in run("--date", "2025-03-29")
    assert "ana <ana@example.org>: 1 item(s); 0 escalated — sent" in run("--date", "2025-03-31")
    assert "already sent today" in run("--date", "2025-03-31")
    assert len(mail.outbox) == 1
    assert list(Reminder.objects.values_list("day", flat=True)) == [DAY]


def test_a_date_that_is_not_a_date_is_refused() -> None:
    with pytest.raises(CommandError, match="not a date: use YYYY-MM-DD"):
        run("--date", "31/03/2025")


def test_failed_digests_are_reported_and_make_the_command_fail(make_user: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "tests.reminder_helpers.FlakyBackend"
    FlakyBackend.refuse = {"ana@example.org"}
    try:
        make_stale(make_user("analyst", username="ana"), days=40)
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 digest"):
            call_command("send_reminders", "--date", "2025-03-31", stdout=out)
    finally:
        FlakyBackend.refuse = set()

    assert "ana <ana@example.org>: 1 item(s); 0 escalated — failed" in out.getvalue()
    assert not Reminder.objects.exists()


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_beat_runs_at_the_time_of_day_set_in_the_environment() -> None:
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.CELERY_BEAT_SCHEDULE['send-reminders']['schedule'])",
        REMINDER_HOUR="6",
        REMINDER_MINUTE="45",
    )
    assert "<crontab: 45 6 * * *" in shown.stdout, shown.stderr


def test_a_time_of_day_that_is_not_one_is_refused_at_start_up() -> None:
    result = manage("check", REMINDER_HOUR="25")

    assert result.returncode != 0
    assert "REMINDER_HOUR=25 / REMINDER_MINUTE=0 is not a time of day" in result.stderr
