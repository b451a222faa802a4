"""Reads: each shape of query the admin, the API, the pages and the jobs need, defined once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
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


def _overdue_condition(at: datetime, factor: int) -> Q:
    """Commitments whose last review (or creation) is older than `factor` × their status's interval."""
    condition = Q(pk__in=[])  # matches nothing: every status might be configured as never stale
    for status, interval in review_intervals().items():
        if interval is None:
            continue
        cutoff = at - interval * factor
        condition |= Q(status=status) & (
            Q(last_reviewed_at__lt=cutoff) | Q(last_reviewed_at__isnull=True, created_at__lt=cutoff)
        )
    return condition


def stale_condition(at: datetime | None = None) -> Q:
    """The one definition of "stale" (PRODUCT.md): used by the admin filter, the API and reminders."""
    return _overdue_condition(at or timezone.now(), factor=1)


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
        return self.annotate(is_stale=ExpressionWrapper(stale_condition(at), output_field=BooleanField()))

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


class ReviewQuerySet(models.QuerySet[Any]):
    """Bulk paths bypass Model.save()/delete(); close them too so the history stays append-only."""

    def update(self, **kwargs: Any) -> int:
        raise ReviewIsAppendOnlyError("Reviews cannot be changed; record a new review instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ReviewIsAppendOnlyError("Reviews cannot be deleted; record a new review instead.")
