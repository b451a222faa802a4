"""CSV as a negotiable format (`?format=csv`), offered only where the data is flat: the commitment list
and the progress report stream their own CSV (commitments/exports.py). This renderer only draws what
else such a request can get, an error, as `field,message` rows, so a CSV request never fails to render.
Also DRF's browsable API as the Content-Security-Policy allows it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rest_framework import renderers
from rest_framework.renderers import BaseRenderer

from commitments.exports import csv_lines


def _messages(data: Any, field: str = "") -> Iterator[list[str]]:
    """One row per message, however the error nests (field → messages, list item → messages)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _messages(value, f"{field}.{key}" if field else str(key))
    elif isinstance(data, list):
        for item in data:
            yield from _messages(item, field)
    else:
        yield [field, str(data)]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return "".join(csv_lines(["field", "message"], _messages(data))).encode("utf-8")


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML view of the API, without the inline <style> of its code highlighting: the
    Content-Security-Policy allows no inline style element (settings.CONTENT_SECURITY_POLICY)."""

    def get_context(
        self, data: Any, accepted_media_type: str | None, renderer_context: Any
    ) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context
