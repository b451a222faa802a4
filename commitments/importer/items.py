"""List and table rules: which lead-ins promise their items, which items are tasks, which table rows
are milestones, and which goal lines are targets. The sentence rules they build on are in rules.py;
docs/importing.md says what each rule is for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commitments.importer import rules
from commitments.importer.text import words

_DOC_CONTENTS_RE = re.compile(
    r"\b(?:this|the|our)\s+(?:\w+\s+)?(?:plan|paper|document|report|strategy|chapter|section|agenda)\s+"
    r"(?:features|includes|contains|covers|comprises|presents|sets\s+out|lays\s+out|outlines|highlights|"
    r"describes|is\s+organi[sz]ed)\b",
    re.IGNORECASE,
)
# Base-form verbs that open a task ("develop ...", "Build ...") in a plan's list items.
_TASK_VERBS = words(
    """develop build launch establish improve strengthen promote implement complete conduct advance expand
    enhance support carry accelerate upgrade formulate deepen set put research study explore construct
    create introduce increase raise reduce cut lower provide ensure deliver invest fund roll modernise
    modernize extend pilot deploy train recruit open adopt encourage foster cultivate boost consolidate
    coordinate optimize optimise refine reform revise update continue further press push step intensify
    speed scale make achieve publish prepare draft designate install replace rehabilitate protect
    restore integrate standardize standardise digitise digitize double triple halve guarantee facilitate
    organize organise hold host join participate operate maintain broaden widen tighten simplify
    streamline enforce legislate regulate monitor evaluate review assess map plan design test trial
    demonstrate commission connect equip renovate retrofit electrify decarbonise decarbonize green cap
    phase attract retain partner co-create collaborate commit choose define embed leverage drive help
    agree grow identify address legitimise legitimize align enable engage adapt refresh clarify consult
    share work bring empower harness harmonise harmonize mobilise mobilize nurture showcase transform
    transition unlock allocate appoint assist bolster champion convene consider curate expedite finalise
    finalize incentivise incentivize inform institutionalise institutionalize invite lead migrate
    negotiate oversee procure prioritise prioritize pursue recognise recognize release remove require
    reuse secure seek select sign submit sustain tackle undertake unify use validate welcome"""
)
_VERBS_WITH_TO = words("continue press push step carry commit choose seek strive agree aim work help")
# Words that make a verb-or-noun ("support", "increase") a noun: "Support for SMEs", "Increase in ...".
_NOUN_AFTER = words("of for in to")
# "research on X", "study of X" are how translated plans phrase a research task.
_RESEARCH_VERBS = words("research study")
_LEADING_ADVERB_RE = re.compile(r"^(?:(?:further|also|actively|steadily|vigorously|\w+ly)\s+)+", re.I)
# "Quantum information: develop ...": a short label before the item's main clause.
_ITEM_LABEL_RE = re.compile(r"^(?P<label>[^:;.!?]{2,70}):\s+(?=\S)")
_PRONOUN_SUBJECTS = words("we i you he she it they our this these there that those")
_FINITE_RE = re.compile(r"\b(?:is|are|was|were|has|have|had|does|did|remains|became)\b", re.IGNORECASE)
_RETRO_LEAD_RE = re.compile(
    r"\b(?:was|were|has|have|had|achieved|completed|accomplished|achievements?|results|delivered|"
    r"since|so\s+far|to\s+date|last|past|previous)\b",
    re.IGNORECASE,
)
RETRO_HEADING_RE = re.compile(
    r"\b(?:achievements?|achieved|accomplishments?|review|progress\s+(?:made|so\s+far)|results|"
    r"looking\s+back|retrospect\w*|what\s+we\s+have|so\s+far|to\s+date|principles?|philosophy|values|"
    r"vision|mission|background)\b",
    re.IGNORECASE,
)
# A box or column whose title names projects or tasks lists promises ("Box 1 Major projects").
_CALLOUT_TASK_RE = re.compile(
    r"\b(?:projects?|programmes?|programs?|engineering|initiatives?|campaigns?|actions?|tasks?|measures|"
    r"targets?|priorities|key\s+\w+|major\s+\w+)\b",
    re.IGNORECASE,
)


# "The principles, drawn up by the Board, are as follows.", "Our data principles are:", "… guided by the
# following principles:": what follows states principles, not acts, whatever its verbs.
_PRINCIPLES_LEAD_RE = re.compile(
    r"\b(?:principles|tenets|values)\b[^.:;]{0,120}\b(?:are|as\s+follows|include)\s*[:.]$"
    r"|\bfollowing\s+(?:\w+\s+){0,2}(?:principles|tenets|values)\s*[:.]$",
    re.IGNORECASE,
)


def introduces_principles(lead: str) -> bool:
    """Whether a sentence introduces a list of principles ("The principles … are as follows.")."""
    return bool(_PRINCIPLES_LEAD_RE.search(lead.replace("’", "'").strip()))


def _lists_contents(s: str, modal: rules.Modal) -> bool:
    """ "The repository will include the following types of resources:": what a thing will hold,
    unlike "The measures will include:" or "We will include:"."""
    verb, _ = rules.verb_after(s, modal.end)
    if verb not in rules.ELABORATION_VERBS:
        return False
    subject = rules.subject_of(s[: modal.start])
    lowered = [w.lower() for w in rules.WORD_RE.findall(subject)]
    if not lowered or lowered[0] not in {"the", "its", "our", "their", "each", "every"}:
        return False
    return not (rules.is_named_actor(subject) or rules.TASK_WORDS_RE.search(rules.head_noun(lowered)))


_PERFECT_RE = re.compile(
    r"\b(?:has|have|had)\s+(?:already\s+|\w+ly\s+)?(?:\w+ed|made|set|done|taken|given)\b", re.IGNORECASE
)
_AIM_VERB_RE = re.compile(r"\b(?:aims?|seeks?|hopes?|wants?|wishes?|strives?|aspires?)\s+to\b", re.I)
# "This means:", "This includes:" right after a promise: its items spell the promise out.
_ELABORATING_LEAD_RE = re.compile(
    r"^(?:(?:this|that|these)|(?:(?:the|this|that|such)\s+)?(?:new\s+)?(?:funding|package|measure|investment)s?)"
    r"\s+(?:will\s+)?(?:means?|includes?|involves?|entails?|covers?|comprises?)\b[^.]*:$",
    re.I,
)


def elaborates_previous(lead: str) -> bool:
    return bool(_ELABORATING_LEAD_RE.match(lead.strip()))


_COMING_YEARS_RE = re.compile(r"\b(?:next|coming)\s+\w+\s+years\b|\bplan\s+period\b", re.IGNORECASE)


def is_forward_lead(lead: str) -> bool:
    """Whether the items under a colon-ending lead-in are promises ("It will:", "Main tasks:")."""
    s = lead.replace("’", "'")
    modal = rules.find_modal(s)
    if modal is not None:
        if _lists_contents(s, modal):
            return False
        if modal.bare or rules.DEMONSTRATIVE_RE.match(rules.subject_of(s[: modal.start])):
            return True  # "It will:", "These will include:"
        # The lead-in's own clause must promise: not "Digital transformation will support these
        # priorities by:" (an effect), whose items are benefits.
        return rules.classify(s.rstrip().rstrip(":") + ".") is not None
    if _DOC_CONTENTS_RE.search(s):
        return False  # "this plan features commitments across five themes:": the document's outline
    if _AIM_VERB_RE.search(s):
        return False  # "The Strategy aims to support Government priorities:": outcomes hoped for
    if _PERFECT_RE.search(s):
        return False  # "… have already made the case, setting out 14 actions, notably:": done before
    if rules.PLAN_PERIOD_RE.search(s) or _COMING_YEARS_RE.search(s):
        return True
    return bool(rules.TASK_WORDS_RE.search(s)) and not rules.PAST_MARKER_RE.search(s)


def main_clause(item: str) -> str:
    """An item without its "Label:" prefix ("Quantum information: develop ..." -> "develop ...")."""
    label = _ITEM_LABEL_RE.match(item)
    if label and len(label.group("label").split()) <= 8 and not rules.MODAL_RE.search(label.group("label")):
        return item[label.end() :]
    return item


def is_task(item: str) -> bool:
    """An item whose main clause opens with a base-form action verb: "develop X", "Set up Y"."""
    clause = _LEADING_ADVERB_RE.sub("", main_clause(item).replace("’", "'").strip())
    found = rules.WORD_RE.findall(clause[:80])
    if len(found) < 2:
        return False
    verb, following = found[0].lower(), found[1].lower()
    if verb not in _TASK_VERBS:
        return False
    if verb in _RESEARCH_VERBS:
        return True  # "research on the atlas of brain functions"
    # "Continue to …", "Commit to the unwinding of …", "Choose to make …": verbs that take "to".
    return following not in _NOUN_AFTER or verb in _VERBS_WITH_TO


def is_fragment(item: str) -> bool:
    """An item that is not a declarative sentence: no modal and no finite verb of its own."""
    s = main_clause(item).replace("’", "'")
    if rules.find_modal(s) is not None or _FINITE_RE.search(s) or len(rules.split_sentences(s)) > 1:
        return False
    first = [w.lower() for w in rules.WORD_RE.findall(s[:40])[:1]]
    if first and first[0] in _PRONOUN_SUBJECTS:
        return False  # "We aim to ...": a sentence with its own subject
    return not (first and first[0].endswith("ed") and first[0] not in _TASK_VERBS)


def is_outline_lead(lead: str) -> bool:
    """ "This plan features commitments across five themes:": the items name the document's parts."""
    return bool(_DOC_CONTENTS_RE.search(lead.replace("’", "'")))


def is_retrospective_lead(lead: str) -> bool:
    """ "The main achievements were:", "Since 2019 we have:": the items look back, not forward."""
    return bool(_RETRO_LEAD_RE.search(lead.replace("’", "'")))


def is_forward_callout(title: str) -> bool:
    """ "Box 1 Major science and technology projects": its entries are the plan's projects."""
    return (
        bool(_CALLOUT_TASK_RE.search(title))
        and not is_retrospective_lead(title)
        and not (RETRO_HEADING_RE.search(title))
    )


# A table of milestones: a column saying when, and one saying who answers for it or that it is
# required ("Milestone | Measurement | Target Date | Responsible Party").
_WHEN_COLUMN_RE = re.compile(
    r"\b(?:date|dates|deadline|due|timeline|timeframe|time\s*frame|timing|schedule|by\s+when|when|"
    r"target\s+year|completion|quarter|year)\b",
    re.IGNORECASE,
)
_WHO_COLUMN_RE = re.compile(
    r"\b(?:responsib\w*|lead|leads|owner|owners|accountab\w*|delivered\s+by|who|implement\w*)\b",
    re.IGNORECASE,
)
_REQUIRED_COLUMN_RE = re.compile(r"\b(?:required|mandatory|obligation)\b", re.IGNORECASE)
_SCHEDULED_RE = re.compile(
    r"\d|\b(?:ongoing|continuous|quarterly|annually|monthly|weekly|every|each)\b", re.IGNORECASE
)
_NOT_REQUIRED_RE = re.compile(r"\b(?:encouraged|optional|voluntary|recommended)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TableHeader:
    milestones: bool  # each row is a dated task someone answers for
    required_column: int | None  # the "Required or Encouraged" column, if any
    when_column: int | None = None  # the "Target Date" column, if any


def table_header(cells: list[str]) -> TableHeader | None:
    """The header of a table (short labels naming when, who or whether required), or None when the
    row holds data."""
    if not all(cell and len(cell.split()) <= 6 and not cell.endswith(".") for cell in cells):
        return None
    if any(re.search(r"\d", cell) for cell in cells):
        return None
    when = any(_WHEN_COLUMN_RE.search(cell) for cell in cells)
    who = any(_WHO_COLUMN_RE.search(cell) for cell in cells)
    required = next((i for i, cell in enumerate(cells) if _REQUIRED_COLUMN_RE.search(cell)), None)
    if not (when or who or required is not None):
        return None  # labels of some other table, or a row of data without figures
    when_column = next((i for i, cell in enumerate(cells) if _WHEN_COLUMN_RE.search(cell)), None)
    return TableHeader(when and (who or required is not None), required, when_column)


def is_committed_row(cells: list[str], header: TableHeader | None) -> bool:
    """A row of a milestone table that someone must deliver: not one only "encouraged"."""
    if not cells or not cells[0]:
        return False
    if header is None or not header.milestones:
        return rules.classify(cells[0]) is not None
    when = header.when_column
    if when is not None and when < len(cells) and not _SCHEDULED_RE.search(cells[when]):
        return False  # "See timeline on performance.gov": no deadline of its own
    if header.required_column is not None and header.required_column < len(cells):
        says = cells[header.required_column]
        if _NOT_REQUIRED_RE.search(says) and not _REQUIRED_COLUMN_RE.search(says):
            return False
    return True


_LEAD_VERB_CHAIN_RE = re.compile(
    r"^(?:(?:also|further|now|then|continue|seek|aim|work|need|be|able|to|including|take|undertake)\s+)*",
    re.IGNORECASE,
)
_LIST_POINTER_RE = re.compile(
    r"^(?:\w+\s+){0,2}?(?:the\s+following|as\s+follows|(?:these|this|those|that|them|it)"
    r"(?:\s+\w+){0,2}\s*(?:by|through|via|in|with|:|$)"
    # "We will take 20 actions, grouped under four themes:": the count of what the list holds.
    r"|(?:\d+|two|three|four|five|six|seven|eight|nine|ten|\w+teen|\w+ty)\s+(?:\w+\s+)?"
    r"(?:actions|measures|steps|commitments|initiatives|priorities|tasks|areas|themes|goals|objectives)\b)",
    re.IGNORECASE,
)


def introduces_only(lead: str) -> bool:
    """A lead-in whose only promise is its list: "X will continue to:", "These will include:", "the
    Ministry will carry out the following tasks:", "We intend to achieve this by:"."""
    s = lead.replace("’", "'").strip()
    modal = rules.find_modal(s)
    if modal is None or not s.endswith(":"):
        return False
    tail = _LEAD_VERB_CHAIN_RE.sub("", s[modal.end : -1].strip())
    words = rules.WORD_RE.findall(tail)
    # "… will enhance community healthcare by:": the items are the means, and the promises.
    means = bool(re.search(r"\b(?:by|through|via|by\s+means\s+of)$", tail, re.IGNORECASE))
    return len(words) <= 1 or means or bool(_LIST_POINTER_RE.match(tail))


def ends_sentence(text: str) -> bool:
    """Whether a paragraph ends as prose does, with a full stop, "!" or "?" (a title does not)."""
    return bool(re.search(r"[.!?][\"'”’)\]]*$", text.strip()))


# The change verbs a target opens with ("increase", "raising", "Having … reach").
_TARGET_VERBS = (
    r"(?:increas|rais|reduc|lower|ris|cut|doubl|tripl|halv|grow|expand|boost|lift|mov|reach|achiev|improv|"
    r"decreas|climb|bring|hav|nam|localiz|localis|exceed)\w*\b"
)
# A target stated as a line of its own ("To increase non-oil revenue from SAR 163 billion to SAR 1
# trillion", "Raise the social capital index from position 26 to 10"): a change verb, then figures.
_TARGET_OPENING_RE = re.compile(rf"^(?:to\s+(?:\w+ly\s+)?)?{_TARGET_VERBS}", re.IGNORECASE)
# Goal lines a PDF ran together: "To increase FDI from 3.8% to 5.7% of GDP To increase the private
# sector's contribution from 40% to 65% of GDP", "… from % 2.9 to 6% Increase percentage of …": a capital
# "To" + change verb, or a capitalised word right after a figure, starts the next one.
_GLUED_TARGET_RE = re.compile(
    rf"(?<=[\w%)*])\s+(?=To\s+(?:\w+ly\s+)?{_TARGET_VERBS})|(?<=[\d%*])\s+(?=[A-Z][a-z])"
)


def glued_targets(text: str) -> list[tuple[int, int]]:
    """The spans of the goal lines in ``text`` when it is several run together: two or more of them
    targets, or one and every other part with figures of its own (the parts that are not targets are read
    as they are); else []."""
    cuts = list(_GLUED_TARGET_RE.finditer(text))
    if not cuts:
        return []
    starts = [0, *(match.end() for match in cuts)]
    ends = [*(match.start() for match in cuts), len(text.rstrip())]
    spans = list(zip(starts, ends, strict=True))
    parts = [text[a:b] for a, b in spans]
    targets = sum(is_target_statement(part) for part in parts)
    with_figures = all(_TARGET_FIGURES_RE.search(part) for part in parts)
    return spans if targets >= 2 or (targets and with_figures) else []


_TARGET_FIGURES_RE = re.compile(
    # (A full stop inside a number, "3.8%", does not end the figure.)
    r"\bfrom\b(?:[^.;]|\.(?=\d)){0,80}?\d(?:[^.;]|\.(?=\d)){0,60}?\bto\b(?:[^.;]|\.(?=\d)){0,60}?"
    r"(?:\d|top|first|leading)"
    r"|\b(?:among|in|into)\s+the\s+top\s+(?:\d+|five|ten|twenty|fifty|hundred)\b"
    r"|\bto\s+(?:more\s+than|over|at\s+least|above|below|under)\s+[$£€]?\d"
    r"|\bto\s+\d[\d,.]*\s*(?:%|per\s*cent\b|percent\b)",
    re.IGNORECASE,
)


# "To rally one million volunteers per year (compared to 11,000 now)": any "To" + verb, when a
# quantity is set against where it stands today.
_BASELINE_TARGET_RE = re.compile(
    r"^to\s+[a-z]+\b[^.;]*?\b(?:\d[\d,.]*|one|two|three|four|five|ten|a)\s*(?:%|percent|thousand|million|billion)?"
    r"[^.;]*?\(?\b(?:compared\s+(?:to|with)|up\s+from|against)\s+(?:less\s+than\s+|about\s+|around\s+)?"
    r"[$£€]?\d[\d,.]*\s*(?:%|percent|thousand|million|billion)?\s*"
    r"(?:now|today|currently|at\s+present|in\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


# A roadmap's dated task: "Q1 2026: Appoint the Chief Digital Officer", "Spring 2027 – Publish the report".
_DATED_TASK_RE = re.compile(
    r"^(?:(?:Q[1-4]|H[12]|(?:early|mid|late)[\s-]|spring|summer|autumn|fall|winter|january|february|march|april|"
    r"may|june|july|august|september|october|november|december)\s*)?(?:19|20)\d\d(?:\s*[-–/]\s*\d{2,4})?"
    r"\s*[:–—-]\s+(?P<verb>[A-Za-z]+)\b",
    re.IGNORECASE,
)


def is_dated_task(text: str) -> bool:
    """A roadmap line: a date, then a task ("Q1 2026: Appoint the Chief Digital Officer")."""
    match = _DATED_TASK_RE.match(text.strip())
    return match is not None and match.group("verb").lower() in _TASK_VERBS


def is_target_statement(text: str) -> bool:
    """A quantified target the document sets without a modal, as a goal line or list item."""
    s = rules.GOAL_LABEL_RE.sub("", text.replace("’", "'").strip())
    # "Target 2: By 2031, increase the proportion of … to 91 per cent": a label and a deadline first.
    opening = rules.DEADLINE_OPENING_RE.sub("", s).strip()
    return (
        len(s.split()) <= 40
        and (
            bool(_TARGET_OPENING_RE.match(opening) and _TARGET_FIGURES_RE.search(s))
            or bool(_BASELINE_TARGET_RE.match(s))
        )
        and not rules.PAST_MARKER_RE.search(s)
    )


_AIM_RE = re.compile(
    r"\b(?:we|our)\s+(?:\w+\s+){0,2}?(?:aim|aims|goal|goals|target|targets|ambition|objective)\b"
    r"|\bwe\s+have\s+set\s+ourselves\b|\bwe\s+(?:are|remain)\s+(?:\w+\s+)?determined\s+to\b"
    # "The aim will be to achieve 100% enrolment by 2030": the plan's own aim, stated as its.
    r"|^(?:the|this|its|their)\s+(?:\w+\s+)?(?:aim|goal|target|objective|ambition)\s+(?:will\s+be|is|shall\s+be)\s+to\b"
    # "The Government aims to have 80% of households on fibre by 2030", "The Ministry targets a 30%
    # reduction …", "We are targeting net zero …", "The Government has set a target of 100,000 homes …".
    r"|\baims?\s+to\b|\btargets?\s+(?:a|an)\b|\b(?:is|are)\s+targeting\b"
    r"|\bset\s+(?:a|an|the)\s+(?:\w+\s+)?(?:target|goal|ambition)\s+(?:of|to|for)\b",
    re.IGNORECASE,
)
_AIM_FIGURE_RE = re.compile(
    r"\d[\d,.]*\s*(?:%|percent|per\s+cent|percentage\s+points|million|billion|gigawatts?)"
    r"|\btop\s+\d+|\bby\s+(?:19|20)\d\d\b.*\d|\d.*\bby\s+(?:19|20)\d\d\b"
    # "an additional million Saudis by 2020": a figure in words, with its date.
    r"|\b(?:million|billion)\b.*\bby\s+(?:19|20)\d\d\b|\bby\s+(?:19|20)\d\d\b.*\b(?:million|billion)\b"
    r"|\bnet[\s-]zero\b.*\bby\s+(?:19|20)\d\d\b",
    re.IGNORECASE,
)


def is_quantified_aim(sentence: str) -> bool:
    """ "We aim to localize over 50 percent of military spending by 2030": an aim with a figure is
    a target the government sets itself, unlike "We aim to be more open"."""
    s = sentence.replace("’", "'")
    return bool(_AIM_RE.search(s) and _AIM_FIGURE_RE.search(s)) and not rules.PAST_MARKER_RE.search(s)


def has_verb(item: str) -> bool:
    """Whether a list item says what to do (a task verb, a gerund, a modal or a finite verb) rather than
    naming something ("the Government Chief Data Steward (GCDS) — data")."""
    s = main_clause(item).replace("’", "'")
    first = [w.lower() for w in rules.WORD_RE.findall(s[:60])[:1]]
    if first and (first[0] in _TASK_VERBS or (first[0].endswith("ing") and len(first[0]) > 5)):
        return True
    return rules.find_modal(s) is not None or bool(_FINITE_RE.search(s))


_PREPOSITION_RE = re.compile(r"^(?:in|with|for|through|under|by|from|at|on|of|per)(?![\w-])", re.IGNORECASE)


def is_prepositional_fragment(item: str) -> bool:
    """ "In consultation with the CDO Council.": a note on the item before, not a task."""
    return bool(_PREPOSITION_RE.match(item.strip())) and not has_verb(item)
