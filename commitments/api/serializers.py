"""Read serializers are plain and read-only (hot paths); write serializers list their fields explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.urls import reverse as django_reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from commitments.api.conditional import commitment_etag
from commitments.choices import LinkStatus, Priority, Status
from commitments.display import RATIONALE_PREVIEW_LENGTH, URL_SLOT, fill_url, status_label
from commitments.filters import UNKNOWN_SECTOR, sector_choices
from commitments.models import (
    MAX_TEXT_LENGTH,
    Commitment,
    Document,
    Evidence,
    EvidenceArchive,
    Review,
    Section,
    Sector,
)
from commitments.querysets import embed_limit
from commitments.reports import GROUPINGS
from commitments.validators import DATE_RANGE_VALIDATORS

MAX_ID = 2**63 - 1


_DATETIME = serializers.DateTimeField()  # formats as every DateTimeField of the API does (site time zone)


def _timestamp(moment: Any) -> str | None:
    return None if moment is None else _DATETIME.to_representation(moment)


@dataclass(frozen=True)
class RowLinks:
    """The API links of list rows, each reversed once per request and filled in per row."""

    commitment_pattern: str
    review_pattern: str

    def commitment(self, reference: str) -> str:
        return fill_url(self.commitment_pattern, reference)

    def review(self, review_id: int) -> str:
        return fill_url(self.review_pattern, review_id)


def row_links(context: Any) -> RowLinks:
    """The links for one request, made on first use and kept in the serializer context."""
    links = context.get("_row_links")
    if links is None:
        request = context.get("request")
        links = RowLinks(
            reverse("api:commitment-detail", args=[URL_SLOT], request=request),
            reverse("api:review-detail", args=[URL_SLOT], request=request),
        )
        context["_row_links"] = links
    return links


class SectorLinkSerializer(serializers.Serializer):
    slug = serializers.CharField(source="sector.slug")
    name = serializers.CharField(source="sector.name")
    primary = serializers.BooleanField(source="is_primary")


class LatestReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    reviewed_at = serializers.DateTimeField()
    status_before = serializers.ChoiceField(choices=Status.choices)
    status_after = serializers.ChoiceField(choices=Status.choices)
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True)
    rationale = serializers.CharField(
        source="rationale_preview",
        help_text=f"The rationale, cut at {RATIONALE_PREVIEW_LENGTH} characters (the review has it whole).",
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, review: Review) -> str:
        return reverse("api:review-detail", args=[review.pk], request=self.context.get("request"))


class CommitmentSerializer(serializers.Serializer):
    # One commitment in a list, built on CommitmentQuerySet.for_api(): no query per item. (A comment: a
    # docstring would be published as the schema's description of a commitment.)

    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, help_text="Stable reference, e.g. CSP2021-II.4-03.")
    url = serializers.SerializerMethodField(help_text="This commitment in the API.")
    text = serializers.CharField(read_only=True, help_text="The promise, verbatim.")
    lead_in = serializers.CharField(read_only=True, help_text='The sentence it hangs from, e.g. "It will:".')
    document = serializers.CharField(source="document.slug", read_only=True, help_text="Document slug.")
    section = serializers.CharField(
        source="section.key", read_only=True, allow_null=True, help_text="Section key, e.g. II.4."
    )
    section_path = serializers.SerializerMethodField(help_text="Section headings, top level first.")
    sectors = SectorLinkSerializer(source="sectors_in_order", many=True, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = serializers.SerializerMethodField(help_text="The status as people read it.")
    owner = serializers.CharField(
        source="owner.username",
        read_only=True,
        allow_null=True,
        help_text="Username of its analyst, or null.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, read_only=True)
    target_date = serializers.DateField(read_only=True, allow_null=True)
    last_reviewed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_stale = serializers.BooleanField(
        source="stale", read_only=True, help_text="Due for a review: each status has its own review interval."
    )
    overdue = serializers.BooleanField(
        read_only=True,
        help_text="Past its target date and not in a final status (achieved, not achieved), whatever the "
        "status: late is not the same as not achieved. False without a target date, and on the target "
        "day itself (docs/method.md).",
    )
    evidence_count = serializers.IntegerField(read_only=True, help_text="How many pieces of evidence it has.")
    latest_review = serializers.SerializerMethodField(help_text="The last review, or null if never reviewed.")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, commitment: Commitment) -> str:
        return reverse(
            "api:commitment-detail", args=[commitment.reference], request=self.context.get("request")
        )

    def get_status_label(self, commitment: Commitment) -> str:
        return status_label(commitment.status)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_section_path(self, commitment: Commitment) -> list[str]:
        paths: dict[int, list[str]] = self.context.get("section_paths", {})
        return paths.get(commitment.section_id, []) if commitment.section_id else []

    @extend_schema_field(LatestReviewSerializer(allow_null=True))
    def get_latest_review(self, commitment: Commitment) -> dict[str, Any] | None:
        review = commitment.latest_review
        return None if review is None else dict(LatestReviewSerializer(review, context=self.context).data)

    def to_representation(self, commitment: Commitment) -> dict[str, Any]:
        # The declared fields above are the contract (the schema is built from them); list_item() builds
        # the same dict directly, because DRF's field machinery, a nested serializer and two reverse()
        # calls per row were close to half the time of a list page (tests/test_api_read.py holds both
        # equal). A list page reads its rows as values (CommitmentQuerySet.list_rows); a model instance,
        # as here for a detail, is read into the same values first.
        paths = self.context.get("section_paths", {})
        return list_item(list_values(commitment, paths), row_links(self.context))


def list_values(commitment: Commitment, section_paths: Mapping[int, list[str]]) -> dict[str, Any]:
    """A commitment (from CommitmentQuerySet.for_api()) as the values CommitmentQuerySet.list_rows() reads;
    `section_paths` as SectionQuerySet.paths() gives them."""
    review = commitment.latest_review
    section = commitment.section
    owner = commitment.owner
    return {
        "id": commitment.pk,
        "reference": commitment.reference,
        "text": commitment.text,
        "lead_in": commitment.lead_in,
        "document_id": commitment.document_id,
        "document_slug": commitment.document.slug,
        "section_id": commitment.section_id,
        "section_key": section.key if section is not None else None,
        "section_path": section_paths.get(section.pk, []) if section is not None else [],
        "status": commitment.status,
        "owner_username": owner.username if owner is not None else None,
        "priority": commitment.priority,
        "target_date": commitment.target_date,
        "last_reviewed_at": commitment.last_reviewed_at,
        "is_stale": commitment.stale,
        "is_overdue": commitment.overdue,
        "evidence_count": getattr(commitment, "evidence_count", 0),
        "sectors": [
            (link.sector.slug, link.sector.name, link.is_primary) for link in commitment.sectors_in_order
        ],
        "latest_review": None
        if review is None
        else {
            "id": review.pk,
            "reviewed_at": review.reviewed_at,
            "status_before": review.status_before,
            "status_after": review.status_after,
            "reviewer_username": review.reviewer.username,
            "rationale_preview": review.rationale_preview,  # type: ignore[attr-defined]  # latest_of_each()
        },
    }


def list_item(row: Mapping[str, Any], links: RowLinks) -> dict[str, Any]:
    """One commitment as a list shows it (CommitmentSerializer's declared fields), from list_values()."""
    review = row["latest_review"]
    target_date = row["target_date"]
    status = row["status"]
    return {
        "id": row["id"],
        "reference": row["reference"],
        "url": links.commitment(row["reference"]),
        "text": row["text"],
        "lead_in": row["lead_in"],
        "document": row["document_slug"],
        "section": row["section_key"],
        "section_path": row["section_path"],
        "sectors": [
            {"slug": slug, "name": name, "primary": primary} for slug, name, primary in row["sectors"]
        ],
        "status": status,
        "status_label": status_label(status),
        "owner": row["owner_username"],
        "priority": row["priority"],
        "target_date": target_date.isoformat() if target_date else None,
        "last_reviewed_at": _timestamp(row["last_reviewed_at"]),
        "is_stale": bool(row["is_stale"]),
        "overdue": bool(row["is_overdue"]),
        "evidence_count": row["evidence_count"] or 0,
        "latest_review": None
        if review is None
        else {
            "id": review["id"],
            "url": links.review(review["id"]),
            "reviewed_at": _timestamp(review["reviewed_at"]),
            "status_before": review["status_before"],
            "status_after": review["status_after"],
            "reviewer": review["reviewer_username"],
            "rationale": review["rationale_preview"],
        },
    }


# A write body may carry only the fields it can change: a field the serializer does not know, or one
# it only reads ("status" on a commitment, "id" on evidence), is a 400 that names it, rather than a
# 200 that silently changed nothing. (A comment, not a docstring: the schema shows docstrings.)
class RejectUnknownFields(serializers.Serializer):
    hints: dict[str, str] = {}  # a field clients often try, and where it is changed instead

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            writable = sorted(name for name, field in self.fields.items() if not field.read_only)
            refused = {}
            for name in sorted(set(data) - set(writable)):
                known = name in self.fields
                refused[name] = [
                    self.hints.get(name)
                    or ("A read-only field." if known else "Unknown field.")
                    + " This request can change: "
                    + ", ".join(writable)
                    + "."
                ]
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)


class EvidenceSerializer(RejectUnknownFields, serializers.ModelSerializer):
    commitment = serializers.SlugRelatedField(
        slug_field="reference",
        queryset=Commitment.objects.all(),
        help_text="Reference of the commitment this evidence is about (set on creation; it never moves).",
        # A text box in the browsable API: a <select> would load every commitment.
        style={"base_template": "input.html"},
    )
    added_by = serializers.CharField(source="added_by.username", read_only=True, allow_null=True)
    cited = serializers.SerializerMethodField(
        help_text="A review cites it, so it is part of the record: PATCH and DELETE answer 409."
    )
    link_status = serializers.SerializerMethodField(
        help_text="What the last check of its URL found: unchecked (not yet), ok, redirected (reachable at "
        "`final_url`), broken (failed several checks in a row: 4xx/5xx, DNS, timeout) or refused (not a "
        "public address, or robots.txt disallows it). Checked within minutes of being added, then weekly."
    )
    final_url = serializers.SerializerMethodField(
        help_text="Where the URL led at the last check (after redirects); null if never reached."
    )
    checked_at = serializers.SerializerMethodField(help_text="When its URL was last checked; null if never.")
    archived = serializers.SerializerMethodField(
        help_text="The URL of the latest archived copy of the page's text (with its SHA-256, its time and "
        "whether the page changed since it was first archived), or null if none was kept yet."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "commitment",
            "url",
            "title",
            "publisher",
            "published_on",
            "kind",
            "signal",
            "excerpt",
            "added_by",
            "created_at",
            "cited",
            "link_status",
            "final_url",
            "checked_at",
            "archived",
        ]
        read_only_fields = [
            "id",
            "added_by",
            "created_at",
            "cited",
            "link_status",
            "final_url",
            "checked_at",
            "archived",
        ]
        extra_kwargs = {"published_on": {"validators": DATE_RANGE_VALIDATORS}}

    # The methods below are what the schema describes and what DRF's own to_representation (a test's
    # reference) calls; to_representation builds the same by hand (evidence_item).
    def get_cited(self, evidence: Evidence) -> bool:
        return bool(getattr(evidence, "is_cited", False))

    @extend_schema_field(serializers.ChoiceField(choices=LinkStatus.choices))
    def get_link_status(self, evidence: Evidence) -> str:
        return str(evidence.link_status)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_final_url(self, evidence: Evidence) -> str | None:
        health = evidence.link_health
        return (health.final_url or None) if health is not None else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_checked_at(self, evidence: Evidence) -> str | None:
        health = evidence.link_health
        return _timestamp(health.checked_at) if health is not None else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_archived(self, evidence: Evidence) -> str | None:
        return _archive_url(evidence.pk, self.context) if evidence.is_archived else None

    def to_representation(self, evidence: Evidence) -> dict[str, Any]:
        # As CommitmentSerializer's: the fields above by hand (tests/test_api_read.py holds both equal).
        return evidence_item(evidence_values(evidence), evidence.commitment.reference, self.context)


def evidence_values(evidence: Evidence) -> dict[str, Any]:
    """A piece of evidence (from EvidenceQuerySet.for_list() or in_detail()) as the values a detail reads
    of it (querysets.EVIDENCE_VALUES)."""
    added_by = evidence.added_by
    health = evidence.link_health
    return {
        "id": evidence.pk,
        "url": evidence.url,
        "title": evidence.title,
        "publisher": evidence.publisher,
        "published_on": evidence.published_on,
        "kind": evidence.kind,
        "signal": evidence.signal,
        "excerpt": evidence.excerpt,
        "added_by_username": added_by.username if added_by is not None else None,
        "created_at": evidence.created_at,
        # Lists annotate it (EvidenceQuerySet.for_list); evidence just written cannot be cited yet.
        "is_cited": bool(getattr(evidence, "is_cited", False)),
        "link_status": health.status if health is not None else None,
        "final_url": health.final_url if health is not None else None,
        "checked_at": health.checked_at if health is not None else None,
        "is_archived": evidence.is_archived,
    }


def evidence_item(values: Mapping[str, Any], reference: str, context: Any) -> dict[str, Any]:
    """A piece of evidence as the API shows it (EvidenceSerializer's declared fields), from its values;
    `reference` is its commitment's."""
    published_on = values["published_on"]
    return {
        "id": values["id"],
        "commitment": reference,
        "url": values["url"],
        "title": values["title"],
        "publisher": values["publisher"],
        "published_on": published_on.isoformat() if published_on else None,
        "kind": values["kind"],
        "signal": values["signal"],
        "excerpt": values["excerpt"],
        "added_by": values["added_by_username"],
        "created_at": _timestamp(values["created_at"]),
        "cited": bool(values["is_cited"]),
        "link_status": str(values["link_status"] or LinkStatus.UNCHECKED),  # no link row: never checked
        "final_url": values["final_url"] or None,
        "checked_at": _timestamp(values["checked_at"]),
        "archived": _archive_url(values["id"], context) if values["is_archived"] else None,
    }


def _archive_url(evidence_id: int, context: Any) -> str:
    # Reversed once per request, kept in the (shared, mutable) serializer context, filled in per row.
    pattern = context.get("_archive_pattern")
    if pattern is None:
        pattern = reverse("api:evidence-archive", args=[URL_SLOT], request=context.get("request"))
        context["_archive_pattern"] = pattern
    return fill_url(pattern, evidence_id)


class EvidenceArchiveSerializer(serializers.Serializer):
    # The latest archived copy of an evidence page's text (commitments/linkcheck.py). (A comment, not a
    # docstring: the schema shows docstrings.)
    evidence = serializers.IntegerField(source="evidence_id", help_text="The evidence's id.")
    url = serializers.URLField(help_text="The URL the text was fetched from (after redirects).")
    fetched_at = serializers.DateTimeField()
    content_type = serializers.CharField(help_text="As the server sent it, e.g. text/html; charset=utf-8.")
    sha256 = serializers.CharField(help_text="SHA-256 of the text (UTF-8), in hexadecimal.")
    size = serializers.IntegerField(help_text="Bytes received.")
    truncated = serializers.BooleanField(help_text="The page was longer than the size cap: cut there.")
    changed_since_cited = serializers.SerializerMethodField(
        help_text="The page's text now differs from the first copy archived (page changed since cited)."
    )
    page = serializers.SerializerMethodField(help_text="The same text as a public web page.")
    text = serializers.CharField(help_text="The page's main text (HTML reduced to text, a PDF's text layer).")

    def get_changed_since_cited(self, archive: EvidenceArchive) -> bool:
        health = archive.evidence.link_health
        return bool(health and health.changed_since_cited)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page(self, archive: EvidenceArchive) -> str:
        path = django_reverse("pages:evidence-archive", args=[archive.evidence_id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReviewSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="commitment.reference", read_only=True)
    reviewer = serializers.CharField(source="reviewer.username", read_only=True)
    evidence: serializers.ManyRelatedField = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        many=True, read_only=True
    )  # many=True returns a ManyRelatedField at run time; the stubs do not model that
    changes_status = serializers.BooleanField(read_only=True)
    method_version = serializers.CharField(
        read_only=True,
        help_text="The assessment method (status scale and review intervals) in force when the review was "
        "written, e.g. 2026.1; it never changes afterwards. The method in force now: the API root's "
        "`method`.",
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "commitment",
            "reviewer",
            "reviewed_at",
            "status_before",
            "status_after",
            "changes_status",
            "rationale",
            "evidence",
            "method_version",
        ]
        read_only_fields = fields

    def to_representation(self, review: Review) -> dict[str, Any]:
        # As CommitmentSerializer's: the fields above by hand (tests/test_api_read.py holds both equal).
        return review_item(review_values(review), review.commitment.reference)


def review_values(review: Review) -> dict[str, Any]:
    """A review (from ReviewQuerySet.for_list() or in_detail()) as the values a detail reads of it
    (querysets.REVIEW_VALUES)."""
    return {
        "id": review.pk,
        "reviewed_at": review.reviewed_at,
        "status_before": review.status_before,
        "status_after": review.status_after,
        "reviewer_username": review.reviewer.username,
        "rationale": review.rationale,
        "method_version": review.method_version,
        "evidence": [item.pk for item in review.cited_evidence],
    }


def review_item(values: Mapping[str, Any], reference: str) -> dict[str, Any]:
    """A review as the API shows it (ReviewSerializer's declared fields), from its values; `reference` is
    its commitment's."""
    return {
        "id": values["id"],
        "commitment": reference,
        "reviewer": values["reviewer_username"],
        "reviewed_at": _timestamp(values["reviewed_at"]),
        "status_before": values["status_before"],
        "status_after": values["status_after"],
        "changes_status": values["status_before"] != values["status_after"],
        "rationale": values["rationale"],
        "evidence": list(values["evidence"]),
        "method_version": values["method_version"],
    }


EMBEDDED = embed_limit()  # as configured when the schema is described (settings.TRACKER_DETAIL_EMBED_LIMIT)


def _list_url(name: str, reference: str, request: Any) -> str:
    """A list endpoint filtered to one commitment (`?commitment=<reference>`)."""
    return reverse(name, request=request) + "?" + urlencode({"commitment": reference})


class CommitmentDetailSerializer(CommitmentSerializer):
    # One commitment with the latest of its evidence and history, built on
    # CommitmentQuerySet.for_api_detail(): bounded however long the history is, with how many there are
    # in all and where to page through the rest. (A comment: a docstring would be published.)

    version = serializers.IntegerField(read_only=True)
    document_title = serializers.CharField(source="document.title", read_only=True)
    start_offset = serializers.IntegerField(read_only=True)
    end_offset = serializers.IntegerField(read_only=True)
    evidence = EvidenceSerializer(
        source="recent_evidence",
        many=True,
        read_only=True,
        help_text=f"Its evidence, newest publication first: the first {EMBEDDED} of `evidence_count`; "
        "all of it is at `evidence_url`.",
    )
    evidence_url = serializers.SerializerMethodField(
        help_text="All its evidence, paged, most recently added first: the evidence list filtered to this "
        "commitment (`evidence/?commitment=<reference>`)."
    )
    reviews = serializers.SerializerMethodField(
        help_text=f"Its latest {EMBEDDED} reviews (fewer if it has fewer), oldest first, so the last one is "
        "the latest; `review_count` says how many there are in all, `reviews_url` lists them all."
    )
    review_count = serializers.IntegerField(read_only=True, help_text="How many reviews it has in all.")
    reviews_url = serializers.SerializerMethodField(
        help_text="Its whole review history, paged, newest first: the review list filtered to this "
        "commitment (`reviews/?commitment=<reference>`)."
    )

    def to_representation(self, commitment: Commitment) -> dict[str, Any]:
        # As CommitmentSerializer's: the fields above by hand (tests/test_api_read.py holds both equal).
        # The API reads a detail as values (CommitmentQuerySet.detail_row); an instance is read into them.
        paths = self.context.get("section_paths", {})
        return detail_item(detail_values(commitment, paths), self.context)

    @extend_schema_field(OpenApiTypes.URI)
    def get_evidence_url(self, commitment: Commitment) -> str:
        return _list_url("api:evidence-list", commitment.reference, self.context.get("request"))

    @extend_schema_field(ReviewSerializer(many=True))
    def get_reviews(self, commitment: Commitment) -> list[dict[str, Any]]:
        # The latest reviews arrive newest first; the detail has always listed its history oldest first.
        return list(ReviewSerializer(commitment.recent_reviews[::-1], many=True).data)

    @extend_schema_field(OpenApiTypes.URI)
    def get_reviews_url(self, commitment: Commitment) -> str:
        return _list_url("api:review-list", commitment.reference, self.context.get("request"))


def detail_values(commitment: Commitment, section_paths: Mapping[int, list[str]]) -> dict[str, Any]:
    """A commitment (from CommitmentQuerySet.for_api_detail()) as the values CommitmentQuerySet.detail_row()
    reads."""
    # Its recent reviews first: the latest review is the first of them (Commitment.latest_review).
    reviews = commitment.recent_reviews
    return {
        **list_values(commitment, section_paths),
        "version": commitment.version,
        "start_offset": commitment.start_offset,
        "end_offset": commitment.end_offset,
        "updated_at": commitment.updated_at,
        "review_count": commitment.review_count,  # type: ignore[attr-defined]  # for_api_detail()
        "document_title": commitment.document.title,
        "evidence": [evidence_values(evidence) for evidence in commitment.recent_evidence],
        "reviews": [review_values(review) for review in reviews],
    }


def detail_item(row: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """One commitment as its detail shows it (CommitmentDetailSerializer's declared fields), from
    detail_values() or CommitmentQuerySet.detail_row()."""
    request = context.get("request")
    reference = row["reference"]
    data = list_item(row, row_links(context))
    data["version"] = row["version"]
    data["document_title"] = row["document_title"]
    data["start_offset"] = row["start_offset"]
    data["end_offset"] = row["end_offset"]
    data["evidence"] = [evidence_item(values, reference, context) for values in row["evidence"]]
    data["evidence_url"] = _list_url("api:evidence-list", reference, request)
    # The latest reviews arrive newest first; the detail has always listed its history oldest first.
    data["reviews"] = [review_item(values, reference) for values in reversed(row["reviews"])]
    data["review_count"] = row["review_count"]
    data["reviews_url"] = _list_url("api:review-list", reference, request)
    return data


class CommitmentVersionSerializer(serializers.Serializer):
    # What a 412 says about the commitment as it is now: which version, who changed it and when, and
    # where to GET it whole. (A comment: a docstring would be published.)

    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True, help_text="Stable reference, e.g. CSP2021-II.4-03.")
    url = serializers.SerializerMethodField(
        help_text="The commitment in the API: GET it before writing again."
    )
    version = serializers.IntegerField(read_only=True, help_text="Its current version.")
    etag = serializers.SerializerMethodField(
        help_text='Its current ETag, e.g. "commitment-12-v5" (also in the ETag header).'
    )
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, help_text="When it last changed.")
    updated_by = serializers.CharField(
        source="updated_by.username",
        read_only=True,
        allow_null=True,
        help_text="Who changed it last (username), or null when not known.",
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, commitment: Commitment) -> str:
        return reverse(
            "api:commitment-detail", args=[commitment.reference], request=self.context.get("request")
        )

    def get_etag(self, commitment: Commitment) -> str:
        return commitment_etag(commitment)


class ReviewCreateSerializer(RejectUnknownFields):
    status = serializers.ChoiceField(choices=Status.choices, help_text="The status after this review.")
    rationale = serializers.CharField(
        allow_blank=True,
        default="",
        max_length=MAX_TEXT_LENGTH,
        help_text=f"Required when the status changes; at most {MAX_TEXT_LENGTH:,} characters.",
    )
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        default=list,
        max_length=100,
        help_text="Ids of this commitment's evidence that the review cites.",
    )


class CommitmentUpdateSerializer(RejectUnknownFields):
    """The curation fields a lead may change; status changes only through a review."""

    hints = {
        "status": "The status changes only by recording a review: POST it to this commitment's reviews/."
    }

    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True, is_staff=True),
        allow_null=True,
        required=False,
        help_text="Username of the analyst who keeps this commitment current, or null.",
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    target_date = serializers.DateField(allow_null=True, required=False, validators=DATE_RANGE_VALIDATORS)
    primary_sector = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Sector.objects.all(),
        allow_null=True,
        required=False,
        help_text="Slug of the sector it counts under in reports, or null.",
    )
    secondary_sectors = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Sector.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of its other sectors; replaces the current ones.",
    )


class SectionNodeSerializer(serializers.Serializer):
    key = serializers.CharField()
    heading = serializers.CharField()
    level = serializers.IntegerField()
    commitment_count = serializers.IntegerField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Nested sections, same shape.")


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:document-detail", lookup_field="slug")
    source_url = serializers.CharField(
        read_only=True, help_text="Where the text was published (http/https), or empty."
    )
    commitment_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Document
        fields = [
            "slug",
            "url",
            "reference_prefix",
            "title",
            "publisher",
            "published_on",
            "source_url",
            "period_start",
            "period_end",
            "language",
            "content_hash",
            "commitment_count",
        ]
        read_only_fields = fields


class DocumentDetailSerializer(DocumentSerializer):
    sections = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "sections"]
        read_only_fields = fields

    @extend_schema_field(SectionNodeSerializer(many=True))
    def get_sections(self, document: Document) -> list[dict[str, Any]]:
        counts: dict[int, int] = self.context.get("section_counts", {})
        nodes: dict[int, dict[str, Any]] = {}
        roots: list[dict[str, Any]] = []
        sections: list[Section] = list(document.sections.all())
        for section in sections:
            nodes[section.pk] = {
                "key": section.key,
                "heading": section.heading,
                "level": section.level,
                "commitment_count": counts.get(section.pk, 0),
                "children": [],
            }
        for section in sections:
            parent = nodes.get(section.parent_id) if section.parent_id else None
            (parent["children"] if parent else roots).append(nodes[section.pk])
        return roots


class SectorSerializer(serializers.ModelSerializer):
    # The stubs see Field.parent (the enclosing serializer); the metaclass moves declared fields off
    # the class, so a field named "parent" is fine at run time.
    parent = serializers.SlugRelatedField(  # type: ignore[assignment,var-annotated]
        slug_field="slug", read_only=True, allow_null=True, help_text="Slug of the parent sector, or null."
    )
    children = serializers.SerializerMethodField(help_text="Slugs of the sectors directly below this one.")

    class Meta:
        model = Sector
        fields = ["slug", "name", "description", "parent", "children"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_children(self, sector: Sector) -> list[str]:
        return [child.slug for child in sector.children.all()]


class ProgressQuerySerializer(serializers.Serializer):
    document = serializers.SlugField(required=False, help_text="Document slug; all documents if omitted.")
    group_by = serializers.ChoiceField(
        choices=list(GROUPINGS),
        default="sector",
        help_text="What each row counts: sector (primary sector, so each commitment counts once), "
        "section, status, owner or document.",
    )
    as_of = serializers.DateField(
        required=False,
        validators=DATE_RANGE_VALIDATORS,
        help_text="Answer from the review history as of the end of this day (YYYY-MM-DD, 1900–2200).",
    )


class CountsSerializer(serializers.Serializer):
    unassessed = serializers.IntegerField()
    not_started = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    stalled = serializers.IntegerField()
    partially_achieved = serializers.IntegerField()
    achieved = serializers.IntegerField()
    not_achieved = serializers.IntegerField()


class ProgressRowSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True)
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]  # shadows Field.label only in the stubs
    total = serializers.IntegerField()
    counts = CountsSerializer()
    assessed_share = serializers.FloatField(help_text="Share of commitments with any status but unassessed.")
    completion = serializers.FloatField(help_text="(achieved + ½ × partially achieved) / total.")
    stale = serializers.IntegerField()
    overdue = serializers.IntegerField(
        help_text="How many are past their target date and not in a final status: on the `as_of` day by "
        "their status then, else today."
    )


class ProgressReportSerializer(serializers.Serializer):
    group_by = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    rows = ProgressRowSerializer(many=True)
    overall = ProgressRowSerializer()


class TimelineQuerySerializer(serializers.Serializer):
    document = serializers.SlugField(
        required=False,
        help_text="Document slug; the timeline starts at its plan period. All documents if omitted.",
    )
    sector = serializers.SlugField(
        required=False, help_text="Sector slug (with children, primary or secondary)."
    )
    interval = serializers.ChoiceField(
        choices=["month", "quarter"], default="month", help_text="One point per month or per quarter."
    )

    def validate_sector(self, value: str) -> str:
        # An unknown sector would chart nothing, which reads as "no commitments": say what exists.
        slugs = [slug for slug, _label in sector_choices()]  # as the sector filters list them
        if value not in slugs:
            raise serializers.ValidationError(UNKNOWN_SECTOR.format(value=value, known=", ".join(slugs)))
        return value


class TimelinePointSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    counts = CountsSerializer()
    total = serializers.IntegerField()


class TimelineSerializer(serializers.Serializer):
    interval = serializers.CharField()
    points = TimelinePointSerializer(many=True)
