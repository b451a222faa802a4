"""JSON bodies within bounds: nested at most MAX_DEPTH deep (the deepest body the API takes is two:
a review's list of evidence ids), with no control characters in any key or string (PostgreSQL cannot
store a NUL, and none belongs in a rationale or a URL). Either is a 400 that says which, instead of a
RecursionError or a database error deep in a view."""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, FormParser, JSONParser, MultiPartParser

MAX_DEPTH = 16
# C0 controls but tab, line feed and carriage return (a rationale may have paragraphs), and DEL.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested too deep (at most {MAX_DEPTH} levels).") from None
        _check(data, depth=1)
        return data


class BoundedFormParser(FormParser):
    """The browsable API's forms: the same refusal of control characters as JSON."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _check(list(data.lists()), depth=1)
        return data


class BoundedMultiPartParser(MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> DataAndFiles:
        parsed = super().parse(stream, media_type, parser_context)
        _check(list(parsed.data.lists()), depth=1)
        return parsed


def _check(value: Any, depth: int) -> None:
    if isinstance(value, str):
        if _CONTROL_RE.search(value):
            raise ParseError("JSON parse error - a string contains a control character (such as NUL).")
        return
    if not isinstance(value, dict | list | tuple):
        return
    if depth > MAX_DEPTH:
        raise ParseError(f"JSON parse error - nested too deep (at most {MAX_DEPTH} levels).")
    if isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth)
            _check(item, depth + 1)
    else:
        for item in value:
            _check(item, depth + 1)
