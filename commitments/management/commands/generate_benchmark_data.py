"""Fill an empty database with a deterministic, realistic dataset for performance benchmarks."""

from __future__ import annotations

import argparse
import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import benchmark_data
from commitments.management.arguments import iso_date


def positive_int(value: str) -> int:
    """argparse `type=` for a count of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1, e.g. 100000.")
    return number


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with benchmark data: documents (one per 500 commitments) with section "
        "trees and full texts, commitments with sectors, owners, five years of reviews, evidence and "
        "citations, and 500 analysts. The same seed gives the same data (ids included, on a fresh "
        "database). Refuses a database that has any commitment."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--commitments", type=positive_int, default=100_000, help="how many (default 100000)"
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--as-of",
            type=iso_date,
            default=None,
            help="the day the data is generated as of, YYYY-MM-DD (default today): reviews reach back "
            "five years from it and snoozes run past it, so fix it to reproduce a dataset on another day.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: datetime.date | None = options["as_of"]
        now = (
            datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=datetime.UTC)
            if as_of is not None
            else None
        )
        started = time.monotonic()
        try:
            counts = benchmark_data.generate(
                options["commitments"], options["seed"], out=self.stdout, now=now
            )
        except benchmark_data.DatabaseNotEmptyError as error:
            raise CommandError(str(error)) from None
        seconds = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Benchmark data generated (seed {options['seed']}):"))
        for name, count in counts.items():
            self.stdout.write(f"  {name.replace('_', ' ')}: {count}")
        self.stdout.write(f"  seconds: {seconds:.1f}")
