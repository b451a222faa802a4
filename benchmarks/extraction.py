"""How long the importer takes on a long document: extraction from text, and reading HTML and PDF.

    .venv/bin/python -m benchmarks.extraction               # a 300-page document, 3 runs, medians
    .venv/bin/python -m benchmarks.extraction --pages 40 --runs 1 --formats txt

The document is the seed white paper repeated until it fills the pages asked for (a page is
PAGE_CHARACTERS characters, about 500 words), each copy's sentences marked with its number so no
commitment repeats another (repeats are reported once, which would make the work smaller than a real
document's).
The figures for this machine are in docs/importing.md ("Speed").
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from commitments.importer.parser import extract
from commitments.importer.sources import document_text

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "china-space-program-2021.txt"
PAGE_CHARACTERS = 3000
TARGET_SECONDS = 5.0  # issue 14: extracting a 300-page document stays under this


def long_document(pages: int) -> str:
    """At least `pages` pages of white paper: copies of the seed, each sentence marked with its copy."""
    seed = SEED.read_text(encoding="utf-8")
    copies: list[str] = []
    size = 0
    while size < pages * PAGE_CHARACTERS:
        shift = len(copies)
        copy = re.sub(r"(?<=[a-z])\.(?=\s)", f" (phase {shift}).", seed) if shift else seed
        copies.append(copy)
        size += len(copy)
    return "\n\n".join(copies)


def as_web_page(text: str) -> bytes:
    """The text as a saved web page: a paragraph per block, its lines kept, in the main element."""
    blocks = (block.strip() for block in text.split("\n\n"))
    body = "".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in block.splitlines()) + "</p>\n"
        for block in blocks
        if block
    )
    page = f"<!DOCTYPE html><html><head><title>Plan</title></head><body><main>{body}</main></body></html>"
    return page.encode("utf-8")


def as_pdf(text: str) -> bytes:
    """The text typeset on A4 pages with a running header and page numbers (needs fpdf2, a dev tool)."""
    import fpdf  # only the benchmark and the tests make PDFs

    class Paper(fpdf.FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 8, "A long white paper", align="C")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 10, str(self.page_no()), align="C")

    latin = text.translate(str.maketrans("’‘“”–—", "''\"\"--")).encode("latin-1", "replace").decode("latin-1")
    pdf = Paper(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for block in (b.strip() for b in latin.split("\n\n")):
        if block:
            pdf.multi_cell(0, 5.5, block)
            pdf.ln(3)
    return bytes(pdf.output())


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: list[float]
    commitments: int

    def line(self) -> str:
        median = statistics.median(self.seconds)
        runs = ", ".join(f"{s:.2f}" for s in self.seconds)
        return f"{self.label:<36} median {median:6.2f} s  (runs: {runs})  {self.commitments} commitments"


def measure(label: str, work: Callable[[], int], runs: int) -> Measurement:
    seconds: list[float] = []
    commitments = 0
    for _ in range(runs):
        started = time.perf_counter()
        commitments = work()
        seconds.append(time.perf_counter() - started)
    return Measurement(label, seconds, commitments)


# How each input format is made from the text: None for the text itself.
MAKERS: dict[str, Callable[[str], bytes] | None] = {"txt": None, "html": as_web_page, "pdf": as_pdf}


def run(pages: int, runs: int, formats: list[str]) -> list[Measurement]:
    text = long_document(pages)
    actual_pages = len(text) / PAGE_CHARACTERS
    print(f"document: {len(text):,} characters = {actual_pages:.0f} pages of {PAGE_CHARACTERS:,} characters")
    results: list[Measurement] = []
    for suffix in formats:
        make = MAKERS[suffix]
        if make is None:
            results.append(measure("extract() from text", lambda: len(extract(text).commitments), runs))
            continue
        data, name = make(text), f"plan.{suffix}"

        def read_and_extract(data: bytes = data, name: str = name) -> int:
            return len(extract(document_text(data, name=name)).commitments)

        results.append(measure(f"read .{suffix} + extract()", read_and_extract, runs))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="txt,html,pdf", help="comma-separated: txt, html, pdf")
    args = parser.parse_args()
    for result in run(args.pages, args.runs, args.formats.split(",")):
        print(result.line())
    print(f"target: extract() from text under {TARGET_SECONDS:.0f} s for 300 pages")


if __name__ == "__main__":
    main()
