"""Layout handling for the extractor: physical lines, page furniture, re-joining wrapped text.

Nothing here changes the input string: every cleaned piece of text carries a map back to
offsets in the text that was passed to ``extract()``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Every character Python's str.splitlines() treats as a line boundary; a form feed is a page break.
_BREAK_RE = re.compile(r"\r\n|[\n\r\f\v\x1c\x1d\x1e\x85\u2028\u2029]")
# Invisible characters that may sit at the edge of a line (BOM, zero-width space/joiners).
_INVISIBLE = frozenset("\ufeff\u200b\u200c\u200d\u2060\u200e\u200f")
# Characters that sit inside a word without showing: a soft hyphen, a zero-width space or word joiner.
_INSIDE_WORD = frozenset("\u00ad\u200b\u2060")

_PAGE_NUMBER_RE = re.compile(
    r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]|\[\s*\d{1,4}\s*\]",
    re.IGNORECASE,
)
_ROMAN_PAGE_RE = re.compile(r"[ivx]{1,5}")
# "Some running header     12", "Chapter 1 ........ 3" (table of contents), "Title | 12".
_GAP_NUMBER_RE = re.compile(
    r"(?P<body>.{1,100}?\S)(?:[ \t\xa0]{3,}|\t|[ \t]*(?:\.[ \t]?){3,}[ \t]*|[ \t]*…+[ \t]*|[ \t]+\|[ \t]*)"
    r"(?:page[ \t]+)?\d{1,4}",
    re.IGNORECASE,
)
_NUMBER_GAP_RE = re.compile(
    r"(?:page[ \t]+)?\d{1,4}(?:[ \t\xa0]{3,}|\t|[ \t]+\|[ \t]*)\S.{0,100}", re.IGNORECASE
)
_KEY_EDGE_NUMBER_RE = re.compile(
    r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*[|·•:\-–—]*\s+|\s+[|·•:\-–—]*\s*(?:page\s+)?\d{1,4}"
    r"(?:\s*(?:of|/)\s*\d{1,4})?\s*$",
    re.IGNORECASE,
)
_SPACES_RE = re.compile(r"\s+")
_TERMINAL_RE = re.compile(r"[.;:!?][\"'”’)\]]*$")
_WORD_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_LAST_WORD_RE = re.compile(r"([A-Za-z]+)\W*$")


def words(spaced: str) -> frozenset[str]:
    """A word list written as one spaced string, for readability."""
    return frozenset(spaced.split())


# A line ending in one of these words cannot end a sentence, so a blank line after it is a page break.
FUNCTION_WORDS = words(
    """a an the of and or nor but to in into onto for with on by at from as its their our his her this that
    these those under over between among through via such including both either than per whose which who
    is are was were be been being will shall would should can could may might must has have had not no
    very every other"""
)
# Hyphenated compounds whose first half is one of these keep their hyphen when split over two lines.
_COMPOUND_HEADS = words(
    """high low long short well self non cross full large small world real medium mid state top wide first
    second third one two three four five six seven eight nine ten year all ever old new next end half
    anti space ground earth sea land air cost time user people market data science man hand near far
    deep cutting follow value green carbon life middle open"""
)
# Word endings that only ever continue a word broken by a line-end hyphen ("develop-" + "ment").
_SUFFIX_FRAGMENT_RE = re.compile(
    r"(?:ment|ments|tion|tions|sion|sions|ing|ings|ed|ly|ity|ities|ness|ance|ances|ence|ences|able|ible|al|"
    r"ally|ure|ures|ive|ives|ous|ize|izes|ized|ise|ised|ist|ists|ism|ure|ation|ations|er|ers|ry|ries|ic|ics)\b"
)


def is_space(ch: str) -> bool:
    return ch.isspace() or ch in _INVISIBLE


@dataclass(slots=True)
class Line:
    """One physical line: ``text`` is the visible content, ``start``/``end`` its span in the input."""

    start: int
    end: int
    text: str
    indent: int
    page: int = 0  # form feeds before this line
    noise: bool = False

    @property
    def blank(self) -> bool:
        return self.start == self.end


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    page = 0
    for match in _BREAK_RE.finditer(text):
        lines.append(_make_line(text, pos, match.start(), page))
        pos = match.end()
        page += match.group() == "\f"
    lines.append(_make_line(text, pos, len(text), page))
    return lines


def _make_line(text: str, start: int, end: int, page: int) -> Line:
    line_start = start
    while start < end and is_space(text[start]):
        start += 1
    while end > start and is_space(text[end - 1]):
        end -= 1
    return Line(start, end, text[start:end], start - line_start, page)


def is_page_number(s: str) -> bool:
    return bool(_PAGE_NUMBER_RE.fullmatch(s) or _ROMAN_PAGE_RE.fullmatch(s))


def furniture_key(s: str) -> str:
    """A line with any page number at either edge removed, for spotting running headers and footers."""
    return _KEY_EDGE_NUMBER_RE.sub("", _SPACES_RE.sub(" ", s.strip().lower())).strip()


def table_cells(s: str) -> list[str] | None:
    """The cells of a table row as saved pages and converted PDFs print it ("Task | Date | Lead") or as a
    table copied from a word processor or a spreadsheet comes ("Task<tab>Lead<tab>Date"), or None for a
    line of prose."""
    if "\t" in s.strip():
        cells = [cell.strip() for cell in s.strip().split("\t") if cell.strip()]
        return cells if len(cells) >= 2 else None
    if s.count(" | ") < 2 and not (s.startswith("|") and s.count("|") >= 3):
        return None
    return [cell.strip() for cell in s.strip().strip("|").split("|")]


def _is_table_row(s: str) -> bool:
    """A table row whose last cell is a year ("Publish the plan | Department of Health | 2025", or the
    same with tabs), not a contents line ("1.1 | Introduction | 5"): three cells or more, the first of
    words."""
    cells = table_cells(s)
    return cells is not None and len(cells) >= 3 and len(cells[0].split()) >= 2 and not cells[0][:1].isdigit()


def mark_page_furniture(lines: list[Line], protected: set[int]) -> None:
    """Flag page numbers, running headers/footers and table-of-contents lines as noise.

    ``protected`` holds indexes of lines that look like headings or list items: those are only
    dropped when they carry a page number after a wide gap (a contents line or a footer).
    """
    keys: dict[int, str] = {}
    edges = _page_edges(lines)
    for index, line in enumerate(lines):
        if line.blank:
            continue
        s = _SPACES_RE.sub(" ", line.text) if "\xa0" in line.text else line.text
        short = len(s) <= 160  # furniture is short; the bound also keeps the regexes linear
        gap_number = (
            short and (_GAP_NUMBER_RE.fullmatch(s) or _NUMBER_GAP_RE.fullmatch(s)) and not _is_table_row(s)
        )
        if (short and is_page_number(s.strip())) or gap_number:
            line.noise = True
        elif (
            index not in protected
            and (edges is None or index in edges)
            and not _TERMINAL_RE.search(line.text)
            and len(line.text) <= 120
        ):
            key = furniture_key(line.text)
            if len(key) >= 4 and any(c.isalpha() for c in key):
                keys[index] = key
    counts = Counter(keys.values())
    for index, key in keys.items():
        if counts[key] >= 3:
            lines[index].noise = True


# "Contents", "Table of contents", and the same after its name in another language ("Ngā ihirangi
# Contents").
_CONTENTS_HEADING_RE = re.compile(r"(?:[^\W\d]+\s+){0,3}?(?:table\s+of\s+)?contents\s*:?", re.IGNORECASE)
# How a heading is numbered or labelled ("1.", "Chapter 1", "Annex A –", "II."), which its entry in
# the contents may print otherwise.
_ENTRY_LABEL_RE = re.compile(
    r"^(?:(?:part|chapter|section|annex|appendix)\s+)?(?:[ivxlc]+|[a-z]|\d+(?:\.\d+)*)?[.):]?\s*[-–—:]?\s*",
    re.IGNORECASE,
)
_ENTRY_MOST_WORDS = 16
_SENTENCE_END_RE = re.compile(r"[.;!][\"'”’)\]]*$")


def _entry_key(text: str) -> str:
    """A heading's words without its number, label or page number: what its contents entry shares."""
    body = _KEY_EDGE_NUMBER_RE.sub("", _SPACES_RE.sub(" ", text).strip())
    body = _ENTRY_LABEL_RE.sub("", body, count=1)
    return " ".join(re.findall(r"\w+", body.lower()))


def mark_table_of_contents(lines: list[Line]) -> None:
    """Flag a table of contents as noise: the "Contents" heading and the short lines after it, up to
    the first sentence or the first entry printed again (where the body starts). Its entries are not
    the document's sections; read as headings they would take the numbers of the real ones ("3."
    listed first, so chapter 3 keyed "3-2"). It counts as one only when most of its entries come back
    later as lines of their own."""
    content = [index for index, line in enumerate(lines) if not line.blank and not line.noise]
    for position, index in enumerate(content):
        if not _CONTENTS_HEADING_RE.fullmatch(lines[index].text.strip()):
            continue
        entries: list[int] = []
        first_key = ""
        for following in content[position + 1 :]:
            text = _SPACES_RE.sub(" ", lines[following].text).strip()
            key = _entry_key(text)
            if entries and key == first_key:
                break  # the body starts over with the first entry's heading
            if len(text.split()) > _ENTRY_MOST_WORDS or _SENTENCE_END_RE.search(text) or not key:
                break  # a sentence: the body has begun ("2. What is at stake?" is still an entry)
            if not entries:
                first_key = key
            entries.append(following)
        if len(entries) < 2:
            continue
        end = entries[-1]
        later = {_entry_key(line.text) for line in lines[end + 1 :] if not line.blank}
        if 2 * sum(_entry_key(lines[i].text) in later for i in entries) >= len(entries):
            for i in (index, *entries):
                lines[i].noise = True
        return


def _page_edges(lines: list[Line], depth: int = 3) -> set[int] | None:
    """Indexes of the first and last few lines of each page, where running headers and footers sit;
    None when the text has no page breaks (then a line repeated anywhere may be one)."""
    pages: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if not line.blank:
            pages.setdefault(line.page, []).append(index)
    if len(pages) < 2:
        return None
    return {index for members in pages.values() for index in (*members[:depth], *members[-depth:])}


def ends_terminal(s: str) -> bool:
    return bool(_TERMINAL_RE.search(s))


_WEB_ADDRESS_RE = re.compile(r"https?://|www\.", re.IGNORECASE)


def ends_open(s: str) -> bool:
    """True when a line visibly stops mid-sentence (comma, hyphen, article, preposition...)."""
    if not s:
        return False
    if s[-1] == "/" and _WEB_ADDRESS_RE.search(s[-120:]):
        return False  # a web address ends there ("… http://royalsociety.org/policy/"), not a sentence
    if s[-1] in ",-–(/&":
        return True
    match = _LAST_WORD_RE.search(s)
    return bool(match and s.endswith(match.group(1)) and match.group(1).lower() in FUNCTION_WORDS)


class Dehyphenator:
    """Decides whether a line-end hyphen is a soft break ("develop-/ment") or a real one ("Earth-/Moon")."""

    def __init__(self, text: str) -> None:
        words = _WORD_RE.findall(text.lower()) if "-" in text else []
        self._joined = {w for w in words if "-" not in w}
        self._hyphenated = {w for w in words if "-" in w}

    def keep_hyphen(self, before: str, after: str) -> bool:
        head_match = re.search(r"([A-Za-z]+)$", before)
        tail_match = re.match(r"[A-Za-z]+", after)
        if not head_match or not tail_match or not after[:1].islower():
            return True
        head, tail = head_match.group(1).lower(), tail_match.group(0).lower()
        if head + tail in self._joined:
            return False
        if f"{head}-{tail}" in self._hyphenated:
            return True
        if head in _COMPOUND_HEADS:
            return not (_SUFFIX_FRAGMENT_RE.match(tail) and len(tail) <= 5)
        return False


def join_parts(text: str, parts: list[tuple[int, int]], dehyphenator: Dehyphenator) -> tuple[str, list[int]]:
    """Glue line fragments into one string with single spaces, repairing hyphenated line ends.

    Returns the cleaned string and, for every character, its offset in ``text`` (a joining space
    maps to the start of the fragment it precedes).
    """
    out: list[str] = []
    offsets: list[int] = []
    for index, (start, end) in enumerate(parts):
        if index and out:
            previous = out[-1]
            first = text[start] if start < end else ""
            if previous == "-" and len(out) > 1 and out[-2].isalpha() and first.isalpha():
                if not dehyphenator.keep_hyphen("".join(out[-40:-1]), text[start:end]):
                    out.pop()
                    offsets.pop()
            elif previous == "-" and len(out) > 1 and out[-2].isdigit() and first.isdigit():
                pass  # "2021-" + "2025": a range split at the line end
            elif text[parts[index - 1][1] - 1] == "\u00ad":
                pass  # "infra\u00ad" + "structure": a soft hyphen at the line end joins one word
            elif previous != " ":
                out.append(" ")
                offsets.append(start)
        for position in range(start, end):
            ch = text[position]
            if ch in _INSIDE_WORD:
                continue  # "Govern\u00adment", "pub\u200blish": one word
            if is_space(ch):
                if not out or out[-1] == " ":
                    continue
                ch = " "
            out.append(ch)
            offsets.append(position)
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets
