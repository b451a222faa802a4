from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def status_badge(status: str) -> SafeString:
    from commitments.admin import status_badge_html

    return status_badge_html(status)
