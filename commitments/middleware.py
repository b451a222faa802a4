"""Requests no view can answer sensibly are refused before any view runs: a control character in the
path or the query string (no reference, slug, filter value or date contains one, and PostgreSQL
cannot even compare a NUL), or a body declared larger than the upload limit. Under /api/ the refusal
is JSON like every other API error (commitments.errors). Every answer carries the Permissions-Policy
header (settings.TRACKER_PERMISSIONS_POLICY)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from commitments.errors import error_response

# C0 controls and DEL; tab, line feed and carriage return may be typed into a search box.
_CONTROL_IN_QUERY_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_PATH_RE = re.compile(r"[\x00-\x1f\x7f]")


class RequestHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _CONTROL_IN_PATH_RE.search(request.path) or _CONTROL_IN_QUERY_RE.search(
            unquote_to_bytes(request.META.get("QUERY_STRING", "").replace("+", " "))
        ):
            return error_response(request, 400, "The address contains a control character (such as NUL).")
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and (not length.isdigit() or len(length) > 15 or int(length) > limit):
            if length.isdigit():
                return error_response(request, 413, f"The body is larger than the limit of {limit} bytes.")
            return error_response(request, 400, "The Content-Length header is not a number.")
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.TRACKER_PERMISSIONS_POLICY)
        return response
