"""Spreadsheet-safe CSV, shared by the admin export action and the API's CSV format.

A cell that starts with = + - @ (or a tab, carriage return or NUL, which some spreadsheet
versions skip before one of those) is run as a formula when the file is opened; quoting does not
prevent it. Such cells get a leading apostrophe (OWASP ASVS 1.2.10, CWE-1236).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, StreamingHttpResponse
from django.urls import NoReverseMatch
from django.utils import timezone

from commitments.display import status_label

if TYPE_CHECKING:
    from commitments.querysets import CommitmentQuerySet

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


BYTE_ORDER_MARK = "\ufeff"


def csv_response(
    header: Iterable[str], rows: Iterable[Iterable[Any]], filename: str, *, bom: bool = False
) -> StreamingHttpResponse:
    """A streamed CSV download (the admin's export action and the API's `format=csv`).

    `bom` starts the file with a UTF-8 byte-order mark: without one, Excel on Windows reads the file in
    the local code page and garbles every non-ASCII character (Chang’e, São Paulo, 北斗).
    """
    lines = csv_lines(header, rows)
    response = StreamingHttpResponse(
        itertools.chain([BYTE_ORDER_MARK], lines) if bom else lines, content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


COMMITMENT_COLUMNS = (
    "reference",
    "document",
    "section",
    "text",
    "primary sector",
    "status",
    "status label",
    "owner",
    "priority",
    "target date",
    "last reviewed",
    "stale",
    "evidence count",
    "latest rationale",
    "public page",
)


def timestamp(moment: datetime | None) -> str:
    """ISO 8601 in the site time zone, with its offset, to the second: 2024-05-03T12:04:05+00:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def site_of(request: HttpRequest) -> str:
    """Scheme and host, e.g. https://tracker.example.org: how the links in a download start."""
    return f"{request.scheme}://{request.get_host()}"


def commitment_rows(commitments: CommitmentQuerySet, *, site: str) -> Iterator[list[Any]]:
    """Each commitment as a CSV row, streamed: one query for all of them (CommitmentQuerySet.for_export).

    `site` (see site_of) starts the link to each commitment's public page.
    """
    return (commitment_row(item, site=site) for item in commitments.for_export().iterator(chunk_size=1000))


def commitment_row(commitment: Any, *, site: str) -> list[Any]:
    """One commitment from CommitmentQuerySet.for_export() as a CSV row (COMMITMENT_COLUMNS)."""
    return [
        commitment.reference,
        commitment.document.slug,
        commitment.section.heading if commitment.section else "",
        commitment.text,
        commitment.primary_sector_slug or "",
        commitment.status,
        status_label(commitment.status),
        commitment.owner.get_username() if commitment.owner else "",
        commitment.priority,
        commitment.target_date.isoformat() if commitment.target_date else "",
        timestamp(commitment.last_reviewed_at),
        "yes" if commitment.is_stale else "no",
        commitment.evidence_count,
        commitment.latest_rationale or "",
        public_page(commitment, site=site),
    ]


def public_page(commitment: Any, *, site: str) -> str:
    """The commitment's page on the public site, or empty for a reference no page can have (a slash in
    it: bad data, never from an import), so one odd row never breaks a whole download."""
    try:
        return site + commitment.get_absolute_url()
    except NoReverseMatch:
        return ""
