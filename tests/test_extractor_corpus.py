"""The extractor on real documents nobody on the team wrote (`shared/corpus/`, sources in its
SOURCES.md), against labels made by hand before the extractor saw them (docs/importing.md,
"Labelling rules"). The labels are offsets into each document; the texts stay outside the repository.

    .venv/bin/python -m tests.test_extractor_corpus        # the figures, one line per document
    .venv/bin/pytest tests/test_extractor_corpus.py -s     # also every miss and every spurious item
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Any

import pytest

from commitments.importer.parser import extract
from commitments.importer.sources import document_text, read_document
from tests.environment import missing_service, shared_dir
from tests.test_extractor_csp2021 import rewrap
from tests.test_extractor_scoring import DATA, Score, score, score_commitments

LABELS = DATA / "corpus"
DOCUMENTS = sorted(path.stem for path in LABELS.glob("*.json"))
# The bar every document must clear is 0.95 recall and 0.95 precision (issue 14). FLOORS are the
# figures the extractor has reached so far, per document, so a regression fails here; raise each
# as the rules improve and drop it once the document clears the bar (docs/importing.md).
TARGET = 0.95
FLOORS: dict[str, tuple[float, float]] = {
    "UK_OpenDataWhitePaper_2012": (0.98, 0.89),
}


@cache
def labelled(name: str) -> tuple[str, dict[str, Any]]:
    path = shared_dir() / "corpus" / f"{name}.txt"
    if not path.exists():
        missing_service(f"needs the real corpus at {path.parent} (set TRACKER_SHARED_DIR)")
    labels = json.loads((LABELS / f"{name}.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == labels["sha256"], f"{path} changed since it was labelled: label it again"
    return read_document(path), labels


def commitments_of(text: str, labels: dict[str, Any]) -> list[list[str]]:
    """Each labelled commitment as the list of its occurrences' texts (repeats join their first)."""
    groups: list[list[str]] = []
    first_of: dict[int, int] = {}
    for index, item in enumerate(labels["items"]):
        span = text[item["start"] : item["end"]]
        if "repeat_of" in item:
            groups[first_of[item["repeat_of"]]].append(span)
        else:
            first_of[index] = len(groups)
            groups.append([span])
    return groups


def measure(name: str) -> Score:
    text, labels = labelled(name)
    predicted = [commitment.text for commitment in extract(text).commitments]
    return score_commitments(predicted, commitments_of(text, labels))


def test_every_document_of_the_corpus_is_labelled() -> None:
    corpus = shared_dir() / "corpus"
    if not corpus.exists():
        missing_service(f"needs the real corpus at {corpus} (set TRACKER_SHARED_DIR)")
    assert sorted(path.stem for path in corpus.glob("*.txt")) == DOCUMENTS


@pytest.mark.parametrize("name", DOCUMENTS)
def test_labels_point_at_whole_items_in_document_order(name: str) -> None:
    text, labels = labelled(name)
    previous_end = 0
    for item in labels["items"]:
        span = text[item["start"] : item["end"]]
        assert span == span.strip(), item
        assert span.startswith(item["key"]), item
        assert item["start"] >= previous_end, item
        previous_end = item["end"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_recall_and_precision_on_the_real_corpus(name: str) -> None:
    result = measure(name)
    print(result.report(name))
    recall, precision = FLOORS.get(name, (TARGET, TARGET))
    assert result.recall >= recall, result.report(name)
    assert result.precision >= precision, result.report(name)


# The publisher's own PDF of a corpus document, read through its text layer (sources.pdf_to_text): the
# same commitments as the plain text the corpus holds. (The other kept original, the UK Open Data White
# Paper, is set in two columns with boxed sidebars and tables, and the corpus text was rebuilt from it by
# hand. Read column by column with its paragraphs whole again, its PDF scores 0.971 / 0.884 on the labels,
# against 0.980 / 0.893 from the text, and finds 0.982 / 0.982 of the text's commitments; before columns and
# sidebars were read, 0.853 / 0.713. It is held to a floor below, PDF_FLOORS, not to the text's commitments.)
ORIGINAL_PDFS = ["CA_SpeechFromTheThrone_2025"]


@pytest.mark.parametrize("name", ORIGINAL_PDFS)
def test_the_publishers_pdf_gives_the_commitments_of_the_text(name: str) -> None:
    path = shared_dir() / "corpus" / "original" / f"{name}.pdf"
    if not path.exists():
        missing_service(f"needs the original PDF at {path} (set TRACKER_SHARED_DIR)")
    text, labels = labelled(name)
    from_pdf = [commitment.text for commitment in extract(read_document(path)).commitments]
    from_text = [commitment.text for commitment in extract(text).commitments]

    same = score(from_pdf, from_text)
    assert (same.recall, same.precision) == (1.0, 1.0), same.report(name)
    on_labels = score_commitments(from_pdf, commitments_of(text, labels))
    assert (on_labels.recall, on_labels.precision) == (measure(name).recall, measure(name).precision)


# What a publisher's PDF that does not yet give the text's commitments scores on the labels so far: raise
# as the PDF reading improves. What still differs from the UK text: "policy-/making" broken at a line end
# (the extractor drops that hyphen; the hand-made text kept it), and where the text ran the lines of two
# columns together (principles 13 and 14, two cells of the Annex A table) the PDF keeps them apart, which
# matches no label either way.
PDF_FLOORS: dict[str, tuple[float, float]] = {"UK_OpenDataWhitePaper_2012": (0.97, 0.88)}


@pytest.mark.parametrize("name", sorted(PDF_FLOORS))
def test_the_publishers_pdf_scores_at_least_its_floor_on_the_labels(name: str) -> None:
    path = shared_dir() / "corpus" / "original" / f"{name}.pdf"
    if not path.exists():
        missing_service(f"needs the original PDF at {path} (set TRACKER_SHARED_DIR)")
    text, labels = labelled(name)
    from_pdf = [commitment.text for commitment in extract(read_document(path)).commitments]

    on_labels = score_commitments(from_pdf, commitments_of(text, labels))
    print(on_labels.report(f"{name} (PDF)"))
    recall, precision = PDF_FLOORS[name]
    assert on_labels.recall >= recall, on_labels.report(name)
    assert on_labels.precision >= precision, on_labels.report(name)


if __name__ == "__main__":
    # `.venv/bin/python -m tests.test_extractor_corpus`: the figures, one line per document.
    print(f"{'document':40} {'labels':>6} {'recall':>7} {'precision':>9}  bar {TARGET}")
    for name in DOCUMENTS:
        result = measure(name)
        met = "met" if result.recall >= TARGET and result.precision >= TARGET else "not yet"
        groups = len(commitments_of(*labelled(name)))
        print(f"{name:40} {groups:>6} {result.recall:>7.3f} {result.precision:>9.3f}  {met}")


# A corpus document hard-wrapped, paged and saved with CRLF (tests/test_extractor_csp2021.rewrap: lines of
# at most 72 or 80 columns, a running footer and a form feed every 37 or 41 lines, some long words
# hyphenated at line ends) gives nearly the commitments of its text. What still differs: a short title
# line set directly above its paragraph merges with it once both are wrapped (NZ), and pull quotes in
# capitals wrapped mid-phrase (SA). The Federal Data Strategy is left out: its milestone tables print
# each row on one line as "cell | cell", and a row wrapped over several lines is not read as one row.
WRAPPED_EXCEPTIONS = {"US_FederalDataStrategy_2020ActionPlan": "table rows wrapped over lines"}


@pytest.mark.parametrize("name", [name for name in DOCUMENTS if name not in WRAPPED_EXCEPTIONS])
@pytest.mark.parametrize(("width", "page_length"), [(72, 37), (80, 41)])
def test_a_hard_wrapped_paged_rendering_gives_the_commitments_of_the_text(
    name: str, width: int, page_length: int
) -> None:
    text, _ = labelled(name)
    from_text = [commitment.text for commitment in extract(text).commitments]
    wrapped = [commitment.text for commitment in extract(rewrap(text, width, page_length)).commitments]
    same = score(wrapped, from_text)
    assert same.recall >= TARGET, same.report(f"{name} wrapped at {width}")
    assert same.precision >= TARGET, same.report(f"{name} wrapped at {width}")


# The same documents with one paragraph per line and no blank lines between (a page copied from a
# browser, a tool that writes each paragraph, heading and list item on a line of its own): on the labels
# each scores within 0.02 of its text, with the same sections, and at least TARGET of the text's
# commitments, save the UK Open Data White Paper, whose text interleaves a two-column table and glues
# footnotes to paragraphs, which blank lines alone keep apart.
LINE_PER_PARAGRAPH_EXCEPTIONS = {"UK_OpenDataWhitePaper_2012": "columns and footnotes only blank lines part"}


@pytest.mark.parametrize("name", [name for name in DOCUMENTS if name not in LINE_PER_PARAGRAPH_EXCEPTIONS])
def test_one_paragraph_per_line_without_blank_lines_reads_as_the_text(name: str) -> None:
    text, labels = labelled(name)
    as_lines = re.sub(r"\n[ \t]*\n+", "\n", text)
    from_text, from_lines = extract(text), extract(as_lines)

    on_text = score_commitments([c.text for c in from_text.commitments], commitments_of(text, labels))
    on_lines = score_commitments([c.text for c in from_lines.commitments], commitments_of(text, labels))
    assert on_lines.recall >= on_text.recall - 0.02, on_lines.report(f"{name} one paragraph per line")
    assert on_lines.precision >= on_text.precision - 0.02, on_lines.report(f"{name} one paragraph per line")
    same = score([c.text for c in from_lines.commitments], [c.text for c in from_text.commitments])
    assert min(same.recall, same.precision) >= TARGET, same.report(f"{name} one paragraph per line")
    assert len({s.path for s in from_lines.sections}) == len({s.path for s in from_text.sections})


@pytest.mark.slow
@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_pdf_typeset_from_the_text_gives_the_commitments_of_the_text(name: str) -> None:
    pytest.importorskip("fpdf", reason="needs fpdf2 (pip install -e '.[dev]')")
    from benchmarks.extraction import as_pdf

    text, _ = labelled(name)
    # The PDF's standard fonts have Latin-1 only: the text is compared in the same characters.
    latin = text.translate(str.maketrans("’‘“”–—", "''\"\"--")).encode("latin-1", "replace").decode("latin-1")
    from_text = [commitment.text for commitment in extract(latin).commitments]
    typeset = document_text(as_pdf(text), name=f"{name}.pdf")
    from_pdf = [commitment.text for commitment in extract(typeset).commitments]
    same = score(from_pdf, from_text)
    assert min(same.recall, same.precision) >= TARGET, same.report(f"{name} as a PDF")
