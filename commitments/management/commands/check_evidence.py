"""Check evidence links that are due (or all of them) and keep archived copies of their text."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from commitments import linkcheck


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Fetch the evidence URLs that are due for a check (new ones first), record their health (ok, "
        "redirected, broken, refused) and keep an archived copy of each page's text. Safe to run beside "
        "Celery beat's job: a link is never checked by two runs at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Check every evidence link once now, due or not.",
        )
        parser.add_argument(
            "--limit",
            type=positive,
            default=None,
            help="Check at most this many evidence links (e.g. 100; default: all that are due).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Interrupted, the links it had claimed are taken up again once their claim lapses.
        summary = linkcheck.check_evidence(limit=options["limit"], everything=options["everything"])
        what = "All evidence links" if options["everything"] else "Evidence links due"
        self.stdout.write(f"{what}: {summary.checked} checked.")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
