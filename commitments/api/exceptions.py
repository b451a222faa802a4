"""Errors as HTTP: Django ValidationError → 400 with field messages, append-only → 405, cited evidence
→ 409. (A stale If-Match → 412 is CommitmentViewSet.handle_exception: its body needs the view.)"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from commitments.exceptions import AppendOnlyError, CitedEvidenceIsFrozenError


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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, AppendOnlyError):
        exc = exceptions.MethodNotAllowed(context["request"].method, detail=str(exc))
    elif isinstance(exc, CitedEvidenceIsFrozenError):
        exc = Conflict(detail=str(exc), code="cited_evidence_is_frozen")
    return drf_exception_handler(exc, context)
