"""Progress reports, computed by the database: grouped counts by status, as of any day.

Completion is a weighted share of the group's commitments: achieved counts 1, partially achieved
½, every other status 0 (docs/api.md). "Assessed" means any status but unassessed.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    CharField,
    Count,
    DateField,
    F,
    FilteredRelation,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from commitments.choices import FINAL_STATUSES, Status
from commitments.display import status_label
from commitments.models import Commitment, Document, Review
from commitments.querysets import CommitmentQuerySet, ReviewQuerySet, review_intervals

_Report = TypeVar("_Report")
COMPLETION_WEIGHTS: dict[str, float] = {Status.ACHIEVED: 1.0, Status.PARTIALLY_ACHIEVED: 0.5}
MAX_TIMELINE_POINTS = 400


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the site's time zone: "as of a day" means at its end."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def select_commitments(*, document: str | None = None, sector: str | None = None) -> CommitmentQuerySet:
    """The commitments a report covers: one document's (404 if there is none) and/or one sector's."""
    queryset = Commitment.objects.all()
    if document:
        if not Document.objects.filter(slug=document).exists():
            raise Http404(f"No document {document!r}.")
        queryset = queryset.filter(document__slug=document)
    if sector:
        queryset = queryset.in_sectors([sector])
    return queryset


def period_start(document: str) -> datetime.date | None:
    """When the plan of document `document` (a slug) begins: where its timeline starts."""
    return Document.objects.filter(slug=document).values_list("period_start", flat=True).first()


def fingerprint(queryset: CommitmentQuerySet) -> tuple[str, datetime.datetime | None]:
    """A cheap fingerprint of everything a report reads, and when it last changed: every review and
    curation moves a version on (so the sum only grows); imports change the count or the document.

    Summed per document first, then joined to the documents: on PostgreSQL the inner aggregate reads
    only the covering index commitment_fingerprint_idx (migration 0019), never the wide rows, and the
    documents join a few hundred groups instead of every commitment.
    """
    per_document = (
        queryset.order_by()
        .values("document_id")
        .annotate(fp_n=Count("*"), fp_versions=Sum("version"), fp_updated=Max("updated_at"))
    )
    try:
        inner, params = per_document.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:  # a selection that can match nothing (an unknown sector)
        return "0:None:-", None
    connection = connections[queryset.db]
    document = connection.ops.quote_name(Document._meta.db_table)
    sql = (
        "SELECT SUM(x.fp_n), SUM(x.fp_versions), MAX(x.fp_updated), MAX(d.updated_at)"
        f" FROM ({inner}) x JOIN {document} d ON d.id = x.document_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        n, versions, updated, text = cursor.fetchone()
    stamps = [_moment(stamp) for stamp in (updated, text) if stamp is not None]
    last_modified = max(stamps) if stamps else None
    stamp = last_modified.isoformat() if last_modified else "-"
    return f"{n or 0}:{versions}:{stamp}", last_modified


def _moment(value: datetime.datetime | str) -> datetime.datetime:
    """A timestamp read by raw SQL as the ORM would give it: aware (SQLite hands back naive UTC text)."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment


def remembered(kind: str, state: str, params: dict[str, Any], compute: Callable[[], _Report]) -> _Report:
    """`compute()`, or its answer for the same data: keyed by the fingerprint `state` (which every review,
    curation and import moves on), the parameters, the day and the rules it applies.

    A report is the same answer all day while its data does not change: its ETag says so already
    (api/views.py report_etag), and the cache holds it at most TRACKER_REPORT_CACHE_SECONDS (0: never).
    """
    seconds = settings.TRACKER_REPORT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    rules = (
        settings.TIME_ZONE,
        sorted(settings.COMMITMENT_REVIEW_INTERVAL_DAYS.items()),
        settings.TRACKER_METHOD_VERSION,
    )
    day = timezone.localdate()
    key = repr((kind, state, sorted(params.items(), key=str), day, rules))
    cache = caches["reports"]
    name = "report:" + hashlib.sha256(key.encode()).hexdigest()
    answer: _Report | None = cache.get(name)
    if answer is None:
        answer = compute()
        cache.set(name, answer, seconds)
    return answer


def _published(as_of: datetime.date) -> Q:
    # A promise exists from its document's publication, even if it was imported later.
    return Q(document__published_on__lte=as_of) | Q(
        document__published_on__isnull=True, created_at__lt=end_of_day(as_of)
    )


# grouping → the fields its rows are grouped and ordered by; the last two give each row's key and label.
# _STATUS is the status the report computes (now or as of the day), not a field.
_STATUS = "report_status"
_GROUPS: dict[str, tuple[str, ...]] = {
    "sector": ("report_primary__sector__slug", "report_primary__sector__name"),  # each counts once
    "section": ("document__slug", "section__key", "section__heading"),  # keys repeat across documents
    "status": (_STATUS, _STATUS),
    "owner": ("owner__username", "owner__username"),
    "document": ("document__slug", "document__title"),
}
GROUPINGS = tuple(_GROUPS)
# What each group's row counts, in the order the query returns them.
_COUNT_NAMES = ("total", *(f"n_{status.value}" for status in Status), "n_stale", "n_overdue")


def _reviews_of(queryset: CommitmentQuerySet) -> ReviewQuerySet:
    """The reviews of these commitments. Of all of them, without a semi-join: every review has one."""
    if not queryset.query.where:
        return Review.objects.all()
    return Review.objects.filter(commitment__in=queryset.order_by().values("pk"))


def _latest_reviews(queryset: CommitmentQuerySet, moment: datetime.datetime) -> QuerySet[Review, Any]:
    """Each commitment's latest review before `moment` (its status then), for the whole history at once:
    one pass over the reviews, where a correlated subquery probes the index once per commitment (and,
    inside an aggregate's FILTER, once per use). Ties on the time go to the later review, as in
    CommitmentQuerySet.with_latest_review()."""
    reviews = _reviews_of(queryset).filter(reviewed_at__lt=moment)
    return reviews.latest_per_commitment().values(
        l_commitment=F("commitment_id"), l_status=F("status_after"), l_reviewed=F("reviewed_at")
    )


def _stale_sql(at: datetime.datetime, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
    """stale_condition() (querysets.py) over the report's derived columns: the same rule, built the same
    way from review_intervals(): per status, last reviewed before its cutoff, or never reviewed and
    created before it."""
    field = Commitment._meta.get_field("last_reviewed_at")
    clauses: list[str] = []
    params: list[Any] = []
    for status, interval in review_intervals().items():
        if interval is None:
            continue
        cutoff = field.get_db_prep_value(at - interval, connection)
        clauses.append(
            "(b.report_status = %s AND (b.report_reviewed < %s"
            " OR (b.report_reviewed IS NULL AND b.report_created < %s)))"
        )
        params += [status, cutoff, cutoff]
    return " OR ".join(clauses) or "1 = 0", params  # 1 = 0: every status may be configured never stale


def _overdue_sql(day: datetime.date, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
    """overdue_condition() (querysets.py) over the report's derived columns: past the target date on `day`
    and, by the status then, not final."""
    finals = sorted(FINAL_STATUSES)
    target = Commitment._meta.get_field("target_date").get_db_prep_value(day, connection)
    placeholders = ", ".join(["%s"] * len(finals))
    return f"(b.report_target < %s AND b.report_status NOT IN ({placeholders}))", [target, *finals]


def _counts(
    queryset: CommitmentQuerySet, fields: tuple[str, ...], as_of: datetime.date | None
) -> list[dict[str, Any]]:
    """Per group of `fields` (or overall, with none): total, n_<status>, n_stale and n_overdue, in one
    query.

    The inner query (the ORM's, from the caller's queryset) gives one row per commitment with its
    group fields; a LEFT JOIN to the latest reviews gives its status and last review as of the day,
    each computed once; the outer query counts them.
    """
    connection = connections[queryset.db]
    rows = queryset.order_by()
    if "report_primary__sector__slug" in fields:
        primary = FilteredRelation("sector_links", condition=Q(sector_links__is_primary=True))
        rows = rows.alias(report_primary=primary)  # a LEFT JOIN: at most one primary per commitment
    if as_of is not None:
        rows = rows.filter(_published(as_of))
    # The derived tables' columns are lower-case names, the same quoted (as the ORM writes them) or not.
    columns: dict[str, Any] = {
        "report_id": F("pk"),
        "report_created": F("created_at"),
        "report_target": F("target_date"),
    }
    group_columns: list[str] = []
    for n, field in enumerate(fields):
        if field != _STATUS:
            columns[f"report_g{n}"] = F(field)
        group_columns.append("b.report_status" if field == _STATUS else f"b.report_g{n}")
    if as_of is None:
        columns |= {"report_status": F("status"), "report_reviewed": F("last_reviewed_at")}
    try:
        inner, inner_params = rows.values(**columns).query.get_compiler(using=queryset.db).as_sql()
        if as_of is None:
            derived, derived_params = inner, list(inner_params)
        else:
            latest = _latest_reviews(queryset, end_of_day(as_of)).query
            latest_sql, latest_params = latest.get_compiler(using=queryset.db).as_sql()
            derived = (
                "SELECT c.*, COALESCE(l.l_status, %s) AS report_status, l.l_reviewed AS report_reviewed"
                f" FROM ({inner}) c LEFT JOIN ({latest_sql}) l ON l.l_commitment = c.report_id"
            )
            derived_params = [Status.UNASSESSED.value, *inner_params, *latest_params]
    except EmptyResultSet:  # the selection can match nothing (an unknown sector): no query to run
        return [] if fields else [dict.fromkeys(_COUNT_NAMES, 0)]
    stale, stale_params = _stale_sql(_stale_at(as_of), connection)
    # Overdue on the day asked about, by the status then (as_of) or now.
    overdue, overdue_params = _overdue_sql(as_of or timezone.localdate(), connection)
    counts = ["COUNT(*)"]
    counts += ["COUNT(CASE WHEN b.report_status = %s THEN 1 END)"] * len(Status)
    counts.append(f"COUNT(CASE WHEN {stale} THEN 1 END)")
    counts.append(f"COUNT(CASE WHEN {overdue} THEN 1 END)")
    sql = f"SELECT {', '.join([*group_columns, *counts])} FROM ({derived}) b"
    if group_columns:
        # Ordered as the ORM ordered them: the database's collation and NULL placement.
        sql += f" GROUP BY {', '.join(group_columns)} ORDER BY {', '.join(group_columns)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*Status.values, *stale_params, *overdue_params, *derived_params])
        return [dict(zip((*fields, *_COUNT_NAMES), row, strict=True)) for row in cursor.fetchall()]


def _row(values: dict[str, Any], key: Any, label: Any) -> dict[str, Any]:
    total = values["total"] or 0
    counts = {status.value: values[f"n_{status.value}"] or 0 for status in Status}
    completion = sum(counts[status] * weight for status, weight in COMPLETION_WEIGHTS.items())
    return {
        "group": key,
        "label": label,
        "total": total,
        "counts": counts,
        "assessed_share": round((total - counts[Status.UNASSESSED]) / total, 4) if total else 0.0,
        "completion": round(completion / total, 4) if total else 0.0,
        "stale": values["n_stale"] or 0,
        "overdue": values["n_overdue"] or 0,
    }


@dataclass(frozen=True)
class ProgressReport:
    group_by: str
    as_of: datetime.date | None
    rows: list[dict[str, Any]]
    overall: dict[str, Any]


def _stale_at(as_of: datetime.date | None) -> datetime.datetime:
    return end_of_day(as_of) if as_of is not None else timezone.now()


def summary(queryset: CommitmentQuerySet, *, as_of: datetime.date | None = None) -> dict[str, Any]:
    """The overall row of the progress report: counts per status, assessed share, completion, stale,
    overdue."""
    return _row(_counts(queryset, (), as_of)[0], "all", "All commitments")


def progress(
    queryset: CommitmentQuerySet, *, group_by: str = "sector", as_of: datetime.date | None = None
) -> ProgressReport:
    """Counts per status, assessed share, completion, stale and overdue counts per group, plus an overall
    row."""
    if group_by not in _GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    fields = _GROUPS[group_by]
    groups = _counts(queryset, fields, as_of)
    rows = []
    for values in groups:
        key, label = (values[field] for field in fields[-2:])
        if group_by == "section" and key is not None:
            key = f"{values['document__slug']}:{key}"
        rows.append(_row(values, key, status_label(label) if group_by == "status" else label))
    # Every commitment is in exactly one group (NULL included: the joins are to-one, LEFT where
    # optional), so the overall row is the groups' sum: no second pass over the data.
    overall = {name: sum(values[name] for values in groups) for name in _COUNT_NAMES}
    return ProgressReport(group_by, as_of, rows, _row(overall, "all", "All commitments"))


PROGRESS_CSV_COLUMNS = (
    "group",
    "label",
    "total",
    *(status.value for status in Status),
    "assessed_share",
    "completion",
    "stale",
    "overdue",
)


def progress_csv_rows(report: ProgressReport) -> list[list[Any]]:
    def flat(row: dict[str, Any]) -> list[Any]:
        return [
            row["group"],
            row["label"],
            row["total"],
            *(row["counts"][status.value] for status in Status),
            row["assessed_share"],
            row["completion"],
            row["stale"],
            row["overdue"],
        ]

    return [flat(row) for row in report.rows] + [flat(report.overall)]


def _bucket_start(day: datetime.date, interval: str) -> datetime.date:
    month = day.month if interval == "month" else 3 * ((day.month - 1) // 3) + 1
    return datetime.date(day.year, month, 1)


def _next_bucket(day: datetime.date, interval: str) -> datetime.date:
    step = 1 if interval == "month" else 3
    month = day.month - 1 + step
    return datetime.date(day.year + month // 12, month % 12 + 1, 1)


def timeline(
    queryset: CommitmentQuerySet,
    *,
    interval: str = "month",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """Count per status at the end of each month/quarter, ready for a burn-up chart.

    One aggregate query (creations and status changes per interval, as a UNION); the running totals
    are then carried forward interval by interval — a loop over intervals, never over rows.
    """
    kind = "month" if interval == "month" else "quarter"
    commitments = queryset.order_by()
    # Commitments enter the chart when their document was published (as in progress(as_of=)).
    entered = Coalesce(F("document__published_on"), TruncDate("created_at"))
    no_status = Value("", output_field=CharField())  # marks a creation row (a status is never blank)
    created_rows = (
        commitments.annotate(bucket=Trunc(entered, kind, output_field=DateField()))
        .values("bucket")
        .annotate(status_before=no_status, status_after=no_status, n=Count("pk"))
    )
    change_rows = (
        _reviews_of(queryset)
        .exclude(status_before=F("status_after"))
        .annotate(bucket=Trunc("reviewed_at", kind, output_field=DateField()))
        .values("bucket", "status_before", "status_after")
        .annotate(n=Count("pk"))
        .order_by()
    )
    created: dict[datetime.date, int] = {}
    changes: list[dict[str, Any]] = []
    for values in created_rows.union(change_rows, all=True):
        if values["status_before"] == "":
            created[values["bucket"]] = values["n"]
        else:
            changes.append(dict(values))
    today = timezone.localdate()
    first_event = min([*created, *(row["bucket"] for row in changes)], default=today)
    current = _bucket_start(min(start or first_event, first_event), interval)
    last = _bucket_start(end or today, interval)
    by_bucket: dict[datetime.date, list[Any]] = {}
    for row in changes:
        by_bucket.setdefault(row["bucket"], []).append(row)
    counts = dict.fromkeys(Status.values, 0)
    # Events before the chart's first interval still count towards its opening totals.
    points: list[dict[str, Any]] = []
    for bucket in sorted(set(created) | set(by_bucket)):
        if bucket >= current:
            break
        _apply(counts, created.get(bucket, 0), by_bucket.get(bucket, []))
    while current <= last and len(points) < MAX_TIMELINE_POINTS:
        _apply(counts, created.get(current, 0), by_bucket.get(current, []))
        following = _next_bucket(current, interval)
        points.append(
            {
                "period_start": current,
                "period_end": following - datetime.timedelta(days=1),
                "counts": dict(counts),
                "total": sum(counts.values()),
            }
        )
        current = following
    return points


def _apply(counts: dict[str, int], created: int, changes: list[dict[str, Any]]) -> None:
    counts[Status.UNASSESSED] += created
    for change in changes:
        counts[change["status_before"]] -= change["n"]
        counts[change["status_after"]] += change["n"]
