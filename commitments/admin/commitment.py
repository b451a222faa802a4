"""The commitment: its list, its change form (review + curation + evidence in one save) and actions."""

from __future__ import annotations

from typing import Any, cast
from weakref import WeakKeyDictionary

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from commitments import exports, services
from commitments.admin.base import EstimatedCountPaginator, ReadOnly, ReviewColumns
from commitments.admin.catalogue import link_health_html
from commitments.admin.filters import (
    DocumentFilter,
    OverdueFilter,
    OwnerFilter,
    SectorFilter,
    SnoozedFilter,
    StaleFilter,
)
from commitments.display import (
    FROZEN_NOTE,
    acting_user,
    local_time_html,
    overdue_badge_html,
    safe_link,
    source_paragraph,
    status_badge_html,
)
from commitments.exceptions import CitedEvidenceIsFrozenError, ConcurrentEditError
from commitments.forms import (
    CommitmentAdminForm,
    ConfirmActionForm,
    EvidenceInlineFormSet,
    MarkReviewedForm,
    ReviewHistoryFormSet,
    SnoozeForm,
)
from commitments.models import Commitment, Evidence, Review
from commitments.querysets import EVIDENCE_ORDER, NEWEST_REVIEWS_FIRST, CommitmentQuerySet, EvidenceQuerySet

# Refusals the service can raise under the row lock after the form was valid (a colleague saved in
# between): the admin shows the same form again with the refusal on it, kept here for that request.
SERVICE_REFUSALS = (ConcurrentEditError, CitedEvidenceIsFrozenError, ValidationError)
_refusals: WeakKeyDictionary[HttpRequest, Exception] = WeakKeyDictionary()


class EvidenceInline(admin.StackedInline):
    """The latest evidence (EvidenceInlineFormSet: at most embed_limit() rows), a link to the rest."""

    model = Evidence
    formset = EvidenceInlineFormSet
    template = "admin/commitments/commitment/evidence_inline.html"
    ordering = EVIDENCE_ORDER
    extra = 0
    fields = (
        ("url", "kind", "signal"),
        ("title", "publisher", "published_on"),
        "excerpt",
        ("record_note", "link_health"),
    )
    readonly_fields = ("record_note", "link_health")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        # Which rows are cited (and so frozen) and their links' health come with the rows, not with a
        # query per row.
        return cast(EvidenceQuerySet, super().get_queryset(request)).with_citation_flag().with_link_health()

    @admin.display(description="link")
    def link_health(self, evidence: Evidence) -> SafeString | str:
        # A dead link is flagged here, on the page where the analyst decides what to cite.
        return "" if evidence.pk is None else link_health_html(evidence)

    @admin.display(description="record")
    def record_note(self, evidence: Evidence) -> str:
        if evidence.pk is None:
            return ""
        return FROZEN_NOTE if getattr(evidence, "is_cited", False) else "Not cited yet: can be corrected."


class ReviewHistoryInline(ReadOnly, ReviewColumns, admin.TabularInline):
    """The append-only history, newest first: the latest embed_limit() reviews (ReviewHistoryFormSet) and
    a link to all of them in the review ledger. Nothing here can be added, changed or deleted."""

    model = Review
    formset = ReviewHistoryFormSet
    template = "admin/commitments/commitment/review_history_inline.html"
    verbose_name = "review"
    verbose_name_plural = "review history (newest first)"
    extra = 0
    can_delete = False
    fields = ("reviewed", "reviewer", "status_change", "rationale", "cited", "method_version")
    readonly_fields = fields
    ordering = NEWEST_REVIEWS_FIRST

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return Review.objects.for_list().order_by(*self.ordering)

    @admin.display(description="evidence cited")
    def cited(self, review: Review) -> SafeString:
        return format_html_join(
            ", ", "{}", ((safe_link(item.url, item.title),) for item in review.cited_evidence)
        ) or SafeString("—")


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    form = CommitmentAdminForm
    list_display = (
        "reference",
        "text_column",
        "primary_sector",
        "status_badge",
        "owner",
        "reviewed_on",
        "stale_flag",
    )
    list_display_links = ("reference", "text_column")
    list_filter = (
        DocumentFilter,
        SectorFilter,
        "status",
        OwnerFilter,
        StaleFilter,
        OverdueFilter,
        SnoozedFilter,
        "priority",
    )
    search_fields = ("reference", "text")
    list_per_page = 50
    # The filtered total needs a second COUNT on every page view; the page itself says enough.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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

    class Media:
        css = {"all": ("commitments/admin.css",)}

    # --- permissions ---
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # commitments come from importing a document (import_document)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("commitments.add_review")

    # --- queryset and columns ---
    def get_queryset(self, request: HttpRequest) -> QuerySet[Commitment]:
        return Commitment.objects.for_list()

    @admin.display(description="text")
    def text_column(self, commitment: Commitment) -> SafeString:
        # One line per row, the whole text on hover: a screen holds more rows.
        return format_html(
            '<span class="commitment-text" title="{}">{}</span>', commitment.text, commitment.text
        )

    @admin.display(description="primary sector", ordering="primary_sector_name")
    def primary_sector(self, commitment: Commitment) -> str:
        return getattr(commitment, "primary_sector_name", None) or "—"

    @admin.display(description="status", ordering="status")
    def status_badge(self, commitment: Commitment) -> SafeString:
        # "Overdue" beside the status, not in place of it: late and not achieved are different things.
        return format_html(
            "{}{}", status_badge_html(commitment.status), overdue_badge_html(commitment.overdue)
        )

    @admin.display(description="last reviewed", ordering="last_reviewed_at")
    def reviewed_on(self, commitment: Commitment) -> SafeString | str:
        return local_time_html(commitment.last_reviewed_at, date_only=True)

    @admin.display(description="stale", ordering="is_stale")
    def stale_flag(self, commitment: Commitment) -> SafeString | str:
        # A word, not the boolean icons: a green tick for "stale" would read as good news.
        if getattr(commitment, "is_stale", False):
            return format_html('<strong class="stale-flag">{}</strong>', "stale")
        return "—"

    @admin.display(description="in its source paragraph")
    def source_context(self, commitment: Commitment) -> SafeString:
        """The verbatim text, highlighted inside the paragraph of the document it came from."""
        paragraph = source_paragraph(
            commitment.document.full_text, commitment.start_offset, commitment.end_offset, commitment.text
        )
        lead = format_html("<p><em>Lead-in:</em> {}</p>", commitment.lead_in) if commitment.lead_in else ""
        return format_html(
            '{}<blockquote class="source-paragraph">{}<mark>{}</mark>{}</blockquote>',
            lead,
            paragraph.before,
            paragraph.text,
            paragraph.after,
        )

    @admin.display(description="reminders")
    def snooze_status(self, commitment: Commitment) -> str | SafeString:
        until = commitment.snoozed_until
        if until is None or until <= timezone.localdate():
            return "Reminded about when stale." + (f" (A snooze ended on {until:%Y-%m-%d}.)" if until else "")
        who = commitment.snoozed_by.get_username() if commitment.snoozed_by else "someone"
        return format_html(
            "Snoozed until <strong>{}</strong> by {}: {}", f"{until:%Y-%m-%d}", who, commitment.snooze_reason
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
                        "new_status",
                        "rationale",
                        "cited_evidence",
                        "last_reviewed_at",
                        "snooze_status",
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
        # Tell the form what this user may do (it disables the rest), and why the last save was
        # refused, if it was.
        return type(
            form.__name__,
            (form,),
            {
                "can_assign": request.user.has_perm("commitments.assign_commitment"),
                "can_review": self.has_review_permission(request),
                "refusal": _refusals.get(request),
                "preselected_evidence": [
                    int(pk) for pk in request.GET.getlist("cite")[:20] if pk.isdigit() and len(pk) < 19
                ],
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
        except SERVICE_REFUSALS as refusal:
            # The service refused under the row lock and everything rolled back: show the same
            # form again, with what was typed and the refusal on it.
            _refusals[request] = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Commitment, form: Any, change: bool) -> None:
        """Nothing is written here: save_related() writes the whole edit in one service call."""

    def save_related(
        self, request: HttpRequest, form: Any, formsets: list[BaseInlineFormSet], change: bool
    ) -> None:
        for formset in formsets:
            formset.save(commit=False)  # sorts the rows into new, changed and deleted; writes nothing
        evidence = next(formset for formset in formsets if formset.model is Evidence)
        services.save_commitment_edit(
            commitment=form.instance.pk,
            actor=acting_user(request),
            expected_version=form.cleaned_data["seen_version"],
            curation=form.curation(),
            evidence=services.EvidenceChanges(
                added=evidence.new_objects,
                changed=[item for item, _fields in evidence.changed_objects],
                deleted=evidence.deleted_objects,
            ),
            review=form.review_proposal(),
        )

    # --- actions ---
    def _confirm(
        self,
        request: HttpRequest,
        queryset: QuerySet[Commitment],
        form: ConfirmActionForm,
        *,
        title: str,
        intro: str,
    ) -> TemplateResponse:
        """The intermediate page of an action: what it does, the selection, the form."""
        return TemplateResponse(
            request,
            "admin/commitments/commitment/confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "intro": intro,
                "form": form,
                "action": request.POST.get("action", ""),
                "commitments": queryset,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description="Mark selected as reviewed (status unchanged)", permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> HttpResponse | None:
        form = MarkReviewedForm(request.POST if "apply" in request.POST else None)
        if not ("apply" in request.POST and form.is_valid()):
            intro = "Record a review that confirms the current status of each; their status does not change."
            return self._confirm(request, queryset, form, title="Mark as reviewed", intro=intro)
        pks = list(queryset.values_list("pk", flat=True))
        for pk in pks:
            services.mark_reviewed(
                commitment=pk, reviewer=acting_user(request), rationale=form.cleaned_data["rationale"]
            )
        self.message_user(request, f"Recorded a review of {len(pks)} commitment(s).", messages.SUCCESS)
        return None

    @admin.action(description="Assign selected to me", permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        me = acting_user(request)
        changed = services.assign_owner(commitments=queryset.values_list("pk", flat=True), owner=me, actor=me)
        self.message_user(request, f"{changed} commitment(s) assigned to you.", messages.SUCCESS)

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> StreamingHttpResponse:
        # The same columns as the API's ?format=csv (commitments/exports.py), one query for all rows.
        selected = cast(CommitmentQuerySet, queryset)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        # With a byte-order mark: this download is for people, who open it in a spreadsheet.
        return exports.commitments_csv(
            selected, site=exports.site_of(request), filename=f"commitments-{stamp}.csv", bom=True
        )

    @admin.action(description="Snooze reminders about selected commitments…", permissions=["change"])
    def snooze(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> HttpResponse | None:
        form = SnoozeForm(request.POST if "apply" in request.POST else None)
        if not ("apply" in request.POST and form.is_valid()):
            intro = (
                "No reminder e-mails about these until the day you pick. They still count as stale in "
                "lists, filters and the API; the snooze and its reason show on each commitment's page."
            )
            return self._confirm(request, queryset, form, title="Snooze reminders", intro=intro)
        until, reason = form.cleaned_data["until"], form.cleaned_data["reason"]
        pks = list(queryset.values_list("pk", flat=True))
        for pk in pks:
            services.snooze_commitment(commitment=pk, until=until, reason=reason, actor=acting_user(request))
        self.message_user(
            request, f"No reminders about {len(pks)} commitment(s) before {until:%Y-%m-%d}.", messages.SUCCESS
        )
        return None

    @admin.action(description="Resume reminders about selected commitments", permissions=["change"])
    def unsnooze(self, request: HttpRequest, queryset: QuerySet[Commitment]) -> None:
        snoozed = cast(CommitmentQuerySet, queryset).snoozed(timezone.localdate())
        pks = list(snoozed.values_list("pk", flat=True))
        for pk in pks:
            services.unsnooze_commitment(commitment=pk, actor=acting_user(request))
        self.message_user(request, f"Reminders resumed for {len(pks)} commitment(s).", messages.SUCCESS)
