"""The extraction benchmark (benchmarks/extraction.py) at a small size, so it cannot rot. Its figures
are read by a person (docs/importing.md), never asserted as times."""

from __future__ import annotations

from benchmarks.extraction import PAGE_CHARACTERS, long_document, run


def test_the_long_document_fills_the_pages_asked_for_without_repeating_a_commitment() -> None:
    text = long_document(40)
    assert len(text) >= 40 * PAGE_CHARACTERS


def test_the_benchmark_measures_text_and_web_page_to_the_same_commitments() -> None:
    text, page = run(pages=40, runs=1, formats=["txt", "html"])
    # Three copies of the seed, whose marked sentences ("… (phase 2).") are other commitments than the
    # first copy's: about twice the seed's 101 at least (a repeat rule that took them for repeats gave 119).
    assert text.commitments > 2 * 101
    assert page.commitments == text.commitments
