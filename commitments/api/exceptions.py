"""Errors as HTTP: Django ValidationError → 400 with field messages, append-only → 405, cited evidence
→ 409, the database down or too slow → 503 with Retry-After. (A stale If-Match → 412 is
CommitmentViewSet.handle_exception: its body needs the view.)"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from commitments.errors import RETRY_AFTER_SECONDS, UNAVAILABLE
from commitments.exceptions import AppendOnlyError, CitedEvidenceIsFrozenError

logger = logging.getLogger(__name__)


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "This write needs an If-Match header with the commitment's current ETag (GET it first); "
        "it protects your colleagues' edits from being overwritten."
    )
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the record."
    default_code = "conflict"


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable or too slow right now. Try again shortly."
    default_code = "database_unavailable"
    wait = RETRY_AFTER_SECONDS  # DRF sends it as Retry-After


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, AppendOnlyError):
        exc = exceptions.MethodNotAllowed(context["request"].method, detail=str(exc))
    elif isinstance(exc, CitedEvidenceIsFrozenError):
        exc = Conflict(detail=str(exc), code="cited_evidence_is_frozen")
    elif isinstance(exc, UNAVAILABLE):
        logger.error("Database unavailable: %s", exc)
        exc = DatabaseUnavailable()
    return drf_exception_handler(exc, context)
