"""Changelist filters: documents and people by name only, the sector tree, owner ("Mine" first), stale,
overdue, snoozed. None of them loads a whole row to name a choice (a document's row holds its full text)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from commitments.choices import LinkStatus
from commitments.display import acting_user
from commitments.models import Commitment, Document, Review, Sector
from commitments.querysets import CommitmentQuerySet


class IdChoiceFilter(admin.SimpleListFilter):
    """A filter on a foreign key by id, keeping the URL parameter of Django's own (`<field>__id__exact`)."""

    field = ""

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{f"{self.field}_id": int(value)}) if value and value.isdigit() else queryset


class DocumentFilter(IdChoiceFilter):
    """Each document by title: one query on two columns, whatever the size of the texts."""

    title = "document"
    parameter_name = "document__id__exact"
    field = "document"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        documents = Document.objects.order_by("-published_on", "title", "pk").values_list("pk", "title")
        return [(str(pk), title) for pk, title in documents]


class ReviewerFilter(IdChoiceFilter):
    """Everyone who has recorded a review: a lookup per account, not a scan of the whole history."""

    title = "reviewer"
    parameter_name = "reviewer__id__exact"
    field = "reviewer"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        has_reviewed = Exists(Review.objects.filter(reviewer=OuterRef("pk")))
        people = get_user_model().objects.filter(has_reviewed).order_by("username")
        return [(str(pk), name) for pk, name in people.values_list("pk", "username")]


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


class OverdueFilter(YesNoFilter):
    """Past the target date and not in a final status (querysets.overdue_condition), whatever the status."""

    title = "overdue"
    parameter_name = "overdue"
    yes_label, no_label = "Overdue", "Not overdue"

    def yes(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.overdue()

    def no(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.not_overdue()


class SnoozedFilter(YesNoFilter):
    """Snoozed = no reminders until a later day (the commitment may still be stale)."""

    title = "snoozed"
    parameter_name = "snoozed"
    yes_label, no_label = "Snoozed", "Not snoozed"

    def yes(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.snoozed(timezone.localdate())

    def no(self, commitments: CommitmentQuerySet) -> CommitmentQuerySet:
        return commitments.not_snoozed(timezone.localdate())


class LinkHealthFilter(admin.SimpleListFilter):
    """Evidence by what the link checker found (commitments/linkcheck.py): dead links first."""

    title = "link"
    parameter_name = "link"
    CHOICES: dict[str, tuple[str, Q]] = {
        "broken": ("Dead (broken link)", Q(link__status=LinkStatus.BROKEN)),
        "changed": ("Page changed since cited", Q(link__changed_since_cited=True)),
        "refused": ("Refused (not public, robots.txt)", Q(link__status=LinkStatus.REFUSED)),
        "unchecked": ("Not checked yet", Q(link__isnull=True) | Q(link__status=LinkStatus.UNCHECKED)),
        "reachable": ("Reachable", Q(link__status__in=[LinkStatus.OK, LinkStatus.REDIRECTED])),
    }

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [(value, label) for value, (label, _condition) in self.CHOICES.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        chosen = self.CHOICES.get(self.value() or "")
        return queryset.filter(chosen[1]) if chosen else queryset
