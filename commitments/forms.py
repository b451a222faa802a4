"""Forms for the analyst admin and the public pages. Rules come from services.py; forms only put errors
on fields."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, ClassVar, Final
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, URLValidator
from django.db.models import Subquery
from django.urls import reverse
from django.utils.text import slugify

from commitments import services
from commitments.choices import Status
from commitments.exceptions import ConcurrentEditError
from commitments.importer import parser
from commitments.importer.loader import DocumentImportError, DocumentMeta
from commitments.importer.sources import DocumentError, document_text
from commitments.models import (
    MAX_TEXT_LENGTH,
    REFERENCE_PREFIX_PATTERN,
    REFERENCE_PREFIX_RULE,
    Commitment,
    CommitmentSector,
    Document,
    Evidence,
    Sector,
    http_url_validator,
)
from commitments.querysets import EVIDENCE_ORDER, embed_limit


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
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Why this status? Saving a rationale without a status change records a review too. "
        f"At most {MAX_TEXT_LENGTH:,} characters.",
    )
    cited_evidence = forms.ModelMultipleChoiceField(
        label="Evidence cited",
        queryset=Evidence.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The evidence shown below (the latest by publication date). Evidence added below in this "
        "same save is cited automatically.",
    )

    # Set by CommitmentAdmin.get_form(): what the current user may do, and why the service refused
    # the last attempt to save this form (if it did).
    can_assign: ClassVar[bool] = False
    can_review: ClassVar[bool] = False
    refusal: ClassVar[Exception | None] = None
    # Evidence ids to tick in "Evidence cited" on an unsaved form (?cite=<id>: an accepted suggestion's
    # "then start a review").
    preselected_evidence: ClassVar[list[int]] = []

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
        # The evidence the page shows (LatestRowsFormSet), not every piece a long record holds.
        shown = commitment.evidence.in_detail().values("pk")[: embed_limit()]
        cited.queryset = Evidence.objects.filter(pk__in=Subquery(shown)).order_by(*EVIDENCE_ORDER)
        if not self.is_bound and self.preselected_evidence:
            cited.initial = self.preselected_evidence
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


class LatestRowsFormSet(forms.BaseInlineFormSet):
    """A commitment's rows (its evidence, its reviews) as its change page shows them: only the first
    embed_limit() in the inline's order, the latest, however many there are. A save reads back those
    rows and no others; the page links to the rest (`more_url`, the rows' own list filtered to this
    commitment)."""

    noun: ClassVar[str] = "rows"  # what the link calls them: "All 60 reviews"
    _latest: Any = None

    def get_queryset(self) -> Any:
        if self._latest is None:
            self._latest = super().get_queryset()[: embed_limit()]
        return self._latest

    @cached_property
    def _rows(self) -> dict[str, Any]:
        return {str(row.pk): row for row in self.get_queryset()}

    @cached_property
    def shown_count(self) -> int:
        return len(self._rows)

    @cached_property
    def total_count(self) -> int:
        """How many rows the commitment has: counted only when the page shows as many as it can."""
        if self.shown_count < embed_limit():
            return self.shown_count
        assert self.queryset is not None  # BaseInlineFormSet always sets it: this commitment's rows
        return self.queryset.count()

    @property
    def more_url(self) -> str | None:
        """All of them in their own admin list, filtered to this commitment; None when all are shown."""
        if self.total_count <= self.shown_count:
            return None
        assert self.model is not None
        opts = self.model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return changelist + "?" + urlencode({"commitment__id__exact": self.instance.pk})

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        field = form.fields.get("id")
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field, _RowIdField):
            form.fields["id"] = _RowIdField(
                self._rows, field.queryset, initial=field.initial, required=False, widget=field.widget
            )


class ReviewHistoryFormSet(LatestRowsFormSet):
    """The latest reviews on a commitment's change page (read-only: the record)."""

    noun = "reviews"


class EvidenceInlineFormSet(LatestRowsFormSet):
    """Rows that a review cites are part of the record: shown, but not editable or deletable."""

    noun = "pieces of evidence"

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
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
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=f"Optional: why the current status still holds (at most {MAX_TEXT_LENGTH:,} characters).",
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
        max_length=MAX_TEXT_LENGTH,
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


# --- Importing a document from the admin ----------------------------------------------------------

# The upload is read whole into memory to become text: the cap bounds what one request may hold.
MAX_UPLOAD_BYTES: Final = 20 * 1024 * 1024
UPLOAD_EXTENSIONS: Final = ("txt", "html", "htm", "pdf", "docx")
UPLOAD_TOO_LARGE: Final = "The file is {size:.1f} MB; the limit is {limit:.0f} MB."
NO_TITLE_FOUND: Final = "No title found in the text: enter one."
NO_SLUG_IN_TITLE: Final = "The title has no letters or digits to make a slug from: enter one."
SLUG_TAKEN: Final = (
    "A document with the slug “{slug}” exists: import a revised text from its page, or choose another."
)
PREFIX_TAKEN: Final = "The reference prefix {prefix} is used by another document: choose another."
PERIOD_INVERTED: Final = "The plan period ends before it starts."
PREFIX_RULE: Final = f"A reference prefix is {REFERENCE_PREFIX_RULE}."

# The encodings importer.sources tells apart itself or names when it cannot.
ENCODING_CHOICES: Final = [
    ("", "Detect from the file"),
    ("utf-8", "UTF-8"),
    ("utf-16", "UTF-16 (with a byte-order mark)"),
    ("gb18030", "GB18030 / GBK (simplified Chinese)"),
    ("big5", "Big5 (traditional Chinese)"),
    ("cp1252", "Windows-1252 (Western European)"),
]


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentImportForm(forms.Form):
    """The admin's import, step 1: a file and the document's details (for a revision, the document's
    own, with its slug and prefix fixed). Nothing here writes: after is_valid(), `text` and `meta`
    are what the view hands to importer.loader.import_document, first as a dry run."""

    file = forms.FileField(
        validators=[FileExtensionValidator(list(UPLOAD_EXTENSIONS))],
        help_text="Plain text in any common encoding (.txt), a saved web page (.html, .htm), a Word document "
        "(.docx) or a PDF with a text layer; at most 20 MB.",
    )
    encoding = forms.ChoiceField(
        required=False,
        choices=ENCODING_CHOICES,
        help_text="Only for a text file refused because its encoding cannot be told from its bytes.",
    )
    title = forms.CharField(
        required=False,
        max_length=300,
        help_text="Default: the title found in the text, e.g. China's Space Program: A 2021 Perspective.",
    )
    slug = forms.SlugField(
        required=False,
        max_length=80,
        help_text="Identifier in URLs, e.g. csp2021. Default: from the title. Fixed once imported.",
    )
    reference_prefix = forms.CharField(
        required=False,
        max_length=20,
        help_text="Starts every commitment reference, e.g. CSP2021 (gives CSP2021-II.4-03). Default: the "
        "title's initials and year. Fixed once imported.",
    )
    publisher = forms.CharField(
        required=False, max_length=300, help_text="e.g. The State Council Information Office"
    )
    published_on = forms.DateField(required=False, widget=_date_input())
    source_url = forms.URLField(
        label="Source URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[http_url_validator],
        help_text="http(s) only.",
    )
    language = forms.CharField(max_length=16, initial="en", help_text="BCP 47 tag, e.g. en")
    period_start = forms.DateField(
        label="Plan period start", widget=_date_input(), help_text="e.g. 2022-01-01"
    )
    period_end = forms.DateField(label="Plan period end", widget=_date_input(), help_text="e.g. 2026-12-31")

    # What a revised text may change besides the text (the slug and prefix are fixed).
    REVISABLE: ClassVar[tuple[str, ...]] = (
        "title",
        "publisher",
        "published_on",
        "source_url",
        "language",
        "period_start",
        "period_end",
    )

    def __init__(self, *args: Any, document: Document | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document = document
        self.text: str | None = None
        self.meta: DocumentMeta | None = None
        self.file_name = ""
        if document is not None:
            for name in self.REVISABLE:
                self.fields[name].initial = getattr(document, name)
            # References never change: a revision keeps the document's slug and prefix.
            for name in ("slug", "reference_prefix"):
                self.fields[name].initial = getattr(document, name)
                self.fields[name].disabled = True
                self.fields[name].help_text = "Fixed: commitment references never change."

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            megabytes = 1024 * 1024
            raise ValidationError(
                UPLOAD_TOO_LARGE.format(size=upload.size / megabytes, limit=MAX_UPLOAD_BYTES / megabytes),
                code="too_large",
            )
        return upload

    def clean_reference_prefix(self) -> str:
        prefix = str(self.cleaned_data["reference_prefix"]).strip().upper()  # "csp2021" is CSP2021
        if prefix and not re.match(REFERENCE_PREFIX_PATTERN, prefix):
            raise ValidationError(PREFIX_RULE, code="invalid")
        return prefix

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is not None:
            self.file_name = upload.name
            try:
                self.text = document_text(
                    upload.read(), name=upload.name, encoding=cleaned.get("encoding") or None
                )
            except DocumentError as error:
                # The reason is the command's; on this page the encoding is chosen from a list.
                message = str(error).replace("pass --encoding", "choose its encoding below")
                self.add_error("file", ValidationError(message, code="unreadable"))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", ValidationError(PERIOD_INVERTED, code="period_inverted"))
        if self.text is None or self.errors:
            return cleaned
        title = cleaned.get("title") or parser.extract(self.text).title
        if not title:
            self.add_error("title", ValidationError(NO_TITLE_FOUND, code="no_title"))
            return cleaned
        if self.document is None and not cleaned.get("slug") and not slugify(title):
            self.add_error("slug", ValidationError(NO_SLUG_IN_TITLE, code="no_slug"))
            return cleaned
        source = self.document
        try:
            meta = DocumentMeta(
                title=title,
                period_start=cleaned["period_start"],
                period_end=cleaned["period_end"],
                publisher=cleaned.get("publisher", ""),
                published_on=cleaned.get("published_on"),
                slug=source.slug if source else cleaned.get("slug", ""),
                reference_prefix=source.reference_prefix if source else cleaned.get("reference_prefix", ""),
                source_url=cleaned.get("source_url", ""),
                language=cleaned["language"],
            ).resolved()
        except DocumentImportError as error:
            self.add_error(None, ValidationError(str(error), code="refused"))
            return cleaned
        if source is None:
            self._check_new_document(meta)
        self.meta = meta
        return cleaned

    def _check_new_document(self, meta: DocumentMeta) -> None:
        """A new document takes a slug and a prefix nobody has (an existing one is revised from its own
        page, where they are fixed)."""
        if Document.objects.filter(slug=meta.slug).exists():
            self.add_error("slug", ValidationError(SLUG_TAKEN.format(slug=meta.slug), code="slug_taken"))
        if Document.objects.filter(reference_prefix=meta.reference_prefix).exists():
            self.add_error(
                "reference_prefix",
                ValidationError(PREFIX_TAKEN.format(prefix=meta.reference_prefix), code="prefix_taken"),
            )


# --- The public pages: a visitor suggests evidence ------------------------------------------------

NOT_A_WEB_LINK: Final = (
    "Enter a web address starting with http:// or https://, e.g. https://www.example.org/report."
)


class _WebLinkField(forms.URLField):
    """http(s) only, with an error that says so (javascript:, data:, ftp: are refused)."""

    default_validators = [URLValidator(schemes=["http", "https"], message=NOT_A_WEB_LINK)]


class SuggestEvidenceForm(forms.Form):
    """Evidence a visitor proposes on a commitment's public page (services.submit_suggestion files it).

    `homepage` is a trap for robots: hidden from people by site.css (`.suggest-trap`), skipped by
    screen readers and the keyboard. A filled one is thanked and discarded (views.suggest_evidence).
    """

    url = _WebLinkField(
        label="Link",
        max_length=1000,
        assume_scheme="https",
        error_messages={"invalid": NOT_A_WEB_LINK},
        help_text="A web page, report or dataset, e.g. https://www.example.org/news/launch.",
    )
    note = forms.CharField(
        label="What it shows",
        max_length=services.SUGGESTION_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What in it bears on this commitment "
        f"(at most {services.SUGGESTION_TEXT_LIMIT:,} characters).",
    )
    email = forms.EmailField(
        label="Your e-mail (optional)",
        required=False,
        help_text="Only to tell you what an analyst decided; never shown or shared.",
    )
    homepage = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "suggest-%s")  # ids of their own: the page may carry other forms
        super().__init__(*args, **kwargs)

    @property
    def caught_a_robot(self) -> bool:
        return bool(self.is_bound and (self.data.get("homepage") or "").strip())
