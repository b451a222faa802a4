"""Forms for the analyst admin. Rules come from services.py; forms only put errors on fields."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError

from commitments import services
from commitments.choices import Status
from commitments.exceptions import ConcurrentEditError
from commitments.models import Commitment, CommitmentSector, Evidence, Sector


class CommitmentAdminForm(forms.ModelForm):
    """Curate a commitment and, in the same step, record a review of it.

    The hidden `seen_version` is the one the analyst saw; clean() compares it with the row it locks
    (the admin wraps the whole request in a transaction, so the lock lasts until the save).
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
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why this status? Saving a rationale without a status change records a review too.",
    )
    cited_evidence = forms.ModelMultipleChoiceField(
        label="Evidence cited",
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Evidence added below in this same save is cited automatically.",
    )

    # Set by CommitmentAdmin.get_form(): what the current user may do.
    can_assign: ClassVar[bool] = False
    can_review: ClassVar[bool] = False

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
        locked = Commitment.objects.select_for_update().get(pk=self.instance.pk)
        version = cleaned.get("seen_version")
        if version is not None and version != locked.version:
            changed_by = locked.updated_by.get_username() if locked.updated_by else None
            conflict = ConcurrentEditError(
                expected_version=version,
                current_version=locked.version,
                changed_by=changed_by,
                changed_at=locked.updated_at,
            )
            raise ValidationError(str(conflict), code="stale_version")
        if self.can_review and "new_status" in cleaned:
            try:
                cleaned["rationale"] = services.validate_review(
                    status_before=locked.status,
                    status_after=cleaned["new_status"],
                    rationale=cleaned.get("rationale", ""),
                )
            except ValidationError as error:
                self._add_service_errors(error)
        primary, secondary = cleaned.get("primary_sector"), cleaned.get("secondary_sectors") or []
        if primary is not None and primary in secondary:
            self.add_error("secondary_sectors", services.PRIMARY_ALSO_SECONDARY)
        return cleaned

    def _add_service_errors(self, error: ValidationError) -> None:
        field_names = {"status": "new_status"}
        for field, messages in error.message_dict.items():
            for message in messages:
                self.add_error(field_names.get(field, field), message)

    @property
    def wants_review(self) -> bool:
        """A review is recorded when the status changes or the analyst wrote a rationale."""
        data = self.cleaned_data
        return self.can_review and (data["new_status"] != self.instance.status or bool(data.get("rationale")))


class MarkReviewedForm(forms.Form):
    rationale = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Optional: why the current status still holds.",
    )


class SnoozeForm(forms.Form):
    """The snooze action's intermediate page; the rule itself is services.validate_snooze()."""

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
