"""The extractor against a hand-labelled list of the commitments in the 2021 space white paper."""

from __future__ import annotations

import re
import textwrap
from functools import cache
from pathlib import Path

import pytest

from commitments.importer.parser import ExtractedDocument, extract
from commitments.importer.sources import read_document
from tests.environment import missing_service, shared_dir
from tests.test_extractor_scoring import load_labels, score, section_agreement, tokens

SHARED_SOURCE = shared_dir() / "source-documents" / "china-space-program-2021.txt"
SOURCE = Path(__file__).resolve().parent.parent / "fixtures" / "china-space-program-2021.txt"
II = "II. Development of Space Technology and Systems"

pytestmark = pytest.mark.skipif(not SOURCE.exists(), reason=f"source document missing: {SOURCE}")


@cache
def document() -> tuple[str, ExtractedDocument]:
    text = read_document(SOURCE)
    return text, extract(text)


def test_the_seed_copy_is_the_shared_source_document() -> None:
    if not SHARED_SOURCE.exists():
        missing_service(f"needs the shared source document at {SHARED_SOURCE} (set TRACKER_SHARED_DIR)")
    assert SOURCE.read_bytes() == SHARED_SOURCE.read_bytes()


def test_recall_and_precision_against_labelled_commitments() -> None:
    _, doc = document()
    labels = load_labels("csp2021_commitments.json")
    result = score([c.text for c in doc.commitments], [str(label["text"]) for label in labels])
    agreement = section_agreement(doc, labels, result)
    print(result.report(f"csp2021 ({len(labels)} labels, {len(doc.commitments)} extracted)"))
    print(f"csp2021 section agreement on matched commitments: {agreement:.3f}")
    assert result.recall >= 0.95, result.report("csp2021")
    assert result.precision >= 0.95, result.report("csp2021")
    assert agreement >= 0.95


def test_title_is_the_white_paper_name() -> None:
    _, doc = document()
    assert doc.title == "China's Space Program: A 2021 Perspective"


def test_heading_tree_follows_the_numbering() -> None:
    _, doc = document()
    paths = {section.path for section in doc.sections}
    assert ("Preamble",) in paths
    assert (II, "4. Deep Space Exploration") in paths
    assert (II, "4. Deep Space Exploration", "(1) Lunar exploration") in paths
    assert ("Conclusion",) in paths
    top = [s.heading for s in doc.sections if s.level == 1]
    assert top == [
        "Preamble",
        "I. A New Journey Towards a Strong Space Presence",
        II,
        "III. Developing and Expanding Space Application Industry",
        "IV. Research on Space Science",
        "V. Modernizing Space Governance",
        "VI. International Cooperation",
        "Conclusion",
    ]
    deep = next(s for s in doc.sections if s.heading == "4. Deep Space Exploration")
    assert (deep.number, deep.title, deep.level) == ("4", "Deep Space Exploration", 2)


def test_no_list_item_or_bullet_line_becomes_a_heading() -> None:
    _, doc = document()
    assert not [
        s.heading for s in doc.sections if s.heading.startswith(("-", "•")) or s.heading.endswith(".")
    ]
    assert len(doc.sections) == 59


def test_section_spans_nest_and_start_at_their_heading() -> None:
    text, doc = document()
    for section in doc.sections:
        assert text[section.start :].startswith(section.heading)
        assert section.start < section.end <= len(text)


def test_list_items_carry_their_lead_in() -> None:
    _, doc = document()
    chang_e_6 = next(c for c in doc.commitments if c.text.startswith("Launch the Chang'e-6 lunar probe"))
    assert chang_e_6.rule == "list-item"
    assert chang_e_6.lead_in == (
        "In the next five years, China will continue with lunar and planetary exploration. It will:"
    )
    # The closing plan paragraph speaks for the whole section, not for its last subsection.
    assert chang_e_6.section == (II, "4. Deep Space Exploration")
    launching = next(c for c in doc.commitments if c.text == "launching services")
    assert (
        launching.lead_in
        == "China will support international cooperation on commercial spaceflight, including:"
    )


def test_bare_lead_in_is_not_a_commitment_but_a_promising_one_is() -> None:
    _, doc = document()
    texts = [c.text for c in doc.commitments]
    assert "It will:" not in texts
    assert "It plans to:" not in texts
    lead = next(
        c for c in doc.commitments if c.text.startswith("In the next five years, China will strengthen")
    )
    assert lead.rule == "lead-in"


def test_offsets_span_each_commitment_in_the_stored_text() -> None:
    text, doc = document()
    for commitment in doc.commitments:
        span = text[commitment.start : commitment.end]
        assert tokens(span) == tokens(commitment.text), commitment
        first_word = re.match(r"\S+", commitment.text)
        assert first_word is not None
        assert text[commitment.start :].startswith(first_word.group(0))


def test_page_break_inside_a_sentence_is_repaired() -> None:
    text, doc = document()
    procurement = next(c for c in doc.commitments if "government procurement" in c.text)
    assert "enterprises access and sharing rights" in procurement.text
    assert "\n\n" in text[procurement.start : procurement.end]
    svom = next(c for c in doc.commitments if "SVOM" in c.text)
    assert "(Space-based multiband astronomical Variable Objects Monitor)" in svom.text


def test_achievements_and_effects_are_not_commitments() -> None:
    _, doc = document()
    texts = " ".join(c.text for c in doc.commitments)
    for phrase in (
        "207 launch missions were completed",
        "All these efforts will help",
        "This will provide more advanced",
        "We are publishing this white paper",
        "China adheres to the principles",
        "By doing so, China will contribute more",
        "The space industry will contribute more",
        "that will have a major and far-reaching impact",
    ):
        assert phrase not in texts


def rewrap(text: str, width: int, page_length: int) -> str:
    """The paper as a hard-wrapped, paged CRLF file: soft hyphens, hanging indents, running footers."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            out.append("")
            continue
        indent = "  " if paragraph.startswith(("- ", "• ")) else ""
        lines = textwrap.wrap(
            paragraph, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
        )
        for i in range(len(lines) - 1):
            word = lines[i + 1].split()[0]
            if len(word) >= 10 and word.isalpha() and word.islower() and len(lines[i]) < width - 4:
                cut = len(word) // 2
                lines[i] += f" {word[:cut]}-"
                lines[i + 1] = lines[i + 1].replace(word, word[cut:], 1)
        out.extend(lines)
    paged: list[str] = []
    for number, line in enumerate(out, 1):
        paged.append(line)
        if number % page_length == 0:
            paged += ["", f"China's Space Program: A 2021 Perspective     {number // page_length}", "\f"]
    return "\r\n".join(paged)


@pytest.mark.parametrize(("width", "page_length"), [(55, 23), (60, 50), (72, 37), (80, 41)])
def test_hard_wrapped_paged_crlf_rendering_gives_the_same_result(width: int, page_length: int) -> None:
    original_text, original = document()
    text = rewrap(original_text, width, page_length)
    assert "-\r\n" in text
    assert "\f" in text
    doc = extract(text)
    labels = [str(label["text"]) for label in load_labels("csp2021_commitments.json")]
    result = score([c.text for c in doc.commitments], labels)
    assert (result.recall, result.precision) == (1.0, 1.0), result.report(f"wrapped at {width}")
    assert [s.path for s in doc.sections] == [s.path for s in original.sections]
    assert doc.title == original.title
    for commitment in doc.commitments:
        assert text[commitment.start :].startswith(commitment.text.split()[0])
