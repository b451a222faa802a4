"""What several admin pages share."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
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
