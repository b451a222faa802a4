"""Reading is public (unless TRACKER_API_REQUIRE_LOGIN); each write names the model permission it needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ReadPublicWriteWithPermission(BasePermission):
    """A view declares `write_permissions = {action: ("app.codename", …)}`; unlisted writes are refused."""

    message = "You need an analyst or lead account with the matching permission for this."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not _handles(view, request):
            return True  # the view answers 405 Method Not Allowed, which says more than 403
        if request.method in SAFE_METHODS:
            return request.user.is_authenticated or not settings.TRACKER_API_REQUIRE_LOGIN
        if not request.user.is_authenticated:
            return False
        token = getattr(request, "auth", None)
        if token is not None and getattr(token, "write_enabled", True) is False:
            self.message = "This API token is read-only."
            return False
        required = getattr(view, "write_permissions", {}).get(getattr(view, "action", None))
        return required is not None and request.user.has_perms(required)


def _handles(view: Any, request: Request) -> bool:
    method = (request.method or "").lower()
    if method not in getattr(view, "http_method_names", ()):
        return False  # e.g. PUT on evidence: routed to `update` by the router, yet not offered
    if hasattr(view, "action_map"):  # a viewset: unmapped methods have no action
        return getattr(view, "action", None) is not None
    return hasattr(view, method)
