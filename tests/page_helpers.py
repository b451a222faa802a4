"""Checks for the public pages: the HTML parses without a single error, ids are unique."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
from html5lib.html5parser import ParseError


def assert_valid_html(html: str) -> None:
    """Parse as a browser's HTML5 parser does, in strict mode: any parse error (a stray or missing
    end tag, a bad attribute, a missing doctype) fails; then no id may appear twice."""
    parser = html5lib.HTMLParser(strict=True)
    try:
        parser.parse(html)
    except ParseError as error:
        line, column = parser.errors[-1][0] if parser.errors else ("?", "?")
        lines = html.splitlines()
        context = lines[line - 1] if isinstance(line, int) and 0 < line <= len(lines) else ""
        raise AssertionError(f"HTML parse error at {line}:{column}: {error}\n{context[:300]}") from None
    ids = Counter(re.findall(r"""\sid=["']?([^"'\s>]+)""", html))
    repeated = sorted(name for name, count in ids.items() if count > 1)
    assert not repeated, f"ids used twice: {repeated}"
