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
from django.urls import reverse
from django.utils import timezone

from commitments.display import URL_SLOT, fill_url, status_label

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


EXPORT_CHUNK = 2000


def commitment_rows(commitments: CommitmentQuerySet, *, site: str) -> Iterator[list[Any]]:
    """Each of `commitments` as a CSV row (COMMITMENT_COLUMNS), in their order, streamed.

    Their ids first (one query on the filters and the order alone), then the rows EXPORT_CHUNK at a
    time as plain tuples: memory stays flat, no query or cursor stays open between chunks, and a
    chunk's latest review and counts are computed for its rows only. `site` (see site_of) starts the
    link to each commitment's public page.
    """
    from commitments.models import Commitment

    ids = list(commitments.values_list("pk", flat=True))
    at = timezone.now()  # one moment for the whole file: "stale" means the same on every row
    page_pattern = site + reverse("pages:commitment", args=[URL_SLOT])
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[start : start + EXPORT_CHUNK]
        rows = {row[0]: row for row in Commitment.objects.export_rows(chunk, at=at)}
        for pk in chunk:
            if pk in rows:  # deleted while the file was being written: left out
                yield _csv_row(rows[pk], page_pattern)


def _csv_row(row: tuple[Any, ...], page_pattern: str) -> list[Any]:
    """One row of CommitmentQuerySet.export_rows() as COMMITMENT_COLUMNS."""
    (_pk, reference, document, section, text, sector, status, owner, priority, target, reviewed, stale,
     evidence, rationale) = row  # fmt: skip
    return [
        reference,
        document,
        section or "",
        text,
        sector or "",
        status,
        status_label(status),
        owner or "",
        priority,
        target.isoformat() if target else "",
        timestamp(reviewed),
        "yes" if stale else "no",
        evidence,
        rationale or "",
        # A reference no page can have (a slash in it: bad data, never from an import) gets no link, so one
        # odd row never breaks a whole download.
        "" if "/" in reference else fill_url(page_pattern, reference),
    ]
