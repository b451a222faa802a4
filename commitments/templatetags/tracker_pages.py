"""Template helpers of the public pages."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from commitments.choices import STATUS_BADGE_COLOURS
from commitments.display import status_label

register = template.Library()


@register.simple_tag
def status_styles() -> SafeString:
    """The status colours as CSS classes, from the one palette the admin's badges use too."""
    rules = format_html_join(
        "\n",
        ".status-{0}{{background:{1};color:{2}}} .status-{0}-fill{{fill:{1}}}",
        (
            (status, background, foreground)
            for status, (background, foreground) in STATUS_BADGE_COLOURS.items()
        ),
    )
    return format_html("<style>\n{}\n</style>", rules)


@register.filter
def status_tag(status: str) -> SafeString:
    """A status as a coloured label: the words carry the meaning, the colour only repeats it."""
    return format_html('<span class="status status-{}">{}</span>', status, status_label(status))
