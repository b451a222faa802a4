"""The catalogue around commitments: documents, sections, sectors, evidence and the review ledger.

Documents, sections and sectors lend their names to commitments, so their saves go through the
services that move those commitments' versions (and ETags) on when a shown name changes. A document's
text arrives by import (admin/imports.py, or the import_document command).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commitments import services
from commitments.admin.base import EstimatedCountPaginator, ReadOnly, ReviewColumns
from commitments.admin.filters import DocumentFilter, LinkHealthFilter, ReviewerFilter
from commitments.admin.imports import DocumentImportViews
from commitments.choices import LinkStatus
from commitments.display import (
    FROZEN_NOTE,
    acting_user,
    local_time_html,
    safe_link,
    truncate,
)
from commitments.models import Document, Evidence, Review, Section, Sector

# The link checker's findings on an evidence's change page (read-only).
LINK_HEALTH_FIELDS = ("link_health", "link_final_url", "link_checked_at", "link_failures", "link_archive")


def link_health_html(evidence: Evidence) -> SafeString:
    """A link's health in words: a dead link stands out, with when it was checked and the archived copy.
    Reads Evidence.link_health and is_archived (joined by with_link_health(): no query)."""
    health = evidence.link_health
    archived = (
        format_html(
            ' · <a href="{}">archived copy</a>', reverse("pages:evidence-archive", args=[evidence.pk])
        )
        if evidence.is_archived
        else ""
    )
    if health is None or health.checked_at is None:
        return format_html("{}{}", "not checked yet", archived)
    checked = local_time_html(health.checked_at, date_only=True)
    changed = (
        format_html(' · <strong class="link-changed">{}</strong>', "page changed since cited")
        if health.changed_since_cited
        else ""
    )
    if health.status == LinkStatus.BROKEN:
        return format_html(
            '<strong class="dead-link" title="{}">{}</strong>, checked {}{}{}',
            health.error,
            "link broken",
            checked,
            changed,
            archived,
        )
    return format_html("{}, checked {}{}{}", health.get_status_display(), checked, changed, archived)


def reference_with_text(reference: str, text: str) -> SafeString:
    """A commitment named by its reference, its text on hover (a list column stays narrow)."""
    return format_html('<span title="{}">{}</span>', text, reference)


@admin.register(Document)
class DocumentAdmin(DocumentImportViews, admin.ModelAdmin):
    list_display = (
        "title",
        "slug",
        "publisher",
        "published_on",
        "period_start",
        "period_end",
        "commitment_count",
    )
    search_fields = ("title", "slug", "publisher")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("content_hash", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "reference_prefix",
                    "publisher",
                    "published_on",
                    "source_url",
                    "language",
                )
            },
        ),
        ("Plan period", {"fields": ("period_start", "period_end")}),
        (
            "Provenance",
            {"classes": ("collapse",), "fields": ("full_text", "content_hash", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        return Document.objects.for_list()

    def get_urls(self) -> list[URLPattern]:
        # Before the stock URLs: "<path:object_id>/" would take "import/" for an object id.
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="commitments_document_import"),
            path(
                "<path:object_id>/import/",
                self.admin_site.admin_view(self.import_revision_view),
                name="commitments_document_import_revision",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        # A document is its text's sections and commitments: it is added by importing that text,
        # never as an empty record with pasted text and nothing extracted from it.
        return HttpResponseRedirect(reverse("admin:commitments_document_import"))

    def get_readonly_fields(self, request: HttpRequest, obj: Document | None = None) -> Any:
        # Once imported, the text is what the commitments' offsets point into: it changes only by
        # re-importing the document (which moves the commitments along). The slug and the prefix are
        # in every commitment's URL and reference, which never change.
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if obj is None else ("slug", "reference_prefix", "full_text", *fields)

    def get_prepopulated_fields(self, request: HttpRequest, obj: Document | None = None) -> dict[str, Any]:
        return super().get_prepopulated_fields(request, obj) if obj is None else {}  # the slug is fixed

    @admin.display(description="commitments", ordering="commitment_count")
    def commitment_count(self, document: Document) -> int:
        return getattr(document, "commitment_count", 0)

    def save_model(self, request: HttpRequest, obj: Document, form: Any, change: bool) -> None:
        services.save_document(document=obj, actor=acting_user(request))


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("heading", "document", "key", "level")
    list_filter = (DocumentFilter, "level")
    list_select_related = ("document",)
    search_fields = ("heading", "key")
    raw_id_fields = ("parent",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).defer("document__full_text")

    def save_model(self, request: HttpRequest, obj: Section, form: Any, change: bool) -> None:
        services.save_section(section=obj, actor=acting_user(request))


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "position")
    list_select_related = ("parent",)
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")

    def save_model(self, request: HttpRequest, obj: Sector, form: Any, change: bool) -> None:
        services.save_sector(sector=obj, actor=acting_user(request))


@admin.register(Review)
class ReviewAdmin(ReadOnly, ReviewColumns, admin.ModelAdmin):
    """The history across all commitments; reviews are recorded from a commitment's page."""

    list_display = (
        "reviewed",
        "commitment_reference",
        "reviewer",
        "status_change",
        "rationale_preview",
        "method_version",
    )
    list_filter = ("status_after", ReviewerFilter, "reviewed_at")
    # Not editable, so not on the form: shown read-only (the method the review was written under).
    readonly_fields = ("method_version",)
    search_fields = ("commitment__reference", "rationale")
    date_hierarchy = "reviewed_at"
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    class Media:
        css = {"all": ("commitments/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return Review.objects.for_list()

    @admin.display(description="commitment", ordering="commitment__reference")
    def commitment_reference(self, review: Review) -> SafeString:
        return reference_with_text(review.commitment.reference, review.commitment.text)

    @admin.display(description="rationale")
    def rationale_preview(self, review: Review) -> SafeString:
        return format_html(
            '<span class="rationale" title="{}">{}</span>', review.rationale, truncate(review.rationale, 160)
        )


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """Evidence across commitments. A row a review cites is part of the record: read-only, kept."""

    list_display = (
        "title",
        "link",
        "commitment_reference",
        "kind",
        "signal",
        "published_on",
        "cited",
        "link_health",
    )
    list_filter = (LinkHealthFilter, "kind", "signal")
    search_fields = ("title", "url", "commitment__reference")
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    raw_id_fields = ("commitment",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        return Evidence.objects.for_list()

    def get_readonly_fields(self, request: HttpRequest, obj: Evidence | None = None) -> Any:
        if obj is None:
            return ("added_by", "created_at")
        # Evidence never moves to another commitment; once cited, nothing of it changes.
        frozen = services.EVIDENCE_RECORD_FIELDS if getattr(obj, "is_cited", False) else ()
        return ("record_note", "commitment", *frozen, "added_by", "created_at", *LINK_HEALTH_FIELDS)

    def get_fields(self, request: HttpRequest, obj: Evidence | None = None) -> Any:
        fields = ("commitment", *services.EVIDENCE_RECORD_FIELDS, "added_by", "created_at")
        return fields if obj is None else ("record_note", *fields, *LINK_HEALTH_FIELDS)

    def has_delete_permission(self, request: HttpRequest, obj: Evidence | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not getattr(obj, "is_cited", False)

    @admin.display(description="URL")
    def link(self, evidence: Evidence) -> SafeString:
        return safe_link(evidence.url, evidence.url)

    # What the link checker found (commitments/linkcheck.py), joined by for_list(): no query per row.
    @admin.display(description="link", ordering="link__status")
    def link_health(self, evidence: Evidence) -> SafeString:
        return link_health_html(evidence)

    @admin.display(description="final URL")
    def link_final_url(self, evidence: Evidence) -> SafeString | str:
        health = evidence.link_health
        return safe_link(health.final_url, health.final_url) if health and health.final_url else "—"

    @admin.display(description="checked")
    def link_checked_at(self, evidence: Evidence) -> SafeString | str:
        health = evidence.link_health
        return local_time_html(health.checked_at if health else None)

    @admin.display(description="failures in a row")
    def link_failures(self, evidence: Evidence) -> str:
        health = evidence.link_health
        if health is None or not health.failure_count:
            return "0"
        return f"{health.failure_count} (last: {health.error or 'unknown'})"

    @admin.display(description="archived copy")
    def link_archive(self, evidence: Evidence) -> SafeString | str:
        if not evidence.is_archived:
            return "none yet"
        return format_html(
            '<a href="{}">archived copy</a>', reverse("pages:evidence-archive", args=[evidence.pk])
        )

    @admin.display(description="commitment", ordering="commitment__reference")
    def commitment_reference(self, evidence: Evidence) -> str:
        return evidence.commitment.reference

    @admin.display(description="cited", boolean=True)
    def cited(self, evidence: Evidence) -> bool:
        return bool(getattr(evidence, "is_cited", False))

    @admin.display(description="record")
    def record_note(self, evidence: Evidence) -> str:
        return (
            FROZEN_NOTE
            if getattr(evidence, "is_cited", False)
            else "Not cited yet: can be corrected or deleted."
        )

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        services.save_evidence(evidence=obj, actor=acting_user(request))

    def delete_model(self, request: HttpRequest, obj: Evidence) -> None:
        services.delete_evidence(evidence=obj, actor=acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Evidence]) -> None:
        for evidence in queryset:
            services.delete_evidence(evidence=evidence, actor=acting_user(request))
