"""The progress report and the timeline as single SQL queries give exactly what the ORM version gave.

`Oracle` below is the ORM implementation the reports had before they were rewritten (correlated
subqueries per annotation, a second query for the overall row), kept verbatim as the reference:
over a varied history every grouping × as_of × filter must give the same rows, in the same order,
with the same labels, counts, stale counts and completion.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.utils import timezone

from commitments import reports
from commitments.choices import Status
from commitments.display import status_label
from commitments.models import Commitment, CommitmentSector, Document, Review, Section, Sector
from commitments.querysets import CommitmentQuerySet, overdue_condition, stale_condition
from tests.factories import CommitmentFactory, DocumentFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2025, 10, 15, 12, 30, tzinfo=UTC)


# --- The reference: the reports as they were, with the ORM --------------------------------------


class Oracle:
    _GROUPS: dict[str, tuple[str, str]] = {
        "sector": ("primary_sector_slug", "primary_sector_name"),
        "section": ("section__key", "section__heading"),
        "status": ("report_status", "report_status"),
        "owner": ("owner__username", "owner__username"),
        "document": ("document__slug", "document__title"),
    }

    @staticmethod
    def end_of_day(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )

    @classmethod
    def with_status_as_of(
        cls, queryset: CommitmentQuerySet, as_of: datetime.date | None
    ) -> CommitmentQuerySet:
        if as_of is None:
            return queryset.annotate(report_status=F("status"), report_reviewed_at=F("last_reviewed_at"))
        moment = cls.end_of_day(as_of)
        published = Q(document__published_on__lte=as_of) | Q(
            document__published_on__isnull=True, created_at__lt=moment
        )
        return (
            queryset.filter(published)
            .with_latest_review(before=moment, status_then="status_after", report_reviewed_at="reviewed_at")
            .annotate(report_status=Coalesce(F("status_then"), Value(Status.UNASSESSED.value)))
        )

    @classmethod
    def group_fields(
        cls, queryset: CommitmentQuerySet, group_by: str
    ) -> tuple[CommitmentQuerySet, tuple[str, ...]]:
        if group_by == "sector":
            queryset = queryset.with_primary_sector()
        key, label = cls._GROUPS[group_by]
        fields: tuple[str, ...] = ("group_key", "group_label")
        if group_by == "section":
            fields = ("document__slug", *fields)
        return queryset.annotate(group_key=F(key), group_label=F(label)), fields

    @staticmethod
    def aggregates(stale_at: datetime.datetime, day: datetime.date) -> dict[str, Any]:
        counts: dict[str, Any] = {"total": Count("pk")}
        for status in Status:
            counts[f"n_{status.value}"] = Count("pk", filter=Q(report_status=status.value))
        counts["n_stale"] = Count(
            "pk",
            filter=stale_condition(
                stale_at, status_field="report_status", reviewed_field="report_reviewed_at"
            ),
        )
        # Added with the overdue count (issue 17): the ORM's own definition, by the status then.
        counts["n_overdue"] = Count("pk", filter=overdue_condition(day, status_field="report_status"))
        return counts

    @staticmethod
    def row(values: dict[str, Any], key: Any, label: Any) -> dict[str, Any]:
        total = values["total"] or 0
        counts = {status.value: values[f"n_{status.value}"] or 0 for status in Status}
        completion = sum(counts[status] * weight for status, weight in reports.COMPLETION_WEIGHTS.items())
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

    @classmethod
    def stale_at(cls, as_of: datetime.date | None) -> datetime.datetime:
        return cls.end_of_day(as_of) if as_of is not None else timezone.now()

    @staticmethod
    def overdue_day(as_of: datetime.date | None) -> datetime.date:
        return as_of if as_of is not None else timezone.localdate()

    @classmethod
    def summary(cls, queryset: CommitmentQuerySet, *, as_of: datetime.date | None = None) -> dict[str, Any]:
        base = cls.with_status_as_of(queryset.order_by(), as_of)
        aggregates = cls.aggregates(cls.stale_at(as_of), cls.overdue_day(as_of))
        return cls.row(base.aggregate(**aggregates), "all", "All commitments")

    @classmethod
    def progress(
        cls, queryset: CommitmentQuerySet, *, group_by: str = "sector", as_of: datetime.date | None = None
    ) -> reports.ProgressReport:
        base = cls.with_status_as_of(queryset.order_by(), as_of)
        grouped, fields = cls.group_fields(base, group_by)
        aggregates = cls.aggregates(cls.stale_at(as_of), cls.overdue_day(as_of))
        rows = []
        for values in grouped.values(*fields).annotate(**aggregates).order_by(*fields):
            key = values["group_key"]
            if group_by == "section" and key is not None:
                key = f"{values['document__slug']}:{key}"
            label = status_label(values["group_label"]) if group_by == "status" else values["group_label"]
            rows.append(cls.row(values, key, label))
        return reports.ProgressReport(group_by, as_of, rows, cls.summary(queryset, as_of=as_of))

    @staticmethod
    def bucket_start(day: datetime.date, interval: str) -> datetime.date:
        month = day.month if interval == "month" else 3 * ((day.month - 1) // 3) + 1
        return datetime.date(day.year, month, 1)

    @staticmethod
    def next_bucket(day: datetime.date, interval: str) -> datetime.date:
        step = 1 if interval == "month" else 3
        month = day.month - 1 + step
        return datetime.date(day.year + month // 12, month % 12 + 1, 1)

    @staticmethod
    def apply(counts: dict[str, int], created: int, changes: list[dict[str, Any]]) -> None:
        counts[Status.UNASSESSED] += created
        for change in changes:
            counts[change["status_before"]] -= change["n"]
            counts[change["status_after"]] += change["n"]

    @classmethod
    def timeline(
        cls,
        queryset: CommitmentQuerySet,
        *,
        interval: str = "month",
        start: datetime.date | None = None,
        end: datetime.date | None = None,
    ) -> list[dict[str, Any]]:
        from django.db.models import DateField

        kind = "month" if interval == "month" else "quarter"
        commitments = queryset.order_by()
        entered = Coalesce(F("document__published_on"), TruncDate("created_at"))
        created = {
            row["bucket"]: row["n"]
            for row in commitments.annotate(bucket=Trunc(entered, kind, output_field=DateField()))
            .values("bucket")
            .annotate(n=Count("pk"))
        }
        changes = list(
            Review.objects.filter(commitment__in=commitments.values("pk"))
            .exclude(status_before=F("status_after"))
            .annotate(bucket=Trunc("reviewed_at", kind, output_field=DateField()))
            .values("bucket", "status_before", "status_after")
            .annotate(n=Count("pk"))
            .order_by()
        )
        today = timezone.localdate()
        first_event = min([*created, *(row["bucket"] for row in changes)], default=today)
        current = cls.bucket_start(min(start or first_event, first_event), interval)
        last = cls.bucket_start(end or today, interval)
        by_bucket: dict[datetime.date, list[Any]] = {}
        for row in changes:
            by_bucket.setdefault(row["bucket"], []).append(row)
        counts = dict.fromkeys(Status.values, 0)
        points: list[dict[str, Any]] = []
        for bucket in sorted(set(created) | set(by_bucket)):
            if bucket >= current:
                break
            cls.apply(counts, created.get(bucket, 0), by_bucket.get(bucket, []))
        while current <= last and len(points) < reports.MAX_TIMELINE_POINTS:
            cls.apply(counts, created.get(current, 0), by_bucket.get(current, []))
            following = cls.next_bucket(current, interval)
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


# --- A varied history ---------------------------------------------------------------------------

AS_OF_DATES = [
    None,
    datetime.date(2022, 1, 27),  # the day before the first document's publication
    datetime.date(2022, 3, 15),
    datetime.date(2023, 6, 1),  # a document's publication day
    datetime.date(2024, 2, 29),
    datetime.date(2025, 2, 28),  # the day before a document's publication
    datetime.date(2025, 9, 30),
]
# (document, sector) as select_commitments takes them; a parent sector matches its children.
FILTERS: list[tuple[str | None, str | None]] = [
    (None, None),
    ("alpha", None),
    ("gamma", None),
    (None, "space-infrastructure"),
    ("beta", "deep-space-exploration"),
    (None, "no-such-sector"),  # matches nothing
    ("empty", None),  # a document without commitments
]
# Target dates before, between and after the as_of dates, and none: overdue then, later, or never.
TARGETS = [
    None,
    datetime.date(2023, 12, 31),
    datetime.date(2024, 2, 29),
    datetime.date(2025, 6, 30),
    datetime.date(2026, 12, 31),
]
SECTORS = [
    "deep-space-exploration",
    "satellite-navigation",
    "earth-observation",
    "space-infrastructure",
    "human-spaceflight",
    "governance",
]


def _moment(rng: random.Random, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
    seconds = int((end - start).total_seconds())
    return start + datetime.timedelta(
        seconds=rng.randrange(seconds), microseconds=rng.choice([0, 0, 250_000])
    )


@pytest.fixture
def history() -> None:
    """Four documents (one unpublished, one published after some as_of dates) and an empty one;
    sections whose keys repeat across documents; primary, secondary-only and no sectors; owners and
    none; review histories with ties, boundaries at midnight, and statuses that disagree with them."""
    rng = random.Random(20240630)
    owners: list[User | None] = [UserFactory.create(username=name) for name in ("ana", "bo", "zed")]
    owners.append(None)
    reviewer = UserFactory.create(username="historian")
    documents = [
        DocumentFactory.create(slug="alpha", title="Alpha plan", published_on=datetime.date(2022, 1, 28)),
        DocumentFactory.create(slug="beta", title="Beta plan", published_on=datetime.date(2023, 6, 1)),
        DocumentFactory.create(slug="gamma", title="Gamma notes", published_on=None),
        DocumentFactory.create(slug="delta", title="Delta plan", published_on=datetime.date(2025, 3, 1)),
    ]
    DocumentFactory.create(slug="empty", title="Empty plan")
    sections: dict[int, list[Section | None]] = {}
    for document in documents[:3]:
        sections[document.pk] = [
            SectionFactory.create(document=document, key=key, heading=f"{heading} ({document.slug})")
            for key, heading in (("I", "I. Aims"), ("II", "II. Means"), ("II.1", "1. Launches"))
        ]
        sections[document.pk].append(None)
    sections[documents[3].pk] = [None]
    sectors = {sector.slug: sector for sector in Sector.objects.filter(slug__in=SECTORS)}
    links: list[CommitmentSector] = []
    reviews: list[Review] = []
    boundaries = [reports.end_of_day(day) for day in AS_OF_DATES if day is not None]
    for n in range(90):
        document = rng.choice(documents)
        created = _moment(
            rng, datetime.datetime(2021, 11, 1, tzinfo=UTC), datetime.datetime(2025, 8, 1, tzinfo=UTC)
        )
        commitment = CommitmentFactory.create(
            document=document,
            section=rng.choice(sections[document.pk]),
            owner=rng.choice(owners),
            created_at=created,
            reference=f"R-{n:03d}",
            target_date=TARGETS[n % len(TARGETS)],
        )
        choice = n % 4  # primary only, primary and secondary, secondary only, none
        slugs = rng.sample(SECTORS, 2)
        if choice in (0, 1):
            links.append(CommitmentSector(commitment=commitment, sector=sectors[slugs[0]], is_primary=True))
        if choice in (1, 2):
            links.append(CommitmentSector(commitment=commitment, sector=sectors[slugs[1]]))
        moments = sorted(
            _moment(rng, max(created, datetime.datetime(2022, 1, 1, tzinfo=UTC)), NOW)
            for _ in range(rng.choice([0, 0, 1, 2, 3, 5]))
        )
        if moments and n % 5 == 0:
            moments.append(moments[-1])  # two reviews at the same instant: the later id wins
        if moments and n % 6 == 0:
            boundary = rng.choice(boundaries)
            # A review at midnight belongs to the next day; one a microsecond earlier to the day before.
            moments = sorted([*moments, boundary, boundary - datetime.timedelta(microseconds=1)])
        status = Status.UNASSESSED.value
        for moment in moments:
            after = rng.choice(Status.values)
            reviews.append(
                Review(
                    commitment=commitment,
                    reviewer=reviewer,
                    reviewed_at=moment,
                    status_before=status,
                    status_after=after,
                    rationale="why",
                )
            )
            status = after
        # (The stored status always agrees with the history: PostgreSQL refuses any other, migration 0015.)
        if moments:
            Commitment.objects.filter(pk=commitment.pk).update(status=status, last_reviewed_at=moments[-1])
    CommitmentSector.objects.bulk_create(links)
    Review.objects.bulk_create(reviews)


@pytest.fixture
def frozen_now() -> Iterator[None]:
    # Old and new read the clock separately: one instant for both keeps "stale now" comparable.
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def _same(new: Any, old: Any) -> None:
    assert new == old
    assert repr(new) == repr(old)  # the same types too (an int is not a Decimal or a float)


def _select(document: str | None, sector: str | None) -> CommitmentQuerySet:
    return reports.select_commitments(document=document, sector=sector)


# --- Same answers ------------------------------------------------------------------------------


@pytest.mark.usefixtures("history", "frozen_now")
@pytest.mark.parametrize("group_by", reports.GROUPINGS)
@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_progress_matches_the_orm_reports_for_every_grouping_date_and_filter(
    group_by: str, as_of: datetime.date | None
) -> None:
    assert Review.objects.count() > 100
    for document, sector in FILTERS:
        new = reports.progress(_select(document, sector), group_by=group_by, as_of=as_of)
        old = Oracle.progress(_select(document, sector), group_by=group_by, as_of=as_of)
        _same(new, old)


@pytest.mark.usefixtures("history", "frozen_now")
@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_summary_matches_the_orm_overall_row(as_of: datetime.date | None) -> None:
    for document, sector in FILTERS:
        queryset = _select(document, sector)
        _same(reports.summary(queryset, as_of=as_of), Oracle.summary(queryset, as_of=as_of))
        # The overall row of the report is the summary (each commitment falls in exactly one group).
        for group_by in reports.GROUPINGS:
            report = reports.progress(queryset, group_by=group_by, as_of=as_of)
            _same(report.overall, Oracle.summary(queryset, as_of=as_of))


@pytest.mark.usefixtures("history", "frozen_now")
def test_the_data_covers_what_the_comparison_needs() -> None:
    report = Oracle.progress(_select(None, None), group_by="section", as_of=None)
    assert sum(1 for row in report.rows if row["group"] is None) >= 2  # no section, in several documents
    assert {row["group"] for row in Oracle.progress(_select(None, None), group_by="sector").rows} >= {None}
    assert {row["group"] for row in Oracle.progress(_select(None, None), group_by="owner").rows} >= {None}
    summary = Oracle.summary(_select(None, None))
    assert summary["stale"] > 0
    assert all(count > 0 for count in summary["counts"].values())
    assert Oracle.summary(_select(None, None), as_of=datetime.date(2024, 2, 29))["stale"] > 0
    # Overdue now and on a past day, and not every commitment past its target (some are final).
    assert 0 < summary["overdue"] < Commitment.objects.filter(target_date__lt=NOW.date()).count()
    assert Oracle.summary(_select(None, None), as_of=datetime.date(2024, 3, 1))["overdue"] > 0
    # Documents published after an as_of date drop out of it; commitments imported after it do not.
    assert Oracle.summary(_select("delta", None), as_of=datetime.date(2025, 2, 28))["total"] == 0
    assert Oracle.summary(_select("delta", None))["total"] > 0


@pytest.mark.usefixtures("history", "frozen_now")
def test_staleness_follows_the_configured_intervals(settings: Any) -> None:
    settings.COMMITMENT_REVIEW_INTERVAL_DAYS = {"unassessed": 10, "in_progress": 400, "achieved": 5}
    for as_of in (None, datetime.date(2024, 2, 29)):
        for group_by in ("status", "owner"):
            queryset = _select(None, None)
            _same(
                reports.progress(queryset, group_by=group_by, as_of=as_of),
                Oracle.progress(queryset, group_by=group_by, as_of=as_of),
            )


@pytest.mark.usefixtures("history", "frozen_now")
def test_when_nothing_can_be_stale_the_overall_row_still_counts_everything(settings: Any) -> None:
    settings.COMMITMENT_REVIEW_INTERVAL_DAYS = dict.fromkeys(Status.values)
    for as_of in (None, datetime.date(2024, 2, 29)):
        queryset = _select(None, None)
        new = reports.progress(queryset, group_by="status", as_of=as_of)
        _same(new.rows, Oracle.progress(queryset, group_by="status", as_of=as_of).rows)
        assert new.overall["total"] == sum(row["total"] for row in new.rows) > 0
        assert new.overall["stale"] == 0
        _same(reports.summary(queryset, as_of=as_of), new.overall)
        # The ORM version's overall row was all zeros as of a past day here: its stale filter matched
        # nothing (Q(pk__in=[])), which emptied the whole aggregate query.
        assert Oracle.summary(queryset, as_of=as_of)["total"] == (0 if as_of else new.overall["total"])


@pytest.mark.usefixtures("history", "frozen_now")
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_as_of_means_the_end_of_the_day_in_the_site_time_zone(settings: Any, zone: str) -> None:
    settings.TIME_ZONE = zone
    for as_of in AS_OF_DATES:
        for group_by in ("status", "sector"):
            queryset = _select(None, None)
            _same(
                reports.progress(queryset, group_by=group_by, as_of=as_of),
                Oracle.progress(queryset, group_by=group_by, as_of=as_of),
            )


@pytest.mark.usefixtures("history", "frozen_now")
def test_a_caller_queryset_with_its_own_filters_and_ordering() -> None:
    queryset = Commitment.objects.filter(owner__username="ana").order_by("-created_at")
    for group_by in reports.GROUPINGS:
        for as_of in (None, datetime.date(2024, 2, 29)):
            _same(
                reports.progress(queryset, group_by=group_by, as_of=as_of),
                Oracle.progress(queryset, group_by=group_by, as_of=as_of),
            )
    _same(reports.progress(Commitment.objects.none()), Oracle.progress(Commitment.objects.none()))


@pytest.mark.usefixtures("history", "frozen_now")
@pytest.mark.parametrize("interval", ["month", "quarter"])
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York"])
def test_timeline_matches_the_orm_timeline(settings: Any, interval: str, zone: str) -> None:
    settings.TIME_ZONE = zone
    for document, sector in FILTERS:
        for start, end in [
            (None, None),
            (datetime.date(2020, 5, 1), None),
            (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
        ]:
            queryset = _select(document, sector)
            _same(
                reports.timeline(queryset, interval=interval, start=start, end=end),
                Oracle.timeline(queryset, interval=interval, start=start, end=end),
            )


# --- One query each -----------------------------------------------------------------------------


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("group_by", reports.GROUPINGS)
@pytest.mark.parametrize("as_of", [None, datetime.date(2024, 2, 29)])
def test_progress_is_one_query(
    django_assert_num_queries: Any, group_by: str, as_of: datetime.date | None
) -> None:
    queryset = Commitment.objects.filter(document__slug="alpha").in_sectors(["space-infrastructure"])
    with django_assert_num_queries(1):
        report = reports.progress(queryset, group_by=group_by, as_of=as_of)
    assert report.overall["total"] > 0
    with django_assert_num_queries(1):
        reports.summary(queryset, as_of=as_of)


@pytest.mark.usefixtures("history")
def test_timeline_is_one_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        points = reports.timeline(Commitment.objects.filter(document__slug="alpha"), interval="quarter")
    assert points[-1]["total"] == Commitment.objects.filter(document__slug="alpha").count()


def test_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown grouping"):
        reports.progress(Commitment.objects.all(), group_by="planet")
    assert Document.objects.count() == 0
