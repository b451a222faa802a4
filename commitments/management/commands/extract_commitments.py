"""Print the commitments a plain-text policy document would yield, without touching the database."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from commitments.importer.parser import DocumentError, extract, read_document, to_json


class Command(BaseCommand):
    help = "Extract the heading tree and commitments of a plain-text policy document and print them."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="UTF-8 plain-text file, e.g. china-space-program-2021.txt")
        parser.add_argument(
            "--format",
            choices=["json", "text"],
            default="json",
            help="json: an array of {text, section, lead_in, start, end, rule}; text: one line each",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            text = read_document(options["path"])
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
