"""Template helpers of the public pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commitments.display import overdue_badge_html, status_label
from commitments.models import Commitment

register = template.Library()


@register.filter
def status_tag(status: str) -> SafeString:
    """A status as a coloured label: the words carry the meaning, the colour only repeats it."""
    return format_html('<span class="status status-{}">{}</span>', status, status_label(status))


@register.filter
def overdue_tag(commitment: Commitment) -> SafeString:
    """ "Overdue" beside a commitment's status when it is past its target date (Commitment.overdue)."""
    return overdue_badge_html(commitment.overdue, "overdue")
