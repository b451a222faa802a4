"""Reads: each shape of query the admin, the API, the pages and the jobs need, defined once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, models
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from commitments.exceptions import ReviewIsAppendOnlyError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def review_intervals() -> dict[str, timedelta | None]:
    """Per-status review interval from settings.COMMITMENT_REVIEW_INTERVAL_DAYS (None = never stale)."""
    return {
        status: None if days is None else timedelta(days=days)
        for status, days in settings.COMMITMENT_REVIEW_INTERVAL_DAYS.items()
    }


def _overdue_condition(
    at: datetime, factor: int, status_field: str = "status", reviewed_field: str = "last_reviewed_at"
) -> Q:
    """Commitments whose last review (or creation) is older than `factor` × their status's interval.

    The field names can point at annotations, so reports can ask the question as of a past day.
    """
    condition = Q(pk__in=[])  # matches nothing: every status might be configured as never stale
    for status, interval in review_intervals().items():
        if interval is None:
            continue
        cutoff = at - interval * factor
        condition |= Q(**{status_field: status}) & (
            Q(**{f"{reviewed_field}__lt": cutoff})
            | Q(**{f"{reviewed_field}__isnull": True, "created_at__lt": cutoff})
        )
    return condition


def stale_condition(
    at: datetime | None = None, status_field: str = "status", reviewed_field: str = "last_reviewed_at"
) -> Q:
    """The one definition of "stale" (PRODUCT.md), for the admin filter, the API, reports and reminders."""
    return _overdue_condition(at or timezone.now(), 1, status_field, reviewed_field)


def escalation_condition(at: datetime | None = None) -> Q:
    """Stale for more than twice the interval: leads are copied on the reminder."""
    return _overdue_condition(at or timezone.now(), factor=2)


class SectorQuerySet(models.QuerySet[Any]):
    def ids_with_descendants(self, slugs: Iterable[str]) -> set[int]:
        """Ids of the sectors named by slug and of everything below them (one query, any depth)."""
        wanted = set(slugs)
        rows = list(self.model.objects.values_list("pk", "slug", "parent_id"))
        children: dict[int | None, list[int]] = {}
        for pk, _slug, parent_id in rows:
            children.setdefault(parent_id, []).append(pk)
        found: set[int] = set()
        frontier = [pk for pk, slug, _parent in rows if slug in wanted]
        while frontier:
            pk = frontier.pop()
            if pk not in found:
                found.add(pk)
                frontier.extend(children.get(pk, []))
        return found


class CommitmentQuerySet(models.QuerySet[Any]):
    def for_list(self, at: datetime | None = None) -> CommitmentQuerySet:
        """The shape every list of commitments uses: one query, however many rows."""
        from commitments.models import CommitmentSector

        primary = CommitmentSector.objects.filter(commitment=OuterRef("pk"), is_primary=True)
        return (
            # The list shows the document, owner and section of every row: join them.
            self.select_related("document", "section", "owner")
            .annotate(
                primary_sector_name=Subquery(primary.values("sector__name")[:1]),
                primary_sector_slug=Subquery(primary.values("sector__slug")[:1]),
            )
            .with_staleness(at)
        )

    def with_staleness(self, at: datetime | None = None) -> CommitmentQuerySet:
        # CASE rather than the bare condition: NULL comparisons must read as "not stale", not NULL.
        return self.annotate(
            is_stale=Case(
                When(stale_condition(at), then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )

    def stale(self, at: datetime | None = None) -> CommitmentQuerySet:
        return self.filter(stale_condition(at))

    def fresh(self, at: datetime | None = None) -> CommitmentQuerySet:
        return self.exclude(stale_condition(at))

    def in_sectors(self, slugs: Iterable[str]) -> CommitmentQuerySet:
        """Commitments whose primary or secondary sector is one of `slugs` or below one of them."""
        from commitments.models import CommitmentSector, Sector

        sector_ids = Sector.objects.ids_with_descendants(slugs)
        links = CommitmentSector.objects.filter(commitment=OuterRef("pk"), sector_id__in=sector_ids)
        return self.filter(Exists(links))

    def owned_by(self, user: AbstractBaseUser | AnonymousUser) -> CommitmentQuerySet:
        return self.filter(owner_id=user.pk)

    # --- Reminders ---

    def snoozed(self, on: date) -> CommitmentQuerySet:
        """Snoozed on day `on`: no reminders about them until their snoozed_until day."""
        return self.filter(snoozed_until__gt=on)

    def not_snoozed(self, on: date) -> CommitmentQuerySet:
        return self.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=on))

    def for_reminders(self, at: datetime, day: date) -> CommitmentQuerySet:
        """What the daily digest covers: stale as of `at`, not snoozed on `day`, escalation flagged.

        Staleness is stale_condition() itself, so the digest, the admin filter and the API agree;
        a snoozed commitment is still stale there, it is only not reminded about.
        """
        return (
            self.stale(at)
            .not_snoozed(day)
            .annotate(
                is_escalated=Case(
                    When(escalation_condition(at), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )

    def for_api(self, at: datetime | None = None) -> CommitmentQuerySet:
        """for_list() plus what an API item shows: sectors, evidence count, latest review."""
        from commitments.models import CommitmentSector, Evidence, Review

        latest = Review.objects.filter(commitment=OuterRef("pk")).order_by("-reviewed_at", "-pk")
        evidence = (
            Evidence.objects.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            self.for_list(at)
            .annotate(
                evidence_count=Coalesce(Subquery(evidence), 0),
                latest_review_id=Subquery(latest.values("pk")[:1]),
                latest_review_at=Subquery(latest.values("reviewed_at")[:1]),
                latest_review_status_before=Subquery(latest.values("status_before")[:1]),
                latest_review_status_after=Subquery(latest.values("status_after")[:1]),
                latest_review_reviewer=Subquery(latest.values("reviewer__username")[:1]),
                latest_review_rationale=Subquery(
                    latest.annotate(short=Left("rationale", 280)).values("short")[:1]
                ),
            )
            # Every item lists its sectors: one query for the whole page.
            .prefetch_related(
                Prefetch(
                    "sector_links",
                    queryset=CommitmentSector.objects.select_related("sector").order_by(
                        "-is_primary", "sector__position", "sector__name"
                    ),
                )
            )
        )

    def search(self, terms: str) -> CommitmentQuerySet:
        """Keyword search: ranked full text on PostgreSQL (annotates search_rank), words AND-ed elsewhere."""
        terms = terms.replace("\x00", " ").strip()
        if not terms:
            return self
        exact_reference = Q(reference__iexact=terms)
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = SearchVector("reference", weight="A", config="english") + SearchVector(
                "text", "lead_in", weight="B", config="english"
            )
            query = SearchQuery(terms, search_type="websearch", config="english")
            return self.annotate(search_vector=vector, search_rank=SearchRank(vector, query)).filter(
                Q(search_vector=query) | exact_reference
            )
        words = Q()
        for word in terms.split():
            words &= Q(text__icontains=word) | Q(reference__icontains=word)
        return self.filter(words | exact_reference)


class ReviewQuerySet(models.QuerySet[Any]):
    """Bulk paths bypass Model.save()/delete(); close them too so the history stays append-only."""

    def update(self, **kwargs: Any) -> int:
        raise ReviewIsAppendOnlyError("Reviews cannot be changed; record a new review instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ReviewIsAppendOnlyError("Reviews cannot be deleted; record a new review instead.")


def section_paths(document_ids: Iterable[int]) -> dict[int, list[str]]:
    """Heading path (top level first) of every section of the given documents, in one query."""
    from commitments.models import Section

    rows = {
        pk: (parent, heading)
        for pk, parent, heading in Section.objects.filter(document_id__in=set(document_ids)).values_list(
            "pk", "parent_id", "heading"
        )
    }
    paths: dict[int, list[str]] = {}
    for pk in rows:
        path: list[str] = []
        current: int | None = pk
        while current is not None and current in rows and len(path) < 50:
            parent, heading = rows[current]
            path.append(heading)
            current = parent
        paths[pk] = path[::-1]
    return paths
