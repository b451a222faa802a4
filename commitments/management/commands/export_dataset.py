"""Write the whole dataset to one JSON file (or standard output): the portable, audited backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from commitments import backup


class Command(BaseCommand):
    help = (
        "Export the whole dataset as one JSON document: documents (with their full text), sections, "
        "sectors, commitments, evidence, reviews, citations, reminders, groups and users (without "
        "password hashes). API tokens and sessions are left out. Read it back with restore_dataset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file to write (replaced whole), or - for standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["path"]
        if path == "-":
            summary = backup.export(_Unterminated(self))
            report = self.stderr
        else:
            summary = backup.export_to_path(Path(path))
            report = self.stdout
        counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in summary.counts.items())
        where = "standard output" if path == "-" else path
        report.write(
            f"Exported to {where} at {summary.exported_at} ({backup.APP} migration {summary.migration}, "
            f"format {backup.FORMAT_VERSION}): {counts}."
        )


class _Unterminated:
    """The command's stdout without the line ending it adds to every write."""

    def __init__(self, command: BaseCommand) -> None:
        self.command = command

    def write(self, text: str, /) -> None:
        self.command.stdout.write(text, ending="")
