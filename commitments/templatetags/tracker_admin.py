from django import template
from django.utils.safestring import SafeString

from commitments.display import status_badge_html

register = template.Library()


@register.filter
def status_badge(status: str) -> SafeString:
    return status_badge_html(status)
