"""Properties of extract() that hold for any input string."""

from __future__ import annotations

import re
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from commitments.importer.parser import ExtractedDocument, extract
from commitments.importer.text import is_space
from tests.test_extractor_scoring import DATA

ANY_CHARACTER = st.characters(codec=None, categories=None)
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\f", "\n\n", "\u2028", "\x85", "\v"])
TRICKY = st.sampled_from(
    [
        "\x00",
        "\ufeff",
        "\u200f",
        "\u202e",
        "\xa0",
        "\t",
        "-",
        "- ",
        "• ",
        "(a) ",
        "1) ",
        "I. ",
        "(1) ",
        ":",
        ".",
        "’",
    ]
)


@cache
def corpus_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(DATA.glob("*.txt")):
        lines += path.read_text(encoding="utf-8-sig").splitlines()
    return [line for line in lines if line.strip()] + [
        "It will:",
        "In the next five years, China will:",
        "- 12 -",
        "Page 3 of 40",
        "Chapter 3",
        "3.2 Storage",
        "the Earth-",
        "- Moon system and beyond.",
        "develop-",
        "ment of new satellites.",
    ]


document_like = st.lists(
    st.one_of(st.sampled_from(corpus_lines()), st.text(alphabet=ANY_CHARACTER, max_size=30), TRICKY),
    max_size=40,
).flatmap(
    lambda parts: st.lists(LINE_BREAKS, min_size=len(parts), max_size=len(parts)).map(
        lambda breaks: "".join(part + brk for part, brk in zip(parts, breaks, strict=True))
    )
)


_BREAK = re.compile(r"\r\n|[\n\r\f\v\x1c-\x1e\x85\u2028\u2029]")


def _letters(text: str) -> str:
    return "".join(ch for ch in text if not (is_space(ch) or ch == "-"))


def check_invariants(text: str, doc: ExtractedDocument) -> None:
    for commitment in doc.commitments:
        assert 0 <= commitment.start < commitment.end <= len(text)
        # The commitment's text begins with the first source line of its span. Only that line: joining
        # lines drops soft hyphens ("develop-" + "ment") and page furniture between them.
        first_line = _BREAK.split(text[commitment.start : commitment.end], maxsplit=1)[0]
        assert text[commitment.start] == commitment.text[0]
        assert _letters(commitment.text).startswith(_letters(first_line))
        assert commitment.text == commitment.text.strip()
        assert commitment.rule
    for section in doc.sections:
        assert 0 <= section.start < section.end <= len(text)
        assert section.level >= 1
        assert section.path[-1] == section.heading
        assert len(section.path) == section.level
    starts = [c.start for c in doc.commitments]
    assert starts == sorted(starts)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ANY_CHARACTER))
def test_extract_never_raises_on_arbitrary_text(text: str) -> None:
    check_invariants(text, extract(text))


@settings(max_examples=200, deadline=None)
@given(document_like)
def test_offsets_hold_on_mixtures_of_real_document_lines(text: str) -> None:
    check_invariants(text, extract(text))


@settings(max_examples=100, deadline=None)
@given(document_like)
def test_extraction_is_deterministic(text: str) -> None:
    assert extract(text) == extract(text)
