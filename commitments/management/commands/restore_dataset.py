"""Fill a freshly migrated, empty database from an export_dataset file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments import backup


class Command(BaseCommand):
    help = (
        "Restore a file written by export_dataset into an EMPTY database migrated to the same state "
        "(no documents, commitments, reviews or users; the default sectors are replaced). One "
        "transaction: all or nothing. Users come back without passwords: each must set a new one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file export_dataset wrote, or - for standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["path"]
        try:
            if path == "-":
                document = json.load(sys.stdin)
            else:
                with Path(path).open(encoding="utf-8") as stream:
                    document = json.load(stream)
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"{path} is not a dataset export (not JSON: {error}).") from None
        try:
            summary = backup.restore(document)
        except backup.RestoreRefusedError as error:
            raise CommandError(str(error)) from None
        counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in summary.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Restored the export of {summary.exported_at}: {counts}."))
        if summary.replaced_sectors:
            self.stdout.write(
                f"The {summary.replaced_sectors} default sectors were replaced by the file's taxonomy."
            )
        self.stdout.write(
            f"All {summary.counts['users']} users have unusable passwords: nobody can sign in until a new "
            "password is set, e.g. `python manage.py changepassword USERNAME` (a superuser first)."
        )
