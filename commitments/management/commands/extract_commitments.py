"""Print the commitments a policy document (text, HTML or PDF) would yield, without touching the database."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from commitments.importer.parser import extract, to_json
from commitments.importer.sources import DocumentError, read_document


class Command(BaseCommand):
    help = "Extract the heading tree and commitments of a policy document (text, HTML or PDF) and print them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "path",
            help="plain text in any common encoding, a saved web page (.html), a Word document (.docx) "
            "or a PDF",
        )
        parser.add_argument(
            "--encoding", help="the text's encoding when it cannot be told from the bytes, e.g. gb18030"
        )
        parser.add_argument(
            "--format",
            choices=["json", "text"],
            default="json",
            help="json: an array of {text, section, lead_in, start, end, rule}; text: one line each",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = read_document(options["path"], encoding=options["encoding"])
        except DocumentError as err:
            raise CommandError(str(err)) from err
        doc = extract(text)
        if options["format"] == "json":
            self.stdout.write(to_json(doc))
            return
        for commitment in doc.commitments:
            section = " › ".join(commitment.section) or "(no section)"
            self.stdout.write(
                f"{commitment.start}-{commitment.end} [{commitment.rule}] {section}: {commitment.text}"
            )
