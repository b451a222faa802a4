"""The public pages, server-rendered for researchers who are not programmers.

Reads come from querysets.py, filters.py and reports.py (the same ones the API uses), so a page and
the API never disagree; each page runs a fixed number of queries however much it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from commitments import charts, lockout, reports, services
from commitments.choices import Status
from commitments.display import source_paragraph, status_stylesheet
from commitments.filters import CheckboxValues, CommitmentFilterSet
from commitments.forms import SuggestEvidenceForm
from commitments.models import Commitment, Document, Evidence, Review, Section, Sector

PAGE_SIZE = 50
RECENT_CHANGES = 10

# The filter form's help on the page: the FilterSet's own help describes the API's query syntax,
# which a reader ticking boxes does not need.
PAGE_HELP = {
    "sector": "A broad sector includes its narrower ones; secondary sectors count too.",
    "section": "A section number as printed, e.g. II.4 (with its subsections).",
    "q": "Words from the text or a reference; ’ and ' match each other.",
    "stale": "Due for a review, by the review interval of its status.",
    "overdue": "Past its target date without a final status (achieved or not achieved).",
}


def filter_query(params: QueryDict, *, drop: tuple[str, ...] = ("page",)) -> str:
    """The filters of a request as a query string without empty values (the API refuses `?name=`)."""
    pairs = [
        (name, value) for name, values in params.lists() if name not in drop for value in values if value
    ]
    return urlencode(pairs)


def _documents() -> list[Document]:
    return list(Document.objects.for_list().order_by("-published_on", "title", "pk"))


def _chosen_document(request: HttpRequest, documents: list[Document]) -> Document | None:
    slug = request.GET.get("document") or None
    if slug is None:
        return None
    for document in documents:
        if document.slug == slug:
            return document
    raise Http404(f"No document {slug!r}.")


def _progress_context(commitments: Any, *, scope: str, start: Any = None) -> dict[str, Any]:
    """Headline figures, status by sector (bars + table) and the burn-up (chart + table).

    Computed once per state of the data (reports.remembered); `scope` names the selection.
    """
    state, _changed = reports.fingerprint(commitments)
    progress = reports.remembered(
        "page-progress", state, {"scope": scope}, lambda: reports.progress(commitments, group_by="sector")
    )
    overall = progress.overall
    counts = overall["counts"]
    timeline = reports.remembered(
        "page-timeline",
        state,
        {"scope": scope, "start": start},
        lambda: reports.timeline(commitments, interval="month", start=start),
    )
    return {
        "overall": overall,
        "headline": [
            ("Commitments", overall["total"], ""),
            (
                "Assessed",
                overall["total"] - counts[Status.UNASSESSED],
                "status=" + ",".join(status for status in Status.values if status != Status.UNASSESSED),
            ),
            ("Achieved", counts[Status.ACHIEVED], f"status={Status.ACHIEVED}"),
            ("Partially achieved", counts[Status.PARTIALLY_ACHIEVED], f"status={Status.PARTIALLY_ACHIEVED}"),
            ("Stalled", counts[Status.STALLED], f"status={Status.STALLED}"),
            ("Stale", overall["stale"], "stale=true"),
            ("Overdue", overall["overdue"], "overdue=true"),
        ],
        "by_sector": charts.stacked_bars(progress.rows, overall),
        "burn_up": charts.burn_up(timeline) if timeline else None,
        "statuses": charts.legend(),
    }


@cache_control(max_age=3600, public=True)
@require_safe
def status_styles(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status_stylesheet(), content_type="text/css; charset=utf-8")


def overview(request: HttpRequest) -> HttpResponse:
    """Progress at a glance: one document (`?document=`) or all of them."""
    documents = _documents()
    document = _chosen_document(request, documents)
    commitments = (
        Commitment.objects.all() if document is None else Commitment.objects.filter(document=document)
    )
    start = document.period_start if document else min((d.period_start for d in documents), default=None)
    scope = f"document={document.slug}" if document else ""
    context = {
        "documents": documents,
        "document": document,
        "scope": scope,
        "recent": list(
            Review.objects.for_list().filter(commitment__in=commitments).status_changes()[:RECENT_CHANGES]
        ),
        "feed_query": scope,
        **_progress_context(commitments, scope=f"document:{scope}", start=start),
    }
    return TemplateResponse(request, "commitments/pages/overview.html", context)


def commitment_page(selected: QuerySet[Commitment], number: str | None) -> tuple[Page, list[Commitment]]:
    """Page `number` of `selected` and its commitments as lists show them.

    The page's ids come first, from the filters and the order alone; only those rows are then read
    with their latest review, counts and sectors (as the API's list does), so page 250 costs what
    page 1 costs.
    """
    page = Paginator(selected.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    return page, Commitment.objects.for_api().in_order_of(list(page))


def commitment_list(request: HttpRequest) -> HttpResponse:
    """The API's filters as a form; shareable URLs; CSV and API links carrying the same filters."""
    filterset = CommitmentFilterSet(request.GET, queryset=Commitment.objects.all())
    for name, field in filterset.form.fields.items():  # before validation binds the fields
        field.help_text = PAGE_HELP.get(name, "")
    # Tick boxes rather than a list that needs Ctrl-click: the sector tree, indented, like the statuses.
    sectors = filterset.form.fields["sector"]
    sectors.widget = CheckboxValues(choices=sectors.widget.choices)
    valid = filterset.is_valid()
    page, commitments = commitment_page(
        filterset.qs if valid else Commitment.objects.none(), request.GET.get("page")
    )
    query = filter_query(request.GET)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "valid": valid,
        "page": page,
        "commitments": commitments,
        "query": query,
        "page_query": query,
        "feed_query": query,
        "csv_url": reverse("api:commitment-list")
        + "?"
        + "&".join(filter(None, [query, "format=csv", "bom=1"])),
        "api_url": reverse("api:commitment-list") + (f"?{query}" if query else ""),
    }
    return TemplateResponse(request, "commitments/pages/commitment_list.html", context)


# Reviews and pieces of evidence per page of a commitment's page: the page stays small however long
# its history grows; older ones are a link away (?history=2, ?evidence=2).
DETAIL_PAGE_SIZE = 50


class CountedPaginator(Paginator):
    """A paginator told its count (the commitment's annotated review or evidence count), so paging a
    history costs no COUNT query of its own."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @property
    def count(self) -> int:
        return self.known_count


def commitment_detail(
    request: HttpRequest,
    reference: str,
    *,
    suggest_form: SuggestEvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The citable page of one commitment: its words in their paragraph, its evidence and history, and
    the form to suggest evidence (`suggest_form` bound, with its errors, when a suggestion is refused)."""
    commitment = get_object_or_404(Commitment.objects.for_api().with_review_count(), reference=reference)
    document = commitment.document
    full_text = Document.objects.filter(pk=document.pk).values_list("full_text", flat=True).get()
    paths = Section.objects.filter(document=document).paths()
    # Newest first, a page at a time; a page of the history reads oldest first, as a timeline does.
    # Both counts are annotations of for_api() and with_review_count().
    review_count, evidence_count = commitment.review_count, commitment.evidence_count  # type: ignore[attr-defined]
    reviews = CountedPaginator(commitment.reviews.in_detail(), DETAIL_PAGE_SIZE, review_count)
    evidence = CountedPaginator(commitment.evidence.in_detail(), DETAIL_PAGE_SIZE, evidence_count)
    reviews_page = reviews.get_page(request.GET.get("history"))
    evidence_page = evidence.get_page(request.GET.get("evidence"))
    history = sorted(reviews_page.object_list, key=lambda review: (review.reviewed_at, review.pk))
    context = {
        "commitment": commitment,
        "document": document,
        "paragraph": source_paragraph(
            full_text, commitment.start_offset, commitment.end_offset, commitment.text
        ),
        "section_path": paths.get(commitment.section_id, []) if commitment.section_id else [],
        "sectors": commitment.sectors_in_order,
        "evidence": list(evidence_page.object_list),
        "evidence_page": evidence_page,
        "history": history,
        "history_page": reviews_page,
        "cite_url": request.build_absolute_uri(commitment.get_absolute_url()),
        "accessed": timezone.localdate(),
        "feed_query": urlencode({"commitment": commitment.reference}),
        "suggest_form": suggest_form or SuggestEvidenceForm(),
        "suggestion_limit": lockout.suggestion_limit(),
    }
    return TemplateResponse(request, "commitments/pages/commitment_detail.html", context, status=status)


SUGGESTION_THANKS = (
    "Thank you: your suggestion is waiting for an analyst. It appears here only if they accept it as "
    "evidence."
)


@require_POST
def suggest_evidence(request: HttpRequest, reference: str) -> HttpResponse:
    """A visitor's evidence for a commitment: filed pending an analyst's decision, never shown before.

    Limited per client address (lockout.client_address: a made-up X-Forwarded-For changes nothing);
    post/redirect/get with a thank-you message, or the page again with the form's errors."""
    commitment = get_object_or_404(Commitment.objects.only("pk", "reference"), reference=reference)
    limit = lockout.suggestion_limit()
    if not limit.spend(lockout.client_address(request)):
        response = TemplateResponse(
            request,
            "commitments/pages/suggestion_limited.html",
            {"commitment": commitment, "limit": limit},
            status=429,
        )
        response["Retry-After"] = str(limit.window)
        return response
    form = SuggestEvidenceForm(request.POST)
    if form.caught_a_robot:
        # Answered like an accepted suggestion, so a robot learns nothing; nothing is stored.
        messages.success(request, SUGGESTION_THANKS, extra_tags="suggestion")
        return redirect(commitment.get_absolute_url() + "#suggest-heading")
    if form.is_valid():
        try:
            outcome = services.submit_suggestion(
                commitment=commitment,
                url=form.cleaned_data["url"],
                note=form.cleaned_data["note"],
                email=form.cleaned_data["email"],
            )
        except ValidationError as error:  # the model's own rules, should the form's ever differ
            if hasattr(error, "error_dict"):
                for field, field_errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                form.add_error(None, error)
        else:
            text = SUGGESTION_THANKS if outcome.created else services.SUGGESTION_WAITING
            messages.success(request, text, extra_tags="suggestion")
            return redirect(commitment.get_absolute_url() + "#suggest-heading")
    return commitment_detail(request, reference, suggest_form=form, status=400)


@dataclass(frozen=True)
class Piece:
    """A run of the document's text: plain, a section's start, or a commitment."""

    text: str
    section: Section | None = None
    commitment: Commitment | None = None


def annotated_text(full_text: str, sections: list[Section], commitments: list[Commitment]) -> list[Piece]:
    """The document's text cut into pieces, each commitment (and each section start) marked in place."""
    events = sorted(
        [(section.start_offset, 0, section) for section in sections]
        + [(commitment.start_offset, 1, commitment) for commitment in commitments],
        key=lambda event: (event[0], event[1]),
    )
    pieces: list[Piece] = []
    cursor = 0
    for offset, _kind, item in events:
        if offset < cursor or offset > len(full_text):
            continue  # overlapping or out of range: leave the text as it is
        if offset > cursor:
            pieces.append(Piece(full_text[cursor:offset]))
            cursor = offset
        if isinstance(item, Section):
            pieces.append(Piece("", section=item))
        else:
            end = min(item.end_offset, len(full_text))
            pieces.append(Piece(full_text[offset:end], commitment=item))
            cursor = end
    pieces.append(Piece(full_text[cursor:]))
    return pieces


def document_text(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole source text with every commitment highlighted in place, by status."""
    document = get_object_or_404(Document, slug=slug)
    in_document = Commitment.objects.filter(document=document)
    commitments = list(
        in_document.order_by("start_offset")
        .only("pk", "reference", "status", "start_offset", "end_offset")
        .with_overdue()  # the "Overdue" tag beside a status, without reading each row's target date
    )
    sections = list(Section.objects.filter(document=document).order_by("start_offset", "position"))
    by_section = reports.progress(in_document, group_by="section")
    # Each section's row links to where the section starts in the text (its key, after "slug:").
    section_rows = [
        {
            **row,
            "anchor": f"section-{row['group'].split(':', 1)[1]}" if row["group"] else "",
            "assessed": row["total"] - row["counts"][Status.UNASSESSED],
        }
        for row in by_section.rows
    ]
    overall = by_section.overall
    context = {
        "document": document,
        "pieces": annotated_text(document.full_text, sections, commitments),
        "commitment_count": len(commitments),
        "section_rows": section_rows,
        "legend": [(item, overall["counts"][item.status]) for item in charts.legend()],
        "feed_query": urlencode({"document": document.slug}),
    }
    return TemplateResponse(request, "commitments/pages/document.html", context)


def sector_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A sector's commitments (its children's too, primary or secondary) and their progress."""
    sector = get_object_or_404(Sector.objects.select_related("parent"), slug=slug)
    in_sector = Commitment.objects.in_sectors([slug])
    page, commitments = commitment_page(in_sector, request.GET.get("page"))
    context = {
        "sector": sector,
        "children": list(Sector.objects.filter(parent=sector).order_by("position", "name")),
        "page": page,
        "commitments": commitments,
        "query": urlencode({"sector": slug}),
        "feed_query": urlencode({"sector": slug}),
        **_progress_context(in_sector, scope=f"sector:{slug}"),
    }
    return TemplateResponse(request, "commitments/pages/sector.html", context)


@require_safe
def evidence_archive(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest archived copy of an evidence page's text, as plain text on a page: the proof behind
    a review when the page itself is gone or has changed."""
    evidence = get_object_or_404(Evidence.objects.select_related("commitment", "link"), pk=pk)
    archive = evidence.archives.order_by("-fetched_at", "-pk").first()
    if archive is None:
        raise Http404("No archived copy of this evidence.")
    context = {"evidence": evidence, "archive": archive, "health": evidence.link_health}
    return TemplateResponse(request, "commitments/pages/evidence_archive.html", context)
