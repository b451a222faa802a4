"""Spreadsheet-safe CSV, shared by the admin export action and the API's CSV format.

A cell that starts with = + - @ (or a tab, carriage return or NUL, which some spreadsheet
versions skip before one of those) is run as a formula when the file is opened; quoting does not
prevent it. Such cells get a leading apostrophe (OWASP ASVS 1.2.10, CWE-1236).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")


def neutralise_cell(value: Any) -> str:
    """Render one value as CSV cell text that no spreadsheet will evaluate."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose write() hands back what it was given (for streaming)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Yield the CSV text line by line; memory stays flat whatever the number of rows."""
    writer = csv.writer(_Echo())
    yield writer.writerow([neutralise_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise_cell(cell) for cell in row])


def csv_response(
    header: Iterable[str], rows: Iterable[Iterable[Any]], filename: str
) -> StreamingHttpResponse:
    """A streamed CSV download (the admin's export action and the API's `format=csv`)."""
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


COMMITMENT_COLUMNS = (
    "reference",
    "document",
    "section",
    "text",
    "primary sector",
    "status",
    "owner",
    "priority",
    "target date",
    "last reviewed",
    "stale",
)


def commitment_row(commitment: Any) -> list[Any]:
    """One commitment from CommitmentQuerySet.for_list() as a CSV row."""
    return [
        commitment.reference,
        commitment.document.slug,
        commitment.section.heading if commitment.section else "",
        commitment.text,
        commitment.primary_sector_slug or "",
        commitment.status,
        commitment.owner.get_username() if commitment.owner else "",
        commitment.priority,
        commitment.target_date.isoformat() if commitment.target_date else "",
        commitment.last_reviewed_at.isoformat() if commitment.last_reviewed_at else "",
        "yes" if commitment.is_stale else "no",
    ]
