"""Sentence rules: where sentences end, and which sentences promise something.

A sentence is a commitment when its governing verb is a forward-looking modal ("will", "shall",
"plans to", "is going to") and what it describes is the actor's own action, not an effect
("This will help ..."), a forecast ("It is expected that ... will ...") or a relative clause
("... a stage that will have ..."). Lead-ins, list items, tables and goal lines are in items.py;
docs/importing.md lists the rules and their slugs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from commitments.importer.text import words

_ABBREVIATIONS = words(
    """mr mrs ms dr prof st no nos vs fig figs art arts para paras sec ch vol approx inc ltd co corp jan
    feb mar apr jun jul aug sep sept oct nov dec cf al gen gov govt dept est pp p rev jr sr min max e.g
    i.e viz incl"""
)
# The closing punctuation, then any quote, bracket or footnote mark (".[10] This", ".¹² This").
# A footnote mark may follow the stop: "[4]", "⁴", or a plain digit glued to a word's stop
# ("… protection principles.4 The privacy expert …") when the text layer flattened the superscript.
_SENTENCE_END_RE = re.compile(
    r"[.!?][\"'”’)\]]*(?:\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|(?<=[a-z]\.)\d{1,3}(?=\s+[A-Z][a-z]))?"
    r"(?=\s+[\"'“‘(\[]?[A-Z0-9])"
)
# The word before a full stop, whole: "U.S." and "e.g." but not the "s" of "the 1940s", the "t" of
# "aren't" or the "D" of "R&D".
_WORD_BEFORE_RE = re.compile(r"(?<![\w.'’&])([A-Za-z][A-Za-z.]*)\.$")

_COMMITTED_ACTS = (
    r"(?:publishing|opening|making|managing|developing|creating|releasing|providing|establishing|launching|"
    r"introducing|reviewing|reporting|tracking|producing|implementing|setting\s+up|investing|reducing|"
    r"cutting|raising|increasing|doubling|halving|legislating|abolishing|removing|appointing|funding|"
    # "committed to building 10,000 homes / a new hospital" (not "building a caring society")
    r"(?:building|constructing|delivering|hiring|recruiting|training)\s+(?:[$£€]?\d[\d,.]*|new|an?\s+new))\b"
)
_BODIES_ACT = (
    r"(?:(?:the|all|our|every|each|government|federal|public)\s+)*(?:[\w-]+\s+){0,2}?"
    r"(?:departments?|agencies|agency|ministries|ministry|public\s+bodies|authorities)\s+"
    r"(?!(?:are|is|be|have|has|can|could|may|remain|feel|will|would|should|must)\b)[a-z]{3,}\b"
)
MODAL_RE = re.compile(
    r"\b(?:(?P<will>will|shall)|(?P<plans>plans?|intends?|proposes?)\s+to"
    r"|(?:is|are|am)\s+(?:also\s+|now\s+|still\s+|\w+ly\s+)?going\s+to"
    # "commits to implementing", "ATJ and LAIR commit to continue", "is planning …". ("Is committed
    # to" is a stance, "committed to openness", "committed to improving services", not an act.)
    r"|(?P<commits>commits?(?:\s+(?:ourselves|itself|themselves|myself))?|(?:is|are)\s+committing)\s+to"
    r"(?=\s+(?:\w+\s+){0,2}?(?:\w+ing|implementation|continue)\b)"
    # "The Government pledges to plant …", "We undertake to publish …". ("Has committed / pledged /
    # agreed to …" reports an earlier pledge, as the corpus labels read it.)
    r"|(?P<pledged>(?:pledges?|promises?|undertakes?|vows?)\s+to(?=\s+[a-z]+\b))"
    # "We are committed to publishing …": a concrete act promised. ("Committed to ensuring / supporting
    # / working with / improving …" states a disposition, a stance, save "ensuring that departments
    # report on …", which binds the government's own bodies to act; "… that our services are
    # accessible" is a stance again.)
    rf"|(?P<committed>(?:is|are|am|remains?)\s+(?:also\s+|firmly\s+|fully\s+)?committed\s+to"
    rf"(?=\s+{_COMMITTED_ACTS}|\s+ensuring\s+that\s+{_BODIES_ACT}))"
    r"|(?P<planning>(?:is|are)\s+(?:now\s+|also\s+)?(?:planning|preparing\s+to(?=\s+[a-z]+\b)))"
    # "It is the Government's intention to identify …": the possessive names who intends.
    r"|(?P<intention>(?:is|remains)\s+(?:the\s+[A-Z][\w’']*['’]s|our|the\s+government['’]s)\s+(?:firm\s+)?"
    r"intention\s+to)"
    # Obligations: "agencies must …", "the Ministry is required to …", "departments are to …".
    r"|(?P<must>must)|(?P<required>(?:is|are)\s+(?:also\s+)?(?:required|obliged|obligated|to\s+be\s+required)\s+to"
    r"|(?:is|are)\s+to(?=\s+(?:\w+ly\s+)?[a-z]+\s)))\b(?![-'’])"
    # "We'll", "There'll": the contracted "will".
    r"|(?<=[A-Za-z])['’](?P<contraction>ll)\b",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NOUN_WILL_BEFORE = words(
    """the a political good free own at of their its his her people's popular general strong ill goodwill"""
)
_RELATIVE = words("that which who whom whose where")
# "… lays out how the United States will work …": a modal inside a how/what/whether clause is not
# the sentence's own promise.
# "… we see a future where we'll have …": nor inside a where-clause after a noun, nor in ", when it will
# be issued …" after the main clause.
_IN_COMPLEMENT_CLAUSE_RE = re.compile(
    r"(?:\b(?:how|what|whether|(?<!is\s)(?<!'s\s)why)|[\w,]\s+where|,\s+when|\b(?:ensuring|guarantee|guaranteeing)\s+that)(?:\s+[\w'’-]+){0,7}\s*$",
    re.IGNORECASE,
)
# A modal in the object of a describing verb ("A publication scheme sets out classes of information a
# public authority will publish"): what a thing describes, not a promise of the sentence.
_DESCRIBED_OBJECT_RE = re.compile(
    r"\b(?:sets\s+out|describes|explains|specifies|defines|outlines|lists|details|summari[sz]es)\s+"
    r"(?!how\b|what\b|that\b|whether\b|why\b)[^,;:()]*$",
    re.IGNORECASE,
)
_LY_VERBS = words("apply supply rely comply multiply reply fly ally imply")
_ADVERBS = words(
    """also further not never still then jointly first soon now always only all both each better
    furthermore moreover therefore thus additionally initially ultimately eventually"""
)
_IRREGULAR_PARTICIPLES = words(
    """made built set put held done given taken drawn run kept brought sent shown laid met paid sought
    spent won led understood undertaken established begun become cut dealt found got gotten grown known
    lent let lit lost meant read rebuilt sold shut spread stood struck taught thought told upheld
    withdrawn written borne born chosen driven frozen hidden ridden risen spoken stolen sworn torn worn
    fed bred bound hung dug spun shed split swept felt heard left said shot sat stuck swung wound seen
    overseen foreseen thrown blown flown sewn sown proven forgiven overtaken rewritten forbidden beaten
    broken woken woven gone undergone redone run rerun sung sunk drunk shrunk withheld laid inlaid
    prepaid repaid reset recast broadcast forecast input output hit cost bid quit rid reread"""
)
# Verbs that describe an effect rather than an action when the subject is not an actor.
_EFFECT_VERBS = words(
    """help helps contribute benefit enable allow bring lead result mean make serve have give lay pave
    become remain play represent mark signal usher open attract generate produce create yield ensure
    inform complement reflect underpin shape unlock unleash spur drive foster require need take cost
    match account spark stimulate fuel trigger support transform improve strengthen boost increase reduce
    facilitate assist come show provide offer illustrate display place impose guarantee integrate"""
)
# "This will include X" elaborates a promise instead of stating a consequence.
ELABORATION_VERBS = words(
    """include involve cover comprise consist encompass entail focus concentrate target prioritize
    prioritise"""
)
_DOC_VERBS = words(
    """describe outline present set explain introduce summarize summarise review examine discuss detail
    identify specify list contain build"""
)
_CONSEQUENCE_OPENER_RE = re.compile(
    r"^(?:by\s+(?:doing\s+so|so\s+doing)|in\s+(?:doing\s+so|so\s+doing|this\s+way|this\s+manner)|"
    r"as\s+a\s+result|doing\s+so|which|"
    # "By removing these barriers, we will unleash …": what the means will bring about.
    r"by\s+\w+ing\b(?!\s+(?:19|20)\d\d))",
    re.IGNORECASE,
)
# A date a sentence names ("by 2020", "by the end of 2012", "in June 2027").
DATE_RE = re.compile(
    r"\b(?:by|before|until|in|from)\s+(?:the\s+end\s+of\s+)?(?:[a-z]+\s+)?(?:19|20)\d\d\b", re.IGNORECASE
)
_QUANTITY_RE = re.compile(
    r"\d[\d,.]*\s*(?:%|percent|per\s+cent|million|billion|thousand)|\b(?:million|billion)\b", re.IGNORECASE
)


def _dated_figure_after(s: str, position: int) -> bool:
    """A quantity and a year follow the modal: the sentence sets a target ("we will, by 2020, make it
    possible for over 15 million Muslims per year to …")."""
    rest = s[position:]
    return bool(DATE_RE.search(rest) and _QUANTITY_RE.search(rest))


# What a law, plan or earlier document says: quoted or reported, not promised here.
_REPORTED_RE = re.compile(
    r"\b(?:regulations?|law|laws|act|statute|directive|code|order|circular|constitution|plan|document|"
    r"paper|budget|policy|strategy|report|guidance|framework|agreement|treaty|decree|rules?)"
    # ("… and as required by the Act, OMB is committed to …": the government acting under the law.)
    r"(?:\s+[\w.,()-]+){0,12}?\s+(?<!\bas\s)(?:stated|states|said|says|provides?|provided|stipulates?|stipulated|"
    r"requires?|required|announced|declared|noted|identified|specified|set\s+out|sets\s+out|"
    r"established|establishes|promised|pledged|mandates?|mandated)\b",
    re.IGNORECASE,
)
# What people told the government: "Users told us they will …", "Respondents said that they will …".
_PEOPLE_SAY_RE = re.compile(
    r"\b(?-i:told|tell|tells)\s+us\b(?!\s+(?-i:[A-Z]))"  # not the "Tell Us How" challenge
    r"|\b(?:users|respondents|citizens|residents|businesses|stakeholders|people|participants|consultees)\s+(?:\w+\s+)?(?:said|say|says|reported|felt|feel|think|thought|believe[sd]?)\b",
    re.IGNORECASE,
)
# What would happen without action: "If we do nothing, …", "Without action, …", "Left unchecked, …".
_COUNTERFACTUAL_RE = re.compile(
    r"^(?:if\s+(?:we|the\s+government|nothing|no\s+action)\s+(?:do(?:es)?\s+nothing|is\s+done|(?:is\s+)?taken|"
    r"fails?\s+to\s+act|(?:do|does)\s+not\s+act|don't\s+act)|without\s+(?:further\s+|urgent\s+|decisive\s+)?"
    r"(?:action|intervention|reform|change)|left\s+unchecked|unless\s+(?:we|action|the\s+government))\b",
    re.IGNORECASE,
)
_QUOTES = {"“": "”", '"': '"', "‘": "'"}  # a closing "’" is read as "'" by then


def _inside_quotation(s: str, position: int) -> bool:
    """Whether ``position`` lies inside a quotation of five words or more (a name in quotes, "the
    ‘Friends and Family Test’", is not one)."""
    opening = None
    for index, ch in enumerate(s[:position]):
        if opening is None and ch in _QUOTES and (index == 0 or not s[index - 1].isalnum()):
            opening = index
        elif (
            opening is not None
            and ch == _QUOTES[s[opening]]
            and (index + 1 == len(s) or not s[index + 1].isalnum())
        ):
            opening = None
    if opening is None:
        return False
    close = s.find(_QUOTES[s[opening]], position)
    quoted = s[opening + 1 : close if close > 0 else len(s)]
    return len(quoted.split()) >= 5


# What a law or one of its sections provides: "New section 11A(2) of the FOIA requires public authorities …".
_LAW_PROVIDES_RE = re.compile(
    r"\b(?:regulations?|law|act|statute|directive|section|article|clause|provisions?)"
    r"(?:\s+[\w.,()-]+){0,8}?\s+(?<!\bas\s)(?:provides?|stipulates?|requires?|mandates?|obliges?)\b",
    re.IGNORECASE,
)
_BY_OTHERS_RE = re.compile(
    r"^\s+be\s+(?:\w+\s+){1,3}?by\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:restaurants|operators|providers|"
    r"companies|businesses|employers|owners|users|residents|individuals|citizens|applicants|the\s+public|"
    r"industry|suppliers|developers|landlords|tenants)\b",
    re.IGNORECASE,
)
_UNDER_LAW_RE = re.compile(
    r"^(?:under|according\s+to|pursuant\s+to|in\s+accordance\s+with)\s+(?:the\s+)?(?:[\w-]+\s+){0,6}?"
    r"(?:act|law|regulations?|directive|code|statute|ordinance|section|provisions?|legislation)\b",
    re.IGNORECASE,
)
_CONNECTIVE_RE = re.compile(r"^(?:thus|hence|therefore|consequently)\b", re.IGNORECASE)
DEMONSTRATIVE_RE = re.compile(
    r"^(?:all\s+(?:of\s+)?)?(?:this|these|that|those|such)\b(?P<rest>.*)$|^(?:it\s+all|all\s+this)$",
    re.IGNORECASE,
)
_DOC_SELF_RE = re.compile(
    r"\b(?:white\s+paper|paper|document|report|chapter|section|part|annex|publication|outline|plan|"
    r"charter|agenda|strategy|strategies|guidelines?|guidance|code|framework|toolkit|playbook|catalog|standard|"
    r"catalogue|statement)s?\b",
    re.IGNORECASE,
)
_FORECAST_RE = re.compile(
    r"\b(?:expected|believed|likely|hoped|estimated|projected|forecast|predicted|anticipated|feared|"
    r"possible|probable|unlikely|assumed)\b"
    # "There is a risk that the programme will be delayed", "Critics argue that the reforms will fail".
    r"|\b(?<!-)(?:risks?|danger|chance|possibility|concerns?|fears?|argue|argues|claim|claims|warn|warns)\s+that\b",
    re.IGNORECASE,
)
_FORECAST_VERB_RE = re.compile(
    r"\b(?:expects?|anticipates?|predicts?|believes?|foresees?|assumes?|know|knows|trust|hope|"
    r"(?:am|is|are)\s+(?:confident|sure|certain))\b",
    re.IGNORECASE,
)
_ACTOR_WORDS = words(
    """we it they government governments ministry ministries department departments agency agencies
    authority authorities commission council administration office bureau parliament congress cabinet
    state states province provinces municipality municipalities county counties country countries nation
    union party committee regulator secretariat directorate institutes china organization organisation
    corporation board boards taskforce centre center institute unit panel commissioner minister ministers
    secretary officer officers steward mayor premier president program programme chair chairs chairman
    chairperson director directors group head heads"""
)
_SMALL_WORDS = words("the of and for in on at by to a an 's ’s")
PLAN_PERIOD_RE = re.compile(
    r"^(?:and\s+)?(?:(?:in|over|during|for|within|throughout)\s+the\s+(?:next|coming|following|upcoming|"
    r"forthcoming|new|current|plan)\b[^,.;]{0,60}?\b(?:years?|period|decade|months|plan)\b"
    r"|(?:in|during)\s+(?:the\s+)?\w+\s+five-year\s+plan\b|by\s+(?:the\s+end\s+of\s+)?(?:20\d\d|the\s+end)"
    r"|(?:from|between)\s+(?:now|20\d\d)\s+(?:to|and|until|-|–)\s+20\d\d)",
    re.IGNORECASE,
)
PAST_MARKER_RE = re.compile(
    r"\b(?:has|have|had)\s+been\b|\b(?:achieved|completed|accomplished|achievements?|since\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
TASK_WORDS_RE = re.compile(
    r"\b(?:tasks?|measures|priorities|targets|objectives|goals|actions|steps|strategies|activities|initiatives|"
    r"commitments|deliverables|milestones|key\s+projects|major\s+projects)\b",
    re.IGNORECASE,
)


# "will remain below 5.5%", "will be at least 95 per cent": the verb is followed by a figure.
_QUANTITY_TARGET_RE = re.compile(
    r"\s+(?:remain|be|stay|stand)\s+(?:(?:at|below|above|under|over|within|around|about|roughly|"
    r"approximately|no|not|more|less|than|least|most|kept|held|maintained|controlled|stable)\s+){0,4}"
    r"[$£€]?\d",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Modal:
    start: int
    end: int
    kind: str  # "will", "shall", "plans-to", "going-to"
    bare: bool  # nothing but punctuation follows ("It will:")


def split_sentences(s: str) -> list[tuple[int, int]]:
    """Sentence spans in an already cleaned paragraph or list item."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(s):
        end = match.end()
        if s[match.start()] == "." and _is_abbreviation(s[start : match.start() + 1]):
            continue
        spans.append((start, end))
        start = end
        while start < len(s) and s[start] == " ":
            start += 1
    if start < len(s):
        spans.append((start, len(s)))
    return [(a, b) for a, b in spans if s[a:b].strip()]


def _is_abbreviation(sentence: str) -> bool:
    match = _WORD_BEFORE_RE.search(sentence)
    if not match:
        return False
    word = match.group(1)
    if re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word) and (len(word) == 1 or "." in word):
        return True  # initials and "U.S.", "e.g."
    return word.lower() in _ABBREVIATIONS


def _first_word(s: str) -> str:
    match = WORD_RE.search(s)
    return match.group().lower() if match else ""


def find_modal(s: str) -> Modal | None:
    """The modal that governs the sentence: the first one that is not a noun or inside a relative clause."""
    return next(find_modals(s), None)


# A relative clause whose verb is followed by "and" + modal: "programs that have paved the way for the
# Vision and will help us …" (the modal's subject is the relative pronoun's).
_RELATIVE_PREDICATE_RE = re.compile(
    r"\b(?:that|which)\s+(?:\w+ly\s+)?(?:has|have|had|is|are|was|were)\b[^,;:.()]*\b(?:and|or)\s*$",
    re.IGNORECASE,
)
# "We have appointed a Chief Data Officer, who will publish …": a promise about a named person or body.
_APPOSITIVE_WHO_RE = re.compile(r",\s*who\s*$", re.IGNORECASE)
_PARENTHETICAL_RE = re.compile(r",[^,.;:]{1,80},\s*[a-z]")


def find_modals(s: str) -> Iterator[Modal]:
    """Every modal of the sentence that could govern a clause of its own, in order."""
    for match in MODAL_RE.finditer(s):
        before = s[: match.start()]
        words = WORD_RE.findall(before)
        previous = words[-1].lower() if words else ""
        if _IN_COMPLEMENT_CLAUSE_RE.search(before):
            continue
        if _DESCRIBED_OBJECT_RE.search(before) and previous not in {"and", "or", "but", "also"}:
            continue  # "A publication scheme sets out classes of information a public authority will …"
        if previous in _RELATIVE and not _APPOSITIVE_WHO_RE.search(before):
            continue
        if (
            previous in {"and", "or"}
            and _RELATIVE_PREDICATE_RE.search(before)
            and _first_word(s[match.end() :]) in _EFFECT_VERBS
        ):
            # "… programs that have paved the way and will help us …": the relative clause goes on to
            # an effect (its subject is the programs); "… the rules that were in force and will
            # publish new ones" may be either, and an act is read as the main clause's.
            continue
        after = s[match.end() :].strip()
        # "It will:" is bare; "We will, through a challenge, invite …" is not.
        bare = not after or after[0] in ":;.)" or (after[0] == "," and not _PARENTHETICAL_RE.match(after))
        if match.group("contraction"):
            kind = "will"
        elif match.group("will"):
            if previous in _NOUN_WILL_BEFORE:
                continue
            next_words = WORD_RE.findall(after[:40])
            if next_words and next_words[0].lower() in {"of", "and", "or"}:
                continue
            kind = match.group("will").lower()
        elif match.group("must") or match.group("required"):
            kind = "must"
        elif match.group("plans") or match.group("planning"):
            if not _actor_precedes(words):
                continue
            kind = "plans-to"
        elif match.group("commits") or match.group("committed") or match.group("pledged"):
            if not _actor_precedes(words):
                continue
            kind = "commits-to"
        elif match.group("intention"):
            kind = "intention"
        else:
            kind = "going-to"
        yield Modal(match.start(), match.end(), kind, bare)


def _actor_precedes(words: list[str]) -> bool:
    """ "China plans to", "we also plan to" (a verb) and not "forward-looking plans to" (a noun)."""
    index = len(words) - 1
    while index >= 0 and words[index].lower() in {
        "also",
        "further",
        "now",
        "currently",
        "still",
        "therefore",
    }:
        index -= 1
    if index < 0:
        return False
    word = words[index]
    if word.lower() == "and" and index > 0:
        return True  # "OMB is evaluating X, and plans to update Y": the verb of the same subject
    # In a sentence set in capitals a capital says nothing ("WE HAVE LONG-TERM PLANS TO …": a noun).
    in_capitals = len(words) >= 4 and all(w.isupper() for w in words[-4:])
    return (
        word.lower() in _ACTOR_WORDS
        or word.lower() in {"i", "he", "she"}
        or (word[:1].isupper() and not in_capitals)
    )


def verb_after(s: str, end: int) -> tuple[str, str]:
    """The first verb after the modal and, for "be", the word after it."""
    rest = s[end : end + 200]
    parenthetical = _PARENTHETICAL_RE.match(rest.lstrip())
    if parenthetical:
        rest = rest.lstrip()[parenthetical.end() - 1 :]  # "will, by the end of the year, set out"
    words = [w.lower() for w in WORD_RE.findall(rest)]
    content = [w for w in words if not (w in _ADVERBS or (w.endswith("ly") and w not in _LY_VERBS))]
    verb = content[0] if content else ""
    following = content[1] if len(content) > 1 else ""
    return verb, following


def _is_participle(word: str) -> bool:
    return (
        (word.endswith("ed") and len(word) > 3)
        or word in _IRREGULAR_PARTICIPLES
        or (word.endswith("en") and word not in _NOT_PARTICIPLES)
    )


# Words in -en that are not participles: "will be open", "will be even more".
_NOT_PARTICIPLES = words(
    """open often even seven eleven ten green keen citizen citizens women children garden kitchen burden
    token screen between sudden golden wooden heaven oven linen dozen happen listen"""
)


_INTERRUPTION_RE = re.compile(
    r"^(?:\(|(?:as|which|who|including|especially|particularly|notably|together|along|alongside|in|with|"
    r"through|via|under|working|acting|undertaken|led|supported|required|funded|coordinated)\b|"
    r"[a-z]+ed\s+(?:by|with|in|through|under|from)\b)",
    re.IGNORECASE,
)


_PARENTHESES_RE = re.compile(r"\s*\([^()]*\)")


def subject_of(pre: str) -> str:
    """The grammatical subject before the modal: drop leading adverbials and the plan period."""
    segments = pre.strip().rstrip(",").split(",")
    # "The Ministry, in partnership with X, will": an interruption is not the subject.
    while len(segments) > 1 and _INTERRUPTION_RE.match(segments[-1].strip()):
        segments.pop()
    subject = _PARENTHESES_RE.sub(" ", segments[-1])  # "Service Managers (known as …) will"
    subject = PLAN_PERIOD_RE.sub("", subject).strip()
    subject = re.sub(r"^(?:and|but|so|then|also)\s+", "", subject, flags=re.IGNORECASE)
    # "… remain an issue for many users but equally we must …": the new clause's pronoun.
    coordinated = _COORDINATED_PRONOUN_RE.search(subject)
    if coordinated:
        subject = coordinated.group("pronoun")
    return subject.strip(" \"'“”‘’")


_COORDINATED_PRONOUN_RE = re.compile(
    r"\s(?:but|and|yet|so|while|whereas)\s+(?:\w+ly\s+|also\s+)?(?P<pronoun>we|I|they)$", re.IGNORECASE
)


def is_named_actor(subject: str) -> bool:
    """ "We", "the Government", "the Ministry": someone who acts, not "it" or "this"."""
    lowered = [w.lower() for w in WORD_RE.findall(subject)]
    return bool(lowered) and (
        lowered == ["we"]
        or lowered == ["i"]
        or any(w in _ACTOR_WORDS - {"it", "they"} for w in lowered[-3:])
        or bool(_PUBLIC_BODY_RE.search(subject))
    )


_PUBLIC_BODY_RE = re.compile(r"\b(?:public|civil)\s+(?:sector|service)s?$", re.IGNORECASE)


_SITE_NAME_RE = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.(?:gov|org|com|net|uk|nz|ca|au|int)\b", re.I)


def head_noun(lowered: list[str]) -> str:
    """The head of a noun phrase: its last word before "of", "for", "on" … ("strategy" in "the
    Strategy for a Digital Public Service")."""
    for position, word in enumerate(lowered):
        if position and word in {"of", "for", "on", "in", "to", "with", "about"}:
            return lowered[position - 1]
    return lowered[-1]


def is_actor(subject: str) -> bool:
    words = WORD_RE.findall(subject)
    if not words:
        return False
    lowered = [w.lower() for w in words]
    if len(words) == 1 and lowered[0] in {"we", "it", "they", "i"}:
        return True
    if lowered[0] in {"you", "there"} or lowered in (["this"], ["these"], ["that"], ["those"]):
        return False  # "This will provide …": a thing spoken of, capitalised only by the sentence start
    if _SITE_NAME_RE.match(subject.strip()):
        return True  # "Data.gov will serve as …", "www.data.gov.uk will publish …": a named service
    if _DOC_SELF_RE.fullmatch(head_noun(lowered)):
        return False  # "The Strategy for a Digital Public Service will help …": a document acts not
    if head_noun(lowered) in _TECHNOLOGY_TERMS:
        return False  # "AI will transform every sector": a technology, capitals or not, acts not
    if _PUBLIC_BODY_RE.search(subject):
        return True
    head = head_noun(lowered)
    if lowered[0] == "we" or head in _ACTOR_WORDS:
        return True
    if TASK_WORDS_RE.fullmatch(head):
        return False  # "the Shared Solution Actions will support agencies": actions do not act
    if (
        head != lowered[-1]
        and (lowered[0] in {"the", "a", "an", "its", "our", "their"} or "'s" in subject or "’s" in subject)
        and not words[lowered.index(head)][:1].isupper()
    ):
        # "The development of data catalogs across agencies", "OMB's approach to working": the
        # head of the phrase acts, not the words after it.
        return False
    if any(w in _ACTOR_WORDS for w in lowered[-3:]):
        return True
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    named = re.sub(r"^the\s+", "", subject.strip(), flags=re.IGNORECASE)
    if len(content) == 1 and content[0][1:].islower() and content[0].lower() in COMMON_WORDS.get():
        return False  # "Data will be more easily re-used": capitalised by the sentence, "data" elsewhere
    return 0 < len(content) <= 6 and all(w[:1].isupper() for w in content) and not named[:1].islower()


# The words the document being read also writes in lower case mid-sentence: a one-word subject such
# as "Data" or "Training" is then a common noun capitalised by the sentence start, while "China",
# "Canada" or "Ofcom" keep their capital everywhere. Set by the extractor for each document.
COMMON_WORDS: ContextVar[frozenset[str]] = ContextVar("COMMON_WORDS", default=frozenset())


# The label of a numbered mission, target or goal, before its sentence: "Mission 2: By 2030, …".
GOAL_LABEL_RE = re.compile(
    r"^(?:mission|target|goal|objective|outcome|ambition|milestone)\s+\d{1,2}[a-z]?\s*[:.–—-]\s+(?=\S)",
    re.IGNORECASE,
)
# A sentence that opens on its deadline: "By 2030, …", "By the end of 2025, …".
DEADLINE_OPENING_RE = re.compile(
    r"^(?:and\s+)?by\s+(?:the\s+end\s+of\s+)?(?:(?:early|mid|late)[\s-]+)?(?:19|20)\d\d\b,?", re.IGNORECASE
)


def classify(sentence: str, previous: str | None = None) -> str | None:
    """The rule slug under which ``sentence`` is a commitment, or None.

    The first modal governs; when its clause promises nothing ("These tools will help …"), a later
    clause of its own may ("…, and the Administration commits to …"). ``previous`` is the sentence
    before, which tells who "it" or "they" is.
    """
    s = GOAL_LABEL_RE.sub("", sentence.replace("’", "'").strip())
    if len(s) < 8 or s.endswith("?"):
        return None
    for position, modal in enumerate(find_modals(s)):
        if position and not _CLAUSE_BREAK_RE.search(s[: modal.start]):
            break
        rule = _classify_at(s, modal, previous)
        if rule is not None or (position == 0 and modal.bare):
            return rule
    if _DONE_BY_DATE_RE.search(s):
        return "prose-to-be-done"  # "We have launched a scheme, with 3 000 chargers to be provided by 2028"
    return None


# What an act already taken goes on to deliver, by a date: "…, with an additional 3 000 fast chargers
# to be provided by the end of 2028" (a bare "to be provided" with no date states no promise, and
# "with more rises to be expected in 2021" foresees).
_DONE_BY_DATE_RE = re.compile(
    r",\s+with\s+[^,;]{1,80}?\s+to\s+be\s+(?:\w+ly\s+)?"
    r"(?!(?:expected|anticipated|forecast|projected|estimated|predicted|seen|felt|known)\b)"
    r"[a-z]+(?:ed|en|wn|t)\s+(?:[a-z]+\s+)?"
    r"(?:by|before|within|in)\s+(?:the\s+end\s+of\s+|early\s+|mid-|late\s+)?(?:[A-Za-z]+\s+)?(?:19|20)\d\d\b"
)


# A new independent clause: "…; the Ministry will …", "…, and the Government will …", "… and, as part
# of our drive to …, we are going to …".
_CLAUSE_BREAK_RE = re.compile(
    r"(?:;|,\s+(?:and|but|while)|\s+and|\s+but)(?:,\s+[^,;]{1,80},)?\s+"
    r"(?:(?:however|moreover|furthermore|equally|also|therefore|instead|in\s+addition),?\s+)?"
    r"(?:the\s+|we\b|it\b|they\b|[A-Z])[^,;]{0,80}$"
)


# A subject that is an activity with its object ("Fully implementing the practices", "Standardizing
# the process"), not a noun in -ing ("Funding for …", "Training will be provided").
_GERUND_SUBJECT_RE = re.compile(
    r"^(?:\w+ly\s+)?(?!(?:during|according|regarding|concerning|including|following|excluding|pending|"
    r"notwithstanding|beginning|starting)\b)[A-Za-z]+ing\s+(?!(?:of|for|in|on|to|from|at|and|or|will|shall)\b)\w",
    re.IGNORECASE,
)


_ANY_FINITE_RE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|does|did|can|could|may|might|must|should|would|will|shall)\b",
    re.IGNORECASE,
)


def _pronoun_stands_for_actor(previous: str) -> bool:
    """Whether "it"/"they" can be the government: the sentence before has an acting subject ("China
    will … It will …"), not a thing ("Digital transformation will help … It will transform …")."""
    s = previous.replace("’", "'").strip()
    modal = find_modal(s)
    verb = _ANY_FINITE_RE.search(s)
    head = s[: modal.start] if modal else (s[: verb.start()] if verb else " ".join(s.split()[:6]))
    subject = subject_of(head)
    lowered = subject.lower()
    if lowered in {"it", "they", ""} or is_named_actor(subject) or is_actor(subject):
        return True
    # "This will include studying … It will also include …": the promise before, spelled out further.
    return lowered in {"this", "these"} and classify(previous) is not None


# A passive whose agent is outside government: "… will be put up by permitted restaurants".
_BY_THIRD_PARTY_RE = re.compile(
    r"\s+be\s+(?:\w+ly\s+)?[a-z]+(?:ed|en|t)(?:\s+(?:up|out|in|on|off))?\s+by\s+(?:the\s+|its\s+|their\s+)?"
    r"(?:[a-z-]+\s+){0,2}(?:restaurants|shops|operators|owners|businesses|companies|firms|developers|employers|"
    r"landlords|residents|applicants|households|customers|passengers|patients|parents|visitors|private\s+sector|"
    r"industry|investors|donors|charities|philanthropists)\b",
    re.IGNORECASE,
)
_BY_ACTOR_RE = re.compile(
    r"\bby\s+(?:the\s+)?(?:[\w-]+\s+){0,8}?(?:government|ministry|department|agency|commission|council|"
    r"office|authority|bureau|administration|secretariat|committee)\b",
    re.IGNORECASE,
)


_EXISTENTIAL_DELIVERABLE_RE = re.compile(
    r"\s+be\s+(?:a|an|one|new|a\s+new|no\s+(?:new|more|further)|\d[\d,]*)\s+(?!(?:\w+\s+)?(?:challenges?|risks?|need|difficult|"
    r"changes?\s+in\s+demand|pressure|uncertaint))",
    re.IGNORECASE,
)
_UNIVERSAL_SUBJECT_RE = re.compile(r"^(?:every|all|each)\b", re.IGNORECASE)
_YEAR_AFTER_RE = re.compile(r"\b(?:19|20)\d\d\b")
# A body set up in the sentence before: "A new Linked Data Working Group will be established …",
# "We are setting up a Research Board …". "This will lead …" then speaks of the body, which acts.
_SET_UP_PASSIVE_RE = re.compile(
    r"\b(?:will|shall)\s+be\s+(?:\w+ly\s+)?(?:established|set\s+up|created|formed|convened|constituted)\b",
    re.IGNORECASE,
)
_SET_UP_ACTIVE_RE = re.compile(
    r"\b(?:will|shall|is|are)\s+(?:\w+ly\s+|also\s+|now\s+)?(?:establish(?:ing)?|set(?:ting)?\s+up|"
    r"creat(?:e|ing)|form(?:ing)?|conven(?:e|ing))\s+(?:a|an)\s+(?P<body>[^,;:()]{1,80}?)(?=\s*(?:[,;:(]|$|"
    r"\s+(?:to|which|that|chaired|led|with|in|of)\b))",
    re.IGNORECASE,
)


# What a thing brings about rather than does: "This will help …", "This will lead to …".
_CONSEQUENCE_VERBS = words("help contribute benefit enable allow bring result mean make pave usher let")


def _consequence(verb: str, following: str) -> bool:
    return verb in _CONSEQUENCE_VERBS or (verb == "lead" and following == "to")


def _sets_up_a_body(previous: str) -> bool:
    """Whether the sentence before sets up a body ("A new Working Group will be established")."""
    s = previous.replace("’", "'").strip().rstrip(".")
    passive = _SET_UP_PASSIVE_RE.search(s)
    if passive:
        return head_of(subject_of(s[: passive.start()])) in _ACTOR_WORDS - {"we", "it", "they"}
    active = _SET_UP_ACTIVE_RE.search(s)
    return active is not None and head_of(active.group("body")) in _ACTOR_WORDS - {"we", "it", "they"}


_WHICH_MEANS_RE = re.compile(r"\b(?:which\s+means|means\s+that)\b", re.IGNORECASE)
# A sentence that opens on a condition and leaves the step to someone: "If …, the complainant may ask …".
_MAY_ON_CONDITION_RE = re.compile(r"^(?:if|where|when|once|should)\b[^.;]*,[^.;]*\b(?:may|can)\b", re.I)
_PERMISSIVE_RE = re.compile(r"(?<!who\s)(?<!which\s)(?<!that\s)\b(?:may|might|could|should)\b", re.IGNORECASE)
# "…, so we'll …", "…; the Ministry will …", "… and all departments will …": a clause of its own.
_NEW_CLAUSE_RE = re.compile(r";|,\s+(?:so|and|but|while|yet)\b|\s+and\s+(?:\w+\s+){0,3}?(?:we|all|the|it)\b")


def _governs(pattern: re.Pattern[str], pre: str) -> bool:
    """Whether a word matching ``pattern`` before the modal governs its clause: no new clause starts
    between them."""
    matches = list(pattern.finditer(pre))
    return bool(matches) and not _NEW_CLAUSE_RE.search(pre, matches[-1].end())


_PRIDE_RE = re.compile(
    r"[\s–—-]+(?:\w+ly[\s–—-]+)?(?:continue[\s–—-]+to[\s–—-]+)?(?:take[\s–—-]+(?:\w+[\s–—-]+)?pride|be[\s–—-]+"
    r"(?:\w+[\s–—-]+)?proud)\b",
    re.IGNORECASE,
)
# What the clause sets out to reach is a hope, not a deliverable.
_ASPIRATION_OBJECT_RE = re.compile(
    r"\s+(?:(?:therefore|also|continue|continually|always|together|work|strive|seek|to)\s+){0,5}"
    r"(?:achieve|fulfil|fulfill|realise|realize|reach|pursue|meet)\s+"
    r"(?:our|their|its|the)\s+(?:\w+\s+)?(?:hopes?|aspirations?|dreams?|ambitions?)\b",
    re.IGNORECASE,
)
_STANCE_VERBS = words(
    "remember forget know believe understand feel wish adhere contemplate tolerate hesitate"
)
_PEOPLE_AND_ECONOMY = words(
    """people citizens residents youth women men families children students workers economy society
    market markets businesses companies firms enterprises investors consumers users visitors tourists
    households communities schools corporatization privatization teams"""
)
_STUDY_NOUNS = words(
    "review reviews study studies assessment evaluation inquiry enquiry audit survey analysis"
)
_SCOPE_VERBS = words(
    "consider examine look cover assess explore address investigate focus include analyse analyze"
)
_DUTY_NOUNS = words("priority priorities role task tasks job mission focus duty responsibility")


def head_of(subject: str) -> str:
    return head_noun([w.lower() for w in WORD_RE.findall(subject)] or [""])


def _names_a_body(subject: str) -> bool:
    """ "the Hong Kong Housing Society": a name (its head capitalised), not "our society"."""
    words = WORD_RE.findall(subject)
    head = head_noun([w.lower() for w in words] or [""])
    return any(w.lower() == head and w[:1].isupper() for w in words[1:])


_THIRD_PARTY_RE = re.compile(
    r"^(?:the\s+)?(?:other|foreign|rival|competing|many|some|most|several)\s+\w", re.IGNORECASE
)
_OUTCOME_NOUNS = words(
    """benefit benefits saving savings gain gains impact impacts outcome outcomes effect effects majority
    demand growth return returns population populations temperature temperatures inflation prices"""
)
# Technologies and measures written in capitals that are not bodies: "AI will transform …".
_TECHNOLOGY_TERMS = words("ai ml ict iot 5g 6g gdp gnp co2 ghg ev evs lng r&d blockchain")
# "… will be achieved through a work programme …": how the government will bring the outcome about.
_BY_MEANS_RE = re.compile(r"\s+be\s+(?:\w+\s+){1,2}?(?:through|via|by\s+means\s+of|by\s+\w+ing)\b", re.I)
# "… will not be realized / achieved without …": a condition of success, not an act promised ("Data
# will not be shared without consent" is a safeguard, and stays).
_NOT_WITHOUT_RE = re.compile(
    r"\s+not\s+(?:\w+ly\s+)?(?:be\s+(?:realized|realised|achieved|accomplished|attained|fulfilled|possible|"
    r"reached|met|complete|successful)|succeed|happen|come\s+about)\s+without\b",
    re.IGNORECASE,
)
_TIME_SUBJECTS = words("future world decade decades century era age years months times")
_REACH_VERBS = words("reach exceed hit top surpass")
_CHANGE_VERBS = words(
    """grow rise increase decrease decline fall drop expand shrink accelerate slow worsen double triple
    climb soar surge evolve change intensify persist diversify multiply spread"""
)
# A level to reach: "… is to reach about 20 percent", "… must fall by 45%".
_FIGURE_TO_REACH_RE = re.compile(
    rf"\s+(?:(?:{'|'.join(sorted(_CHANGE_VERBS | _REACH_VERBS))}|halve|achieve)"
    r"|be\s+(?:raised|reduced|increased|cut|lowered|brought))\b[^.;]{0,30}?[$£€]?\d",
    re.IGNORECASE,
)
_TREND_RE = re.compile(
    r"\s+(?:\w+ly\s+)?(?:continue\s+to\s+|keep\s+)?(?P<verb>[a-z]+)\b(?P<rest>[^.;]{0,30})"
)


def _changes_by_itself(s: str, end: int) -> bool:
    """ "… will (continue to) grow": an intransitive change with no figure to reach, i.e. a trend."""
    match = _TREND_RE.match(s, end)
    if not match or match.group("verb").lower() not in _CHANGE_VERBS:
        return False
    return not re.match(r"\s*(?:to|by|from|at\s+least)\s+[$£€]?\d", match.group("rest"))


# The document speaking of its own wording or its own course: "We will now turn our attention to …",
# "we will use the term data to include information", "the following terminology will apply".
_DISCOURSE_RE = re.compile(
    r"\s+(?:now\s+)?(?:turn\s+(?:our\s+|its\s+)?attention|"
    r"use\s+the\s+(?:terms?|words?|phrases?|expressions?|abbreviations?|acronyms?))\b",
    re.IGNORECASE,
)
# A definition in an order or a law: "the term “agency” shall mean …", "… shall have the meaning …".
_DEFINES_RE = re.compile(
    r"\s+(?:mean|have\s+the\s+(?:same\s+)?meanings?|be\s+defined\s+as|refer\s+to)\b", re.IGNORECASE
)
_DEFINES_INCLUDE_RE = re.compile(r"\s+(?:also\s+)?include\b", re.IGNORECASE)
_TERM_SUBJECT_RE = re.compile(r"\bthe\s+terms?\b|[“\"]\w[^”\"]{0,40}[”\"]\s*$", re.IGNORECASE)
_DEFINITION_RE = re.compile(r"\bwe\s+mean\b|\bis\s+defined\s+as\b|\brefers\s+to\b", re.IGNORECASE)
_NEED_TO_BE_RE = re.compile(
    r"\s+(?:also\s+)?need\s+to\s+be\s+(?!\w+ed\b)(?:\w+ly\s+)?[a-z]+\b(?!\s+to\s+\w)", re.I
)
_WORDING_SUBJECT_RE = re.compile(r"\b(?:terminology|definitions?|terms|abbreviations|acronyms)\s*$", re.I)
_APPLIES_RE = re.compile(r"\s+(?:apply|be\s+used)\W*$", re.IGNORECASE)


# A deliverable promised for a time: "… will be available during autumn 2012", "… will be operational
# by 2027". The time makes it a promise, whatever the subject ("This tool", "The new register").
_READY_WORDS = words("available ready operational live online accessible complete completed open")
# Or for a place on the web: "… will be available at resources.data.gov", "… accessible through a
# completely overhauled www.data.gov.uk site".
_AT_ADDRESS_RE = re.compile(
    r"\b(?:available|accessible|published|online|live)\s+(?:at|on|through|via|from)\s+"
    r"(?:(?:a|an|the|our|its)\s+(?:[\w-]+\s+){0,3}?)?"
    r"(?:https?://|www\.|[\w-]+(?:\.[\w-]+)*\.(?:gov|org|int|eu)\b|[\w-]+(?:\.[\w-]+)*\.gov\.[a-z]{2}\b)",
    re.IGNORECASE,
)
_WHEN_RE = re.compile(
    r"\b(?:by|in|during|from|before|until|within|(?:no|not)\s+later\s+than)\s+(?:the\s+(?:end|autumn|spring|summer|winter|start|first|"
    r"second|third|fourth)\b[^.;]{0,30}?)?(?:(?:early|mid|late)[\s-]+)?(?:(?:19|20)\d\d|january|february|march|"
    r"april|may|june|july|august|september|october|november|december|spring|summer|autumn|fall|winter)\b"
    r"|\b(?:later\s+this|next|this)\s+(?:year|month|spring|summer|autumn|winter)\b",
    re.IGNORECASE,
)


# What a body or thing will consist of or be for: "will have a number of facets", "will have a role in".
_MAKEUP_RE = re.compile(
    r"\s+(?:\w+ly\s+)?have\s+(?:(?:a\s+(?:number|range|variety)\s+of|several|many|various|two|three|four|five|"
    r"six|\d+)\s+(?:\w+\s+)?(?:facets|parts|components|elements|strands|functions|roles|members|sections|"
    r"features|aspects|dimensions|pillars|layers|stages|phases)|an?\s+(?:\w+\s+)?role\s+(?:in|to)\b)",
    re.IGNORECASE,
)


# "The Council will be comprised of senior staff" ("A task force will be constituted for the purpose" sets
# one up).
_CONSISTS_OF_RE = re.compile(r"\s+be\s+(?:\w+ly\s+)?(?:comprised|composed|constituted)\s+of\b", re.IGNORECASE)
# The general provisions of an order or a memorandum: how it is to be read and applied.
_BOILERPLATE_RE = re.compile(
    r"\s+(?:not\s+)?be\s+(?:construed|interpreted|deemed)\b|\s+be\s+(?:implemented|applied|carried\s+out|"
    r"administered)\s+(?:consistent(?:ly)?\s+with|in\s+accordance\s+with|subject\s+to)\s+(?:all\s+)?applicable\s+law",
    re.IGNORECASE,
)
# "The data will be sourced primarily from the member organisations …", "The cost of this measure will be
# partially met from savings …": where it comes from.
_SOURCED_FROM_RE = re.compile(
    r"\s+be\s+(?:\w+ly\s+)?(?:(?:sourced|derived|drawn|met|offset)\s+(?:\w+ly\s+)?from|offset\s+by)\b", re.I
)
# A new thing set against what there is now: "… will build in more flexibility than the current
# Tabulation Tool", "… will offer better search than is currently available".
_THAN_NOW_RE = re.compile(
    r"[^.;]{0,60}?\b(?:more|less|greater|fewer|better)\b[^.;]{0,40}?\bthan\s+(?:the\s+|is\s+|are\s+)?"
    r"(?:current|currently|existing|present|today|now|before)\b",
    re.IGNORECASE,
)


# Words after "will be" that do not make it a plain adjective ("will be complementary"): articles,
# prepositions ("will be in place"), duties ("responsible for"), capacities ("able to").
_NOT_ADJECTIVES = words(
    """a an the to in on at by from with for of into within under there here one two three four five six
    seven eight nine ten first second third last only responsible accountable able subject more less
    fully free no"""
)


# "… will be led/chaired by Sir Tim Berners-Lee and Professor …": a person named at the head of a thing.
_LED_BY_PERSON_RE = re.compile(
    r"\s+be\s+(?:jointly\s+|co-?)?(?:led|chaired|headed|directed)\s+by\s+(?:(?:Sir|Dame|Professor|Prof\.?|Dr\.?|"
    r"Mr\.?|Mrs\.?|Ms\.?|Lord|Lady|Baroness)\s|[A-Z][a-z]+\s+[A-Z][a-z-]+\b(?!\s+(?:of|for|and)\b))"
)


def _classify_at(s: str, modal: Modal, previous: str | None = None) -> str | None:
    pre = s[: modal.start]
    if modal.bare:
        # "…, where we can make progress without harm, we will.": the promise the clause before states.
        elliptical = modal.kind == "will" and "," in pre and s[modal.end :].strip() in {".", "!"}
        return "prose-will-elliptical" if elliptical and subject_of(pre).lower() == "we" else None
    if _DEFINITION_RE.search(pre):
        return None  # "By digital by default, we mean services so convenient that all … will …"
    if _DEFINES_RE.match(s, modal.end) or (
        _DEFINES_INCLUDE_RE.match(s, modal.end) and _TERM_SUBJECT_RE.search(pre)
    ):
        return None  # "the term “agency” shall mean …", "… shall have the meaning set forth in …"
    if _DISCOURSE_RE.match(s, modal.end) or (
        _WORDING_SUBJECT_RE.search(pre) and _APPLIES_RE.match(s, modal.end)
    ):
        return None  # the document's own wording or its next chapter, not an act of government
    if _FORECAST_RE.search(pre) and re.search(r"\bthat\b", pre, re.IGNORECASE):
        return None  # "It is expected that ... will ..."
    if _governs(_FORECAST_VERB_RE, pre):
        return None  # "The Government anticipates (that) some programmes will …": a forecast
    if _governs(_WHICH_MEANS_RE, pre):
        return None  # "…, which means (that) from then on their profile will …": a consequence
    if _governs(_PERMISSIVE_RE, pre):
        return None  # "Agencies may use the tool, which will …": a will inside a may sentence
    if previous is not None and _MAY_ON_CONDITION_RE.match(previous.strip()) and not _WHEN_RE.search(s):
        return None  # "If … still dissatisfied, the complainant may ask OPSI to investigate. OPSI will
        # publish its recommendations …": the next step of a procedure someone may set off
    if modal.kind in {"must", "shall"} and _UNDER_LAW_RE.match(pre.strip()):
        return None  # "Under the Paperwork Reduction Act, all agencies must …": what the law requires
    if _REPORTED_RE.search(pre):
        return None  # "The 2017 plan stated that China will …", "Regulations provide that … shall"
    if _PEOPLE_SAY_RE.search(pre):
        return None  # "Users told us they will only trust …": what others said, not a promise
    if _inside_quotation(s, modal.start):
        return None  # "“The new service will save me hours,” said Jane": someone quoted
    if _COUNTERFACTUAL_RE.match(pre.strip()):
        return None  # "If we do nothing, emissions will rise by 20%": what inaction would bring
    if modal.kind == "intention":
        return "prose-intention"  # the possessive says who intends: no subject to test
    verb, following = verb_after(s, modal.end)
    if (
        verb == "be"
        and following in _READY_WORDS
        and (_WHEN_RE.search(s, modal.end) or _AT_ADDRESS_RE.search(s))
    ):
        return "prose-will-be-ready"  # "This crowdsourcing tool will be available during autumn 2012."
    if verb == "open" and following in {"for", "to", "in", "on"} and _WHEN_RE.search(s, modal.end):
        return "prose-will-be-ready"  # "A new fund of £50 million will open for applications in 2026."
    verb, following = verb_after(s, modal.end)
    if not verb or verb in {"should", "may", "might", "could", "can", "would"}:
        return None  # "all agencies will should conduct …": the document hedges after all
    appositive = _APPOSITIVE_WHO_RE.search(pre)
    if appositive:
        # the one the clause is about: the words before ", who"
        subject = " ".join(WORD_RE.findall(pre[: appositive.start()])[-6:])
        return "prose-who-will" if is_named_actor(subject) else None
    subject = subject_of(pre)
    passive = (
        verb == "be"
        and _is_participle(following)
        and (modal.kind in {"will", "shall"} or (modal.kind == "must" and "-" not in following))
    )  # "Data must be published by June" ("We must be clear-eyed" is a state)
    if passive and _BY_OTHERS_RE.search(s, modal.end):
        return None  # "Clear signage will be put up by permitted restaurants": others will do it
    if (
        passive
        and following in {"informed", "shaped", "influenced", "affected", "determined"}
        and not TASK_WORDS_RE.search(head_of(subject))
    ):
        return None  # "The identification of skills will be informed by …": what bears on it
    if passive and subject.lower() in {"it", "this", "they"} and _LED_BY_PERSON_RE.match(s, modal.end):
        return None  # "It will be led by Sir Tim Berners-Lee": who leads it, not an act promised
    if passive and _BOILERPLATE_RE.match(s, modal.end):
        return None  # "Nothing in this order shall be construed to …", "… implemented consistent with
        # applicable law": how an instrument is to be read, not an act
    if passive and _CONSISTS_OF_RE.match(s, modal.end):
        return None  # "The Council will be comprised of senior staff": what it will consist of
    if _NOT_WITHOUT_RE.match(s, modal.end):
        return None  # "The nation we aspire to build will not be realized without a collective effort"
    if _CONSEQUENCE_OPENER_RE.match(pre.strip()) and not _dated_figure_after(s, modal.end):
        return None  # "By removing these barriers, we will unleash …"; "…, we will, by 2020, serve 15
        # million a year" sets a target, whatever means it names first
    if _CONNECTIVE_RE.match(pre.strip()) and not is_named_actor(subject):
        return None  # "Thus, this will …", "Hence the reforms will …"; "Therefore, we will …" decides
    if not passive and _GERUND_SUBJECT_RE.match(subject):
        return None  # "Standardizing the process will eliminate confusion": what an activity brings
    demonstrative = DEMONSTRATIVE_RE.match(subject)
    if (
        demonstrative
        and previous is not None
        and _LAW_PROVIDES_RE.search(previous)
        and not classify(previous)
    ):
        return None  # "Section 11A requires authorities to use the licence. This licence will be prescribed
        # by …": what the law the sentence before reports goes on to provide
    # "A new Working Group will be established. This will lead the creation of …": the body acts.
    stands_for_body = bool(
        demonstrative
        and not (demonstrative.group("rest") or "").strip()
        and not passive
        and not _consequence(verb, following)
        and previous
        and _sets_up_a_body(previous)
    )
    if demonstrative and not stands_for_body:
        rest = (demonstrative.group("rest") or "").strip()
        if _DOC_SELF_RE.search(rest) and verb in _DOC_VERBS:
            return None
        if verb in ELABORATION_VERBS and following.endswith("ing"):
            pass  # "This will include studying and formulating …": the actions of the promise before
        elif is_named_actor(rest):
            pass  # "This mission-driven organization will act to …": a body that acts
        elif passive and _BY_ACTOR_RE.search(s, modal.end):
            pass  # "These efforts will be coordinated by the new Commission"
        elif passive and not rest and previous is not None and classify(previous) is not None:
            pass  # "We will host a wiki-glossary. This will be launched shortly": the promise before
        elif not (passive and rest and not re.match(r"(?:efforts?|measures?|steps?|work)\b", rest, re.I)):
            return None
    elif _DOC_SELF_RE.search(subject) and verb in _DOC_VERBS:
        return None
    if not passive and head_of(subject) in _STUDY_NOUNS and verb in _SCOPE_VERBS:
        return None  # "The review will consider the costs of …": what a study will cover, not an act
    actor = stands_for_body or is_actor(subject)
    # "By 2030, public investment in R&D outside the South East will increase by at least 40%": an outcome
    # the plan sets itself by a deadline, i.e. a target (not "By 2030, demand will grow …" or "By 2046, people
    # aged 65 and above will account for 36% of our population", forecasts).
    # "Every school will have access to gigabit broadband by 2030": a guarantee to all, by a deadline.
    universal_target = bool(
        _UNIVERSAL_SUBJECT_RE.match(subject)
        and _YEAR_AFTER_RE.search(s, modal.end)
        and _WHEN_RE.search(s, modal.end)
        and not _consequence(verb, following)
        and verb not in {"benefit", "need", "face", "see", "feel", "want", "expect"}
    )
    dated_target = universal_target or bool(
        DEADLINE_OPENING_RE.match(s)
        and modal.kind in {"will", "shall"}
        and head_of(subject) not in _OUTCOME_NOUNS | _TIME_SUBJECTS
        and not _PEOPLE_AND_ECONOMY.intersection(w.lower() for w in WORD_RE.findall(subject))
        and verb not in {"account", "represent", "constitute", "comprise", "make"}  # a share foreseen
        and not _THIRD_PARTY_RE.match(subject)
        and subject.lower() not in {"it", "this", "they", "these", "there", "others", "many", "some"}
    )
    if not passive and re.match(r"^(?:all\s+)?(?:those|anyone|everyone|people)\s+who\b", subject, re.I):
        return None  # "all those who can use them will choose to …": what people will do
    if _PRIDE_RE.match(s, modal.end):
        return None  # "We will continue to take great pride in our heritage": a stance, not an act
    if _ASPIRATION_OBJECT_RE.match(s, modal.end) and not _quantity_follows(s, modal.end):
        return None  # "We will work continually to achieve our hopes and fulfil our aspirations"
    if verb in _STANCE_VERBS or (verb in {"strive", "aspire"} and following == "for") or verb == "aim":
        return None  # "We will never forget …", "We will remember our obligations": a stance
    if not passive and head_of(subject) in _PEOPLE_AND_ECONOMY and not _names_a_body(subject):
        return None  # "Our people will amaze the world", "Our economy will provide …": not an act
    if verb == "have" and _MAKEUP_RE.match(s, modal.end):
        return None  # "The Institute will have a number of facets, including:": what it will be made of
    if (
        verb == "be"
        and not passive
        and not dated_target
        and following
        and following not in _NOT_ADJECTIVES
        and following not in _READY_WORDS
        and not following.endswith("ing")
        and not _quantity_follows(s, modal.end)
        and subject.lower() not in {"we", "i"}
    ):
        return None  # "The Board will be complementary to …", "it will be possible": a state, not an act
    if not actor and not passive and _THAN_NOW_RE.match(s, modal.end) and not _WHEN_RE.search(s, modal.end):
        return None  # "The replacement will build in more flexibility than the current tool": how it compares
    if passive and _SOURCED_FROM_RE.match(s, modal.end):
        return None  # "The data will be sourced primarily from …", "… met from savings": not an act
    if verb == "be" and following == "to" and head_of(subject) in _DUTY_NOUNS:
        return "prose-will"  # "Our priority will be to support …", "A key role … will be to work with …"
    if not passive and (_THIRD_PARTY_RE.match(subject) or subject.lower() in {"others", "many", "some"}):
        return None  # "Other space powers will deploy …": what others will do, a prediction
    head = head_noun([w.lower() for w in WORD_RE.findall(subject)] or [""])
    if passive and head in _OUTCOME_NOUNS and not _BY_MEANS_RE.match(s, modal.end):
        return None  # "The majority of the benefits will be achieved by 2030": an outcome foreseen
    if passive and _BY_THIRD_PARTY_RE.match(s, modal.end):
        return None  # "Clear signage will be put up by permitted restaurants": what others will do
    if head in _TIME_SUBJECTS and not passive:
        return None  # "The future will be Open.", "The next decade will see …": a prediction
    if (
        not passive
        and head_of(subject) in _OUTCOME_NOUNS
        and not is_named_actor(subject)
        and verb in _CHANGE_VERBS | _REACH_VERBS
    ):
        return None  # "By 2030, demand for data will grow by 40%": a forecast, figure or not
    if not actor and not dated_target and _changes_by_itself(s, modal.end):
        return None  # "Demand for launches will continue to grow": a trend, not an act
    if subject.lower() == "you" or subject.lower().startswith("you "):
        return None  # "You'll find the programme at …", "you will be asked to …": the reader
    # "… the President released his returns, and he will …": a pronoun after a clause of its own
    # sentence stands for that clause's subject, not the sentence before's.
    own_clause = _CLAUSE_BREAK_RE.search(pre)
    antecedent = pre[: own_clause.start()] if own_clause else previous
    if (
        subject.lower() in {"it", "they"}
        and not passive
        and antecedent is not None
        and not _pronoun_stands_for_actor(antecedent)
    ):
        return None  # "It will transform the services …": what the thing before will do
    if verb in ELABORATION_VERBS and not is_named_actor(subject) and not following.endswith("ing"):
        # "It will (typically) include a summary …": what something will contain. "This will include
        # studying and formulating regulations …" spells out actions, and stays a promise.
        return None
    # An effect ("will help ...") or a copula ("will be more open") needs an actor, unless it states a
    # figure: "The unemployment rate will remain below 5.5%" is a target.
    effect = (
        (verb in _EFFECT_VERBS or verb == "be") and not _quantity_follows(s, modal.end) and not dated_target
    )
    if (
        verb == "be"
        and following in {"a", "an"}
        and subject.lower() != "there"
        and not is_named_actor(subject)
    ):
        return None  # "The Maturity Model will be a consensus-driven tool …": what a thing will be
    if verb == "serve" and following == "as" and not demonstrative and actor:
        effect = False  # "Data.gov will serve as the primary portal for …": the role it is given
    if subject.lower() == "there" and verb == "be" and _EXISTENTIAL_DELIVERABLE_RE.match(s, modal.end):
        return "prose-there-will-be"  # "There will be a single register of …"
    if not passive and modal.kind in {"will", "shall", "going-to"} and effect and not actor:
        return None
    if (
        effect
        and verb != "be"
        and not passive
        and subject.lower() == "it"
        and verb in {"enable", "help", "allow", "bring", "mean", "let"}
    ):
        return None  # "It will enable Canada to become …": what the act spoken of will bring about
    if _NEED_TO_BE_RE.match(s, modal.end):
        return None  # "we will need to be aware of the risks": a state required, not an act
    head = head_noun([w.lower() for w in WORD_RE.findall(subject)] or [""])
    if (
        modal.kind == "must"
        and not (is_named_actor(head) or _PUBLIC_BODY_RE.search(subject))
        and not (passive and _WHEN_RE.search(s, modal.end))
        and not _FIGURE_TO_REACH_RE.match(s, modal.end)
    ):
        return None  # "This must change", "Legislation must be clear": an exhortation, no one bound; "…
        # must be achieved no later than 2030" sets a deadline, "the share … is to reach 20 percent" a target
    if modal.kind == "must" and verb == "be" and not passive:
        return None
    if PLAN_PERIOD_RE.match(s):
        return "plan-period-sentence"
    if modal.kind == "plans-to":
        return "prose-plans-to"
    if modal.kind == "going-to":
        return "prose-going-to"
    if modal.kind == "commits-to":
        return "prose-commits-to"
    if modal.kind == "shall":
        return "prose-shall"
    if modal.kind == "must":
        return "prose-must"
    return "prose-will-passive" if passive else "prose-will"


def _quantity_follows(s: str, end: int) -> bool:
    """ "... will remain below 5.5%", "... will be 24%": a quantitative target, not an effect."""
    return bool(_QUANTITY_TARGET_RE.match(s, end))


def is_self_contained(sentence: str) -> bool:
    """A list item that is a full sentence with its own subject ("China will ..."), not a fragment."""
    s = sentence.replace("’", "'")
    modal = find_modal(s)
    return modal is not None and bool(WORD_RE.findall(subject_of(s[: modal.start])))
