"""Changelist filters for commitments: sector tree, owner ("Mine" first), stale, snoozed."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from commitments.display import acting_user
from commitments.models import Commitment, Sector
from commitments.querysets import CommitmentQuerySet


class SectorFilter(admin.SimpleListFilter):
    """A parent sector matches its children, and a secondary sector counts as much as the primary."""

    title = "sector"
    parameter_name = "sector"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(sector.slug, "\u2003" * depth + sector.name) for sector, depth in Sector.objects.as_tree()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return cast(CommitmentQuerySet, queryset).in_sectors([value]) if value else queryset


class OwnerFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        me = acting_user(request).pk
        others = [(str(pk), name) for pk, name in Commitment.objects.owners() if pk != me]
        return [("mine", "Mine"), ("none", "Unassigned"), *others]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "mine":
            return queryset.filter(owner=acting_user(request).pk)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if value and value.isdigit():
            return queryset.filter(owner_id=int(value))
        return queryset


class YesNoFilter(admin.SimpleListFilter):
    """A two-way filter over commitments: `yes()` and `no()` say what each answer keeps."""

    yes_label = "Yes"
    no_label = "No"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        commitments = cast(CommitmentQuerySet, queryset)
        if self.value() == "yes":
            return self.yes(commitments)
        if self.value() == "no":
            return self.no(commitments)
        return queryset

    def yes(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        raise NotImplementedError

    def no(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        raise NotImplementedError


class StaleFilter(YesNoFilter):
    title = "stale"
    parameter_name = "stale"
    yes_label, no_label = "Stale", "Up to date"

    def yes(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.stale()

    def no(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.fresh()


class SnoozedFilter(YesNoFilter):
    """Snoozed = no reminders until a later day (the commitment may still be stale)."""

    title = "snoozed"
    parameter_name = "snoozed"
    yes_label, no_label = "Snoozed", "Not snoozed"

    def yes(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.snoozed(timezone.localdate())

    def no(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.not_snoozed(timezone.localdate())
