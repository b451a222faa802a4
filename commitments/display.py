"""Presentation helpers shared by the admin, the API, the pages and the e-mails: one label, one badge,
one way to shorten a text, so a status reads the same wherever it appears."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commitments.choices import FINAL_STATUSES, STATUS_BADGE_COLOURS, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# A commitment's text in one line of a list, a digest or a page title.
SHORT_TEXT_LENGTH: Final = 90
# The latest rationale as a list item shows it (cut in SQL, so a long one is never read whole).
RATIONALE_PREVIEW_LENGTH: Final = 280

# Shown beside evidence a review cites (services refuse to change it; the database too).
FROZEN_NOTE: Final = (
    "Cited by a review: part of the record. To correct it, add new evidence and cite it in a new review."
)

_SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)
_NEUTRAL_BADGE = ("#e5e7eb", "#1f2937")


# Lists link every row: reverse() once per request with URL_SLOT in place of the row's value, then
# fill_url() per row (reverse() itself costs more than the rest of a row).
URL_SLOT: Final = "00000000slot00000000"
_PATH_SEGMENT_SAFE = "!$&'()*+,;=~:@"  # what reverse() leaves unquoted in a path segment


def fill_url(pattern: str, value: str | int) -> str:
    """`pattern` (reversed with URL_SLOT as one path segment) for `value`, quoted as reverse() quotes it."""
    return pattern.replace(URL_SLOT, quote(str(value), safe=_PATH_SEGMENT_SAFE))


def truncate(text: str, length: int = SHORT_TEXT_LENGTH) -> str:
    """`text` cut to at most `length` characters, ending in "…" when it was cut."""
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


_STATUS_LABELS: Final = dict(Status.choices)  # read per row of every list and export: a dict, not the enum


def status_label(status: str) -> str:
    """The human label of a status code; an unknown code (bad data) is shown as it is."""
    return str(_STATUS_LABELS.get(status, status))


def status_badge_html(status: str) -> SafeString:
    """A coloured badge that always carries its label (colour is never the only signal)."""
    background, foreground = STATUS_BADGE_COLOURS.get(status, _NEUTRAL_BADGE)
    return format_html(
        '<span class="status-badge" style="background:{};color:{};padding:1px 8px;border-radius:9px;'
        'white-space:nowrap;font-weight:600">{}</span>',
        background,
        foreground,
        status_label(status),
    )


# Beside a status, never instead of it: a commitment can be overdue in any status but the final ones.
OVERDUE_LABEL: Final = "Overdue"
OVERDUE_TITLE: Final = "Past its target date and not in a final status"


def overdue_badge_html(overdue: bool, css_class: str = "overdue-badge") -> SafeString:
    """The word "Overdue" (styled by `css_class`, colour repeating the word), or nothing."""
    if not overdue:
        return SafeString("")
    return format_html('<span class="{}" title="{}">{}</span>', css_class, OVERDUE_TITLE, OVERDUE_LABEL)


def status_change_html(before: str, after: str) -> SafeString:
    """ "before → after" badges, or the one status a review confirmed."""
    if before == after:
        return format_html("{} <small>(confirmed)</small>", status_badge_html(after))
    return format_html("{} → {}", status_badge_html(before), status_badge_html(after))


def local_time_html(
    moment: datetime | None, *, date_only: bool = False, empty: str = "never"
) -> SafeString | str:
    """A compact local time ("2026-12-02 09:50", or the day only), the full time on hover."""
    if moment is None:
        return empty
    local = timezone.localtime(moment)
    shown = f"{local:%Y-%m-%d}" if date_only else f"{local:%Y-%m-%d %H:%M}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', local.isoformat(), f"{local:%Y-%m-%d %H:%M %Z}", shown
    )


def safe_link(url: str, text: str) -> SafeString:
    """Link only http(s) URLs: data can reach the table without validation (bulk, raw SQL)."""
    if _SAFE_URL.match(url or ""):
        return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', url, text)
    return format_html("{} <em>(unsafe link withheld)</em>", text)


def acting_user(request: Any) -> User:
    """The signed-in user behind a request (admin views and API writes admit no one else)."""
    return cast("User", request.user)


@dataclass(frozen=True)
class SourceParagraph:
    """A commitment's verbatim text with the rest of the paragraph it stands in."""

    before: str
    text: str
    after: str


def source_paragraph(full_text: str, start: int, end: int, fallback: str) -> SourceParagraph:
    """The paragraph of `full_text` around [start, end); `fallback` alone if the offsets do not fit."""
    if not full_text or not 0 <= start < end <= len(full_text):
        return SourceParagraph("", fallback, "")
    para_start = max(full_text.rfind("\n\n", 0, start), full_text.rfind("\r\n\r\n", 0, start))
    para_start = 0 if para_start < 0 else para_start
    ends = [i for i in (full_text.find("\n\n", end), full_text.find("\r\n\r\n", end)) if i >= 0]
    para_end = min(ends) if ends else len(full_text)
    return SourceParagraph(
        full_text[para_start:start].lstrip("\r\n"), full_text[start:end], full_text[end:para_end].rstrip()
    )


def status_stylesheet() -> str:
    """The status colours as CSS classes, from the one palette the admin's badges use too; served as a
    stylesheet of its own (views.status_styles), since the pages allow no inline <style>."""
    rules = [
        f".status-{status}{{background:{background};color:{foreground}}} "
        f".status-{status}-fill{{fill:{background}}}\n"
        for status, (background, foreground) in STATUS_BADGE_COLOURS.items()
    ]
    return "".join(rules)


METHOD_DOCUMENTATION: Final = "docs/method.md"


def method_in_force() -> dict[str, Any]:
    """The assessment method as consumers see it (the API root's `method`): its version, the status scale
    with the final statuses, the review interval of each status in days (null: never stale) and where
    it is written down. Read from the settings on each call, so it is always the one reviews record."""
    return {
        "version": str(settings.TRACKER_METHOD_VERSION),
        "statuses": list(Status.values),
        "final_statuses": [status for status in Status.values if status in FINAL_STATUSES],
        "review_interval_days": dict(settings.COMMITMENT_REVIEW_INTERVAL_DAYS),
        "overdue": "Past its target date and not in a final status, whatever the status.",
        "documentation": METHOD_DOCUMENTATION,
    }
