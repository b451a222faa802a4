"""Import a policy document (text, HTML or PDF): sections and commitments, idempotent and transactional."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commitments.importer import parser
from commitments.importer.loader import (
    DocumentImportError,
    DocumentMeta,
    import_document,
    read_sector_assignments,
)
from commitments.importer.sources import DocumentError, read_document
from commitments.management.arguments import iso_date


class Command(BaseCommand):
    help = (
        "Parse a policy document (text, HTML or PDF) into sections and commitments and load it. Re-importing "
        "the same file changes nothing; a revised text keeps unchanged commitments and reports vanished ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            help="plain text in any common encoding, a saved web page (.html), a Word document (.docx) "
            "or a PDF",
        )
        parser.add_argument(
            "--encoding", help="the text's encoding when it cannot be told from the bytes, e.g. gb18030"
        )
        parser.add_argument("--title", help="document title (default: the title found in the text)")
        parser.add_argument("--publisher", default="")
        parser.add_argument("--published-on", type=iso_date, help="YYYY-MM-DD")
        parser.add_argument(
            "--period-start", type=iso_date, required=True, help="start of the plan period, YYYY-MM-DD"
        )
        parser.add_argument(
            "--period-end", type=iso_date, required=True, help="end of the plan period, YYYY-MM-DD"
        )
        parser.add_argument("--slug", default="", help="identifier in URLs (default: from the title)")
        parser.add_argument(
            "--prefix", default="", help="reference prefix, e.g. CSP2021 (default: from the slug)"
        )
        parser.add_argument("--source-url", default="")
        parser.add_argument("--language", default="en")
        parser.add_argument(
            "--sectors", type=Path, help="JSON file of curated sector assignments keyed by reference"
        )
        parser.add_argument("--dry-run", action="store_true", help="print the plan and write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = read_document(options["path"], encoding=options["encoding"])
            title = options["title"] or parser.extract(text).title
            if not title:
                raise CommandError(f"{options['path']}: no title found in the text; pass --title")
            meta = DocumentMeta(
                title=title,
                publisher=options["publisher"],
                published_on=options["published_on"],
                period_start=options["period_start"],
                period_end=options["period_end"],
                slug=options["slug"],
                reference_prefix=options["prefix"],
                source_url=options["source_url"],
                language=options["language"],
            )
            assignments = self._assignments(options["sectors"])
            report = import_document(text, meta, sector_assignments=assignments, dry_run=options["dry_run"])
        except (DocumentError, DocumentImportError) as error:
            raise CommandError(str(error)) from None
        for line in report.lines():
            self.stdout.write(line)

    def _assignments(self, path: Path | None) -> dict[str, Any] | None:
        if path is None:
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read sector assignments {path}: {error}") from None
        if isinstance(raw, dict) and isinstance(raw.get("sectors"), dict):
            raw = raw["sectors"]  # a seed manifest works too
        if not isinstance(raw, dict):
            raise CommandError(f"{path}: expected a JSON object keyed by commitment reference")
        return read_sector_assignments(raw)
