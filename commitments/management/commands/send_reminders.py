"""Send the daily digests of stale commitments: the cron alternative to Celery beat."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import reminders
from commitments.management.arguments import iso_date


class Command(BaseCommand):
    help = (
        "Send each owner one digest of their stale commitments (leads get unassigned ones and are "
        "copied on escalated ones). Never sends a person a second digest the same day, however often "
        "it runs or whatever else (Celery beat) runs at the same time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            type=iso_date,
            default=None,
            help="The day to act as (YYYY-MM-DD; default today): staleness is computed as of that day "
            "and the once-a-day rule is keyed on it.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print who would get what; send and record nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = reminders.send_digests(day=options["date"], dry_run=options["dry_run"])
        heading = "Dry run: nothing sent" if summary.dry_run else "Reminders"
        self.stdout.write(f"{heading} for {summary.day:%Y-%m-%d}.")
        for line in summary.lines() or ["Nothing is stale: no digest due."]:
            self.stdout.write(f"  {line}")
        if summary.failures:
            raise CommandError(
                f"{len(summary.failures)} digest(s) failed and were not recorded; run the command again "
                "to retry them (digests already sent today are skipped)."
            )
