"""Plain-text policy document -> heading tree and forward-looking commitments.

Pure text processing: no ORM, no network. ``extract()`` takes the document text exactly as stored
(after BOM removal, CRLF kept) and every offset it returns indexes that string. The layout work
lives in ``text.py`` (lines, page furniture, re-joining) and ``layout.py`` (headings, items,
paragraphs); the sentence rules in ``rules.py``. What counts as a commitment: docs/importing.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from commitments.importer import items, rules
from commitments.importer.layout import (
    DATE_LINE_RE,
    KNOWN_TOP_HEADINGS,
    Block,
    Heading,
    LayoutReader,
    all_caps,
    bullet_at,
    row_text,
    split_inline_bullets,
    split_run_in_headings,
)
from commitments.importer.text import (
    Dehyphenator,
    Line,
    ends_open,
    is_page_number,
    join_parts,
    mark_page_furniture,
    mark_table_of_contents,
    split_lines,
    table_cells,
    words,
)


@dataclass(frozen=True)
class Section:
    number: str | None
    title: str
    heading: str
    level: int
    path: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Commitment:
    text: str
    section: tuple[str, ...]
    lead_in: str | None
    start: int
    end: int
    rule: str


@dataclass(frozen=True)
class ExtractedDocument:
    title: str | None
    sections: tuple[Section, ...]
    commitments: tuple[Commitment, ...]


# ---------------------------------------------------------------------------------------------
# Reading files


# ---------------------------------------------------------------------------------------------
# Title and front matter

_PUBLISHER_RE = re.compile(
    r"(?i)\b(?:office|ministry|department|council|commission|agency|administration|bureau|secretariat|press|"
    r"published|issued|prepared|released|translated)\b"
)
_MODAL_RE = re.compile(r"\b(?:will|shall)\b")
# A title longer than this is a banner, an address line or a quotation, not the document's name.
_TITLE_MOST_WORDS = 16
_TITLE_WORD_RE = re.compile(
    r"(?i)\b(?:plan|program|programme|strategy|white\s+paper|outline|report|perspective|policy|agenda|"
    r"vision|framework|roadmap|blueprint)\b"
)


# A memorandum's subject line names it: "SUBJECT: Advancing Governance …" is titled by what follows.
_SUBJECT_LABEL_RE = re.compile(r"^(?i:subject|subj|re|title)\s*:\s*(?=\S)")


def _front_matter(lines: list[Line], reader: LayoutReader) -> tuple[str | None, int]:
    """The document title and the index of the first body line.

    Front matter is the run of short blocks before the first heading, list item or sentence; the
    title is its most prominent line (long, with a colon or a word like "Plan"), not the publisher
    or the date.
    """
    candidates: list[tuple[int, int]] = []  # (score, line index)
    content = [index for index, line in enumerate(lines) if not line.blank]
    stop = 0
    for position, index in enumerate(content[:12]):
        s = lines[index].text
        following = lines[content[position + 1]].text if position + 1 < len(content) else ""
        if _body_like(s, reader) or following[:1].islower():
            break
        stop = index + 1
        if lines[index].noise and is_page_number(s):
            continue
        if DATE_LINE_RE.match(s) or not any(c.isalpha() for c in s):
            continue
        if len(s.split()) > _TITLE_MOST_WORDS:
            continue  # "COMMUNICATION FROM THE COMMISSION TO THE EUROPEAN PARLIAMENT, THE COUNCIL, …"
        score = len(s) + (30 if ":" in s else 0) + (15 if _TITLE_WORD_RE.search(s) else 0)
        if _PUBLISHER_RE.search(s) and ":" not in s and not _TITLE_WORD_RE.search(s):
            score -= 60
        candidates.append((score, index))
    if not candidates:
        return None, 0
    best = max(candidates, key=lambda c: (c[0], -c[1]))[1]
    return _SUBJECT_LABEL_RE.sub("", " ".join(lines[best].text.split())), stop


def _body_like(s: str, reader: LayoutReader) -> bool:
    """A line that belongs to the body: a heading, a list item or part of a sentence."""
    return bool(
        reader.numbered_heading(s)
        or bullet_at(s)
        or s.lower().strip(" :") in KNOWN_TOP_HEADINGS
        or len(s) > 200
        or table_cells(s) is not None  # a table's header: the body has begun
        or s[-1] in ".;:,!?"
        or not (s[0].isupper() or s[0].isdigit() or s[0] in "\"“‘'(")
        or _MODAL_RE.search(s)
        or ends_open(s)
    )


# ---------------------------------------------------------------------------------------------
# Extraction


@dataclass(slots=True)
class _Lead:
    text: str
    forward: bool
    level: int
    promises: bool = False  # the lead-in is a commitment of its own
    label: bool = False  # "Key actions" set without a colon: it leads in the list under it, no further


@dataclass(slots=True)
class _ListLevel:
    marker: str
    indent: int
    lower_nested: bool
    lead: _Lead | None
    last_text: str = ""
    last_forward: bool = False
    last_colon: bool = False
    last_lower: bool = False
    last_continues: bool = False  # the item before ended "…; and" or "…;": one sentence runs on


_ITEM_TAIL_RE = re.compile(r"(?:\s*[;,]\s*(?:and|or)?|\s+(?:and|or))\s*$")
# Numbering schemes that replace a "Preamble"/"Introduction" at the top instead of nesting under it.
_TOP_LEVEL_KINDS = words("part chapter section annex appendix goal pillar roman arabic")
# An annex or appendix closes the body: it sits at the top, not under the last chapter.
_ANNEX_KINDS = words("annex appendix")


# "Relevant measures include establishing …", "This includes publishing …" right after a promise: the
# promise's actions, spelled out ("Current measures include providing …" says what is done now).
_MEASURES_INCLUDE_RE = re.compile(
    r"(?:(?:(?:the|relevant|key|these|such|new|further|specific|main|major)\s+)?"
    r"(?:measures|steps|actions|initiatives)\s+(?:will\s+)?(?:include|includes|involve|involves)"
    # "This includes publishing regular reports …" (what "This will involve …" says is the modal's)
    r"|(?:this|it)\s+(?:also\s+)?includes)\s+(?:\w+ly\s+)?[a-z]+ing\b",
    re.IGNORECASE,
)


def _unglued(
    clean: str, spans: list[tuple[int, int]], display_lines: frozenset[str] = frozenset()
) -> list[tuple[int, int]]:
    """The sentence spans, with goal lines a PDF ran together into one split apart, and a sentence
    in capitals cut where a heading or running title of the document was glued into it."""
    cuts = _display_cuts(clean, display_lines) if display_lines else []
    heading = _glued_heading_cut(clean)
    if heading is not None:
        cuts.append(heading)
    result: list[tuple[int, int]] = []
    for a, b in spans:
        inside = [cut for cut in cuts if a < cut < b]
        for x, y in zip([a, *inside], [*inside, b], strict=True):
            while y > x and clean[y - 1] in " ,":
                y -= 1  # "… OUR FAMILIES, DEVELOPING …" cut at the heading: the comma was the glue
            while x < y and clean[x] in " ,":
                x += 1
            parts = items.glued_targets(clean[x:y])
            result.extend([(x + p, x + q) for p, q in parts] if parts else [(x, y)])
    return result


def _display_lines_of(lines: list[Line]) -> frozenset[str]:
    """Lines set in capitals on their own, short and without a sentence's end: headings, running
    titles ("A THRIVING ECONOMY.. OPEN FOR BUSINESS"), banners."""
    return frozenset(
        line.text
        for line in lines
        if not line.blank
        and 3 <= len(line.text.split()) <= 10
        and all_caps(line.text)
        and not line.text.endswith((".", ":", ";", ",", "!", "?"))
    )


def _display_cuts(clean: str, display: frozenset[str]) -> list[int]:
    """Where a display line of the document reappears inside a paragraph in capitals after other
    words: a PDF laid the page's running title or the next heading into a pull quote ("… WE WILL
    IMPROVE OUR A THRIVING ECONOMY.. OPEN FOR BUSINESS …"), and the quote's sentence ends there."""
    if not all_caps(clean):
        return []
    cuts = []
    for line in display:
        start = clean.find(line, 1)
        while start > 0:
            # Glued titles run to the paragraph's end with no sentence ending after them; the same
            # words inside a sentence that goes on to its full stop are the sentence's own.
            if (
                clean[start - 1] == " "
                and clean[start - 2 : start - 1].isalpha()
                and not _SENTENCE_END_RE.search(clean, start + len(line))
            ):
                cuts.append(start)
            start = clean.find(line, start + 1)
    return sorted(set(cuts))


_SENTENCE_END_RE = re.compile(r"[.!?]")


def _same_group(title: str, earlier: str) -> bool:
    """Whether two headings title groups alike: the same last word ("Agency Actions", "Shared
    Solution Actions")."""
    last, earlier_last = (
        rules.WORD_RE.findall(title.lower())[-1:],
        rules.WORD_RE.findall(earlier.lower())[-1:],
    )
    return bool(last) and last == earlier_last and len(last[0]) > 3


# A label naming what its list holds, set without a colon: "Key actions", "Next steps", "Our commitments".
_TASK_LABEL_RE = re.compile(
    r"(?:(?:key|main|major|next|planned|proposed|priority|our|new|further|concrete|specific|immediate)\s+){0,2}"
    r"(?:actions|measures|steps|commitments|deliverables|initiatives|tasks|activities)",
    re.IGNORECASE,
)
# The next section's heading, a short phrase opening with a verb in -ing, run on to the end of a pull
# quote set in capitals ("… WE WILL STRENGTHEN OUR FAMILIES, DEVELOPING OUR CHILDREN'S CHARACTER").
_GLUED_GERUND_HEADING_RE = re.compile(
    r"(?:(?<=[A-Z’'] )|(?<=[A-Z’'], ))[A-Z]{2,}ING(?: [A-Z][A-Z’'-]*){1,6}$"
)
# Words after which a verb in -ing goes on the sentence ("… IN ACHIEVING THIS VISION", "… AND BUILDING").
_BEFORE_A_GERUND_OF_THE_SENTENCE = words(
    "in of for to by on at from with without and or nor while the a an our its their is are be been was "
    "were keep keeps continue continues start stop after before through into about against upon via"
)


def _glued_heading_cut(clean: str) -> int | None:
    """Where a heading in capitals was run on to the end of the pull quote before it: the quote
    (in capitals, a sentence of it already closed by a full stop) stops without one, on a short
    phrase opening with a verb in -ing, which is the next section's heading."""
    text = clean.rstrip()
    if not all_caps(text) or _SENTENCE_END_RE.search(text[-1:]) or "." not in text:
        return None
    match = _GLUED_GERUND_HEADING_RE.search(text)
    if match is None:
        return None
    before = rules.WORD_RE.findall(text[: match.start()])
    if not before or before[-1].lower() in _BEFORE_A_GERUND_OF_THE_SENTENCE:
        return None
    return match.start()


# The headings of a document's apparatus: glossary, references, notes (numbered or under an annex).
_APPARATUS_HEADING_RE = re.compile(
    r"(?:(?:annex|appendix)\s+\w{1,4}\s*[:.–—-]?\s*|[\w.]{1,6}\s+)?"
    r"(?:glossary(?:\s+of\s+terms)?|references|bibliography|(?:end|foot)?notes|sources|definitions|"
    r"(?:list\s+of\s+)?(?:abbreviations|acronyms)(?:\s+and\s+(?:abbreviations|acronyms))?)\s*:?",
    re.IGNORECASE,
)


@dataclass
class _Extractor:
    text: str
    dehyphenator: Dehyphenator
    sections: list[tuple[Heading, int, tuple[str, ...]]] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    stack: list[tuple[str, str]] = field(default_factory=list)
    # Inside a glossary, the references or the notes: what is written there defines or cites.
    in_apparatus: bool = False
    # Right under an untitled "Action 3.1" heading: its first paragraph states the action.
    under_action: bool = False
    lead: _Lead | None = None
    levels: list[_ListLevel] = field(default_factory=list)
    # A forward lead-in whose list goes on after paragraphs: "the Government will:" / "- Title." /
    # paragraphs about it / "- Next title." (one list, the items spaced out by their explanations).
    held: tuple[_Lead, str, int] | None = None
    # A lead-in that promises a list of actions, in force over the theme titles and sub-lead-ins
    # between it and the actions ("We will take 20 actions, grouped under four themes:").
    promised: _Lead | None = None
    # Whether the last sentence read was a commitment ("… will co-design services. / This means:").
    closed_on_promise: bool = False
    promised_just_before: bool = False  # whether the sentence before the last one read was a commitment
    # The sentence before the one being read: who "it" and "they" are.
    previous: str | None = None
    # Markers that number the document's paragraphs ("1.4", or "72." running on across headings):
    # such a "list item" is prose, read a sentence at a time.
    paragraph_markers: set[str] = field(default_factory=set)
    # Footnote numbers glued to the text ("… Charter16", "… Center.15"): a paragraph opening with one
    # is that footnote.
    footnote_marks: set[str] = field(default_factory=set)
    # The header of the table being read, while its rows follow one another.
    table: items.TableHeader | None = None
    # The document's lines in capitals on their own (headings, running titles): where one shows up
    # inside a pull quote, the PDF glued it there.
    display_lines: frozenset[str] = frozenset()
    # After "The principles … are as follows.": the marker of the list of principles ("" until its
    # first item), whose items state principles, not acts, even with paragraphs between them.
    principles: str | None = None

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(heading for _, heading in self.stack)

    def heading(self, heading: Heading) -> None:
        kind = heading.kind
        if kind == "callout":
            # "Box 1 Major projects": a title over its entries, inside the current section.
            self.levels.clear()
            self.lead = _Lead(heading.text, items.is_forward_callout(heading.title), len(self.stack))
            return
        kinds = [k for k, _ in self.stack]
        if kind == "top" or (kind in _ANNEX_KINDS and kind not in kinds):
            self.stack.clear()
        elif kind == "plain":
            if self.stack and self.stack[-1][0] == "plain":
                self.stack.pop()
            else:
                # "Agency Actions" / "Action 1: …" … "Action 6: …" / "Community of Practice Actions":
                # a title like the one over a run of numbered headings closes that run and stands
                # beside it.
                for position, (earlier_kind, earlier) in enumerate(self.stack):
                    if earlier_kind == "plain" and _same_group(heading.text, earlier):
                        del self.stack[position:]
                        break
        elif kind in kinds:
            del self.stack[kinds.index(kind) :]
        elif self.stack and self.stack[0][0] == "top" and kind in _TOP_LEVEL_KINDS:
            self.stack.clear()
        self.stack.append((kind, heading.text))
        self.in_apparatus = any(_APPARATUS_HEADING_RE.fullmatch(text) for _, text in self.stack)
        self.under_action = kind in {"action", "commitment"} and not heading.title
        self.sections.append((heading, len(self.stack), self.path))
        self.levels.clear()
        self.held = None
        self.principles = None
        self.closed_on_promise = False
        if self.promised is not None and len(self.stack) <= self.promised.level:
            self.promised = None
        if self.lead is not None and len(self.stack) <= self.lead.level:
            self.lead = None

    def _add(
        self, clean: str, offsets: list[int], span: tuple[int, int], rule: str, lead: str | None
    ) -> None:
        if self.in_apparatus:
            return  # "Register: the list the Ministry will maintain …" in the glossary defines a word
        a, b = span
        while a < b and clean[a] == " ":
            a += 1
        while b > a and clean[b - 1] == " ":
            b -= 1
        mark = _FOOTNOTE_MARK_RE.search(clean, a, b)
        if mark is not None and mark.end() == b:
            b = mark.start()  # "… the National Cancer Center.15": the footnote's number is not the text
        if a >= b:
            return
        self.commitments.append(Commitment(clean[a:b], self.path, lead, offsets[a], offsets[b - 1] + 1, rule))

    def _sentences(self, clean: str, offsets: list[int], lead: str | None) -> tuple[bool, tuple[int, int]]:
        """Add the commitments among the sentences; returns (any added, span of the lead-in sentence(s))."""
        spans = rules.split_sentences(clean)
        added = False
        for a, b in _unglued(clean, spans, self.display_lines):
            rule = rules.classify(clean[a:b], self.previous)
            self.promised_just_before = self.closed_on_promise
            if rule is None and self.closed_on_promise and _MEASURES_INCLUDE_RE.match(clean, a):
                rule = "prose-measures"  # "We will promote … . Relevant measures include supporting …"
            self.closed_on_promise = rule is not None
            if rule is None and (
                items.is_target_statement(clean[a:b]) or items.is_quantified_aim(clean[a:b])
            ):
                rule = "target"
                self.closed_on_promise = True
            if rule is None and items.is_dated_task(clean[a:b]):
                rule = "dated-task"  # "Q1 2026: Appoint the Chief Digital Officer"
                self.closed_on_promise = True
            self.previous = clean[a:b]
            if rule is None:
                continue
            if clean[a:b].rstrip().endswith(":"):
                if items.introduces_only(clean[a:b]):
                    continue  # its items are the commitments
                rule = "lead-in"
            self._add(clean, offsets, (a, b), rule, lead)
            added = True
        return added, _lead_span(clean, spans)

    def _item_sentences(
        self, clean: str, offsets: list[int], end: int, lead: str | None
    ) -> tuple[bool, tuple[int, int]]:
        """A list item is one commitment when any of its sentences is one ("Leverage technologies.
        Next year, the Bureau will launch …"), without a closing lead-in of nested items."""
        spans = rules.split_sentences(clean[:end])
        rule = None
        body_end = end
        for position, (a, b) in enumerate(spans):
            sentence = clean[a:b]
            found = rules.classify(sentence, self.previous)
            if found is None and (items.is_target_statement(sentence) or items.is_quantified_aim(sentence)):
                found = "target"
            self.previous = sentence
            if sentence.rstrip().endswith(":") and (found is None or items.introduces_only(sentence)):
                if position:
                    body_end = spans[position - 1][1]
                break
            if found is not None and rule is None:
                rule = "lead-in" if sentence.rstrip().endswith(":") else found
        if rule is not None:
            self._add(clean, offsets, (0, body_end), rule, lead)
        self.closed_on_promise = rule is not None
        return rule is not None, _lead_span(clean, spans)

    def paragraph(self, block: Block) -> None:
        clean, offsets = join_parts(self.text, block.parts, self.dehyphenator)
        self.levels.clear()
        under_action, self.under_action = self.under_action, False
        first = rules.split_sentences(clean)[:1] if under_action else []
        if first and items.is_task(clean[first[0][0] : first[0][1]]):
            # "Action 3.1" / "Develop a national data standard.": the action the heading numbers; the
            # sentences after it are read as usual.
            self._add(clean, offsets, first[0], "action-task", None)
            clean, offsets = clean[first[0][1] :], offsets[first[0][1] :]
            if not clean.strip():
                return
        note = _NOTE_START_RE.match(clean)
        if note is not None and note.group(1) in self.footnote_marks:
            self.lead = None
            return  # "15 The Government will sign …": the text of footnote 15, not the document's own
        title_end = _box_title_end(clean)
        if title_end:
            clean, offsets = clean[title_end:], offsets[title_end:]
        _, (a, b) = self._sentences(clean, offsets, None)
        # "The Government will provide $1.2 billion … Funding includes:": the sentence before the lead-in,
        # in this paragraph or the one before.
        promised_before = self.promised_just_before
        lead_text = clean[a:b].strip()
        label = bool(_TASK_LABEL_RE.fullmatch(lead_text))
        if label:
            lead_text += ":"  # "Key actions" set above its list, as a label: it leads in like "Key actions:"
        if items.introduces_principles(lead_text):
            self.principles = ""
        elif lead_text.endswith(":"):
            self.principles = None
        if lead_text.endswith(":"):
            forward = items.is_forward_lead(lead_text)
            if not forward and promised_before and items.elaborates_previous(lead_text):
                forward = True  # "Agencies will co-design services. / This means: / - accelerating …"
            if forward and items.introduces_only(lead_text) and not label:
                self.promised = _Lead(lead_text, True, len(self.stack))
            elif (
                not forward
                and self.promised is not None
                and items.is_fragment(lead_text)
                and not items.is_retrospective_lead(lead_text)  # "Key achievements to date include:"
            ):
                # "We will take 20 actions, grouped under four themes:" / "Transforming our services" /
                # "Delivering services that meet user needs, through:" / "1. Delivering …".
                forward = True
            promises = (
                forward and not items.introduces_only(lead_text) and rules.classify(lead_text) is not None
            )
            self.lead = _Lead(lead_text, forward, len(self.stack), promises, label)
            self.held = None
        else:
            self.lead = None
            if items.ends_sentence(clean) and len(clean.split()) > 12:
                self.promised = None

    def _level_for(self, block: Block) -> _ListLevel:
        levels = self.levels
        if levels:
            top = levels[-1]
            deeper = block.indent > top.indent + 1
            if deeper or (
                top.last_colon
                and (
                    block.marker != top.marker
                    or block.indent > top.indent
                    or (block.starts_lower and not top.last_lower)
                )
            ):
                nested_lead = _Lead(top.last_text, top.last_forward, len(self.stack))
                # nested only by its lowercase start (same marker and indent): told apart by case
                same = block.marker == top.marker and not deeper and block.indent <= top.indent
                levels.append(_ListLevel(block.marker, block.indent, same, nested_lead))
                return levels[-1]
            # The level this item continues: the same marker at the same indent, else one column off
            # (a hanging indent that wobbles).
            for tolerance in (0, 1):
                for position in range(len(levels) - 1, -1, -1):
                    level = levels[position]
                    if (
                        level.marker == block.marker
                        and abs(level.indent - block.indent) <= tolerance
                        and (block.starts_lower or not level.lower_nested)
                    ):
                        del levels[position + 1 :]
                        return level
        lead: _Lead | None = self.lead
        if lead is not None and lead.forward and not lead.label:
            self.held = (lead, block.marker, block.indent)
        elif lead is None and self.held is not None:
            held, marker, indent = self.held
            if marker == block.marker and abs(indent - block.indent) <= 1:
                lead = held
        levels[:] = [_ListLevel(block.marker, block.indent, False, lead)]
        return levels[0]

    def _task_context(self, lead: _Lead | None) -> bool:
        """Whether a task list may stand without a forward lead-in here: not under a look-back."""
        if lead is not None and (
            lead.forward or items.is_retrospective_lead(lead.text) or items.is_outline_lead(lead.text)
        ):
            return False
        return not any(items.RETRO_HEADING_RE.search(heading) for _, heading in self.stack)

    def item(self, block: Block, task_list: bool = False) -> None:
        level = self._level_for(block)
        clean, offsets = join_parts(self.text, block.parts, self.dehyphenator)
        tail = _ITEM_TAIL_RE.search(clean)
        end = tail.start() if tail and tail.start() > 0 else len(clean)
        if self._is_principle(block):
            level.last_text, level.last_colon, level.last_forward = clean[:end].strip(), False, False
            level.last_lower, level.last_continues = block.starts_lower, False
            self.closed_on_promise = False
            self.previous = clean[:end]
            return
        lead = level.lead
        spans = rules.split_sentences(clean[:end])
        first = clean[spans[0][0] : spans[0][1]] if spans else ""
        forward_children = False
        lead_span = (0, end)
        if lead is not None and lead.forward and not rules.is_self_contained(first):
            # "Strategy:" over nested items, or a lone "Scope" set as an item: a label, not a task.
            label_only = (clean[:end].endswith(":") and len(clean[:end].split()) <= 4) or (
                len(clean[:end].split()) == 1 and clean[:end][-1:].isalpha()
            )
            # Under a lead-in that is a commitment itself and ends on whom it works with ("the GCDO
            # will plan work with the functional leads:"), an item that only names them is part of
            # that promise.
            named_only = (
                lead.promises and _WITH_WHOM_RE.search(lead.text) and not items.has_verb(clean[:end])
            ) or items.is_prepositional_fragment(clean[:end])
            if not (label_only or named_only):
                self._add(clean, offsets, (0, end), "list-item", lead.text)
            forward_children = True
        else:
            # A point the document numbers ("(v) We will relax … This measure will apply …") is one
            # commitment, as is a bullet that opens with a headline ("Leverage technologies. Next
            # year, the Bureau will …"), or in lowercase, going on from the sentence before it ("- the
            # Department will publish … . It will also …"), or one whose future-tense sentences
            # describe its one promise ("- Under the Programme, we are committed to publishing … .
            # This will mean publishing more data …"); a bullet of full sentences is otherwise prose.
            enumerated = block.number != "" and block.marker not in self.paragraph_markers
            # After "- the Department will … ; and", the next item ("- HM Treasury will …") is the
            # last clause of that same run-on sentence, whatever its first letter.
            whole = (
                enumerated
                or block.starts_lower
                or level.last_continues
                or not rules.is_self_contained(first)
                or _describes_one_promise(clean[:end], spans, self.previous)
            )
            if block.marker in self.paragraph_markers or not whole:
                added, lead_span = self._sentences(clean[:end], offsets, lead.text if lead else None)
            else:
                added, lead_span = self._item_sentences(clean, offsets, end, lead.text if lead else None)
            if not added and lead is not None and lead.forward:
                # "Build 40 dams so that farmers will have water": a fragment after all.
                self._add(clean, offsets, (0, end), "list-item", lead.text)
                added = True
            elif (
                not added
                and task_list
                and block.marker not in self.paragraph_markers  # "228. Last year, …": prose
                and (items.is_fragment(first) or items.is_task(first))
                and self._task_context(lead)
            ):
                # "- Quantum information: develop ..." in a plan's task list under a plain heading.
                self._add(clean, offsets, (0, end), "task-item", lead.text if lead else None)
                added = True
            forward_children = added
        if len(spans) > 1 and clean[spans[-1][0] : spans[-1][1]].rstrip().endswith(":"):
            lead_span = _lead_span(clean, spans)
        lead_text = clean[lead_span[0] : lead_span[1]].strip()
        if items.introduces_principles(lead_text):
            self.principles = ""
        level.last_text = lead_text
        level.last_colon = clean[:end].rstrip().endswith(":")
        # An item ending in a lead-in sentence of its own ("Addressing barriers. The guidance supports
        # agencies in:") hands its nested items that lead-in's reading, not its own.
        own_lead = lead_span[0] > 0 and lead_text.endswith(":")
        level.last_forward = (
            items.is_forward_lead(lead_text)
            if own_lead
            else (forward_children or items.is_forward_lead(lead_text))
        )
        level.last_lower = block.starts_lower
        level.last_continues = tail is not None and ";" in tail.group(0)

    def _is_principle(self, block: Block) -> bool:
        """An item of the list of principles being read ("(2) Public data will be published in
        re-usable form"); the next numbered paragraph or a list with another marker ends it."""
        if self.principles is None:
            return False
        if block.marker in self.paragraph_markers or (self.principles and block.marker != self.principles):
            self.principles = None
            return False
        self.principles = block.marker
        return True

    def row(self, block: Block, first: bool) -> None:
        """One row of a table: the header (first row), or a milestone the document commits to."""
        tabbed = row_text(self.text, *block.parts[0]) if len(block.parts) == 1 else None
        clean, offsets = tabbed or join_parts(self.text, block.parts, self.dehyphenator)
        cells = table_cells(clean) or [clean]
        header = items.table_header(cells)
        if first or header is not None:
            # A header row opens a table, even right after another one.
            self.table = header
            if header is not None:
                return
        if items.is_committed_row(cells, self.table):
            self._add(clean, offsets, (0, len(clean)), "table-row", None)

    def finish(self) -> tuple[Section, ...]:
        result: list[Section] = []
        for position, (heading, level, path) in enumerate(self.sections):
            end = len(self.text)
            for later, later_level, _ in self.sections[position + 1 :]:
                if later_level <= level:
                    end = later.start
                    break
            result.append(
                Section(heading.number, heading.title, heading.text, level, path, heading.start, end)
            )
        return tuple(result)


def extract(text: str) -> ExtractedDocument:
    """Heading tree and commitments of a plain-text policy document. Pure; never raises on a str."""
    token = rules.COMMON_WORDS.set(_common_words(text))
    try:
        return _extract(text)
    finally:
        rules.COMMON_WORDS.reset(token)


# A lower-case word after another word, not after a sentence's end: how the document writes it mid-sentence.
_MID_SENTENCE_WORD_RE = re.compile(r"(?<=[a-z,;] )([a-z][a-z-]+)\b")


def _common_words(text: str) -> frozenset[str]:
    return frozenset(_MID_SENTENCE_WORD_RE.findall(text))


def _extract(text: str) -> ExtractedDocument:
    lines = split_inline_bullets(split_run_in_headings(split_lines(text)))
    reader = LayoutReader(lines, 0)
    protected = {
        index
        for index, line in enumerate(lines)
        if not line.blank
        and (bullet_at(line.text) or reader.numbered_heading(line.text) or table_cells(line.text))
    }
    mark_page_furniture(lines, protected)
    mark_table_of_contents(lines)
    title, body_start = _front_matter(lines, reader)
    reader.body_start = body_start
    blocks = reader.read()
    dehyphenator = Dehyphenator(text)
    extractor = _Extractor(text, dehyphenator)
    task_lists = _task_lists(text, blocks, dehyphenator)
    extractor.paragraph_markers = _paragraph_numbering(blocks)
    extractor.footnote_marks = set(_GLUED_NOTE_RE.findall(text))
    extractor.display_lines = _display_lines_of(lines)
    for position, block in enumerate(blocks):
        if block.kind == "row":
            extractor.row(block, first=position == 0 or blocks[position - 1].kind != "row")
        elif block.kind == "heading" and block.heading is not None:
            extractor.heading(block.heading)
        elif block.kind == "item":
            extractor.item(block, position in task_lists)
        else:
            extractor.paragraph(block)
    sections = extractor.finish()
    found = extractor.commitments
    if all(c.rule == "task-item" for c in found) and not (title and _TITLE_WORD_RE.search(title)):
        # Imperative items in a document that promises nothing are instructions ("How to Apply"), not
        # a plan; under a plan's title ("Digital Roadmap") they are its tasks.
        found = []
    found = _drop_repeats(found)
    return ExtractedDocument(title, sections, _lift_closing_plan_paragraphs(sections, found))


_CONTENT_WORD_RE = re.compile(r"[^\W\d_]{4,}|\d+(?:[.,]\d+)*")
REPEAT_OVERLAP = 0.8
# How a promise is made, not what it promises ("we will open …" restating "we are going to open …").
_MODAL_WORDS = frozenset({"will", "shall", "must", "going", "also"})
REPEAT_CONTAINED = 0.95
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


def _drop_repeats(commitments: list[Commitment]) -> list[Commitment]:
    """A commitment the document states again (a summary list and the full text, a target printed
    twice) is reported once, where it first appears: a later one whose content words overlap an
    earlier one's by REPEAT_OVERLAP or more (Jaccard), with the same figures, or nearly all lie in
    an earlier one (REPEAT_CONTAINED), is left out."""
    kept: list[Commitment] = []
    kept_words: list[tuple[set[str], set[str]]] = []  # (content words, figures) of each kept one
    holders: dict[str, list[int]] = {}
    for commitment in commitments:
        content = set(_CONTENT_WORD_RE.findall(commitment.text.casefold())) - _MODAL_WORDS
        figures = {word for word in content if word[0].isdigit()}
        shared: dict[int, int] = {}
        for word in content:
            for index in holders.get(word, ()):
                shared[index] = shared.get(index, 0) + 1
        # Each test needs most of this commitment's words in the earlier one, or all of the earlier
        # one's in this: skip the rest.
        least = REPEAT_OVERLAP * len(content)
        if len(content) >= 4 and any(
            _repeats(content, figures, *kept_words[index], count)
            or _restates_whole(commitment.text, figures, kept[index].text, *kept_words[index], count)
            for index, count in shared.items()
            if count >= least or count >= REPEAT_CONTAINED * len(kept_words[index][0])
        ):
            continue
        if commitment.rule == "target" and any(
            _restates_target(content, figures, *kept_words[index])
            for index in shared
            if kept[index].rule == "target"
        ):
            continue
        for word in content:
            holders.setdefault(word, []).append(len(kept))
        kept.append(commitment)
        kept_words.append((content, figures))
    return kept


def _restates_whole(
    text: str, figures: set[str], earlier_text: str, earlier: set[str], earlier_figures: set[str], shared: int
) -> bool:
    """Whether a commitment repeats a long earlier one whole, with words of context around it ("In
    respect of charging for FOI requests, the Government will consider any recommendations of the
    Committee on … before bringing forward any proposals …" after that promise alone), adding no date,
    quantity or other figure of its own (a year naming a law, "the FOIA 2000", aside)."""
    if len(earlier) < 8 or shared < REPEAT_CONTAINED * len(earlier):
        return False
    if any(not _YEAR_RE.fullmatch(figure) for figure in figures - earlier_figures):
        return False  # "… (phase 2)", "… 40% of …": another one
    dates = {m.group().lower() for m in rules.DATE_RE.finditer(text)}
    return dates <= {m.group().lower() for m in rules.DATE_RE.finditer(earlier_text)}  # "… by June 2027"


# Words every target shares ("To increase the share … from 12% to 20%"): they say nothing of what
# the target measures.
_TARGET_COMMON_WORDS = words(
    "from with than more less over under least into each every year years annual annually their "
    "that this those these increase increasing raise raising reach reaching reduce reducing lower "
    "lowering rise rising grow growing boost percentage percent ratio rate share number level total "
    "value million billion trillion thousand hundred having achieve achieving"
)


def _restates_target(
    content: set[str], figures: set[str], earlier: set[str], earlier_figures: set[str]
) -> bool:
    """Whether a goal line restates an earlier goal line in other words: a plan lists its targets in
    a summary and again in the text, worded apart and sometimes with a figure updated ("Rise in the
    number of pilgrims from 8 million to 30 million" / "To increase our capacity to welcome Umrah
    visitors from 8 million to 30 million every year"; "… the private sector reach from 40% to 60%" /
    "… the private sector's contribution from 40% to 65% of GDP"). The same two or more figures,
    years aside, are the same target; so is a shared figure when most words that say what is
    measured are shared too."""
    measures = {figure for figure in figures if not _YEAR_RE.fullmatch(figure)}
    earlier_measures = {figure for figure in earlier_figures if not _YEAR_RE.fullmatch(figure)}
    if len(measures) >= 2 and measures == earlier_measures:
        return True
    if not measures & earlier_measures:
        return False
    topic = content - figures - _TARGET_COMMON_WORDS
    earlier_topic = earlier - earlier_figures - _TARGET_COMMON_WORDS
    shorter = min(len(topic), len(earlier_topic))
    return shorter > 0 and len(topic & earlier_topic) * 2 > shorter


def _repeats(
    content: set[str], figures: set[str], earlier: set[str], earlier_figures: set[str], shared: int
) -> bool:
    """Whether a commitment restates an earlier one: nearly the same words and figures, or a short
    form of it ("Delivering four exemplar services by March 2015." after the full item)."""
    if shared / (len(content) + len(earlier) - shared) >= REPEAT_OVERLAP and figures == earlier_figures:
        return True
    return len(content) >= 5 and shared >= REPEAT_CONTAINED * len(content) and figures <= earlier_figures


def _paragraph_numbering(blocks: list[Block]) -> set[str]:
    """The markers that number paragraphs rather than list items: decimal numbers ("2.47"), and
    plain numbers whose count runs on past a heading ("71." / heading / "72.")."""
    markers = {"decimal"}
    last: dict[str, int] = {}
    heading_since: dict[str, bool] = {}
    for block in blocks:
        if block.kind == "heading":
            heading_since = dict.fromkeys(last, True)
        elif block.kind == "item" and block.number.isdigit():
            number = int(block.number)
            if heading_since.get(block.marker) and number == last.get(block.marker, -1) + 1 and number > 2:
                markers.add(block.marker)
            last[block.marker] = number
            heading_since[block.marker] = False
    return markers


def _task_lists(text: str, blocks: list[Block], dehyphenator: Dehyphenator) -> set[int]:
    """Indexes of the items that belong to a task list: most of their siblings set out a task.

    Siblings are the items of one run of list items (no paragraph or heading between them) with the
    same marker and indent; numbered paragraphs ("2.1 The Government will ...") are prose, not a list.
    An item sets out a task when its main clause opens with a base-form
    action verb ("develop ...") or it is a commitment sentence ("we will build ...").
    """
    result: set[int] = set()
    position = 0
    while position < len(blocks):
        if blocks[position].kind != "item" or blocks[position].marker == "decimal":
            position += 1
            continue
        run_end = position
        while (
            run_end < len(blocks) and blocks[run_end].kind == "item" and blocks[run_end].marker != "decimal"
        ):
            run_end += 1
        groups: dict[tuple[str, int], list[int]] = {}
        for index in range(position, run_end):
            block = blocks[index]
            key = next(
                (k for k in groups if k[0] == block.marker and abs(k[1] - block.indent) <= 1),
                (block.marker, block.indent),
            )
            groups.setdefault(key, []).append(index)
        for members in groups.values():
            tasks = 0
            for index in members:
                clean, _ = join_parts(text, blocks[index].parts, dehyphenator)
                first = rules.split_sentences(clean)[:1]
                sentence = clean[first[0][0] : first[0][1]] if first else clean
                if items.is_task(sentence) or rules.classify(sentence) is not None:
                    tasks += 1
            if tasks and tasks * 2 >= len(members):
                result.update(members)
        position = run_end
    return result


_GLUED_NOTE_RE = re.compile(r"(?<=[A-Za-z.,;:)”’])(\d{1,3})(?=[\s,;.]|$)")
_NOTE_START_RE = re.compile(r"(\d{1,3}) (?=[A-Z])")
# A footnote's number glued after the closing punctuation: "… Center.15", "… standards.[3]".
_FOOTNOTE_MARK_RE = re.compile(r"(?<=[.;:!?”\"’)])(?:\d{1,3}|\[\d{1,3}\])$")


_WITH_WHOM_RE = re.compile(r"\bwith\s+[^.;]{0,140}:$", re.IGNORECASE)


def _describes_one_promise(clean: str, spans: list[tuple[int, int]], previous: str | None) -> bool:
    """Whether a bullet's sentences are one promise and its description in the future tense: one
    sentence commits and the others speak of the same future without committing ("The Model will be a
    consensus-driven tool … . It will be developed through the CIO Council …"). Several promises
    ("China will support … . It will complete … .") and a promise beside a present-tense remark
    ("China will advance … . It welcomes partners …") are read a sentence at a time."""
    if len(spans) < 2:
        return False
    promises = 0
    for a, b in spans:
        sentence = clean[a:b]
        if rules.classify(sentence, previous) is not None:
            promises += 1
        elif rules.find_modal(sentence.replace("’", "'")) is None:
            return False
        previous = sentence
    return promises == 1


def _lead_span(clean: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The sentence(s) that may introduce what follows: the last one, with the one before it when
    the last is a bare "It will:"."""
    if not spans:
        return (0, 0)
    lead_span = spans[-1]
    bare = rules.find_modal(clean[lead_span[0] : lead_span[1]].replace("’", "'"))
    if len(spans) > 1 and bare is not None and bare.bare and len(clean[lead_span[0] : lead_span[1]]) < 40:
        lead_span = (spans[-2][0], lead_span[1])
    return lead_span


# "Case study – Open Data Institute The Open Data Institute will …": a box's label and title run into
# its first sentence when the layout kept no line between them. The title is capitalised words (and
# their small joining words); the sentence starts at the first capitalised opener after them.
_BOX_LABEL_RE = re.compile(
    r"(?:case\s+study|case\s+in\s+point|example|spotlight|in\s+focus|box\s+\d{1,2})\s*(?:\d{1,2}\s*)?"
    r"[:–—-]\s*",
    re.IGNORECASE,
)
_BOX_TITLE_WORD_RE = re.compile(r"\s*(?:[A-Z0-9][\w’'&.-]*|and|of|for|the|in|on|to|&|–|-)(?=\s)")
_SENTENCE_OPENERS = words(
    """The This These Our We From In On At As By Since Under With Over Through During Following Its It A
    An Each Every Today Last Next Working"""
)


def _box_title_end(clean: str) -> int:
    """Where a box's first sentence starts after its label and title, or 0 when it has none."""
    label = _BOX_LABEL_RE.match(clean)
    if label is None:
        return 0
    position, words = label.end(), 0
    while True:
        word = _BOX_TITLE_WORD_RE.match(clean, position)
        if word is None:
            return 0
        token = word.group(0).strip()
        if words and token in _SENTENCE_OPENERS:
            return position + (len(word.group(0)) - len(word.group(0).lstrip()))
        words += 1
        position = word.end()
        if words > 12:
            return 0


_PLAN_PERIOD_OPENING = re.compile(
    r"(?i)^(?:in|over|during|within|for) the (?:next|coming|following) [\w-]+ years?\b"
)


def _lift_closing_plan_paragraphs(
    sections: tuple[Section, ...], commitments: list[Commitment]
) -> tuple[Commitment, ...]:
    """Give a section's closing plan paragraph to the section itself, not to its last subsection.

    White papers often review achievements in subsections ("(1) Lunar exploration", "(2) Planetary
    exploration") and then close with "In the next five years, China will continue with lunar and
    planetary exploration. It will: …" under the last one. When that paragraph opens with the plan
    period, sits in the last, leaf subsection, and nothing under the parent promised anything
    before it, it speaks for the parent section, and so do the items that follow it there.
    """
    result = list(commitments)
    siblings: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for section in sections:
        siblings.setdefault(section.path[:-1], []).append(section.path)
    has_children = {section.path[:-1] for section in sections}
    for index, commitment in enumerate(result):
        path = commitment.section
        if len(path) < 2 or not _PLAN_PERIOD_OPENING.match(commitment.text):
            continue
        parent = path[:-1]
        family = siblings.get(parent, [])
        if len(family) < 2 or family[-1] != path or path in has_children:
            continue
        if any(other.section[: len(parent)] == parent for other in result[:index]):
            continue
        for later in range(index, len(result)):
            if result[later].section != path:
                break
            result[later] = replace(result[later], section=parent)
    return tuple(result)


def to_json(doc: ExtractedDocument) -> str:
    """The extractor's output as the JSON array the ``extract_commitments`` command prints."""
    rows = [
        {
            "text": c.text,
            "section": list(c.section),
            "lead_in": c.lead_in,
            "start": c.start,
            "end": c.end,
            "rule": c.rule,
        }
        for c in doc.commitments
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2)
