"""Progress reports, computed by the database: grouped counts by status, as of any day.

Completion is a weighted share of the group's commitments: achieved counts 1, partially achieved
½, every other status 0 (docs/api.md). "Assessed" means any status but unassessed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.utils import timezone

from commitments.choices import Status
from commitments.models import Commitment, CommitmentSector, Review
from commitments.querysets import stale_condition

COMPLETION_WEIGHTS: dict[str, float] = {Status.ACHIEVED: 1.0, Status.PARTIALLY_ACHIEVED: 0.5}
GROUPINGS = ("sector", "section", "status", "owner", "document")
MAX_TIMELINE_POINTS = 400


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The first instant after `day` in the site's time zone: "as of a day" means at its end."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def with_status_as_of(queryset: QuerySet[Commitment], as_of: datetime.date | None) -> QuerySet[Commitment]:
    """Annotate report_status / report_reviewed_at: now, or replayed from the review history."""
    if as_of is None:
        return queryset.annotate(report_status=F("status"), report_reviewed_at=F("last_reviewed_at"))
    moment = end_of_day(as_of)
    latest = Review.objects.filter(commitment=OuterRef("pk"), reviewed_at__lt=moment).order_by(
        "-reviewed_at", "-pk"
    )
    # A promise exists from its document's publication, even if it was imported later.
    published = Q(document__published_on__lte=as_of) | Q(
        document__published_on__isnull=True, created_at__lt=moment
    )
    return queryset.filter(published).annotate(
        report_status=Coalesce(Subquery(latest.values("status_after")[:1]), Value(Status.UNASSESSED.value)),
        report_reviewed_at=Subquery(latest.values("reviewed_at")[:1]),
    )


def _group_fields(
    queryset: QuerySet[Commitment], group_by: str
) -> tuple[QuerySet[Commitment], tuple[str, str]]:
    """Annotate group_key/group_label for one grouping."""
    if group_by == "sector":  # by primary sector: each commitment counts once
        primary = CommitmentSector.objects.filter(commitment=OuterRef("pk"), is_primary=True)
        return queryset.annotate(
            group_key=Subquery(primary.values("sector__slug")[:1]),
            group_label=Subquery(primary.values("sector__name")[:1]),
        ), ("group_key", "group_label")
    if group_by == "section":
        return queryset.annotate(group_key=F("section__key"), group_label=F("section__heading")), (
            "document__slug",
            "group_key",
            "group_label",
        )  # type: ignore[return-value]  # three fields: sections repeat keys across documents
    if group_by == "status":
        return queryset.annotate(group_key=F("report_status"), group_label=F("report_status")), (
            "group_key",
            "group_label",
        )
    if group_by == "owner":
        return queryset.annotate(group_key=F("owner__username"), group_label=F("owner__username")), (
            "group_key",
            "group_label",
        )
    if group_by == "document":
        return queryset.annotate(group_key=F("document__slug"), group_label=F("document__title")), (
            "group_key",
            "group_label",
        )
    raise ValueError(f"unknown grouping {group_by!r}")


def _aggregates(stale_at: datetime.datetime) -> dict[str, Any]:
    counts: dict[str, Any] = {"total": Count("pk")}
    for status in Status:
        counts[f"n_{status.value}"] = Count("pk", filter=Q(report_status=status.value))
    counts["n_stale"] = Count(
        "pk",
        filter=stale_condition(stale_at, status_field="report_status", reviewed_field="report_reviewed_at"),
    )
    return counts


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
    }


@dataclass(frozen=True)
class ProgressReport:
    group_by: str
    as_of: datetime.date | None
    rows: list[dict[str, Any]]
    overall: dict[str, Any]


def progress(
    queryset: QuerySet[Commitment], *, group_by: str = "sector", as_of: datetime.date | None = None
) -> ProgressReport:
    """Counts per status, assessed share, completion and stale count per group, plus an overall row."""
    stale_at = end_of_day(as_of) if as_of is not None else timezone.now()
    base = with_status_as_of(queryset.order_by(), as_of)
    grouped, fields = _group_fields(base, group_by)
    aggregates = _aggregates(stale_at)
    rows = []
    for values in grouped.values(*fields).annotate(**aggregates).order_by(*fields):
        key = values["group_key"]
        if group_by == "section" and key is not None:
            key = f"{values['document__slug']}:{key}"
        label = Status(values["group_label"]).label if group_by == "status" else values["group_label"]
        rows.append(_row(values, key, label))
    overall = _row(base.aggregate(**aggregates), "all", "All commitments")
    return ProgressReport(group_by, as_of, rows, overall)


PROGRESS_CSV_COLUMNS = (
    "group",
    "label",
    "total",
    *(status.value for status in Status),
    "assessed_share",
    "completion",
    "stale",
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
    queryset: QuerySet[Commitment],
    *,
    interval: str = "month",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """Count per status at the end of each month/quarter, ready for a burn-up chart.

    Two aggregate queries (creations and status changes per interval); the running totals are then
    carried forward interval by interval — a loop over intervals, never over rows.
    """
    kind = "month" if interval == "month" else "quarter"
    commitments = queryset.order_by()
    # Commitments enter the chart when their document was published (as in progress(as_of=)).
    entered = Coalesce(F("document__published_on"), TruncDate("created_at"))
    created = {
        row["bucket"]: row["n"]
        for row in commitments.annotate(bucket=Trunc(entered, kind, output_field=_date_field()))
        .values("bucket")
        .annotate(n=Count("pk"))
    }
    changes = list(
        Review.objects.filter(commitment__in=commitments.values("pk"))
        .exclude(status_before=F("status_after"))
        .annotate(bucket=Trunc("reviewed_at", kind, output_field=_date_field()))
        .values("bucket", "status_before", "status_after")
        .annotate(n=Count("pk"))
        .order_by()
    )
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


def _date_field() -> Any:
    from django.db.models import DateField

    return DateField()
