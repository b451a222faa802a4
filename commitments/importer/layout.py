"""Line-level layout: headings, list items and paragraphs of a plain-text policy document.

``build_blocks()`` turns physical lines into logical blocks (a heading, a paragraph, one list item)
with the original spans of their content, re-joining lines that were wrapped or split by a page
break and leaving page furniture out.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from commitments.importer.text import Line, ends_open, ends_terminal, is_page_number, table_cells, words

_KEYWORD_HEADING_RE = re.compile(
    r"(?P<kw>(?i:part|chapter|section|sec\.|article|annex|appendix|goal|objective|pillar|priority|theme|outcome|strategy|action|commitment))\s+(?P<num>[IVXLCDM]{1,7}|\d{1,3}(?:\.\d{1,3})*|[A-Z]|"
    r"(?i:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty))(?!\w|\.\w)\.?(?:\s*[:.\-–—]\s*|\s+|$)(?P<title>.*)"
)
_NUMBERED_HEADING_RES = (
    ("decimal", re.compile(r"(?P<num>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?P<title>\S.*)")),
    # "A.1 Jobs", "B.2.3 Apprenticeships": an annex or part letter, then decimals.
    ("lettered", re.compile(r"(?P<num>[A-Z](?:\.\d{1,2}){1,3})\.?\s+(?P<title>\S.*)")),
    ("roman", re.compile(r"(?P<num>[IVXLC]{1,7})\.\s+(?P<title>\S.*)")),
    ("arabic", re.compile(r"(?P<num>\d{1,2})(?P<dot>\.)?\s+(?P<title>\S.*)")),
    ("paren", re.compile(r"\((?P<num>\d{1,2})\)\s*(?P<title>\S.*)")),
    ("alpha", re.compile(r"(?P<num>[A-Z])\.\s+(?P<title>\S.*)")),
)
_BULLET_RE = re.compile(
    r"(?:(?P<dash>[-–—])(?=\s)|(?P<sym>[*•·▪◦●○■□◆◇♦❖►▸➢➤➔→✓✔\uf0a7\uf0b7\uf0d8\uf076]|o(?=\s))|(?P<dec>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(?=[A-Z])|\((?P<pnum>\d{1,3})\)|\((?P<palpha>[a-z]|[ivx]{2,5})\)"
    r"|(?P<num>\d{1,3})(?P<numsep>[.)])(?=\s)|(?P<alpha>[a-z]|[ivx]{2,5})(?P<alphasep>[.)])(?=\s)"
    r"|(?P<ualpha>[A-Z])\)(?=\s)"
    r"|(?P<zpad>0[1-9])(?=[ \t]+(?!(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))\S))\s*(?=\S)"
)
# "Box 1  Major projects", "Column 3: ...", "Panel B": the title of a callout, not a section.
_CALLOUT_RE = re.compile(
    r"(?P<kw>(?i:box|column|panel|spotlight))\s+(?P<num>\d{1,2}(?:[.-]\d{1,2})?|[A-Z])(?![\w.])\.?"
    r"(?:\s*[:.\-–—]\s*|\s+|$)(?P<title>.*)"
)
# "10 Railways: ..." after "09 Ports: ...": two-digit entries of a callout.
_TWO_DIGIT_RE = re.compile(r"(?P<num>\d{2})[ \t]+(?=\S)")
# "- we will do this" / "- and next …": a demonstrative can close an item, unlike "the" or "of".
_ENDS_WITH_DEMONSTRATIVE_RE = re.compile(r"\b(?:this|that|these|those)$", re.IGNORECASE)
_MODAL_WORD_RE = re.compile(r"\b(?:will|shall)\b")
_ENDS_WITH_MODAL_RE = re.compile(r"(?:\b(?:will|shall|must)|['’]ll)$", re.IGNORECASE)
_INNER_SENTENCE_END_RE = re.compile(r"[a-z0-9%)][.!?]\s+[A-Z]")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SMALL_WORDS = words("a an the of and or for in on at by to with from as vs its into towards toward")
KNOWN_TOP_HEADINGS = words(
    """preamble preface foreword introduction conclusion conclusions epilogue afterword summary abstract
    annex annexes appendix appendices references glossary acknowledgements acknowledgments contents
    postscript overview background"""
) | {"executive summary", "table of contents", "concluding remarks", "closing remarks", "final remarks"}
# Keyword headings that a document may also list one per line, with nothing between them: a run of
# "Goal 1: …" / "Goal 2: …" is a list, not a run of empty sections.
_LISTED_KINDS = words("goal objective pillar priority theme outcome strategy action")


KEYWORD_KINDS = words(
    """part chapter section article annex appendix goal objective pillar priority theme outcome strategy
    action commitment"""
)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


@dataclass(slots=True)
class Heading:
    kind: str  # "roman", "arabic", "decimal-2", "paren", "alpha", "chapter", ..., "top", "plain"
    number: str | None
    title: str
    text: str
    start: int


_MONTH_END_RE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|spring|summer|autumn|fall|winter|by|in|until|"
    r"before|from|since)\s*$"
)


def all_caps(s: str) -> bool:
    """A line set in capitals ("AMONG OUR COMMITMENTS"), not one that opens with an acronym."""
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def row_text(text: str, start: int, end: int) -> tuple[str, list[int]] | None:
    """A tab-separated row as "cell | cell | cell", with each character's offset in ``text`` (a separator
    maps to the tab it stands for), or None when the line has no tabs."""
    line = text[start:end]
    if "\t" not in line.strip():
        return None
    out: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"[^\t]+", line):
        cell = match.group()
        lead = len(cell) - len(cell.lstrip())
        cell = cell.strip()
        if not cell:
            continue
        if out:
            out.append(" | ")
            offsets += [start + match.start() - 1] * 3
        out.append(cell)
        offsets += range(start + match.start() + lead, start + match.start() + lead + len(cell))
    return "".join(out), offsets


@dataclass(slots=True)
class Block:
    kind: str  # "heading", "para", "item" or "row" (one row of a table)
    parts: list[tuple[int, int]] = field(default_factory=list)
    last_line: str = ""
    open_parens: int = 0
    marker: str = ""
    indent: int = 0
    starts_lower: bool = False
    number: str = ""
    heading: Heading | None = None

    def add(self, start: int, end: int, line_text: str) -> None:
        self.parts.append((start, end))
        self.last_line = line_text
        self.open_parens += line_text.count("(") - line_text.count(")")


def roman_value(s: str) -> int:
    total = 0
    for index, ch in enumerate(s):
        value = _ROMAN_VALUES.get(ch.upper(), 0)
        nxt = _ROMAN_VALUES.get(s[index + 1].upper(), 0) if index + 1 < len(s) else 0
        total += -value if value < nxt else value
    return total


def _ordinal(kind: str, number: str) -> tuple[str, int]:
    """(prefix, position) so that siblings can be recognised: "3.2" -> ("3.", 2), "IV" -> ("", 4)."""
    if "." in number:
        prefix, last = number.rsplit(".", 1)
        return prefix + ".", int(last) if last.isdigit() else 0
    if number.isdigit():
        return "", int(number)
    if kind in {"roman", "paren-roman"} or (len(number) > 1 and set(number.upper()) <= set(_ROMAN_VALUES)):
        return "", roman_value(number)
    return "", ord(number.upper()[0]) - 64 if number else 0


def bullet_at(s: str) -> tuple[str, str, int] | None:
    """(marker kind, item number, length of the marker) for a line that starts a list item."""
    match = _BULLET_RE.match(s)
    if not match or match.end() >= len(s):
        return None
    if match.group("dash"):
        return "dash", "", match.end()
    if match.group("dec"):
        return "decimal", match.group("dec"), match.end()
    if match.group("sym"):
        return "sym" + match.group("sym"), "", match.end()
    if match.group("pnum"):
        return "paren-num", match.group("pnum"), match.end()
    if match.group("palpha"):
        value = match.group("palpha")
        return ("paren-roman" if len(value) > 1 else "paren-alpha"), value, match.end()
    if match.group("num"):
        return "num" + match.group("numsep"), match.group("num"), match.end()
    if match.group("alpha"):
        value = match.group("alpha")
        kind = "roman" if len(value) > 1 else "alpha"
        return kind + match.group("alphasep"), value, match.end()
    if match.group("zpad"):
        return "num2", match.group("zpad"), match.end()
    return "ualpha)", match.group("ualpha"), match.end()


def title_case_ratio(s: str) -> float:
    words = [w for w in _WORD_RE.findall(s) if w.lower() not in _SMALL_WORDS]
    if not words:
        return 0.0
    return sum(1 for w in words if w[0].isupper()) / len(words)


# A heading run into its first paragraph, as orders and memoranda print them: "Section 1. Purpose. Artificial
# intelligence holds …", "Sec. 13. General Provisions. (a) Nothing in …", "4.1. Developing Guidelines. (a) …".
_RUN_IN_HEADING_RE = re.compile(
    r"(?P<head>(?:(?i:section|sec\.|article)\s+\d{1,3}(?:\.\d{1,3})*|\d{1,2}(?:\.\d{1,2})+)\.\s+"
    r"(?P<title>[A-Z][^.;:!?]{0,120}?)\.)\s+(?=[A-Z(“\"])"
)


# Bullets a PDF or a pasted text ran into one line: "We will: • publish …; • consult …; and • report …".
_INLINE_BULLET_RE = re.compile(r"(?<=\S)\s+(?=[•▪●◦■]\s+\S)")


def split_inline_bullets(lines: list[Line]) -> list[Line]:
    """A line holding two bullets or more mid-line cut into one line per bullet, offsets kept."""
    result: list[Line] = []
    for line in lines:
        cuts = list(_INLINE_BULLET_RE.finditer(line.text))
        if len(cuts) < 2 and not (cuts and line.text.lstrip()[:1] in "•▪●◦■"):
            result.append(line)
            continue
        starts = [0, *(cut.end() for cut in cuts)]
        ends = [*(cut.start() for cut in cuts), len(line.text)]
        for a, b in zip(starts, ends, strict=True):
            indent = line.indent if a == 0 else 0
            result.append(Line(line.start + a, line.start + b, line.text[a:b], indent, line.page))
    return result


def split_run_in_headings(lines: list[Line]) -> list[Line]:
    """Each run-in heading cut from its paragraph onto a line of its own, offsets kept."""
    result: list[Line] = []
    for line in lines:
        match = _RUN_IN_HEADING_RE.match(line.text)
        if match is None or not heading_shaped(match.group("title"), strict=True):
            result.append(line)
            continue
        head, body = match.end("head") - 1, match.end()  # the heading without its full stop
        result.append(
            Line(line.start, line.start + head, line.text[:head], line.indent, line.page, line.noise)
        )
        result.append(Line(line.start + body, line.end, line.text[body:], line.indent, line.page, line.noise))
    return result


def heading_shaped(title: str, *, strict: bool = False) -> bool:
    title = title.strip()
    if not title:
        return False
    words = title.split()
    if len(title) > 160 or len(words) > 22 or title[-1] in ".;:,":
        return False
    if _MODAL_WORD_RE.search(title) or not (title[0].isupper() or title[0].isdigit() or title[0] in "\"“‘'("):
        return False
    return not strict or (len(words) <= 12 and title_case_ratio(title) >= 0.5)


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
# A line that is only a date: "January 2022", "12 June 2012", "2026", "2026-2030", "06/12/2012".
DATE_LINE_RE = re.compile(
    rf"(?i)^(?:\d{{1,2}}\s+)?{_MONTH}\.?\s+(?:\d{{1,2}},?\s+)?\d{{4}}$"
    r"|^\d{4}(?:\s*[-–]\s*\d{4})?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$"
)


# A field of a template, not a heading: "Lead agency: Department of Finance", "Status: Ongoing".
_FIELD_LINE_RE = re.compile(
    r"(?i:(?:lead|implementing|responsible|supporting|partner)\s+(?:\w+\s+)?(?:agency|agencies|body|bodies|"
    r"department|ministry|organi[sz]ations?|institutions?)|lead|owner|status|timeline|timeframe|start\s+date|"
    r"end\s+date|deadline|duration|budget|cost|contact|partners?|stakeholders)\s*:\s+\S"
)
# An office held, opening the line under a heading: the author's byline ("Minister for the Cabinet Office
# and Paymaster General" under "Foreword by …").
_OFFICE_RE = re.compile(
    r"(?:(?:prime|deputy|vice|first|acting|assistant|associate)[\s-]+)?(?:minister|secretary|chancellor|director|chief|president|premier|commissioner|chair|chairman|"
    r"chairperson|ambassador|governor|mayor)\b",
    re.IGNORECASE,
)
# A signature under a foreword: an honorific, a member's letters, or the date it was signed.
_SIGNATURE_RE = re.compile(
    rf"^(?:the\s+)?(?:rt\.?\s+)?hon\.?\s|\bMP\b|,\s*\d{{1,2}}\s+{_MONTH}\s+\d{{4}}",
    re.IGNORECASE,
)


def plain_heading_shaped(s: str) -> bool:
    """An unnumbered heading: a short line in title case, or a known one ("Preamble", "Conclusion")."""
    if s.lower().strip(" :") in KNOWN_TOP_HEADINGS:
        return True
    words = s.split()
    if not 1 <= len(words) <= 10 or len(s) > 80 or s[-1] in ".;:,!?" or not s[0].isupper():
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 2 or letters <= sum(c.isdigit() for c in s) or DATE_LINE_RE.match(s.strip()):
        return False  # "Y" and "N" in a flow chart, "ISBN: 9780101835329", "Cm 8353", "June 2012"
    if _SIGNATURE_RE.search(s):
        return False  # "Rt Hon Chris Grayling MP, 20 December 2012": who signed the foreword
    if _MODAL_WORD_RE.search(s.lower()) or bullet_at(s) or is_page_number(s):
        return False
    return title_case_ratio(s) >= 0.6


class LayoutReader:
    """Walks the lines of the body once, producing blocks."""

    def __init__(self, lines: list[Line], body_start: int) -> None:
        self.lines = lines
        self.body_start = body_start
        self.blocks: list[Block] = []
        self._alpha_headings: list[str] = []
        # In hard-wrapped text a line as wide as the wrap width is part of a paragraph, not a heading.
        widths = sorted(len(line.text) for line in lines if not line.blank)
        wrap = widths[int(len(widths) * 0.9)] if widths else 0
        self.max_plain_heading = int(wrap * 0.8) if 40 <= wrap <= 100 else 10_000
        # Lines far wider than any wrap width and hardly a blank line between them: each line was
        # written as a paragraph, list item or heading (a page copied from a browser). Where blank
        # lines part the paragraphs (a PDF's text), a line break inside one may be a cut in a narrow
        # box ("… refreshed over summer" / "2012 and …"), and the lines are read as usual.
        gaps = sum(1 for line, after in itertools.pairwise(lines) if line.blank and not after.blank)
        self.line_per_paragraph = wrap > 120 and gaps < 0.1 * len(widths)

    # -- look-ahead helpers ------------------------------------------------------------------
    def _next_content(self, index: int) -> int | None:
        for j in range(index + 1, len(self.lines)):
            if not self.lines[j].blank and not self.lines[j].noise:
                return j
        return None

    def _blank_follows(self, index: int) -> bool:
        j = index + 1
        while j < len(self.lines) and self.lines[j].noise:
            j += 1
        if j >= len(self.lines) or self.lines[j].blank:
            return True
        # A line that stands alone where each line is a paragraph: the next one starts afresh.
        return self.line_per_paragraph and not (
            self.lines[j].text[:1].islower() or ends_open(self.lines[index].text)
        )

    # -- headings ----------------------------------------------------------------------------
    def numbered_heading(self, s: str) -> tuple[str, str, str] | None:
        """(kind, number, title) when ``s`` has the shape of a numbered heading."""
        callout = _CALLOUT_RE.fullmatch(s)
        if callout:
            title = callout.group("title").strip()
            if not title or heading_shaped(title):
                return "callout", callout.group("num"), title
        keyword = _KEYWORD_HEADING_RE.fullmatch(s)
        if keyword:
            title = keyword.group("title").strip()
            kind = "section" if keyword.group("kw").lower() == "sec." else keyword.group("kw").lower()
            if not title or heading_shaped(title):
                return kind, keyword.group("num"), title
            if title.endswith(".") and heading_shaped(title[:-1], strict=True):
                return kind, keyword.group("num"), title[:-1]  # "Sec. 4. Ensuring the Safety of AI."
            return None
        for kind, regex in _NUMBERED_HEADING_RES:
            match = regex.fullmatch(s)
            if not match:
                continue
            title = match.group("title").strip()
            number = match.group("num")
            if _INNER_SENTENCE_END_RE.search(title):
                return None  # "2.1 We aim to ... by 2035. We": a numbered paragraph, wrapped
            strict = kind == "arabic" and not match.group("dot")
            if not heading_shaped(title, strict=strict) or (strict and number.startswith("0")):
                return None
            if kind in {"decimal", "lettered"}:
                kind = f"{kind}-{number.count('.') + 1}"
            elif kind == "roman" and len(number) == 1 and self._alpha_headings:
                previous = self._alpha_headings[-1]
                if ord(number) == ord(previous) + 1:
                    kind = "alpha"
            return kind, number, title
        return None

    def _is_list_sibling(self, kind: str, number: str, other: str) -> bool:
        shape = self.numbered_heading(other)
        if shape is None:
            bullet = bullet_at(other)
            if not bullet:
                return False
            other_number = bullet[1]
        elif shape[0] != kind:
            return False
        else:
            other_number = shape[1]
        prefix, position = _ordinal(kind, number)
        other_prefix, other_position = _ordinal(kind, other_number)
        return prefix == other_prefix and other_position == position + 1

    def listed_entry(self, index: int) -> tuple[str, str, int] | None:
        """(marker kind, number, length of the label) when the line is one of a run of keyword
        entries with nothing between them ("Action 1: Establish …" / "Action 2: Publish …"): a list,
        each entry an item, not a run of empty sections."""
        s = self.lines[index].text
        shape = self._entry_shape(s)
        if shape is None:
            return None
        kind, number, title = shape
        prefix, position = _ordinal(kind, number)
        neighbours = (self._next_content(index), self._previous_content(index))
        for neighbour, step in zip(neighbours, (1, -1), strict=True):
            other = self._entry_shape(self.lines[neighbour].text) if neighbour is not None else None
            # "Action 2" beside "Action 1", "Action 1.2" beside "Action 1.1"
            if (
                other is not None
                and other[0] == kind
                and _ordinal(kind, other[1]) == (prefix, position + step)
            ):
                return f"kw-{kind}", number, (len(s) - len(title)) if title else len(s)
        return None

    def _entry_shape(self, s: str) -> tuple[str, str, str] | None:
        """(kind, number, title) of a keyword entry: a heading-shaped one ("Action 1: Establish a Council"),
        or one whose title is a sentence ("Action 1.1 Develop a national plan by June 2025.")."""
        shape = self.numbered_heading(s)
        if shape is None:
            keyword = _KEYWORD_HEADING_RE.fullmatch(s)
            title = keyword.group("title").strip() if keyword else ""
            if keyword is None or not title[:1].isupper() or _MODAL_WORD_RE.search(title):
                return None
            shape = keyword.group("kw").lower(), keyword.group("num"), title
        if shape[0] not in _LISTED_KINDS or not re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*", shape[1]):
            return None
        return shape

    def _previous_content(self, index: int) -> int | None:
        for j in range(index - 1, -1, -1):
            if not self.lines[j].blank and not self.lines[j].noise:
                return j
        return None

    def _heading_at(self, index: int, blank_before: bool) -> tuple[Heading, int] | None:
        """The heading starting at line ``index`` and the index of its last line, if it is one."""
        line = self.lines[index]
        s = line.text
        shape = self.numbered_heading(s)
        if shape is not None:
            kind, number, title = shape
            nxt = self._next_content(index)
            keyword = kind in KEYWORD_KINDS or kind == "callout"
            if not keyword and nxt == index + 1 and self.lines[nxt].text[:1].islower():
                return None  # the next line continues it: a wrapped numbered paragraph
            if self.listed_entry(index) is not None:
                return None  # "Action 1: Establish …" / "Action 2: Publish …": a list of actions
            if (
                not keyword
                and nxt == index + 1
                and re.match(r"(?:19|20)\d\d\b(?![.)])", self.lines[nxt].text)
                and _MONTH_END_RE.search(s)
            ):
                return None  # "1. Delivering four services by March" / "2015: prisoner visits …"
            if not keyword and len(title.split()) > 8 and ends_open(s):
                return None  # "2.5 Transparency … formed a key strand of … published in": cut prose
            if (
                not keyword
                and nxt == index + 1
                and len(title.split()) >= 8
                and ", " in title
                and self.numbered_heading(self.lines[nxt].text) is None  # "(1) Space launch sites"
                and not bullet_at(self.lines[nxt].text)
                and ends_terminal(self.lines[self._paragraph_end(nxt)].text)
            ):
                # "3.7 In future, the Major Projects Authority, based in the Cabinet" / "Office, will
                # meet … programmes.": a long line with a clause and a comma, running on to a full
                # stop, is a wrapped paragraph ("4. Space Launch Sites and Telemetry, Tracking and" /
                # "Command (TT&C)" is a heading)
                return None
            if not keyword:
                if nxt is not None and self._is_list_sibling(kind, number, self.lines[nxt].text):
                    return None  # "1. Expand ..." followed by "2. Build ...": a numbered list
                style = {
                    "arabic": "num." if s.split()[0].endswith(".") else "num2",
                    "paren": "paren-num",
                }.get(kind)
                previous = self._last_item_of(style) if style else None
                if previous is not None:
                    _, pos = _ordinal(kind, number)
                    _, prev_pos = _ordinal(kind, previous.number)
                    if pos == prev_pos + 1:
                        return None  # the last item of a numbered list
                if kind == "arabic" and not s.split()[0].endswith(".") and not blank_before:
                    return None
            last = index
            if not title and nxt is not None and plain_heading_shaped(self.lines[nxt].text):
                title, last = self.lines[nxt].text, nxt  # "Chapter 3" / "Energy Security"
                text = f"{s} {title}"
            else:
                text = s
                if (
                    nxt == index + 1
                    and len(s) >= 40
                    and self._blank_follows(nxt)
                    and heading_shaped(self.lines[nxt].text)
                    and len(self.lines[nxt].text.split()) <= 10
                    and self.numbered_heading(self.lines[nxt].text) is None
                    and not bullet_at(self.lines[nxt].text)
                ):
                    title, text, last = f"{title} {self.lines[nxt].text}", f"{s} {self.lines[nxt].text}", nxt
            if kind == "alpha":
                self._alpha_headings.append(number)
            normalised = number.upper() if kind in {"roman", "alpha"} else number
            return Heading(kind, normalised, title.strip(" :.-–—"), " ".join(text.split()), line.start), last
        if not blank_before or not plain_heading_shaped(s) or _FIELD_LINE_RE.match(s):
            return None
        # "Foreword by the Rt Hon. Francis Maude" / "Minister for the Cabinet Office": the byline; and
        # "Rt. Hon. Justin Trudeau, P.C., M.P." / "Prime Minister of Canada": who signed.
        if (
            self.blocks
            and (self.blocks[-1].kind == "heading" or _SIGNATURE_RE.search(self.blocks[-1].last_line))
            and _OFFICE_RE.match(s)
        ):
            return None
        if len(s) > self.max_plain_heading and s.lower().strip(" :") not in KNOWN_TOP_HEADINGS:
            return None
        nxt = self._next_content(index)
        known = s.lower().strip(" :") in KNOWN_TOP_HEADINGS
        if not known and not self._blank_follows(index):
            following = self.lines[nxt].text if nxt is not None else ""
            if not (title_case_ratio(s) >= 0.8 and len(s.split()) <= 8 and len(following) > len(s)):
                return None
        kind = "top" if known else "plain"
        return Heading(kind, None, s.strip(" :"), " ".join(s.split()).rstrip(":"), line.start), index

    def _last_item_of(self, marker: str) -> Block | None:
        """The last item with this marker since the last heading, over the paragraphs that explain
        the items ("(8) Public data will be timely" / a paragraph on it / "(9) Release data quickly")."""
        for block in reversed(self.blocks):
            if block.kind == "heading":
                return None
            if block.kind == "item" and block.marker == marker:
                return block
        return None

    # -- continuation ------------------------------------------------------------------------
    def _continues(
        self, block: Block, index: int, blank_before: bool, page_break: bool = False
    ) -> int | None:
        """Offset where ``line``'s content starts if it continues ``block``, else None."""
        line = self.lines[index]
        if block.kind in {"heading", "row"} or table_cells(line.text) is not None:
            return None
        if all_caps(line.text) != all_caps(block.last_line):
            return None  # a line in capitals is a banner or a pull quote, not the prose around it
        last = block.last_line
        s = line.text
        bullet = bullet_at(s) or self.two_digit_entry(s)
        if bullet is None or bullet[0] == "decimal":
            if not blank_before:
                if line.indent <= block.indent and self._fresh_heading(s, last):
                    return None  # one paragraph per line, no blank lines: "II. Governance" starts anew
                if self.line_per_paragraph and bullet is None and not (s[:1].islower() or ends_open(last)):
                    return None  # a line is a paragraph, heading or item unless visibly cut short
                return line.start if bullet is None or not ends_terminal(last) else None
            if bullet is not None or ends_terminal(last) or self.numbered_heading(s) is not None:
                return None
            if s[0].islower() or ends_open(last):
                return line.start
            if page_break and not self._standalone_heading(index):
                return line.start  # "... the Space" / footer / "Climate Observatory."
            if block.kind == "item" and self._rest_of_cut_item(block, index):
                return line.start  # "- … that support the Open" / "Government Partnership and …" / "- …"
            return None
        kind, _, marker_length = bullet
        if kind != "dash" or ends_terminal(last):
            return None
        rest = s[marker_length:]
        if last.endswith("-") and last[-2:-1].isalpha():
            return line.start + marker_length  # "the Earth-" + "- Moon system"
        if not (rest[0].islower() or rest[0].isdigit()):
            return None
        if _ENDS_WITH_MODAL_RE.search(last):
            return None  # "Over the next year we will" / "- publish …": a lead-in without its colon
        if (ends_open(last) and not _ENDS_WITH_DEMONSTRATIVE_RE.search(last)) or block.open_parens > 0:
            return line.start + marker_length
        if last[-1:].isdigit() and rest[0].isdigit():
            return line.start  # "2021" + "- 2025": keep the dash of the range
        if block.kind == "para" and not blank_before:
            return line.start + marker_length
        return None

    def _rest_of_cut_item(self, block: Block, index: int) -> bool:
        """Whether the paragraph at ``index`` is the rest of a list item a page break cut: the item
        stops mid-sentence, the paragraph ends one, and the next item, with the same marker, ends
        its own ("- Develop guidance that support the Open" / "Government Partnership and builds on
        … trust." / "- Adopt digital practices …."). Items that never end in a full stop, with
        paragraphs that explain them between ("(1) Public data will be timely" / "This is …" / "(2)
        …"), stay apart."""
        end = self._paragraph_end(index)
        if not ends_terminal(self.lines[end].text):
            return False
        nxt = self._next_content(end)
        if nxt is None:
            return False
        bullet = bullet_at(self.lines[nxt].text) or self.two_digit_entry(self.lines[nxt].text)
        if bullet is None or bullet[0] != block.marker:
            return False
        return ends_terminal(self.lines[self._paragraph_end(nxt)].text)

    def _paragraph_end(self, index: int) -> int:
        """The last line of the run of lines, without a blank one, that ``index`` starts."""
        end = index
        while end + 1 < len(self.lines) and not self.lines[end + 1].blank:
            end += 1
        return end

    def two_digit_entry(self, s: str) -> tuple[str, str, int] | None:
        """ "10 Railways: ..." right after the entry "09 ...": the next entry of a callout."""
        previous = self.blocks[-1] if self.blocks else None
        if previous is None or previous.kind != "item" or previous.marker != "num2":
            return None
        match = _TWO_DIGIT_RE.match(s)
        if not match or int(match.group("num")) != int(previous.number) + 1 or match.end() >= len(s):
            return None
        return "num2", match.group("num"), match.end()

    def _standalone_heading(self, index: int) -> bool:
        line = self.lines[index]
        return (
            plain_heading_shaped(line.text)
            and len(line.text) <= self.max_plain_heading
            and self._blank_follows(index)
        )

    def _fresh_heading(self, s: str, last: str) -> bool:
        shape = self.numbered_heading(s)
        if shape is not None:
            keyword = shape[0] in KEYWORD_KINDS or shape[0] == "callout"
            return ends_terminal(last) or (keyword and not ends_open(last))
        if not re.search(r"[.!?][\"'”’)\]]*$", last) or "," in s:
            return False
        known = s.lower().strip(" :") in KNOWN_TOP_HEADINGS
        return plain_heading_shaped(s) and (known or (len(s.split()) <= 8 and title_case_ratio(s) >= 0.8))

    # -- main loop ---------------------------------------------------------------------------
    def read(self) -> list[Block]:
        current: Block | None = None
        blank_before = True
        page_break = False
        last_page = 0
        index = self.body_start
        lines = self.lines
        while index < len(lines):
            line = lines[index]
            if line.noise:
                page_break = True
                index += 1
                continue
            if line.blank:
                blank_before = True
                index += 1
                continue
            page_break = page_break or line.page != last_page
            last_page = line.page
            after_page_break, page_break = page_break, False
            if current is not None:
                start = self._continues(current, index, blank_before, after_page_break)
                if start is not None:
                    current.add(start, line.end, line.text)
                    blank_before = False
                    index += 1
                    continue
            fresh = (
                blank_before
                or self.line_per_paragraph  # it did not run on from the line before
                or current is None
                or current.kind == "heading"
                or ends_terminal(current.last_line)
            )
            if table_cells(line.text) is not None:
                current = Block("row", indent=line.indent)
                current.add(line.start, line.end, line.text)
                self.blocks.append(current)
                blank_before = False
                index += 1
                continue
            found = self._heading_at(index, fresh)
            if found is not None:
                heading, last = found
                current = Block("heading", [(line.start, lines[last].end)], heading=heading)
                self.blocks.append(current)
                index = last + 1
                blank_before = False
                continue
            bullet = bullet_at(line.text) or self.two_digit_entry(line.text) or self.listed_entry(index)
            if bullet is not None:
                kind, number, marker_length = bullet
                current = Block("item", marker=kind, indent=line.indent, number=number)
                rest = line.text[marker_length:]
                current.starts_lower = rest[:1].islower()
                current.add(line.start + marker_length, line.end, rest)
            else:
                current = Block("para", indent=line.indent)
                current.add(line.start, line.end, line.text)
            self.blocks.append(current)
            blank_before = False
            index += 1
        return self.blocks
