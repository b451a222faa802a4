"""`?format=` must name a format the endpoint offers: an empty or unknown one is 406 Not Acceptable listing
the formats it does offer, never ignored and never a 404 that reads as "no such endpoint". An Accept
header nothing can satisfy is a 406 listing the media types."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request


class StrictFormatNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        name = self.settings.URL_FORMAT_OVERRIDE
        if name and name in request.query_params:
            renderers = self.filter_renderers(renderers, request.query_params[name])
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            offered = ", ".join(dict.fromkeys(renderer.media_type for renderer in renderers))
            wanted = request.headers.get("Accept", "")
            raise NotAcceptable(f"Cannot answer in {wanted}. This endpoint offers: {offered}.") from None

    def filter_renderers(self, renderers: Any, format: str) -> Any:
        chosen = [renderer for renderer in renderers if renderer.format == format]
        if not chosen:
            offered = ", ".join(renderer.format for renderer in renderers)
            raise NotAcceptable(f"Unknown format {format!r}. This endpoint offers: {offered}.")
        return chosen
