"""`?format=` must name a format the view offers; an empty or unknown one is a 404, never ignored."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request


class StrictFormatNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        if "format" in request.query_params and not request.query_params["format"]:
            raise NotFound("Unknown format ''.")
        return super().select_renderer(request, renderers, format_suffix)
