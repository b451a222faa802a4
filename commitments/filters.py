"""FilterSets shared by the API and the public pages."""

from __future__ import annotations

from typing import Any, cast

import django_filters as filters
from django.db import connection
from django.db.models import F, Q, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from commitments.choices import Priority, Status
from commitments.models import Commitment, Evidence, Review
from commitments.querysets import CommitmentQuerySet


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.ChoiceFilter):
    """`true` or `false`; anything else is a 400 (django-filter's own boolean ignores bad values)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        super().__init__(*args, **kwargs)


class CharInFilter(filters.BaseInFilter, filters.CharFilter):
    """Comma-separated values: `?status=in_progress,stalled`."""


class StatusInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    pass


class CommitmentFilterSet(filters.FilterSet):
    document = filters.CharFilter(field_name="document__slug", help_text="Document slug, e.g. csp2021.")
    sector = CharInFilter(
        method="filter_sector",
        help_text="Sector slug(s), comma-separated. Matches primary and secondary sectors, and a parent "
        "sector matches its children (space-infrastructure finds satellite-navigation).",
    )
    section = filters.CharFilter(
        method="filter_section",
        help_text="Section key, e.g. II.4; includes its subsections (II.4.1 …). Combine with document.",
    )
    status = StatusInFilter(choices=Status.choices, help_text="Status(es), comma-separated.")
    owner = filters.CharFilter(method="filter_owner", help_text="Owner's username, or `none` for unassigned.")
    priority = filters.ChoiceFilter(choices=Priority.choices)
    stale = StrictBooleanFilter(method="filter_stale", help_text="Stale now (per-status review intervals).")
    due_before = filters.DateFilter(
        field_name="target_date", lookup_expr="lte", help_text="Target date on or before."
    )
    due_after = filters.DateFilter(
        field_name="target_date", lookup_expr="gte", help_text="Target date on or after."
    )
    reviewed_before = filters.DateFilter(
        field_name="last_reviewed_at",
        lookup_expr="date__lte",
        help_text="Last reviewed on or before this day.",
    )
    reviewed_after = filters.DateFilter(
        field_name="last_reviewed_at",
        lookup_expr="date__gte",
        help_text="Last reviewed on or after this day.",
    )
    q = filters.CharFilter(
        method="filter_search",
        help_text="Keywords in the text or reference. Ranked full-text search on PostgreSQL "
        "(results ordered by relevance unless `ordering` is given).",
    )
    ordering = filters.OrderingFilter(
        fields=(
            ("reference", "reference"),
            ("status", "status"),
            ("priority", "priority"),
            ("target_date", "target_date"),
            ("last_reviewed_at", "last_reviewed_at"),
            ("created_at", "created_at"),
            ("start_offset", "position"),
        ),
        help_text="Sort field, `-` for descending.",
    )

    class Meta:
        model = Commitment
        fields: list[str] = []

    def filter_sector(self, queryset: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        return cast(CommitmentQuerySet, queryset).in_sectors(value) if value else queryset

    def filter_section(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(section__key=value) | Q(section__key__startswith=f"{value}."))

    def filter_owner(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "none":
            return queryset.filter(owner__isnull=True)
        return queryset.filter(owner__username=value)

    def filter_stale(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        commitments = cast(CommitmentQuerySet, queryset)
        return commitments.stale() if value == "true" else commitments.fresh()

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return cast(CommitmentQuerySet, queryset).search(value)

    @property
    def qs(self) -> QuerySet[Any]:
        queryset = super().qs
        # Relevance first when searching on PostgreSQL, unless the caller chose an order.
        wants_rank = self.form.cleaned_data.get("q") and not self.form.cleaned_data.get("ordering")
        if wants_rank and connection.vendor == "postgresql":
            queryset = queryset.order_by("-search_rank", "document_id", "start_offset")
        return queryset


class EvidenceFilterSet(filters.FilterSet):
    commitment = filters.CharFilter(field_name="commitment__reference", help_text="Commitment reference.")

    class Meta:
        model = Evidence
        fields: list[str] = []


class ReviewFilterSet(filters.FilterSet):
    """The feed of what changed."""

    commitment = filters.CharFilter(field_name="commitment__reference", help_text="Commitment reference.")
    document = filters.CharFilter(field_name="commitment__document__slug", help_text="Document slug.")
    reviewer = filters.CharFilter(field_name="reviewer__username", help_text="Reviewer's username.")
    since = filters.DateFilter(
        field_name="reviewed_at", lookup_expr="date__gte", help_text="Reviewed on or after."
    )
    until = filters.DateFilter(
        field_name="reviewed_at", lookup_expr="date__lte", help_text="Reviewed on or before."
    )
    status_changed = StrictBooleanFilter(
        method="filter_status_changed",
        help_text="true: only reviews that changed the status; false: only confirmations.",
    )
    status_after = StatusInFilter(choices=Status.choices, help_text="New status(es), comma-separated.")
    status_before = StatusInFilter(choices=Status.choices, help_text="Previous status(es), comma-separated.")
    sector = CharInFilter(
        method="filter_sector", help_text="Sector slug(s) of the reviewed commitment (with children)."
    )

    class Meta:
        model = Review
        fields: list[str] = []

    def filter_status_changed(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if not value:
            return queryset
        same = Q(status_before=F("status_after"))
        return queryset.exclude(same) if value == "true" else queryset.filter(same)

    def filter_sector(self, queryset: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(commitment__in=Commitment.objects.in_sectors(value).values("pk"))


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter for the API, where `?name=` with an empty value is a 400 rather than ignored
    (the HTML pages keep django-filter's form behaviour, where an empty field means "any")."""

    def get_filterset_kwargs(self, request: Any, queryset: QuerySet[Any], view: Any) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        names = set(filterset_class.base_filters) if filterset_class else set()
        blank = sorted(
            name
            for name, values in request.query_params.lists()
            if name in names and any(v == "" for v in values)
        )
        if blank:
            raise ValidationError({name: ["Must not be empty: leave the parameter out."] for name in blank})
        return kwargs
