"""Progress reports, computed by the database: grouped counts by status, as of any day.

Completion is a weighted share of the group's commitments: achieved counts 1, partially achieved
½, every other status 0 (docs/api.md). "Assessed" means any status but unassessed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.http import Http404
from django.utils import timezone

from commitments.choices import Status
from commitments.display import status_label
from commitments.models import Commitment, Document, Review
from commitments.querysets import CommitmentQuerySet, stale_condition

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
    curation moves a version on (so the sum only grows); imports change the count or the document."""
    state = queryset.order_by().aggregate(
        n=Count("pk"), versions=Sum("version"), updated=Max("updated_at"), text=Max("document__updated_at")
    )
    stamps = [stamp for stamp in (state["updated"], state["text"]) if stamp is not None]
    last_modified = max(stamps) if stamps else None
    stamp = last_modified.isoformat() if last_modified else "-"
    return f"{state['n']}:{state['versions']}:{stamp}", last_modified


def with_status_as_of(queryset: CommitmentQuerySet, as_of: datetime.date | None) -> CommitmentQuerySet:
    """Annotate report_status / report_reviewed_at: now, or replayed from the review history."""
    if as_of is None:
        return queryset.annotate(report_status=F("status"), report_reviewed_at=F("last_reviewed_at"))
    moment = end_of_day(as_of)
    # A promise exists from its document's publication, even if it was imported later.
    published = Q(document__published_on__lte=as_of) | Q(
        document__published_on__isnull=True, created_at__lt=moment
    )
    return (
        queryset.filter(published)
        .with_latest_review(before=moment, status_then="status_after", report_reviewed_at="reviewed_at")
        .annotate(report_status=Coalesce(F("status_then"), Value(Status.UNASSESSED.value)))
    )


# grouping → the fields its key and label come from
_GROUPS: dict[str, tuple[str, str]] = {
    "sector": ("primary_sector_slug", "primary_sector_name"),  # by primary sector: each counts once
    "section": ("section__key", "section__heading"),
    "status": ("report_status", "report_status"),
    "owner": ("owner__username", "owner__username"),
    "document": ("document__slug", "document__title"),
}
GROUPINGS = tuple(_GROUPS)


def _group_fields(queryset: CommitmentQuerySet, group_by: str) -> tuple[CommitmentQuerySet, tuple[str, ...]]:
    """Annotate group_key/group_label for one grouping; return the fields to group on."""
    if group_by not in _GROUPS:
        raise ValueError(f"unknown grouping {group_by!r}")
    if group_by == "sector":
        queryset = queryset.with_primary_sector()
    key, label = _GROUPS[group_by]
    fields: tuple[str, ...] = ("group_key", "group_label")
    if group_by == "section":
        fields = ("document__slug", *fields)  # sections repeat keys across documents
    return queryset.annotate(group_key=F(key), group_label=F(label)), fields


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


def _stale_at(as_of: datetime.date | None) -> datetime.datetime:
    return end_of_day(as_of) if as_of is not None else timezone.now()


def summary(queryset: CommitmentQuerySet, *, as_of: datetime.date | None = None) -> dict[str, Any]:
    """The overall row of the progress report: counts per status, assessed share, completion, stale."""
    base = with_status_as_of(queryset.order_by(), as_of)
    return _row(base.aggregate(**_aggregates(_stale_at(as_of))), "all", "All commitments")


def progress(
    queryset: CommitmentQuerySet, *, group_by: str = "sector", as_of: datetime.date | None = None
) -> ProgressReport:
    """Counts per status, assessed share, completion and stale count per group, plus an overall row."""
    base = with_status_as_of(queryset.order_by(), as_of)
    grouped, fields = _group_fields(base, group_by)
    aggregates = _aggregates(_stale_at(as_of))
    rows = []
    for values in grouped.values(*fields).annotate(**aggregates).order_by(*fields):
        key = values["group_key"]
        if group_by == "section" and key is not None:
            key = f"{values['document__slug']}:{key}"
        label = status_label(values["group_label"]) if group_by == "status" else values["group_label"]
        rows.append(_row(values, key, label))
    return ProgressReport(group_by, as_of, rows, summary(queryset, as_of=as_of))


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
    queryset: CommitmentQuerySet,
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
