"""The domain: documents, their sections, the sector taxonomy, commitments, evidence and
the append-only review history. Invariants live in database constraints; rules that follow
relations live in services.py, reads in querysets.py."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone

from commitments.choices import (
    EvidenceKind,
    EvidenceSignal,
    LinkStatus,
    Priority,
    ReminderState,
    Status,
    SuggestionState,
)
from commitments.display import RATIONALE_PREVIEW_LENGTH, truncate
from commitments.exceptions import AppendOnlyError
from commitments.querysets import (
    CITED_EVIDENCE,
    LATEST_REVIEWS,
    RECENT_EVIDENCE,
    RECENT_REVIEWS,
    SECTOR_LINKS,
    CommitmentManager,
    CommitmentSectorManager,
    DocumentManager,
    EvidenceManager,
    EvidenceSuggestionManager,
    ReminderManager,
    ReviewCitationManager,
    ReviewManager,
    SectionManager,
    SectorManager,
    embed_limit,
    is_overdue,
    is_stale,
)

# Commitment references are "<prefix>-<section key>-<NN>" and appear in URLs: the prefix is capital
# letters and digits, in groups joined by dashes (CSP2021, UK-ODWP-2012).
REFERENCE_PREFIX_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
REFERENCE_PREFIX_RULE = "capital letters and digits, in groups joined by dashes, at most 20, e.g. CSP2021"

# The longest free text a person may write into one field (a rationale, an evidence excerpt, a snooze
# reason): long enough for any assessment, short enough that a page listing twenty of them stays small.
# The services refuse longer text (TEXT_TOO_LONG), so do the API and the admin forms, and a database
# constraint refuses it to SQL too (migration 0014).
MAX_TEXT_LENGTH = 20_000
# What a member of the public writes with a suggestion, and an analyst's reason for rejecting one.
SUGGESTION_TEXT_LIMIT = 2000


def bounded_text_validator() -> MaxLengthValidator:
    """full_clean()'s check of a bounded text field (a TextField's max_length is only the forms')."""
    return MaxLengthValidator(MAX_TEXT_LENGTH)


def text_length_constraint(field: str) -> models.CheckConstraint:
    """`field` holds at most MAX_TEXT_LENGTH characters (char_length, not bytes)."""
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), MAX_TEXT_LENGTH),
        name=f"%(app_label)s_%(class)s_{field}_length",
    )


# Only web links may be stored or rendered: `javascript:` and `data:` URLs become live links.
http_url_validator = URLValidator(schemes=["http", "https"])
HTTP_URL_CONDITION = Q(url__istartswith="http://") | Q(url__istartswith="https://")


class HttpURLField(models.URLField):
    """A URL field that accepts only http(s) and, like Django 6, assumes https when typed bare."""

    default_validators = [http_url_validator]

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"assume_scheme": "https", **kwargs})


def current_method_version() -> str:
    """The assessment method in force (status scale and staleness rules), docs/method.md."""
    return str(settings.TRACKER_METHOD_VERSION)


_Row = TypeVar("_Row", bound=models.Model)


def prefetched(instance: models.Model, attr: str, load: Callable[[], Iterable[_Row]]) -> list[_Row]:
    """The list a queryset's Prefetch(to_attr=attr) put on `instance`, or `load()` read once and kept."""
    rows: list[_Row] | None = getattr(instance, attr, None)
    if rows is None:
        rows = list(load())
        setattr(instance, attr, rows)
    return rows


def _choices_condition(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class RestatedRulesModel(models.Model):
    """A model whose check constraints on `restated_fields` restate those fields' own rules (a choice
    from the scale, an http(s) URL).

    full_clean() checks each field's rule already; checking the constraint too would cost a database
    query per constraint per form (a page of inline rows, dozens). The database enforces them anyway.
    """

    restated_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Any = None) -> None:
        super().validate_constraints(exclude={*(exclude or ()), *self.restated_fields})


class Document(models.Model):
    slug = models.SlugField(
        "slug", max_length=80, unique=True, help_text="Short identifier used in URLs, e.g. csp2021."
    )
    reference_prefix = models.CharField(
        "reference prefix",
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(REFERENCE_PREFIX_PATTERN, f"A reference prefix is {REFERENCE_PREFIX_RULE}.")
        ],
        help_text="Prefix of every commitment reference, e.g. CSP2021 (gives CSP2021-II.4-03).",
    )
    title = models.CharField(
        "title", max_length=300, help_text="e.g. China's Space Program: A 2021 Perspective"
    )
    publisher = models.CharField(
        "publisher", max_length=300, blank=True, help_text="e.g. The State Council Information Office"
    )
    published_on = models.DateField("published on", null=True, blank=True)
    source_url = HttpURLField("source URL", max_length=500, blank=True, help_text="http(s) only.")
    period_start = models.DateField("plan period start", help_text="e.g. 2022-01-01")
    period_end = models.DateField("plan period end", help_text="e.g. 2026-12-31")
    language = models.CharField("language", max_length=16, default="en", help_text="BCP 47 tag, e.g. en")
    full_text = models.TextField("full text", help_text="The imported text, kept for provenance.")
    content_hash = models.CharField("content hash", max_length=64, help_text="SHA-256 of the full text.")
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = DocumentManager()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="%(app_label)s_%(class)s_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(source_url="")
                | Q(source_url__istartswith="http://")
                | Q(source_url__istartswith="https://"),
                name="%(app_label)s_%(class)s_source_url_http",
            ),
            models.CheckConstraint(
                condition=Q(reference_prefix__regex=REFERENCE_PREFIX_PATTERN),
                name="%(app_label)s_%(class)s_reference_prefix_format",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    key = models.CharField(
        "key",
        max_length=100,
        help_text="Stable dotted key within the document, used in references, e.g. II.4.",
    )
    number = models.CharField("number", max_length=20, blank=True, help_text="e.g. II or 4")
    title = models.CharField("title", max_length=300, help_text="e.g. Deep Space Exploration")
    heading = models.CharField(
        "heading", max_length=330, help_text="As printed, e.g. 4. Deep Space Exploration"
    )
    level = models.PositiveSmallIntegerField("level", help_text="1 for top-level headings.")
    position = models.PositiveIntegerField("position", help_text="Order within the document.")
    start_offset = models.PositiveIntegerField("start offset", help_text="Offset of the heading in the text.")

    objects = SectionManager()

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "key"], name="%(app_label)s_%(class)s_unique_key"),
            models.CheckConstraint(condition=Q(level__gte=1), name="%(app_label)s_%(class)s_level_positive"),
        ]

    def __str__(self) -> str:
        return self.heading


class Sector(models.Model):
    slug = models.SlugField("slug", max_length=60, unique=True, help_text="e.g. satellite-navigation")
    name = models.CharField("name", max_length=120, help_text="e.g. Satellite navigation")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Filtering by a parent sector matches its children too.",
    )
    description = models.TextField("description", blank=True)
    position = models.PositiveSmallIntegerField("position", default=0)

    objects = SectorManager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="%(app_label)s_%(class)s_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _written_by() -> models.ForeignKey[Any, Any]:
    """Who last wrote something (kept, not shown in forms; emptied if the account is deleted)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )


class Commitment(RestatedRulesModel):
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="commitments")
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    reference = models.CharField(
        "reference", max_length=60, help_text="Stable human-readable reference, e.g. CSP2021-II.4-03."
    )
    text = models.TextField("text", help_text="The promise, verbatim.")
    lead_in = models.TextField(
        "lead-in", blank=True, help_text='The sentence it hangs from, e.g. "It will:".'
    )
    start_offset = models.PositiveIntegerField(
        "start offset", help_text="Character offset into the document text."
    )
    end_offset = models.PositiveIntegerField("end offset")
    extraction_rule = models.CharField("extraction rule", max_length=40, blank=True)
    sectors = models.ManyToManyField(
        Sector, through="CommitmentSector", related_name="commitments", blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_commitments",
        # Offered choices; services.validate_owner() is the rule every write path goes through.
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The analyst who keeps this commitment's assessment current.",
    )
    priority = models.CharField("priority", max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    target_date = models.DateField(
        "target date", null=True, blank=True, help_text="Defaults to the end of the plan period."
    )
    # Written only by services.record_review(): every status change is a Review.
    status = models.CharField(
        "status", max_length=20, choices=Status.choices, default=Status.UNASSESSED, editable=False
    )
    last_reviewed_at = models.DateTimeField("last reviewed", null=True, blank=True, editable=False)
    # Optimistic concurrency: every write bumps it (services.stamp_new_version(), which also writes
    # updated_by and updated_at); a write based on an older value is refused.
    version = models.PositiveIntegerField("version", default=1, editable=False)
    updated_by = _written_by()
    created_at = models.DateTimeField("created", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("updated", default=timezone.now, editable=False)
    # Reminders: written only by services.snooze_commitment() / unsnooze_commitment().
    snoozed_until = models.DateField(
        "snoozed until",
        null=True,
        blank=True,
        editable=False,
        help_text="No reminders about it before this day, e.g. 2025-09-30. It still counts as stale.",
    )
    snooze_reason = models.TextField(
        "snooze reason",
        blank=True,
        editable=False,
        max_length=MAX_TEXT_LENGTH,
        validators=[bounded_text_validator()],
        help_text="e.g. Waiting for the mid-term review.",
    )
    snoozed_by = _written_by()
    # The keyword search's weighted text (reference, then text and lead-in with typography folded), kept
    # by a trigger on PostgreSQL (migration 0012) so ranking reads it instead of re-parsing every match;
    # never written by the app, and empty elsewhere (SQLite searches the text itself).
    search_document = SearchVectorField(null=True, editable=False)

    objects = CommitmentManager()
    restated_fields = ("status", "priority")

    class Meta:
        # Document order: by document (as imported), then position in it; an index serves it, so a page
        # never sorts every match (ordering by "document" would follow Document.Meta.ordering: a join).
        ordering = ["document_id", "start_offset", "id"]
        permissions = [("assign_commitment", "Can assign owner, priority, target date and sectors")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "reference"], name="%(app_label)s_%(class)s_unique_reference"
            ),
            models.CheckConstraint(
                condition=_choices_condition("status", Status), name="%(app_label)s_%(class)s_status_valid"
            ),
            models.CheckConstraint(
                condition=_choices_condition("priority", Priority),
                name="%(app_label)s_%(class)s_priority_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_offset__gt=F("start_offset")), name="%(app_label)s_%(class)s_span_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="%(app_label)s_%(class)s_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(snoozed_until__isnull=True) | ~Q(snooze_reason=""),
                name="%(app_label)s_%(class)s_snooze_has_reason",
            ),
            text_length_constraint("snooze_reason"),
        ]
        indexes = [
            models.Index(fields=["status", "last_reviewed_at"], name="commitment_status_reviewed_idx"),
            models.Index(fields=["owner", "status"], name="commitment_owner_status_idx"),
            models.Index(fields=["document", "start_offset", "id"], name="commitment_document_order_idx"),
            # Filtered lists count their matches: by status, read from the index alone (no table visits).
            models.Index(fields=["status", "id"], name="commitment_status_id_idx"),
            # All of one status in document order (a CSV export, a deep page): read from the index alone,
            # already sorted, instead of visiting most of the table and sorting.
            models.Index(
                fields=["status", "document", "start_offset", "id"], name="commitment_status_order_idx"
            ),
            # The list's usual sorts (?ordering=-last_reviewed_at, target_date), ties broken by id.
            models.Index(fields=["last_reviewed_at", "id"], name="commitment_reviewed_id_idx"),
            models.Index(fields=["target_date", "id"], name="commitment_target_id_idx"),
            # A commitment found by its reference alone (the API detail, its page, `?commitment=`): the
            # unique (document, reference) index cannot serve that but by reading all of it.
            models.Index(fields=["reference"], name="commitment_reference_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.short_text}"

    def get_absolute_url(self) -> str:
        """The citable public page (the admin links to it as "view on site")."""
        return reverse("pages:commitment", args=[self.reference])

    @property
    def short_text(self) -> str:
        return truncate(self.text)

    @property
    def overdue(self) -> bool:
        """Past its target date and not in a final status (querysets.overdue_condition): the list
        querysets' is_overdue annotation, else worked out from this row."""
        annotated = getattr(self, "is_overdue", None)
        return bool(annotated) if annotated is not None else is_overdue(self.target_date, self.status)

    @property
    def stale(self) -> bool:
        """Due for a review (querysets.stale_condition): the list querysets' is_stale annotation, else
        worked out from this row, now."""
        annotated = getattr(self, "is_stale", None)
        if annotated is not None:
            return bool(annotated)
        return is_stale(self.status, self.last_reviewed_at, self.created_at, timezone.now())

    @property
    def latest_review(self) -> Review | None:
        """The latest review: prefetched by CommitmentQuerySet.for_api() for a whole page; the first of
        recent_reviews if those were read (a detail); else one query.

        As a list shows it: with `rationale_preview` (ReviewQuerySet.latest_of_each).
        """
        recent: list[Review] | None = getattr(self, RECENT_REVIEWS, None)
        if recent is not None and getattr(self, LATEST_REVIEWS, None) is None:
            newest = recent[:1]
            for review in newest:
                review.rationale_preview = review.rationale[:RATIONALE_PREVIEW_LENGTH]  # type: ignore[attr-defined]
            setattr(self, LATEST_REVIEWS, newest)
        latest = prefetched(
            self, LATEST_REVIEWS, lambda: Review.objects.filter(commitment=self).latest_of_each()
        )
        return latest[0] if latest else None

    @property
    def recent_evidence(self) -> list[Evidence]:
        """Its first embed_limit() pieces of evidence, newest publication first (EVIDENCE_ORDER): one
        query (a LIMIT), read once."""
        return prefetched(self, RECENT_EVIDENCE, lambda: self.evidence.in_detail()[: embed_limit()])

    @property
    def recent_reviews(self) -> list[Review]:
        """Its latest embed_limit() reviews, newest first, with the evidence each cites: two queries (a
        LIMIT, then the citations), read once."""
        return prefetched(self, RECENT_REVIEWS, lambda: self.reviews.in_detail()[: embed_limit()])

    @property
    def sectors_in_order(self) -> list[CommitmentSector]:
        """Its sector links, primary first: prefetched by CommitmentQuerySet.for_api(), else one query."""
        return prefetched(
            self, SECTOR_LINKS, lambda: CommitmentSector.objects.filter(commitment=self).in_order()
        )


class CommitmentSector(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="sector_links")
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="commitment_links")
    is_primary = models.BooleanField("primary", default=False)

    objects = CommitmentSectorManager()

    class Meta:
        verbose_name = "commitment sector"
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "sector"], name="%(app_label)s_%(class)s_unique_pair"
            ),
            models.UniqueConstraint(
                fields=["commitment"],
                condition=Q(is_primary=True),
                name="%(app_label)s_%(class)s_one_primary",
            ),
        ]
        # "Commitments in sector X" (lists, reports): the commitment ids read from the index alone.
        indexes = [models.Index(fields=["sector", "commitment"], name="commitmentsector_sector_idx")]

    def __str__(self) -> str:
        return f"{self.sector} ({'primary' if self.is_primary else 'secondary'})"


class Evidence(RestatedRulesModel):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="evidence")
    url = HttpURLField("URL", max_length=1000, help_text="http(s) only.")
    title = models.CharField(
        "title", max_length=300, help_text="e.g. Chang'e-6 returns samples from the far side"
    )
    publisher = models.CharField("publisher", max_length=200, blank=True, help_text="e.g. Xinhua")
    published_on = models.DateField("published on", null=True, blank=True)
    kind = models.CharField(
        "kind", max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.NEWS_REPORT
    )
    signal = models.CharField(
        "shows", max_length=10, choices=EvidenceSignal.choices, default=EvidenceSignal.PROGRESS
    )
    excerpt = models.TextField(
        "excerpt",
        blank=True,
        max_length=MAX_TEXT_LENGTH,
        validators=[bounded_text_validator()],
        help_text="The passage that supports the assessment.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("added", auto_now_add=True)

    objects = EvidenceManager()
    restated_fields = ("url", "kind", "signal", "excerpt")

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-published_on", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=HTTP_URL_CONDITION, name="%(app_label)s_%(class)s_url_http"),
            models.CheckConstraint(
                condition=_choices_condition("kind", EvidenceKind), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=_choices_condition("signal", EvidenceSignal),
                name="%(app_label)s_%(class)s_signal_valid",
            ),
            text_length_constraint("excerpt"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def link_health(self) -> EvidenceLink | None:
        """Its link's last check, None if never checked: joined by EvidenceQuerySet.with_link_health()
        (no query), else one query."""
        try:
            return self.link
        except EvidenceLink.DoesNotExist:
            return None

    @property
    def link_status(self) -> str:
        health = self.link_health
        return health.status if health is not None else LinkStatus.UNCHECKED

    @property
    def is_archived(self) -> bool:
        """It has an archived copy: annotated by with_link_health(), else one query."""
        annotated = getattr(self, "has_archive", None)
        return bool(annotated) if annotated is not None else self.archives.exists()


class EvidenceLink(models.Model):
    """The health of an evidence URL as the link checker last saw it (commitments/linkcheck.py).

    Kept beside the evidence, not on it: cited evidence is frozen, its link's health is not. No row
    means never checked ("unchecked")."""

    evidence = models.OneToOneField(Evidence, on_delete=models.CASCADE, primary_key=True, related_name="link")
    status = models.CharField(
        "link status", max_length=12, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED
    )
    http_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    final_url = models.URLField("final URL", max_length=2000, blank=True, help_text="Where redirects ended.")
    redirects = models.JSONField(
        "redirects", default=list, blank=True, help_text="Each hop: [status, URL it pointed to]."
    )
    content_type = models.CharField("content type", max_length=200, blank=True)
    error = models.CharField("error", max_length=300, blank=True, help_text="Why the last check failed.")
    checked_at = models.DateTimeField("checked", null=True, blank=True)
    next_check_at = models.DateTimeField("next check", default=timezone.now, db_index=True)
    failure_count = models.PositiveSmallIntegerField(
        "failures in a row", default=0, help_text="Consecutive failed checks; reset by a success."
    )
    claimed_until = models.DateTimeField(
        "claimed until", null=True, blank=True, help_text="A worker is checking it until then."
    )
    changed_since_cited = models.BooleanField(
        "page changed since cited",
        default=False,
        help_text="The page's text hash differs from the first archived copy.",
    )

    class Meta:
        verbose_name = "evidence link"
        constraints = [
            models.CheckConstraint(
                condition=_choices_condition("status", LinkStatus),
                name="%(app_label)s_%(class)s_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence_id}: {self.status}"


class EvidenceArchive(models.Model):
    """A copy of an evidence page's main text as fetched at one time (HTML reduced to text, a PDF's
    text layer), capped in size. A new row is kept only when the text's hash changes."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="archives")
    fetched_at = models.DateTimeField("fetched", default=timezone.now)
    url = models.URLField("URL fetched", max_length=2000)
    content_type = models.CharField("content type", max_length=200, blank=True)
    sha256 = models.CharField("SHA-256 of the text", max_length=64)
    size = models.PositiveIntegerField("bytes received")
    truncated = models.BooleanField("cut at the size cap", default=False)
    text = models.TextField("text")

    class Meta:
        verbose_name = "archived copy"
        verbose_name_plural = "archived copies"
        ordering = ["-fetched_at", "-pk"]
        indexes = [models.Index(fields=["evidence", "-fetched_at"], name="archive_evidence_time_idx")]

    def __str__(self) -> str:
        return f"{self.evidence_id} at {self.fetched_at:%Y-%m-%d %H:%M}"


class EvidenceSuggestion(models.Model):
    """Evidence a member of the public proposes for a commitment. Nothing of it is shown anywhere
    public until an analyst accepts it (it then becomes Evidence); a rejection keeps its reason."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="suggestions")
    url = HttpURLField("URL", max_length=1000, help_text="http(s) only.")
    note = models.TextField(
        "what it shows",
        max_length=SUGGESTION_TEXT_LIMIT,
        validators=[MaxLengthValidator(SUGGESTION_TEXT_LIMIT)],
    )
    email = models.EmailField("e-mail", blank=True, help_text="Optional: told of the decision.")
    state = models.CharField(
        "state", max_length=10, choices=SuggestionState.choices, default=SuggestionState.PENDING
    )
    submitted_at = models.DateTimeField("submitted", default=timezone.now, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("decided", null=True, blank=True)
    rejection_reason = models.TextField(
        "reason for rejection",
        blank=True,
        max_length=SUGGESTION_TEXT_LIMIT,
        validators=[MaxLengthValidator(SUGGESTION_TEXT_LIMIT)],
    )
    evidence = models.OneToOneField(
        Evidence, on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestion"
    )

    objects = EvidenceSuggestionManager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=HTTP_URL_CONDITION, name="%(app_label)s_%(class)s_url_http"),
            models.CheckConstraint(
                condition=_choices_condition("state", SuggestionState),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=SuggestionState.REJECTED) | ~Q(rejection_reason=""),
                name="%(app_label)s_%(class)s_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(state=SuggestionState.PENDING) | Q(decided_at__isnull=False),
                name="%(app_label)s_%(class)s_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.url} for {self.commitment.reference} ({self.get_state_display().lower()})"


class AppendOnlyModel(models.Model):
    """A row of the record: inserted once, never changed or deleted (the queryset and, on PostgreSQL,
    a trigger refuse the bulk and SQL paths too)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(str(self._meta.verbose_name_plural).capitalize(), "changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(str(self._meta.verbose_name_plural).capitalize(), "deleted")


class Review(AppendOnlyModel):
    """One entry of a commitment's append-only review history, written by services.record_review."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    reviewed_at = models.DateTimeField("reviewed", default=timezone.now, db_index=True)
    status_before = models.CharField("status before", max_length=20, choices=Status.choices)
    status_after = models.CharField("status after", max_length=20, choices=Status.choices)
    rationale = models.TextField(
        "rationale",
        blank=True,
        max_length=MAX_TEXT_LENGTH,
        validators=[bounded_text_validator()],
        help_text="Required when the status changes.",
    )
    evidence = models.ManyToManyField(Evidence, through="ReviewCitation", related_name="reviews", blank=True)
    # The assessment method (status scale and staleness rules) in force when the review was written,
    # so a later change of method never silently reinterprets it (settings.TRACKER_METHOD_VERSION).
    method_version = models.CharField(
        "method version", max_length=20, default=current_method_version, editable=False
    )

    objects = ReviewManager()

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=_choices_condition("status_before", Status),
                name="%(app_label)s_%(class)s_status_before_valid",
            ),
            models.CheckConstraint(
                condition=_choices_condition("status_after", Status),
                name="%(app_label)s_%(class)s_status_after_valid",
            ),
            models.CheckConstraint(
                condition=Q(status_before=F("status_after")) | ~Q(rationale=""),
                name="%(app_label)s_%(class)s_status_change_has_rationale",
            ),
            text_length_constraint("rationale"),
        ]
        indexes = [models.Index(fields=["commitment", "-reviewed_at"], name="review_commitment_time_idx")]

    def __str__(self) -> str:
        change = f"{self.get_status_before_display()} → {self.get_status_after_display()}"
        return f"{self.reviewed_at:%Y-%m-%d %H:%M}: {change if self.changes_status else 'confirmed'}"

    @property
    def changes_status(self) -> bool:
        return self.status_before != self.status_after

    @property
    def cited_evidence(self) -> list[Evidence]:
        """The evidence it cites: prefetched by ReviewQuerySet.for_list(), else one query."""
        return prefetched(self, CITED_EVIDENCE, self.evidence.all)


class ReviewCitation(AppendOnlyModel):
    """Evidence a review relied on. Append-only, and the evidence it points at is frozen."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="citations")
    # Cited evidence stays: the history must keep pointing at what it relied on.
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="citations")

    objects = ReviewCitationManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "evidence"], name="%(app_label)s_%(class)s_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.review_id} cites evidence {self.evidence_id}"


class Reminder(models.Model):
    """One digest per recipient per day; the unique constraint is what makes it never twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.DateField("day", help_text="The day the digest is for.")
    state = models.CharField(
        "state", max_length=10, choices=ReminderState.choices, default=ReminderState.CLAIMED
    )
    # What the e-mail listed, in its order: a log entry, written once with the mark that records the
    # send. A many-to-many table cost an INSERT and two foreign-key checks per listed item at every mark
    # (some 50,000 a day at 100,000 commitments), and lost the order.
    listed_commitment_ids = models.JSONField(
        "listed commitments",
        default=list,
        blank=True,
        help_text="The ids of the commitments the e-mail listed, in its order (at most 100 per section).",
    )
    escalated_count = models.PositiveIntegerField("escalated items", default=0)
    claimed_at = models.DateTimeField("claimed", default=timezone.now)
    sent_at = models.DateTimeField("sent", null=True, blank=True)
    # Delivery record (commitments/reminders.py): what went out, to whom, how many tries.
    item_count = models.PositiveIntegerField(
        "items", default=0, help_text="Stale commitments in the digest (the e-mail lists the first 100)."
    )
    attempts = models.PositiveSmallIntegerField(
        "attempts", default=1, help_text="1, or more when a claim abandoned by a dead worker was taken over."
    )
    message_id = models.CharField(
        "message ID",
        max_length=200,
        blank=True,
        help_text="Message-ID header, fixed at the first claim and reused on a retry, "
        "e.g. <172.1.2@tracker.example.org>.",
    )
    subject = models.CharField("subject", max_length=200, blank=True)
    cc = models.TextField(
        "copied to", blank=True, help_text="Comma-separated addresses, e.g. lee@example.org."
    )

    objects = ReminderManager()

    class Meta:
        ordering = ["-day", "recipient"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="%(app_label)s_%(class)s_one_per_day"),
            models.CheckConstraint(
                condition=_choices_condition("state", ReminderState),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state=ReminderState.CLAIMED) | Q(sent_at__isnull=False),
                name="%(app_label)s_%(class)s_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(attempts__gte=1), name="%(app_label)s_%(class)s_attempts_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} on {self.day} ({self.state})"

    def listed_commitments(self) -> list[Commitment]:
        """The commitments the e-mail listed, in its order: one query, reference and text only."""
        found = Commitment.objects.only("reference", "text").in_bulk(self.listed_commitment_ids)
        return [found[pk] for pk in self.listed_commitment_ids if pk in found]


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def authenticate(self, key: str, *, now: datetime.datetime) -> ApiToken | None:
        """The usable token for `key`, or None; records last use at most once a minute."""
        token = self.select_related("user").filter(digest=ApiToken.digest_for(key)).first()
        if token is None or not token.is_usable(now) or not token.user.is_active:
            return None
        if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token


class ApiToken(models.Model):
    """An API key for one user. Only an HMAC digest is stored; the key is shown once, at creation."""

    KEY_PREFIX = "ct_"
    issued_key: str = ""

    # The person every request made with the key acts as: set once, at creation (services.issue_api_token).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("name", max_length=100, help_text="What it is for, e.g. nightly export script.")
    digest = models.CharField("digest", max_length=64, unique=True, editable=False)
    hint = models.CharField(
        "hint", max_length=12, editable=False, help_text="First characters, to tell keys apart."
    )
    write_enabled = models.BooleanField("may write", default=False, help_text="Off: a read-only token.")
    enabled = models.BooleanField("enabled", default=True, help_text="Off: revoked.")
    expires_at = models.DateTimeField("expires", null=True, blank=True)
    created_at = models.DateTimeField("created", auto_now_add=True)
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"
        ordering = ["user", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def digest_for(key: str) -> str:
        pepper = settings.TRACKER_API_TOKEN_PEPPER.encode()
        return hmac.new(pepper, key.encode(), hashlib.sha256).hexdigest()

    def issue_key(self) -> str:
        """Give this token a fresh key and return it.

        The key exists in clear only here and on this instance (`issued_key`, never saved), so the
        page that created the token can show it once.
        """
        key = self.KEY_PREFIX + secrets.token_urlsafe(32)
        self.digest = self.digest_for(key)
        self.hint = key[: len(self.KEY_PREFIX) + 6]
        self.issued_key = key
        return key

    def is_usable(self, now: datetime.datetime) -> bool:
        return self.enabled and (self.expires_at is None or self.expires_at > now)
