"""The admin index panel: the signed-in analyst's stale items, the counts by status, and how many
suggestions of evidence wait for a decision."""

from __future__ import annotations

from typing import Any

from django import template

from commitments import reports
from commitments.choices import Status
from commitments.models import Commitment, EvidenceSuggestion

register = template.Library()

STALE_PREVIEW = 10


@register.inclusion_tag("admin/commitments/dashboard.html", takes_context=True)
def tracker_dashboard(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    mine = Commitment.objects.owned_by(user).stale().for_list().order_by("last_reviewed_at", "created_at")
    overall = reports.summary(Commitment.objects.all())
    return {
        "my_stale": list(mine[:STALE_PREVIEW]),
        "my_stale_total": mine.count(),
        "status_counts": [(status, overall["counts"][status.value]) for status in Status],
        "total": overall["total"],
        # Evidence the public suggested, waiting for an analyst (admin/suggestions.py): one COUNT.
        "suggestions_waiting": (
            EvidenceSuggestion.objects.pending().count()
            if user.has_perm("commitments.view_evidencesuggestion")
            else None
        ),
    }
