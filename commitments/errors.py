"""Error answers for the whole site: JSON under /api/ (what an API client parses), Django's own pages
elsewhere. Wired as handler400/403/404/500 in tracker/urls.py and used by the middleware, so an error
raised outside DRF (an unknown URL, a body too large, a database that is down) is JSON under /api/ too."""

from __future__ import annotations

import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
# How long a client should wait before trying again when the database is unreachable or too slow.
RETRY_AFTER_SECONDS = 5
# The database errors that say "not now" rather than "this request is wrong": it is down, refused
# the connection, did not answer within the connect timeout, or cancelled a statement that ran past
# the statement timeout.
UNAVAILABLE = (OperationalError, InterfaceError)

_MESSAGES = {
    400: "Bad request.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    413: "The body is too large.",
    500: "Server error. It has been logged; try again later.",
    503: "The service is briefly unavailable. Try again shortly.",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(
    request: HttpRequest, status: int, detail: str | None = None, headers: dict[str, str] | None = None
) -> HttpResponse:
    message = detail or _MESSAGES.get(status, "Error.")
    if is_api(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=status)
    else:
        response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bad_request(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return error_response(request, 400)
    return defaults.bad_request(request, exception, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return error_response(request, 403)
    return defaults.permission_denied(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if is_api(request):
        return error_response(request, 404, "No such address in the API. The root, /api/v1/, lists them.")
    return defaults.page_not_found(request, exception, **kwargs)


def unavailable(request: HttpRequest) -> HttpResponse:
    return error_response(request, 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand.
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return unavailable(request)
    if is_api(request):
        return error_response(request, 500)
    return defaults.server_error(request, **kwargs)
