"""The analysts' working surface. Every write that carries a rule goes through services.py."""

from __future__ import annotations

import re
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from commitments import exports, reminders, services
from commitments.choices import STATUS_BADGE_COLOURS, ReminderState, Status
from commitments.exceptions import ConcurrentEditError
from commitments.forms import CommitmentAdminForm, MarkReviewedForm, SnoozeForm
from commitments.models import (
    ApiToken,
    Commitment,
    Document,
    Evidence,
    Reminder,
    Review,
    Section,
    Sector,
)

SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


def acting_user(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets no one else reach a view)."""
    return cast(User, request.user)


def status_badge_html(status: str) -> SafeString:
    """A coloured badge that always carries its label (colour is never the only signal)."""
    background, foreground = STATUS_BADGE_COLOURS.get(status, ("#e5e7eb", "#1f2937"))
    label = Status(status).label if status in Status.values else status
    return format_html(
        '<span class="status-badge" style="background:{};color:{};padding:2px 8px;border-radius:9px;'
        'white-space:nowrap;font-weight:600">{}</span>',
        background,
        foreground,
        label,
    )


def status_change_html(review: Review) -> SafeString:
    """ "before → after" badges, or the one status a review confirmed."""
    if not review.changes_status:
        return format_html("{} <small>(confirmed)</small>", status_badge_html(review.status_after))
    return format_html(
        "{} → {}", status_badge_html(review.status_before), status_badge_html(review.status_after)
    )


def safe_link(url: str, text: str) -> SafeString:
    """Link only http(s) URLs: data can reach the table without validation (bulk, raw SQL)."""
    if SAFE_URL.match(url or ""):
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, text)
    return format_html("{} <em>(unsafe link withheld)</em>", text)


# --- Changelist filters -----------------------------------------------------------------


class SectorFilter(admin.SimpleListFilter):
    title = "sector"
    parameter_name = "sector"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        sectors = list(Sector.objects.select_related("parent").order_by("position", "name"))
        by_parent: dict[int | None, list[Sector]] = {}
        for sector in sectors:
            by_parent.setdefault(sector.parent_id, []).append(sector)
        choices: list[tuple[str, str]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for sector in by_parent.get(parent_id, []):
                choices.append((sector.slug, "\u2003" * depth + sector.name))
                walk(sector.pk, depth + 1)

        walk(None, 0)
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value():
            return queryset.in_sectors([self.value()])  # type: ignore[attr-defined]  # CommitmentQuerySet
        return queryset


class OwnerFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        owners = (
            Commitment.objects.filter(owner__isnull=False)
            .exclude(owner=acting_user(request).pk)
            .values_list("owner_id", "owner__username")
            .distinct()
            .order_by("owner__username")
        )
        return [("mine", "Mine"), ("none", "Unassigned"), *((str(pk), name) for pk, name in owners)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "mine":
            return queryset.filter(owner=acting_user(request).pk)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if value and value.isdigit():
            return queryset.filter(owner_id=int(value))
        return queryset


class StaleFilter(admin.SimpleListFilter):
    title = "stale"
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [("yes", "Stale"), ("no", "Up to date")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.stale()  # type: ignore[attr-defined]  # CommitmentQuerySet
        if self.value() == "no":
            return queryset.fresh()  # type: ignore[attr-defined]  # CommitmentQuerySet
        return queryset


class SnoozedFilter(admin.SimpleListFilter):
    """Snoozed = no reminders until a later day (the commitment may still be stale)."""

    title = "snoozed"
    parameter_name = "snoozed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [("yes", "Snoozed"), ("no", "Not snoozed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.snoozed(timezone.localdate())  # type: ignore[attr-defined]  # CommitmentQuerySet
        if self.value() == "no":
            return queryset.not_snoozed(timezone.localdate())  # type: ignore[attr-defined]  # CommitmentQuerySet
        return queryset


# --- Commitment -------------------------------------------------------------------------


class EvidenceInline(admin.StackedInline):
    model = Evidence
    extra = 0
    fields = (("url", "kind", "signal"), ("title", "publisher", "published_on"), "excerpt")


class ReviewHistoryInline(admin.TabularInline):
    """The append-only history, newest first; nothing here can be added, changed or deleted."""

    model = Review
    verbose_name = "review"
    verbose_name_plural = "review history (newest first)"
    extra = 0
    can_delete = False
    fields = ("reviewed_at", "reviewer", "change", "rationale", "cited")
    readonly_fields = fields
    ordering = ("-reviewed_at", "-pk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        # The history shows each reviewer and the evidence each review cites: fetch them in bulk.
        return super().get_queryset(request).select_related("reviewer").prefetch_related("evidence")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="status")
    def change(self, review: Review) -> SafeString:
        return status_change_html(review)

    @admin.display(description="evidence cited")
    def cited(self, review: Review) -> SafeString:
        return format_html_join(
            ", ", "{}", ((safe_link(item.url, item.title),) for item in review.evidence.all())
        ) or SafeString("—")


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    form = CommitmentAdminForm
    list_display = (
        "reference",
        "short_text",
        "primary_sector",
        "status_badge",
        "owner",
        "last_reviewed_at",
        "stale_flag",
    )
    list_display_links = ("reference", "short_text")
    list_filter = (
        ("document", admin.RelatedOnlyFieldListFilter),
        SectorFilter,
        "status",
        OwnerFilter,
        StaleFilter,
        SnoozedFilter,
        "priority",
    )
    search_fields = ("reference", "text")
    list_per_page = 50
    # The filtered total needs a second COUNT on every page view; the page itself says enough.
    show_full_result_count = False
    inlines = (EvidenceInline, ReviewHistoryInline)
    actions = ("mark_reviewed", "assign_to_me", "snooze", "unsnooze", "export_csv")
    readonly_fields = (
        "reference",
        "document",
        "section",
        "source_context",
        "status_badge",
        "last_reviewed_at",
        "snooze_status",
    )

    # --- permissions ---
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # commitments come from importing a document (import_document)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.add_review")

    # --- queryset and columns ---
    def get_queryset(self, request: HttpRequest) -> QuerySet[Commitment]:
        return Commitment.objects.for_list()

    @admin.display(description="text")
    def short_text(self, commitment: Commitment) -> str:
        return commitment.short_text

    @admin.display(description="primary sector", ordering="primary_sector_name")
    def primary_sector(self, commitment: Commitment) -> str:
        return getattr(commitment, "primary_sector_name", None) or "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, commitment: Commitment) -> SafeString:
        return status_badge_html(commitment.status)

    @admin.display(description="stale", ordering="is_stale")
    def stale_flag(self, commitment: Commitment) -> SafeString | str:
        # A word, not the boolean icons: a green tick for "stale" would read as good news.
        if getattr(commitment, "is_stale", False):
            return format_html('<strong class="stale-flag" style="color:#9a3412">{}</strong>', "stale")
        return "—"

    @admin.display(description="in its source paragraph")
    def source_context(self, commitment: Commitment) -> SafeString:
        """The verbatim text, highlighted inside the paragraph of the document it came from."""
        text = commitment.document.full_text
        start, end = commitment.start_offset, commitment.end_offset
        if not text or end > len(text):
            return format_html("<blockquote>{}</blockquote>", commitment.text)
        para_start = max(text.rfind("\n\n", 0, start), text.rfind("\r\n\r\n", 0, start))
        para_start = 0 if para_start < 0 else para_start
        para_end_candidates = [i for i in (text.find("\n\n", end), text.find("\r\n\r\n", end)) if i >= 0]
        para_end = min(para_end_candidates) if para_end_candidates else len(text)
        lead = format_html("<p><em>Lead-in:</em> {}</p>", commitment.lead_in) if commitment.lead_in else ""
        return format_html(
            '{}<blockquote style="white-space:pre-wrap;max-width:60em">{}<mark>{}</mark>{}</blockquote>',
            lead,
            text[para_start:start].lstrip("\r\n"),
            text[start:end],
            text[end:para_end].rstrip(),
        )

    # --- the change form ---
    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        source = (None, {"fields": ("reference", "document", "section", "source_context")})
        if not self.has_change_permission(request, obj):
            return (source, ("Assessment", {"fields": ("status_badge", "last_reviewed_at", "snooze_status")}))
        return (
            source,
            (
                "Review",
                {
                    "fields": (
                        "status_badge",
                        "last_reviewed_at",
                        "snooze_status",
                        "new_status",
                        "rationale",
                        "cited_evidence",
                    ),
                    "description": "Record a review: pick the status, say why, cite the evidence.",
                },
            ),
            (
                "Curation",
                {"fields": ("owner", "priority", "target_date", "primary_sector", "secondary_sectors")},
            ),
            (None, {"fields": ("seen_version",)}),
        )

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if not issubclass(form, CommitmentAdminForm):
            return form  # the read-only view builds a plain form
        # Tell the form what this user may do; it disables the fields they may not touch.
        return type(
            form.__name__,
            (form,),
            {
                "can_assign": request.user.has_perm("commitments.assign_commitment"),
                "can_review": self.has_review_permission(request),
            },
        )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentEditError as conflict:
            # The form's locked check normally catches this first; this covers databases
            # without row locks (SQLite), where the race can still slip between check and write.
            self.message_user(request, str(conflict), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request: HttpRequest, obj: Commitment, form: ModelForm, change: bool) -> None:
        data = form.cleaned_data
        updated = services.update_commitment(
            commitment=obj,
            actor=acting_user(request),
            expected_version=data["seen_version"],
            owner=data["owner"],
            priority=data["priority"],
            target_date=data["target_date"],
            primary_sector=data["primary_sector"],
            secondary_sectors=data["secondary_sectors"],
        )
        obj.version = updated.version

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Evidence):
                services.save_evidence(evidence=instance, actor=acting_user(request))
            else:
                instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()
        if isinstance(formset.model, type) and issubclass(formset.model, Evidence):
            form._new_evidence = list(formset.new_objects)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if isinstance(form, CommitmentAdminForm) and form.wants_review:
            data = form.cleaned_data
            services.record_review(
                commitment=form.instance,
                reviewer=acting_user(request),
                status=data["new_status"],
                rationale=data["rationale"],
                evidence=[*data["cited_evidence"], *getattr(form, "_new_evidence", [])],
                expected_version=form.instance.version,
            )

    # --- actions ---
    @admin.action(description="Mark selected as reviewed (status unchanged)", permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> HttpResponse | None:
        form = MarkReviewedForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            commitments = list(queryset.values_list("pk", flat=True))
            for pk in commitments:
                services.mark_reviewed(
                    commitment=pk, reviewer=acting_user(request), rationale=form.cleaned_data["rationale"]
                )
            self.message_user(
                request, f"Recorded a review of {len(commitments)} commitment(s).", messages.SUCCESS
            )
            return None
        return TemplateResponse(
            request,
            "admin/commitments/commitment/mark_reviewed.html",
            {
                **self.admin_site.each_context(request),
                "title": "Mark as reviewed",
                "form": form,
                "commitments": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Assign selected to me", permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        changed = services.assign_owner(
            commitments=queryset.values_list("pk", flat=True),
            owner=acting_user(request),
            actor=acting_user(request),
        )
        self.message_user(request, f"{changed} commitment(s) assigned to you.", messages.SUCCESS)

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> StreamingHttpResponse:
        rows = (exports.commitment_row(item) for item in queryset.iterator(chunk_size=500))
        response = StreamingHttpResponse(
            exports.csv_lines(exports.COMMITMENT_COLUMNS, rows), content_type="text/csv"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="commitments-{stamp}.csv"'
        return response

    # --- reminders: snooze ---
    @admin.display(description="reminders")
    def snooze_status(self, commitment: Commitment) -> str | SafeString:
        until = commitment.snoozed_until
        if until is None or until <= timezone.localdate():
            return "Reminded about when stale." + (f" (A snooze ended on {until:%Y-%m-%d}.)" if until else "")
        who = commitment.snoozed_by.get_username() if commitment.snoozed_by else "someone"
        return format_html(
            "Snoozed until <strong>{}</strong> by {}: {}", f"{until:%Y-%m-%d}", who, commitment.snooze_reason
        )

    @admin.action(description="Snooze reminders about selected commitments…", permissions=["change"])
    def snooze(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> HttpResponse | None:
        form = SnoozeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            until, reason = form.cleaned_data["until"], form.cleaned_data["reason"]
            commitments = list(queryset.values_list("pk", flat=True))
            for pk in commitments:
                services.snooze_commitment(
                    commitment=pk, until=until, reason=reason, actor=acting_user(request)
                )
            self.message_user(
                request,
                f"No reminders about {len(commitments)} commitment(s) before {until:%Y-%m-%d}.",
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/commitments/commitment/snooze.html",
            {
                **self.admin_site.each_context(request),
                "title": "Snooze reminders",
                "form": form,
                "commitments": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Resume reminders about selected commitments", permissions=["change"])
    def unsnooze(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        snoozed = queryset.snoozed(timezone.localdate())  # type: ignore[attr-defined]  # CommitmentQuerySet
        commitments = list(snoozed.values_list("pk", flat=True))
        for pk in commitments:
            services.unsnooze_commitment(commitment=pk, actor=acting_user(request))
        self.message_user(
            request, f"Reminders resumed for {len(commitments)} commitment(s).", messages.SUCCESS
        )


# --- Catalogue --------------------------------------------------------------------------


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
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
        # One aggregate per page instead of a count per row; the full text stays in the database.
        return super().get_queryset(request).defer("full_text").annotate(n_commitments=Count("commitments"))

    @admin.display(description="commitments", ordering="n_commitments")
    def commitment_count(self, document: Document) -> int:
        return getattr(document, "n_commitments", 0)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("heading", "document", "key", "level")
    list_filter = (("document", admin.RelatedOnlyFieldListFilter), "level")
    list_select_related = ("document",)
    search_fields = ("heading", "key")
    raw_id_fields = ("parent",)


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "position")
    list_select_related = ("parent",)
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    """The history across all commitments; reviews are recorded from a commitment's page."""

    list_display = ("reviewed_at", "commitment", "reviewer", "status_change", "short_rationale")
    list_filter = ("status_after", ("reviewer", admin.RelatedOnlyFieldListFilter), "reviewed_at")
    list_select_related = ("commitment", "reviewer")
    search_fields = ("commitment__reference", "rationale")
    date_hierarchy = "reviewed_at"
    show_full_result_count = False

    @admin.display(description="status")
    def status_change(self, review: Review) -> SafeString:
        return status_change_html(review)

    @admin.display(description="rationale")
    def short_rationale(self, review: Review) -> str:
        return review.rationale if len(review.rationale) <= 80 else review.rationale[:79] + "…"


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ("title", "link", "commitment", "kind", "signal", "published_on")
    list_filter = ("kind", "signal")
    list_select_related = ("commitment",)
    search_fields = ("title", "url", "commitment__reference")
    raw_id_fields = ("commitment",)
    readonly_fields = ("added_by", "created_at")

    @admin.display(description="URL")
    def link(self, evidence: Evidence) -> SafeString:
        return safe_link(evidence.url, evidence.url)

    def save_model(self, request: HttpRequest, obj: Evidence, form: Any, change: bool) -> None:
        services.save_evidence(evidence=obj, actor=acting_user(request))


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
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
        "commitments",
    )
    change_list_template = "admin/commitments/reminder/change_list.html"

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
            "sent_today": Reminder.objects.filter(
                recipient=user, day=timezone.localdate(), state=ReminderState.SENT
            ).first(),
        }
        if digest is not None:
            context.update(reminders.digest_context(digest))
            context["text_body"] = render_to_string("commitments/email/digest.txt", context)
        return TemplateResponse(request, "admin/commitments/reminder/preview.html", context)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Keys are shown once, when created; afterwards only a hint identifies them."""

    list_display = ("name", "user", "hint", "write_enabled", "enabled", "expires_at", "last_used_at")
    list_filter = ("enabled", "write_enabled")
    list_select_related = ("user",)
    search_fields = ("name", "user__username", "hint")
    raw_id_fields = ("user",)
    readonly_fields = ("hint", "created_at", "last_used_at")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        editable = ("name", "user", "write_enabled", "enabled", "expires_at")
        return editable if obj is None else (*editable, "hint", "created_at", "last_used_at")

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        key = None if change else obj.issue_key()
        super().save_model(request, obj, form, change)
        if key:
            self.message_user(
                request,
                f"Token created. Copy the key now, it is not shown again: {key}",
                messages.WARNING,
            )
