"""Forms for the analyst admin. Rules come from services.py; forms only put errors on fields."""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError

from commitments import services
from commitments.choices import Status
from commitments.exceptions import ConcurrentEditError
from commitments.models import Commitment, CommitmentSector, Evidence, Sector


class CommitmentAdminForm(forms.ModelForm):
    """Curate a commitment and, in the same step, record a review of it.

    The hidden `seen_version` is the version the analyst saw. clean() asks the service whether it is
    still current, so a colleague's save shows on the form; the service asks again under the row
    lock when it writes, and if it refuses then, the admin shows this form again with `refusal`.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput)
    primary_sector = forms.ModelChoiceField(queryset=Sector.objects.all(), required=False)
    secondary_sectors = forms.ModelMultipleChoiceField(
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Filtering by any of these (or by their parent) finds this commitment.",
    )
    new_status = forms.ChoiceField(
        label="Status",
        choices=Status.choices,
        help_text="Changing the status records a review and needs a rationale.",
    )
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Why this status? Saving a rationale without a status change records a review too.",
    )
    cited_evidence = forms.ModelMultipleChoiceField(
        label="Evidence cited",
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Evidence added below in this same save is cited automatically.",
    )

    # Set by CommitmentAdmin.get_form(): what the current user may do, and why the service refused
    # the last attempt to save this form (if it did).
    can_assign: ClassVar[bool] = False
    can_review: ClassVar[bool] = False
    refusal: ClassVar[Exception | None] = None

    class Meta:
        model = Commitment
        fields = ["owner", "priority", "target_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        commitment = self.instance
        self.fields["seen_version"].initial = commitment.version
        self.fields["new_status"].initial = commitment.status
        links = list(
            CommitmentSector.objects.filter(commitment=commitment).values_list("sector_id", "is_primary")
        )
        self.fields["primary_sector"].initial = next((pk for pk, primary in links if primary), None)
        self.fields["secondary_sectors"].initial = [pk for pk, primary in links if not primary]
        cited = self.fields["cited_evidence"]
        assert isinstance(cited, forms.ModelMultipleChoiceField)
        cited.queryset = Evidence.objects.filter(commitment=commitment)
        if not self.can_assign:
            for name in ("owner", "priority", "target_date", "primary_sector", "secondary_sectors"):
                if name in self.fields:
                    self.fields[name].disabled = True
        if not self.can_review:
            for name in ("new_status", "rationale", "cited_evidence"):
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.refusal is not None:
            self._add_service_error(self.refusal)
            return cleaned
        try:
            services.check_version(self.instance, cleaned.get("seen_version"))
            if self.can_review and "new_status" in cleaned:
                cleaned["rationale"] = services.validate_review(
                    status_before=self.instance.status,
                    status_after=cleaned["new_status"],
                    rationale=cleaned.get("rationale", ""),
                )
            if self.can_assign:
                services.validate_sectors(cleaned.get("primary_sector"), cleaned.get("secondary_sectors"))
        except (ConcurrentEditError, ValidationError) as error:
            self._add_service_error(error)
        return cleaned

    def _add_service_error(self, error: Exception) -> None:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            field_names = {"status": "new_status"}
            for field, messages in error.message_dict.items():
                name = field_names.get(field, field)
                self.add_error(name if name in self.fields else None, messages)
        elif isinstance(error, ValidationError):
            self.add_error(None, error)
        else:  # ConcurrentEditError, CitedEvidenceIsFrozenError: about the whole edit
            code = "stale_version" if isinstance(error, ConcurrentEditError) else "frozen"
            self.add_error(None, ValidationError(str(error), code=code))

    def curation(self) -> services.Curation | None:
        """The curation fields as the service takes them (None for someone who may not curate)."""
        if not self.can_assign:
            return None
        data = self.cleaned_data
        return services.Curation(
            owner=data["owner"],
            priority=data["priority"],
            target_date=data["target_date"],
            primary_sector=data["primary_sector"],
            secondary_sectors=data["secondary_sectors"],
        )

    def review_proposal(self) -> services.ReviewProposal | None:
        """The review to record: when the status changes or the analyst wrote a rationale."""
        data = self.cleaned_data
        if not self.can_review or (data["new_status"] == self.instance.status and not data.get("rationale")):
            return None
        return services.ReviewProposal(
            status=data["new_status"], rationale=data["rationale"], cited=data["cited_evidence"]
        )


class _RowIdField(forms.ModelChoiceField):
    """The hidden id of an existing inline row, resolved from the rows the formset has already read
    (Django's own field asks the database once per row, so a save would cost a query per row)."""

    def __init__(self, rows: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        self.rows = rows
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        row = self.rows.get(str(value))
        return row if row is not None else super().to_python(value)


class EvidenceInlineFormSet(forms.BaseInlineFormSet):
    """Rows that a review cites are part of the record: shown, but not editable or deletable."""

    @cached_property
    def _rows(self) -> dict[str, Evidence]:
        return {str(row.pk): row for row in self.get_queryset()}

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        field = form.fields.get("id")
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field, _RowIdField):
            form.fields["id"] = _RowIdField(
                self._rows, field.queryset, initial=field.initial, required=False, widget=field.widget
            )
        if getattr(form.instance, "is_cited", False):
            for name in (*services.EVIDENCE_RECORD_FIELDS, forms.formsets.DELETION_FIELD_NAME):
                if name in form.fields:
                    form.fields[name].disabled = True


class ConfirmActionForm(forms.Form):
    """The intermediate page of an admin action on selected commitments."""

    submit_label: ClassVar[str] = "Apply"


class MarkReviewedForm(ConfirmActionForm):
    submit_label = "Record reviews"

    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Optional: why the current status still holds.",
    )


class SnoozeForm(ConfirmActionForm):
    """The snooze action's intermediate page; the rule itself is services.validate_snooze()."""

    submit_label = "Snooze"

    until = forms.DateField(
        label="Snooze until",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="No reminders before this day, e.g. 2025-09-30.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Why it can wait, e.g. Waiting for the mid-term review in September.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            cleaned["reason"] = services.validate_snooze(
                until=cleaned.get("until"), reason=cleaned.get("reason", "")
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                if field not in self.errors:  # "required" or "not a date" already says it
                    self.add_error(field, field_messages)
        return cleaned
