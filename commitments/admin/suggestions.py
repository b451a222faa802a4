"""Evidence suggested by the public: the analysts' queue and its two decisions.

Accepting makes the suggestion evidence of its commitment (services.accept_suggestion), optionally
followed by a review citing it; rejecting keeps a reason (services.reject_suggestion). Nothing a
visitor sent is shown anywhere public before it is accepted.
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commitments import services
from commitments.choices import EvidenceKind, EvidenceSignal, SuggestionState
from commitments.display import acting_user, local_time_html, safe_link, truncate
from commitments.models import EvidenceSuggestion

ACCEPT: Final = "accept"
REJECT: Final = "reject"
CHOOSE_A_DECISION: Final = "Choose whether to accept the suggestion as evidence or to reject it."


class SuggestionDecisionForm(forms.ModelForm):
    """One analyst's decision on a pending suggestion. The rules are the services'; clean() asks them
    early so errors show on the fields, and the services ask again under the row lock."""

    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accept: add it to the commitment's evidence"), (REJECT, "Reject it")],
        widget=forms.RadioSelect,
        required=False,
    )
    title = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text="If accepted: the evidence's title, e.g. Chang'e-6 returns samples from the far side. "
        "Left empty: the link's host and path.",
    )
    publisher = forms.CharField(max_length=200, required=False, help_text="e.g. Xinhua")
    published_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="e.g. 2024-06-25",
    )
    kind = forms.ChoiceField(choices=EvidenceKind.choices, initial=EvidenceKind.NEWS_REPORT)
    signal = forms.ChoiceField(label="Shows", choices=EvidenceSignal.choices, initial=EvidenceSignal.PROGRESS)
    excerpt = forms.CharField(
        required=False,
        max_length=services.MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="If accepted: the passage that supports the assessment. Starts as what the submitter "
        "wrote; edit it to what the source says.",
    )
    start_review = forms.BooleanField(
        label="Then start a review",
        required=False,
        help_text="If accepted: open the commitment's review form with this evidence ticked.",
    )
    reason = forms.CharField(
        label="Reason for rejection",
        required=False,
        max_length=services.SUGGESTION_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="If rejected (required): e.g. The page does not mention the mission. The submitter is "
        "told, if they left an e-mail.",
    )

    class Meta:
        model = EvidenceSuggestion
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suggestion = self.instance
        if suggestion.pk is not None:
            self.fields["title"].widget.attrs["placeholder"] = services.default_evidence_title(suggestion.url)
            self.fields["excerpt"].initial = suggestion.note

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            services.check_pending(self.instance)
        except ValidationError as error:
            self.add_error(None, error)
            return cleaned
        decision = cleaned.get("decision")
        if decision == REJECT:
            try:
                cleaned["reason"] = services.validate_rejection(cleaned.get("reason", ""))
            except ValidationError as error:
                self.add_error("reason", error.message_dict["reason"])
        elif decision != ACCEPT:
            self.add_error("decision", CHOOSE_A_DECISION)
        return cleaned


@admin.register(EvidenceSuggestion)
class EvidenceSuggestionAdmin(admin.ModelAdmin):
    """The queue: pending suggestions first, oldest first. A suggestion is decided once, on its page."""

    form = SuggestionDecisionForm
    list_display = ("submitted", "commitment_reference", "link", "note_preview", "state", "decided_by")
    list_display_links = ("submitted",)
    list_filter = ("state",)
    search_fields = ("=commitment__reference", "url")
    search_help_text = "A commitment's reference (exact, e.g. CSP2021-II.4-03) or part of a link."
    list_per_page = 50
    show_full_result_count = False
    readonly_fields = (
        "commitment_reference",
        "link",
        "note",
        "email",
        "submitted",
        "state",
        "decided_by",
        "decided_at",
        "rejection_reason",
        "evidence_link",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # suggestions come from the public pages

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceSuggestion]:
        return EvidenceSuggestion.objects.for_triage()

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # One COUNT, whatever the page: how many wait for someone, in the title.
        waiting = EvidenceSuggestion.objects.pending().count()
        changelist.title = f"Evidence suggested by the public ({waiting} waiting)"
        return changelist

    # --- columns ---
    @admin.display(description="submitted", ordering="submitted_at")
    def submitted(self, suggestion: EvidenceSuggestion) -> SafeString | str:
        return local_time_html(suggestion.submitted_at)

    @admin.display(description="commitment", ordering="commitment__reference")
    def commitment_reference(self, suggestion: EvidenceSuggestion) -> SafeString:
        url = reverse("admin:commitments_commitment_change", args=[suggestion.commitment_id])
        return format_html('<a href="{}">{}</a>', url, suggestion.commitment.reference)

    @admin.display(description="link")
    def link(self, suggestion: EvidenceSuggestion) -> SafeString:
        # Opened in a new tab that cannot reach back into the admin (rel="noopener noreferrer").
        return safe_link(suggestion.url, truncate(suggestion.url, 80))

    @admin.display(description="what it shows")
    def note_preview(self, suggestion: EvidenceSuggestion) -> str:
        return truncate(suggestion.note, 120)

    @admin.display(description="evidence")
    def evidence_link(self, suggestion: EvidenceSuggestion) -> SafeString | str:
        if suggestion.evidence_id is None:
            return "—"
        url = reverse("admin:commitments_commitment_change", args=[suggestion.commitment_id])
        reference = suggestion.commitment.reference
        return format_html('<a href="{}">Evidence #{} of {}</a>', url, suggestion.evidence_id, reference)

    # --- the change page: the suggestion, and (while pending) the decision ---
    def get_fieldsets(self, request: HttpRequest, obj: EvidenceSuggestion | None = None) -> Any:
        shown = (
            None,
            {"fields": ("commitment_reference", "link", "note", "email", "submitted", "state")},
        )
        pending = obj is not None and obj.state == SuggestionState.PENDING
        if not (pending and self.has_change_permission(request, obj)):
            decided = ("decided_by", "decided_at", "rejection_reason", "evidence_link")
            return (shown, ("Decision", {"fields": decided}))
        accept = (
            "Decision",
            {
                "fields": (
                    "decision",
                    "title",
                    ("kind", "signal"),
                    ("publisher", "published_on"),
                    "excerpt",
                    "start_review",
                    "reason",
                ),
                "description": "Open the link first. Accept it as evidence of the commitment (the fields "
                "below describe it), or reject it with a reason.",
            },
        )
        return (shown, accept)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: EvidenceSuggestion | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.state != SuggestionState.PENDING:
            # A decision is final: the page shows it, with nothing to save.
            context.update(
                {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
            )
        # One decision, then back to the queue: no "save and continue", "save as new" or delete here.
        context.update(
            {"show_save_and_continue": False, "show_save_as_new": False, "show_delete_link": False}
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            # A colleague decided it between this form's check and its save (the service refused under
            # the row lock; everything rolled back): say so, and show the suggestion as it now is.
            for text in refusal.messages:
                self.message_user(request, text, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def save_model(self, request: HttpRequest, obj: EvidenceSuggestion, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if data["decision"] == ACCEPT:
            services.accept_suggestion(
                suggestion=obj.pk,
                actor=acting_user(request),
                title=data["title"],
                kind=data["kind"],
                signal=data["signal"],
                publisher=data["publisher"],
                published_on=data["published_on"],
                excerpt=data["excerpt"],
            )
        else:
            services.reject_suggestion(suggestion=obj.pk, actor=acting_user(request), reason=data["reason"])

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        decision = "Accepted as evidence" if form.cleaned_data["decision"] == ACCEPT else "Rejected"
        return [{"changed": {"fields": [decision]}}]

    def response_change(self, request: HttpRequest, obj: EvidenceSuggestion) -> HttpResponse:
        commitment_page = reverse("admin:commitments_commitment_change", args=[obj.commitment_id])
        obj.refresh_from_db()
        if obj.state == SuggestionState.ACCEPTED:
            self.message_user(
                request,
                format_html(
                    'Accepted: {} is now evidence of <a href="{}">{}</a>.',
                    obj.url,
                    commitment_page,
                    obj.commitment.reference,
                ),
                messages.SUCCESS,
            )
            if request.POST.get("start_review"):
                return HttpResponseRedirect(f"{commitment_page}?cite={obj.evidence_id}#id_new_status")
        else:
            self.message_user(request, f"Rejected: {obj.url}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:commitments_evidencesuggestion_changelist"))
