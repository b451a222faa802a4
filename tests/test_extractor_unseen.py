"""Documents of the genre written for these tests, each laid out differently from the 2021 paper.

- valdoria: hard-wrapped five-year plan, "Chapter"/"Section" headings, "(a)" and "1)" items, page
  footers and form feeds, a sentence and a hyphenated word split by a page break.
- norland: white paper with a BOM, CRLF line endings, "•" bullets, hyphenation, curly quotes and a
  non-breaking space, Roman and Arabic numbering, "Foreword"/"Conclusion".
- tamaru: strategy with "1"/"1.1" numbering, "Page n of m" footers, "a." items, a numbered list
  that must not become headings, "shall", "plans to", "is going to" and passives.
- serica: Chinese-style five-year plan outline with Part/Chapter/Section headings, "(1)" subsections
  followed directly by imperative dash items ("Label: develop ..."), "Box N" callouts with "01"
  entries (one retrospective), targets ("will remain below 5.5%"), a retrospective list under "The
  main achievements were:", principles and a forecast.
- arland: Western strategy with "Chapter 1 – Title" headings, numbered paragraphs ("3.2 We will:"),
  "•" bullets, "Commitment 1:" call-outs, a "What we have achieved" section with past-tense bullets,
  aspirations without a figure ("We want") that are not commitments, "intend to" and an annex.
Each file's hand-labelled commitments are in ``<name>.expected.json``.
"""

from __future__ import annotations

import pytest

from commitments.importer.parser import extract
from commitments.importer.sources import read_document
from tests.test_extractor_scoring import DATA, load_labels, score, section_agreement

DOCUMENTS = [
    "valdoria_water_plan_2026",
    "norland_digital_inclusion_2025",
    "tamaru_health_workforce_2025",
    "serica_industry_plan_2026",
    "arland_space_strategy_2026",
]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_recall_and_precision_on_unseen_layouts(name: str) -> None:
    doc = extract(read_document(DATA / f"{name}.txt"))
    labels = load_labels(f"{name}.expected.json")
    result = score([c.text for c in doc.commitments], [str(label["text"]) for label in labels])
    agreement = section_agreement(doc, labels, result)
    print(result.report(f"{name} ({len(labels)} labels, {len(doc.commitments)} extracted)"))
    print(f"{name} section agreement on matched commitments: {agreement:.3f}")
    assert result.recall >= 0.95, result.report(name)
    assert result.precision >= 0.95, result.report(name)
    assert agreement >= 0.95


@pytest.mark.parametrize("name", DOCUMENTS)
def test_offsets_index_the_document_as_stored(name: str) -> None:
    text = read_document(DATA / f"{name}.txt")
    for commitment in extract(text).commitments:
        span = text[commitment.start : commitment.end]
        assert text[commitment.start :].startswith(commitment.text.split()[0])
        # The span may also hold a page footer or a soft hyphen that the text leaves out; never the reverse.
        assert is_subsequence(letters(commitment.text), letters(span)), commitment


def letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def is_subsequence(needle: str, haystack: str) -> bool:
    remaining = iter(haystack)
    return all(ch in remaining for ch in needle)


def test_valdoria_layout() -> None:
    doc = extract(read_document(DATA / "valdoria_water_plan_2026.txt"))
    assert doc.title == "Fourteenth Five-Year Plan for Water Security (2026-2030)"
    assert [s.heading for s in doc.sections if s.level == 1][:2] == [
        "Chapter 1 Review of the Thirteenth Plan Period",
        "Chapter 2 Guiding Principles and Targets",
    ]
    investment = next(c for c in doc.commitments if "larger share" in c.text)
    assert investment.text.endswith("for investment in new connections.")
    assert all("Five-Year Plan for Water Security" not in c.text for c in doc.commitments)


def test_norland_layout() -> None:
    raw = (DATA / "norland_digital_inclusion_2025.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    text = read_document(DATA / "norland_digital_inclusion_2025.txt")
    doc = extract(text)
    assert doc.title == "Digital Inclusion: The Norland Government\u2019s White Paper"
    assert [s.heading for s in doc.sections][:3] == ["Foreword", "I. Where We Stand", "II. Our Commitments"]
    skills = next(c for c in doc.commitments if c.text.startswith("We will offer"))
    assert "delivered in libraries" in skills.text
    assert "\r\n" in text[skills.start : skills.end]


def test_tamaru_layout() -> None:
    doc = extract(read_document(DATA / "tamaru_health_workforce_2025.txt"))
    assert [(s.number, s.level) for s in doc.sections[:3]] == [("1", 1), ("1.1", 2), ("1.2", 2)]
    assert not any(s.heading.startswith(("1. Expand", "2. Build", "3. Digitise")) for s in doc.sections)
    housing = next(c for c in doc.commitments if c.text.startswith("Build staff housing"))
    assert housing.section == ("3 Financing", "3.2 Priority Investments")
    assert housing.lead_in == "The Government plans to:"


def test_serica_layout() -> None:
    doc = extract(read_document(DATA / "serica_industry_plan_2026.txt"))
    headings = [s.heading for s in doc.sections]
    assert not any(h.startswith("Box") for h in headings)
    assert "(1) Frontier fields" in headings
    rules = {c.text.split(":")[0]: c.rule for c in doc.commitments}
    assert rules["Quantum information"] == "task-item"
    assert rules["Deep sea"] == "list-item"
    box = next(c for c in doc.commitments if c.text.startswith("Deep space"))
    assert box.lead_in == "Box 1 Major science and technology projects"
    assert not any("Rail" in c.text or "Completed" in c.text for c in doc.commitments)


def test_arland_layout() -> None:
    doc = extract(read_document(DATA / "arland_space_strategy_2026.txt"))
    assert [s.heading for s in doc.sections][-1] == "Annex A Delivery"
    assert all(s.level == 1 for s in doc.sections)
    assert not any(c.text.startswith(("licensed", "set up", "We want")) for c in doc.commitments)
    fund = next(c for c in doc.commitments if c.text.startswith("establish"))
    assert (fund.lead_in, fund.rule) == ("We will:", "list-item")
