"""CSV as a negotiable format (`?format=csv`). List and report views stream their own CSV;
this renderer only turns other payloads (errors) into CSV so a CSV request never fails to render."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer

from commitments.exports import csv_lines


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if isinstance(data, dict):
            rows: list[list[Any]] = [[key, value] for key, value in data.items()]
        elif isinstance(data, list):
            rows = [[item] for item in data]
        else:
            rows = [[data]]
        return "".join(csv_lines(["field", "value"], rows)).encode("utf-8")
