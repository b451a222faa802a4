"""What several admin pages share."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from commitments.display import local_time_html, status_change_html
from commitments.models import Review


class ReadOnly:
    """For a ModelAdmin or an inline whose rows are a record: shown, never added, changed or deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewColumns:
    """How a review shows in a list: when (compact, local), and the status it left."""

    @admin.display(description="reviewed", ordering="reviewed_at")
    def reviewed(self, review: Review) -> SafeString | str:
        return local_time_html(review.reviewed_at)

    @admin.display(description="status")
    def status_change(self, review: Review) -> SafeString:
        return status_change_html(review.status_before, review.status_after)


class EstimatedCountPaginator(Paginator):
    """Exact counts for filtered lists; PostgreSQL's own estimate for a whole large table.

    Counting 100,000 rows exactly took most of an unfiltered changelist's time, on every view; the
    planner's estimate (pg_class.reltuples, kept by autovacuum) costs one index lookup and is close
    enough for "about how many pages". Small tables, SQLite and any filter or search get COUNT(*).
    """

    ESTIMATE_ABOVE = 10_000

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [connection.ops.quote_name(query.model._meta.db_table)],
                )
                row = cursor.fetchone()
            if row is not None and row[0] > self.ESTIMATE_ABOVE:
                return int(row[0])
        return super().count
