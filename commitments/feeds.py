"""Atom feeds of status changes: everything, or any selection the list page can make.

`/feeds/changes/` takes the list's filters (`document`, `sector`, `status`, `q`, …) and
`commitment` (a reference): the pages advertise the feed of what they show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from commitments.display import status_label
from commitments.filters import UNKNOWN_COMMITMENT, CommitmentFilterSet, is_reference
from commitments.models import Commitment, Review
from commitments.views import filter_query

FEED_LENGTH = 50


@dataclass(frozen=True)
class Selection:
    """The commitments a feed follows, and how to say so."""

    commitments: Any
    query: str
    description: str


class StatusChangesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Selection:
        params = request.GET.copy()
        reference = params.pop("commitment", [""])[-1]
        filterset = CommitmentFilterSet(params, queryset=Commitment.objects.all())
        if not filterset.is_valid():
            problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
            raise BadRequest(f"Cannot follow this selection: {problems}")
        commitments = filterset.qs
        if reference:
            if not is_reference(reference):
                raise BadRequest(UNKNOWN_COMMITMENT.format(value=reference))
            commitments = commitments.filter(reference=reference)
        described = ", ".join(
            [f"{name} {value}" for name, value in params.items() if value]
            + ([reference] if reference else [])
        )
        return Selection(commitments.order_by(), filter_query(request.GET), described or "all documents")

    def title(self, selection: Selection) -> str:
        return f"Commitment Tracker: status changes ({selection.description})"

    def subtitle(self, selection: Selection) -> str:
        return "Each entry is a review that moved a commitment's status, with its rationale."

    def link(self, selection: Selection) -> str:
        return reverse("pages:commitment-list") + (f"?{selection.query}" if selection.query else "")

    def feed_url(self, selection: Selection) -> str:
        return reverse("pages:feed-changes") + (f"?{selection.query}" if selection.query else "")

    def items(self, selection: Selection) -> list[Review]:
        changes = Review.objects.for_list().filter(commitment__in=selection.commitments.values("pk"))
        return list(changes.status_changes()[:FEED_LENGTH])

    def item_title(self, review: Review) -> str:
        before, after = status_label(review.status_before), status_label(review.status_after)
        return f"{review.commitment.reference}: {before} → {after}"

    def item_description(self, review: Review) -> str:
        cited = [item.title for item in review.cited_evidence]
        evidence = f" Evidence: {'; '.join(cited)}." if cited else ""
        return f"{review.rationale}{evidence}"

    def item_link(self, review: Review) -> str:
        # Also the entry's Atom id (made absolute by the framework): one review, one entry, for good.
        return f"{review.commitment.get_absolute_url()}#review-{review.pk}"

    def item_author_name(self, review: Review) -> str:
        return review.reviewer.get_username()

    def item_pubdate(self, review: Review) -> datetime:
        return review.reviewed_at

    def item_updateddate(self, review: Review) -> datetime:
        return review.reviewed_at
