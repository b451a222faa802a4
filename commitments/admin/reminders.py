"""The digest log (read-only) and "Preview my digest"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from commitments import reminders
from commitments.admin.base import ReadOnly
from commitments.display import acting_user, truncate
from commitments.models import Reminder


@admin.register(Reminder)
class ReminderAdmin(ReadOnly, admin.ModelAdmin):
    """The digest log, written only by commitments/reminders.py (claim, send, mark).

    A row still "claimed" long after its day is a digest whose worker died mid-send: see
    docs/operations.md.
    """

    list_display = (
        "day",
        "recipient",
        "state",
        "item_count",
        "escalated_count",
        "cc",
        "attempts",
        "claimed_at",
        "sent_at",
    )
    list_filter = ("state", "day")
    list_select_related = ("recipient",)
    search_fields = ("recipient__username", "recipient__email", "subject")
    date_hierarchy = "day"
    show_full_result_count = False
    fields = (
        ("day", "recipient", "state"),
        "subject",
        "cc",
        ("item_count", "escalated_count", "attempts"),
        ("claimed_at", "sent_at"),
        "message_id",
        "listed",
    )
    change_list_template = "admin/commitments/reminder/change_list.html"

    @admin.display(description="listed commitments")
    def listed(self, reminder: Reminder) -> SafeString | str:
        """What the e-mail listed, in its order, each linked to its page here."""
        listed = reminder.listed_commitments()
        if not listed:
            return "—"
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> {}</li>',
                (
                    (
                        reverse("admin:commitments_commitment_change", args=[c.pk]),
                        c.reference,
                        truncate(c.text),
                    )
                    for c in listed
                ),
            ),
        )

    def get_urls(self) -> list[URLPattern]:
        preview = path(
            "preview/", self.admin_site.admin_view(self.preview_view), name="commitments_reminder_preview"
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The signed-in user's digest as it would be sent today; nothing is sent or recorded."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        user = acting_user(request)
        digest = reminders.preview_digest(user)
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Preview of my digest",
            "opts": self.model._meta,
            "digest": digest,
            "sent_today": Reminder.objects.sent_on(timezone.localdate()).filter(recipient=user).first(),
        }
        if digest is not None:
            context.update(reminders.digest_context(digest))
            # The e-mail's plain-text part is rendered without HTML escaping (it is not HTML), and
            # render_to_string marks it safe: escape it here, where it becomes part of a page.
            context["text_body"] = escape(reminders.render_text(context))
        return TemplateResponse(request, "admin/commitments/reminder/preview.html", context)
