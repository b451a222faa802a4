"""Spreadsheet-safe CSV, shared by the admin export action and the API's CSV format.

A cell that starts with = + - @ (or a tab, carriage return or NUL, which some spreadsheet
versions skip before one of those) is run as a formula when the file is opened; quoting does not
prevent it. Such cells get a leading apostrophe (OWASP ASVS 1.2.10, CWE-1236).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from commitments.choices import Status
from commitments.display import URL_SLOT, fill_url, status_label
from commitments.querysets import CommitmentExportReader

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


# A streamed download goes out in blocks of about this many characters: one write per line would be a
# send() per line under gunicorn (100,000 for a full export).
STREAM_BLOCK = 64 * 1024


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Yield the CSV text in blocks of whole lines (STREAM_BLOCK); memory stays flat whatever the rows.

    Lines end in LF, as PostgreSQL's COPY writes them (the commitment export streams COPY's output there,
    and both ways must give the same bytes); every spreadsheet and CSV reader takes LF.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([neutralise_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
        if buffer.tell() >= STREAM_BLOCK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


BYTE_ORDER_MARK = "\ufeff"


def csv_response(
    header: Iterable[str], rows: Iterable[Iterable[Any]], filename: str, *, bom: bool = False
) -> StreamingHttpResponse:
    """A streamed CSV download of `rows` under `header` (see stream_csv)."""
    return stream_csv(csv_lines(header, rows), filename, bom=bom)


def stream_csv(blocks: Iterator[Any], filename: str, *, bom: bool = False) -> StreamingHttpResponse:
    """A streamed CSV download (the admin's export action and the API's `format=csv`).

    `bom` starts the file with a UTF-8 byte-order mark: without one, Excel on Windows reads the file in
    the local code page and garbles every non-ASCII character (Chang’e, São Paulo, 北斗).
    """
    response = StreamingHttpResponse(
        itertools.chain([BYTE_ORDER_MARK.encode()], blocks) if bom else blocks,
        content_type="text/csv; charset=utf-8",
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
    "overdue",
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


def commitments_csv(
    commitments: CommitmentQuerySet, *, site: str, filename: str, bom: bool = False
) -> StreamingHttpResponse:
    """`commitments` (filtered, in their order) as the COMMITMENT_COLUMNS download.

    On PostgreSQL the database writes the CSV itself (COPY, inside one transaction, streamed as it
    comes): a 100,000-row file in about the time its query takes. Elsewhere Python writes the same
    bytes from the same data (commitment_rows; tests/test_api_csv_export.py holds the two equal).
    """
    if connection.vendor == "postgresql":
        return stream_csv(copied_commitment_csv(commitments, site=site), filename, bom=bom)
    return csv_response(COMMITMENT_COLUMNS, commitment_rows(commitments, site=site), filename, bom=bom)


EXPORT_CHUNK = 2000


def commitment_rows(commitments: CommitmentQuerySet, *, site: str) -> Iterator[list[Any]]:
    """Each of `commitments` as a CSV row (COMMITMENT_COLUMNS), in their order, streamed.

    Their ids first (one query on the filters and the order alone), then the rows EXPORT_CHUNK at a
    time (CommitmentExportReader): memory stays flat, no query or cursor stays open between chunks,
    and every chunk costs the same few queries. `site` (see site_of) starts the link to each
    commitment's public page.
    """
    ids = list(commitments.values_list("pk", flat=True))
    # One moment for the whole file: "stale" and "overdue" mean the same on every row.
    reader = CommitmentExportReader(at=timezone.now())
    page_pattern = site + reverse("pages:commitment", args=[URL_SLOT])
    for start in range(0, len(ids), EXPORT_CHUNK):
        chunk = ids[start : start + EXPORT_CHUNK]
        rows = reader.rows(chunk)
        for pk in chunk:
            if pk in rows:  # deleted while the file was being written: left out
                yield _csv_row(rows[pk], page_pattern)


def _csv_row(row: tuple[Any, ...], page_pattern: str) -> list[Any]:
    """One row of CommitmentExportReader.rows() as COMMITMENT_COLUMNS."""
    (reference, document, section, text, sector, status, owner, priority, target, reviewed, stale, overdue,
     evidence, rationale) = row  # fmt: skip
    return [
        reference,
        document,
        section,
        text,
        sector,
        status,
        status_label(status),
        owner,
        priority,
        target.isoformat() if target else "",
        timestamp(reviewed),
        "yes" if stale else "no",
        "yes" if overdue else "no",
        evidence,
        rationale,
        # A reference no page can have (a slash in it: bad data, never from an import) gets no link, so one
        # odd row never breaks a whole download.
        "" if "/" in reference else fill_url(page_pattern, reference),
    ]


# What the COPY path computes in SQL, exactly as neutralise_cell(), status_label(), timestamp() and
# fill_url() do in Python. A cell is NULL for "" (COPY writes NULL as nothing, and "" as "").
_CELL = (
    "NULLIF(CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || {0} ELSE {0} END, '')"
)
# quote()'s always-safe characters and those fill_url() leaves as they are.
_SEGMENT_SAFE = "^[A-Za-z0-9._~!$&''()*+,;=:@-]*$"
_SEGMENT = (
    "CASE WHEN {0} ~ '"
    + _SEGMENT_SAFE
    + "' THEN {0} ELSE (SELECT string_agg(CASE WHEN ch ~ '"
    + _SEGMENT_SAFE
    + "' THEN ch ELSE upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%%\\1', 'g')) "
    "END, '' ORDER BY n) FROM regexp_split_to_table({0}, '') WITH ORDINALITY AS chars(ch, n)) END"
)


def _literal(text: str) -> str:
    """A constant of ours as an SQL string literal, in a statement that also takes %s parameters."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def copied_commitment_csv(commitments: CommitmentQuerySet, *, site: str) -> Iterator[bytes]:
    """The COMMITMENT_COLUMNS CSV of `commitments` as PostgreSQL's COPY writes it, block by block.

    The ids come first, in the queryset's order (its filters and ordering, however made); COPY joins
    them, in that order, to one query for every column, and formats each cell in SQL.
    """
    from commitments.models import Commitment

    # The ids in the queryset's order, as an array built in the same statement (ARRAY(subquery) keeps
    # the subquery's order): read into Python and sent back, 100,000 ids cost 0.27 s of a 1.6 s export.
    ids_sql, ids_params = commitments.values_list("pk", flat=True).query.sql_with_params()
    at = timezone.now()  # one moment for the whole file: "stale" and "overdue" mean the same on every row
    columns = (
        Commitment.objects.order_by()
        .with_primary_sector()
        .with_staleness(at)
        .with_overdue(timezone.localdate(at))
        .with_evidence_count()
        .with_latest_review(latest_rationale="rationale")
        .annotate(
            x_id=F("pk"),
            x_reference=F("reference"),
            x_document=F("document__slug"),
            x_section=F("section__heading"),
            x_text=F("text"),
            x_status=F("status"),
            x_owner=F("owner__username"),
            x_priority=F("priority"),
            x_target=F("target_date"),
            x_reviewed=F("last_reviewed_at"),
        )
        .values_list(
            "x_id", "x_reference", "x_document", "x_section", "x_text", "primary_sector_slug",
            "x_status", "x_owner", "x_priority", "x_target", "x_reviewed", "is_stale", "is_overdue",
            "evidence_count", "latest_rationale",
        )
    )  # fmt: skip
    inner, inner_params = columns.query.sql_with_params()
    cell = _CELL.format
    # Our own constants, as SQL literals: a placeholder inside cell() would be repeated with it.
    labels = " ".join(
        f"WHEN {_literal(status.value)} THEN {_literal(status_label(status.value))}" for status in Status
    )
    select = f"""
        SELECT {cell("q.x_reference")}, {cell("q.x_document")}, {cell("q.x_section")}, {cell("q.x_text")},
            {cell("q.primary_sector_slug")}, {cell("q.x_status")},
            {cell(f"CASE q.x_status {labels} ELSE q.x_status END")},
            {cell("q.x_owner")}, {cell("q.x_priority")},
            to_char(q.x_target, 'YYYY-MM-DD'), to_char(q.x_reviewed, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'),
            CASE WHEN q.is_stale THEN 'yes' ELSE 'no' END, CASE WHEN q.is_overdue THEN 'yes' ELSE 'no' END,
            q.evidence_count, {cell("q.latest_rationale")},
            CASE WHEN position('/' in q.x_reference) > 0 THEN NULL
                ELSE %s || {_SEGMENT.format("q.x_reference")} || %s END
        FROM (
            SELECT wanted.n, columns.* FROM unnest(ARRAY({ids_sql})) WITH ORDINALITY AS wanted(id, n)
            JOIN ({inner}) columns ON columns.x_id = wanted.id
            -- Computed once per row, then formatted: a cell names its column three times, and without
            -- this fence PostgreSQL would run the column's subquery for each of them.
            OFFSET 0
        ) q
        ORDER BY q.n
    """  # fmt: skip
    prefix, suffix = (site + reverse("pages:commitment", args=[URL_SLOT])).split(URL_SLOT)
    params = [prefix, suffix, *ids_params, *inner_params]
    yield "".join(csv_lines(COMMITMENT_COLUMNS, [])).encode()
    with transaction.atomic(), connection.cursor() as cursor:
        # timestamp() writes times in the site's time zone, with its offset: so does to_char() here.
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [settings.TIME_ZONE])
        # COPY lasts as long as the download, which a slow client sets: the worker timeout bounds it,
        # not the statement timeout meant for queries (settings.TRACKER_DB_STATEMENT_TIMEOUT_MS).
        cursor.execute("SELECT set_config('statement_timeout', '0', true)")
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            # COPY hands over one row at a time; send them on in blocks (STREAM_BLOCK), not a write per row.
            pending = bytearray()
            for row in copy:
                pending += row
                if len(pending) >= STREAM_BLOCK:
                    yield bytes(pending)
                    pending.clear()
            yield bytes(pending)
