"""Hand-written SQL floors for the benchmarked endpoints (benchmarks/harness.py), and how each result is
compared with the endpoint's answer.

Each floor is the best SQL we could write that returns what the endpoint's answer carries, replayed with
psycopg 3 on its own connection (`SET jit = off`, as the app's connections): `execute` + `fetchall()`.
Each `*_key` function turns a floor's rows, or an endpoint's body, into the same comparable value, so the
harness can say "same result: yes/no" on every repetition.

The floors do not compute `section_path` (the headings above a commitment's section): the endpoint reads
every section of the page's documents for it, which a floor could skip only by changing the answer.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

# The statuses in the order the API's `counts` objects list them (commitments.choices.Status).
STATUSES = (
    "unassessed",
    "not_started",
    "in_progress",
    "stalled",
    "partially_achieved",
    "achieved",
    "not_achieved",
)
STATUS_LABELS = {status: status.replace("_", " ").capitalize() for status in STATUSES}
RATIONALE_PREVIEW = 280  # commitments.display.RATIONALE_PREVIEW_LENGTH
ORDER = "c.document_id, c.start_offset, c.id"  # the list's default order (page mode)

Floor = Callable[[psycopg.Connection[Any]], Any]


@dataclass(frozen=True)
class Staleness:
    """The stale rule (commitments.querysets.stale_condition) as SQL: per status, an interval in days."""

    intervals: Mapping[str, int | None]

    def condition(self, status: str, reviewed: str, created: str, at: datetime.datetime) -> sql.Composable:
        """True when `reviewed` (or `created`, never reviewed) is older than the status's interval at `at`.

        The cut-offs are computed here, as Django does, and sent as literals: no time-zone arithmetic in
        the database that could disagree with Python's by a DST hour.
        """
        parts: list[sql.Composable] = []
        for name, days in self.intervals.items():
            if days is None:
                continue
            cutoff = at - datetime.timedelta(days=days)
            parts.append(
                sql.SQL("({status} = {name} AND COALESCE({reviewed}, {created}) < {cutoff})").format(
                    status=sql.SQL(status),
                    name=sql.Literal(name),
                    reviewed=sql.SQL(reviewed),
                    created=sql.SQL(created),
                    cutoff=sql.Literal(cutoff),
                )
            )
        return sql.SQL("(") + sql.SQL(" OR ").join(parts or [sql.SQL("false")]) + sql.SQL(")")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


# --- Lists and detail ------------------------------------------------------------------------------------

# What an API list item carries (commitments.api.serializers.CommitmentSerializer), minus section_path.
ITEM_COLUMNS = """
    c.id, c.reference, c.text, c.lead_in, d.slug, s.key, c.status, u.username, c.priority, c.target_date,
    c.last_reviewed_at, {stale} AS is_stale,
    (SELECT count(*) FROM commitments_evidence e WHERE e.commitment_id = c.id) AS evidence_count,
    r.id, r.reviewed_at, r.status_before, r.status_after, ru.username, left(r.rationale, {preview}),
    (SELECT json_agg(json_build_array(sec.slug, sec.name, cs.is_primary)
                     ORDER BY cs.is_primary DESC, sec.position, sec.name)
       FROM commitments_commitmentsector cs JOIN commitments_sector sec ON sec.id = cs.sector_id
      WHERE cs.commitment_id = c.id) AS sectors
"""
# The joins every item needs; the latest review through the (commitment, -reviewed_at) index.
ITEM_JOINS = """
    JOIN commitments_document d ON d.id = c.document_id
    LEFT JOIN commitments_section s ON s.id = c.section_id
    LEFT JOIN auth_user u ON u.id = c.owner_id
    LEFT JOIN LATERAL (
        SELECT r.id, r.reviewed_at, r.status_before, r.status_after, r.reviewer_id, r.rationale
          FROM commitments_review r
         WHERE r.commitment_id = c.id
         ORDER BY r.reviewed_at DESC, r.id DESC
         LIMIT 1
    ) r ON true
    LEFT JOIN auth_user ru ON ru.id = r.reviewer_id
"""


def _item_columns(staleness: Staleness, at: datetime.datetime) -> sql.Composable:
    stale = staleness.condition("c.status", "c.last_reviewed_at", "c.created_at", at)
    return sql.SQL(ITEM_COLUMNS).format(stale=stale, preview=sql.Literal(RATIONALE_PREVIEW))


def _item_key(row: Sequence[Any]) -> tuple[Any, ...]:
    """(id, document, section, status, owner, stale, evidence count, latest review id, sector slugs)."""
    sectors = [link[0] for link in (row[19] or [])]
    return (row[0], row[4], row[5], row[6], row[7], row[11], row[12], row[13], sectors)


def _json_item_key(item: Mapping[str, Any]) -> tuple[Any, ...]:
    latest = item.get("latest_review") or {}
    return (
        item["id"],
        item["document"],
        item["section"],
        item["status"],
        item["owner"],
        item["is_stale"],
        item["evidence_count"],
        latest.get("id"),
        [link["slug"] for link in item["sectors"]],
    )


@dataclass(frozen=True)
class ListQuery:
    """A page of the commitment list: a filter (SQL on `c`), an order, a page size and an offset.

    `count` mirrors page mode, which answers the total too; cursor mode answers none.
    """

    where: sql.Composable
    order: str = ORDER
    limit: int = 50
    offset: int = 0
    count: bool = True

    def floor(self, staleness: Staleness) -> Floor:
        # The page's ids first, from the order's index, then the joins for those 50 rows only.
        page = sql.SQL(
            "WITH page AS (SELECT c.id FROM commitments_commitment c WHERE {where} ORDER BY {order} "
            "LIMIT {limit} OFFSET {offset}) "
            "SELECT {columns} FROM page p JOIN commitments_commitment c ON c.id = p.id {joins} "
            "ORDER BY {order}"
        )
        total = sql.SQL("SELECT count(*) FROM commitments_commitment c WHERE {where}").format(
            where=self.where
        )

        def run(connection: psycopg.Connection[Any]) -> Any:
            with connection.cursor() as cursor:
                count = None
                if self.count:
                    cursor.execute(total)
                    count = cursor.fetchone()[0]  # type: ignore[index]
                query = page.format(
                    where=self.where,
                    order=sql.SQL(self.order),
                    limit=sql.Literal(self.limit),
                    offset=sql.Literal(self.offset),
                    columns=_item_columns(staleness, now()),
                    joins=sql.SQL(ITEM_JOINS),
                )
                cursor.execute(query)
                return count, [_item_key(row) for row in cursor.fetchall()]

        return run


def list_key(body: bytes) -> Any:
    data = json.loads(body)
    return data.get("count"), [_json_item_key(item) for item in data["results"]]


def filter_sql(*, statuses: Sequence[str] = (), sector_ids: Sequence[int] = ()) -> sql.Composable:
    """The list filters the benchmark uses: status (any of) and sector (primary or secondary, any of)."""
    parts: list[sql.Composable] = [sql.SQL("true")]
    if statuses:
        parts.append(sql.SQL("c.status = ANY({})").format(sql.Literal(list(statuses))))
    if sector_ids:
        parts.append(
            sql.SQL(
                "EXISTS (SELECT 1 FROM commitments_commitmentsector cs "
                "WHERE cs.commitment_id = c.id AND cs.sector_id = ANY({}))"
            ).format(sql.Literal(list(sector_ids)))
        )
    return sql.SQL(" AND ").join(parts)


def detail_floor(reference: str, staleness: Staleness) -> Floor:
    """One commitment with its evidence (and whether a review cites each) and its whole history with
    the evidence each review cites, in one statement.

    `upper(reference)` lets the query use the reference index of migration 0007, which the endpoint's
    `reference = %s` cannot: the floor is the best plan the schema allows.
    """
    query = sql.SQL(
        "SELECT {columns}, "
        "(SELECT json_agg(json_build_array(e.id, e.url, e.title, e.publisher, e.published_on, e.kind, "
        "        e.signal, e.excerpt, au.username, e.created_at, "
        "        EXISTS (SELECT 1 FROM commitments_reviewcitation rc WHERE rc.evidence_id = e.id)) "
        "        ORDER BY e.published_on DESC, e.created_at DESC) "
        "   FROM commitments_evidence e LEFT JOIN auth_user au ON au.id = e.added_by_id "
        "  WHERE e.commitment_id = c.id) AS evidence, "
        "(SELECT json_agg(json_build_array(v.id, v.reviewed_at, v.status_before, v.status_after, "
        "        vu.username, v.rationale, ARRAY(SELECT rc.evidence_id FROM commitments_reviewcitation rc "
        "                           WHERE rc.review_id = v.id ORDER BY rc.evidence_id)) "
        "        ORDER BY v.reviewed_at, v.id) "
        "   FROM commitments_review v JOIN auth_user vu ON vu.id = v.reviewer_id "
        "  WHERE v.commitment_id = c.id) AS reviews "
        "FROM commitments_commitment c {joins} "
        "WHERE upper(c.reference) = upper({reference}) AND c.reference = {reference}"
    )

    def run(connection: psycopg.Connection[Any]) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                query.format(
                    columns=_item_columns(staleness, now()),
                    joins=sql.SQL(ITEM_JOINS),
                    reference=sql.Literal(reference),
                )
            )
            row = cursor.fetchone()
        if row is None:
            return None
        evidence = sorted(item[0] for item in (row[20] or []))
        reviews = [(item[0], sorted(item[6])) for item in (row[21] or [])]
        return _item_key(row), evidence, reviews

    return run


def detail_key(body: bytes) -> Any:
    data = json.loads(body)
    evidence = sorted(item["id"] for item in data["evidence"])
    reviews = [(item["id"], sorted(item["evidence"])) for item in data["reviews"]]
    return _json_item_key(data), evidence, reviews


# --- Reports ---------------------------------------------------------------------------------------------

Counts = dict[Any, tuple[int, tuple[int, ...], int]]  # group → (total, counts per status, stale)


def _count_columns(status: str, stale: sql.Composable) -> sql.Composable:
    per_status = [
        sql.SQL("count(*) FILTER (WHERE {} = {})").format(sql.SQL(status), sql.Literal(name))
        for name in STATUSES
    ]
    return sql.SQL(", ").join(
        [sql.SQL("count(*)"), *per_status, sql.SQL("count(*) FILTER (WHERE {})").format(stale)]
    )


def _grouped(rows: Sequence[Sequence[Any]]) -> Counts:
    """Rows of (group, total, *counts, stale) as the report's numbers, plus the overall row: the groups
    add up to it when grouping by primary sector (each commitment counts once)."""
    groups: Counts = {row[0]: (row[1], tuple(row[2:-1]), row[-1]) for row in rows}
    overall_counts = tuple(sum(counts[i] for _t, counts, _s in groups.values()) for i in range(len(STATUSES)))
    groups["all"] = (
        sum(total for total, _c, _s in groups.values()),
        overall_counts,
        sum(stale for _t, _c, stale in groups.values()),
    )
    return groups


def progress_floor(staleness: Staleness) -> Floor:
    """Counts per status and stale per primary sector, now: one pass over the commitments."""
    query = sql.SQL(
        "SELECT sec.slug, {columns} FROM commitments_commitment c "
        "LEFT JOIN commitments_commitmentsector cs ON cs.commitment_id = c.id AND cs.is_primary "
        "LEFT JOIN commitments_sector sec ON sec.id = cs.sector_id "
        "GROUP BY sec.slug"
    )

    def run(connection: psycopg.Connection[Any]) -> Any:
        stale = staleness.condition("c.status", "c.last_reviewed_at", "c.created_at", now())
        with connection.cursor() as cursor:
            cursor.execute(query.format(columns=_count_columns("c.status", stale)))
            return _grouped(cursor.fetchall())

    return run


def progress_as_of_floor(day: datetime.date, moment: datetime.datetime, staleness: Staleness) -> Floor:
    """The same, replayed from the history: each commitment's last review before `moment` (the end of
    `day`), for the commitments whose document was published by then."""
    query = sql.SQL(
        "SELECT sec.slug, {columns} FROM commitments_commitment c "
        "JOIN commitments_document d ON d.id = c.document_id "
        "LEFT JOIN commitments_commitmentsector cs ON cs.commitment_id = c.id AND cs.is_primary "
        "LEFT JOIN commitments_sector sec ON sec.id = cs.sector_id "
        "LEFT JOIN LATERAL (SELECT r.status_after, r.reviewed_at FROM commitments_review r "
        "    WHERE r.commitment_id = c.id AND r.reviewed_at < {moment} "
        "    ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1) r ON true "
        "CROSS JOIN LATERAL (SELECT COALESCE(r.status_after, 'unassessed') AS status) st "
        "WHERE d.published_on <= {day} OR (d.published_on IS NULL AND c.created_at < {moment}) "
        "GROUP BY sec.slug"
    )
    stale = staleness.condition("st.status", "r.reviewed_at", "c.created_at", moment)
    statement = query.format(
        columns=_count_columns("st.status", stale), moment=sql.Literal(moment), day=sql.Literal(day)
    )

    def run(connection: psycopg.Connection[Any]) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return _grouped(cursor.fetchall())

    return run


def progress_key(body: bytes) -> Any:
    data = json.loads(body)
    rows = [*data["rows"], data["overall"]]
    return {
        row["group"]: (row["total"], tuple(row["counts"][name] for name in STATUSES), row["stale"])
        for row in rows
    }


def _month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, day.month, 1)


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def timeline_floor(time_zone: str, max_points: int = 400) -> Floor:
    """Creations per month and status changes per month in one statement; the running totals are then
    carried month by month in Python (a loop over months, as the endpoint does)."""
    query = sql.SQL(
        "SELECT NULL, NULL, date_trunc('month', COALESCE(d.published_on, "
        "       (c.created_at AT TIME ZONE {zone})::date))::date, count(*) "
        "  FROM commitments_commitment c JOIN commitments_document d ON d.id = c.document_id GROUP BY 3 "
        "UNION ALL "
        "SELECT r.status_before, r.status_after, "
        "       date_trunc('month', r.reviewed_at AT TIME ZONE {zone})::date, count(*) "
        "  FROM commitments_review r WHERE r.status_before <> r.status_after GROUP BY 1, 2, 3"
    ).format(zone=sql.Literal(time_zone))

    def run(connection: psycopg.Connection[Any]) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(query)
            rows = cursor.fetchall()
        today = datetime.datetime.now(ZoneInfo(time_zone)).date()
        events: dict[datetime.date, list[tuple[str | None, str | None, int]]] = {}
        for before, after, month, n in rows:
            events.setdefault(month, []).append((before, after, n))
        current = _month(min(events, default=today))
        last = _month(today)
        counts = dict.fromkeys(STATUSES, 0)
        points: list[tuple[str, tuple[int, ...]]] = []
        while current <= last and len(points) < max_points:
            for before, after, n in events.get(current, []):
                if before is None:
                    counts["unassessed"] += n
                else:
                    counts[before] -= n
                    counts[str(after)] += n
            points.append((current.isoformat(), tuple(counts[name] for name in STATUSES)))
            current = _next_month(current)
        return points

    return run


def timeline_key(body: bytes) -> Any:
    data = json.loads(body)
    return [
        (point["period_start"], tuple(point["counts"][name] for name in STATUSES)) for point in data["points"]
    ]


# --- CSV export ------------------------------------------------------------------------------------------


def copy_floor(where: sql.Composable, staleness: Staleness, time_zone: str, site: str) -> Floor:
    """`COPY (SELECT the export's columns) TO STDOUT WITH CSV HEADER`, read to the end: what PostgreSQL
    itself can stream. (No formula escaping: that is the export's own work, measured on its side.)"""
    label = sql.SQL("CASE c.status {} END").format(
        sql.SQL(" ").join(
            sql.SQL("WHEN {} THEN {}").format(sql.Literal(status), sql.Literal(text))
            for status, text in STATUS_LABELS.items()
        )
    )
    query = sql.SQL(
        "COPY (SELECT c.reference, d.slug, COALESCE(s.heading, ''), c.text, COALESCE(psec.slug, ''), "
        "  c.status, {label}, COALESCE(u.username, ''), c.priority, c.target_date, "
        "  to_char(c.last_reviewed_at AT TIME ZONE {zone}, 'YYYY-MM-DD\"T\"HH24:MI:SS'), "
        "  CASE WHEN {stale} THEN 'yes' ELSE 'no' END, "
        "  CASE WHEN c.target_date < {today} AND c.status NOT IN ('achieved', 'not_achieved') "
        "    THEN 'yes' ELSE 'no' END, "
        "  (SELECT count(*) FROM commitments_evidence e WHERE e.commitment_id = c.id), "
        "  COALESCE((SELECT r.rationale FROM commitments_review r WHERE r.commitment_id = c.id "
        "            ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1), ''), "
        "  {site} || '/commitments/' || c.reference || '/' "
        "FROM commitments_commitment c "
        "JOIN commitments_document d ON d.id = c.document_id "
        "LEFT JOIN commitments_section s ON s.id = c.section_id "
        "LEFT JOIN auth_user u ON u.id = c.owner_id "
        "LEFT JOIN commitments_commitmentsector pcs ON pcs.commitment_id = c.id AND pcs.is_primary "
        "LEFT JOIN commitments_sector psec ON psec.id = pcs.sector_id "
        "WHERE {where} ORDER BY {order}) TO STDOUT WITH (FORMAT csv, HEADER)"
    )

    def run(connection: psycopg.Connection[Any]) -> Any:
        stale = staleness.condition("c.status", "c.last_reviewed_at", "c.created_at", now())
        statement = query.format(
            label=label,
            zone=sql.Literal(time_zone),
            stale=stale,
            today=sql.Literal(datetime.datetime.now(ZoneInfo(time_zone)).date()),
            site=sql.Literal(site),
            where=where,
            order=sql.SQL(ORDER),
        )
        chunks: list[bytes] = []
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for chunk in copy:
                chunks.append(bytes(chunk))
        return b"".join(chunks)

    return run


def csv_key(body: bytes) -> Any:
    """The rows as (reference, document, status, owner, stale, overdue, evidence count), sorted: the export
    and the floor agree on which commitments and what they say, whatever the order of ties."""
    text = body.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    next(reader, None)  # the header
    return sorted((row[0], row[1], row[5], row[7], row[11], row[12], int(row[13])) for row in reader if row)
