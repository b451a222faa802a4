"""Page numbers for browsing (with a capped page_size), a cursor for paging through everything."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, Cursor, CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class CappedPageNumberPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    page_size_query_description = "Items per page (default 50, at most 500)."

    @property
    def max_page_size(self) -> int:  # type: ignore[override]  # a property so settings apply at request time
        return int(settings.TRACKER_API_MAX_PAGE_SIZE)


class IdCursorPagination(CursorPagination):
    """Constant-cost pages over the whole set: ordered by the unique, indexed primary key."""

    ordering = "id"
    page_size_query_param = "page_size"
    cursor_query_description = "Opaque cursor from a previous page's next/previous link (cursor mode)."

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return int(settings.TRACKER_API_MAX_PAGE_SIZE)

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> tuple[str, ...]:
        # A cursor needs a unique order; `?ordering=` applies to page mode only.
        return ("id",)

    def decode_cursor(self, request: Request) -> Cursor | None:
        # DRF checks the offset and the direction but takes any position; ours is an id, and a tampered
        # one ("p=abc") would otherwise reach the database as a comparison with a number.
        cursor = super().decode_cursor(request)
        position = cursor.position if cursor is not None else None
        if position is not None and not _is_bounded_int(str(position), 18):
            raise NotFound(self.invalid_cursor_message)
        return cursor


class PageOrCursorPagination(BasePagination):
    """`?page=` (default) or cursor mode with `?mode=cursor` / `?cursor=…`."""

    def __init__(self) -> None:
        self.pages = CappedPageNumberPagination()
        self.cursors = IdCursorPagination()
        self.active: BasePagination = self.pages

    def _choose(self, request: Request) -> BasePagination:
        wants_cursor = request.query_params.get("mode") == "cursor" or "cursor" in request.query_params
        return self.cursors if wants_cursor else self.pages

    def paginate_queryset(self, queryset: Any, request: Request, view: APIView | None = None) -> Any:
        _validate(request)
        self.active = self._choose(request)
        return self.active.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        return self.active.get_paginated_response(data)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        page = self.pages.get_paginated_response_schema(schema)
        page["properties"]["count"]["description"] = "Total matches (page mode only)."
        page["required"] = ["results"]
        return page

    def get_schema_operation_parameters(self, view: APIView) -> list[Any]:
        params = list(self.pages.get_schema_operation_parameters(view))
        for param in params:
            if param["name"] == "page_size":
                param["schema"]["minimum"] = 1
                param["description"] = (
                    "Items per page (default 50); larger values than 500 are capped at 500."
                )
            if param["name"] == "page":
                param["schema"]["minimum"] = 1
        params.append(
            {
                "name": "mode",
                "required": False,
                "in": "query",
                "description": "`cursor` pages through everything in id order without counting.",
                "schema": {"type": "string", "enum": ["page", "cursor"]},
            }
        )
        params.append(
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": IdCursorPagination.cursor_query_description,
                "schema": {"type": "string"},
            }
        )
        return params


def _validate(request: Request) -> None:
    """Refuse malformed paging parameters instead of silently ignoring them."""
    errors: dict[str, str] = {}
    size = request.query_params.get("page_size")
    if size is not None and (not _is_bounded_int(size, 18) or int(size) < 1):
        errors["page_size"] = "A whole number of at least 1 (values above 500 are capped)."
    page = request.query_params.get("page")
    if page is not None and (not _is_bounded_int(page) or int(page) < 1):
        errors["page"] = f"A page number, from 1 to {MAX_PAGE_NUMBER}."
    mode = request.query_params.get("mode")
    if mode is not None and mode not in {"page", "cursor"}:
        errors["mode"] = "Either page or cursor."
    if errors:
        raise ValidationError(errors)


MAX_PAGE_NUMBER = 999_999_999


def _is_bounded_int(value: str, digits: int = 9) -> bool:
    """Digits only, and few enough that int() neither refuses them (Python stops at 4,300 digits) nor
    makes a number the database cannot compare with a bigint (ids: 18 digits)."""
    return value.isascii() and value.isdigit() and len(value) <= digits
