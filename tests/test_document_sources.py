"""Documents as they arrive: text in any common encoding, saved web pages and PDFs. Each yields the
same commitments and sections as its plain-text version, or is refused in one line — never imported
as mojibake."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from commitments.importer.parser import ExtractedDocument, extract
from commitments.importer.sources import DocumentError, document_text, read_document

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "china-space-program-2021.txt"
NAMES = {"Chang'e-6": "嫦娥六号 Chang'e-6", "Tiangong": "天宫 Tiangong", "BeiDou": "北斗 BeiDou"}
TRADITIONAL = {"Chang'e-6": "嫦娥六號 Chang'e-6", "Tiangong": "天宮 Tiangong", "BeiDou": "北斗 BeiDou"}


def with_names(names: dict[str, str], once: bool = False) -> str:
    text = SEED.read_text(encoding="utf-8")
    for english, both in names.items():
        text = text.replace(english, both, 1 if once else -1)
    return text


# --- Encodings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (with_names(NAMES), "gb18030"),
        (with_names(NAMES, once=True), "gb18030"),
        (with_names(TRADITIONAL), "big5"),
        (with_names(TRADITIONAL, once=True), "big5"),
        (SEED.read_text(encoding="utf-8").replace("\u03b1", "a").replace("space", "spåce café"), "cp1252"),
        (with_names(NAMES), "utf-8-sig"),
        (with_names(NAMES), "utf-16"),  # with its byte-order mark
        (with_names(NAMES), "utf-16-be"),
    ],
    ids=[
        "gbk",
        "gbk-one-name",
        "big5",
        "big5-one-name",
        "windows-1252",
        "utf-8-bom",
        "utf-16-le",
        "utf-16-be",
    ],
)
def test_a_document_in_a_common_encoding_reads_as_written(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data

    assert document_text(data, name="plan.txt") == text


def test_bytes_that_fit_more_than_one_encoding_are_refused_in_one_line_naming_them() -> None:
    # "Ö" then "Ð": as GB18030 one Chinese character, as Windows-1252 two letters: nothing tells.
    data = "The Ministry will fund the ÖÐ institute.\n".encode("cp1252")

    with pytest.raises(DocumentError) as refused:
        document_text(data, name="plan.txt")

    message = str(refused.value)
    assert "GB18030/GBK" in message
    assert "Windows-1252" in message
    assert "--encoding" in message
    assert "\n" not in message


def test_the_encoding_can_be_named(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("The Ministry will fund the ÖÐ institute.\n".encode("cp1252"))

    assert read_document(path, encoding="cp1252") == "The Ministry will fund the ÖÐ institute.\n"
    with pytest.raises(DocumentError, match="unknown encoding 'klingon'"):
        read_document(path, encoding="klingon")


def test_utf16_without_a_byte_order_mark_is_refused() -> None:
    with pytest.raises(DocumentError, match="UTF-16 needs a byte-order mark"):
        document_text("The Ministry will act.".encode("utf-16-le"), name="plan.txt")


def test_a_gbk_file_imports_with_its_chinese_names(tmp_path: Path, db: None) -> None:
    from commitments.models import Commitment

    path = tmp_path / "plan.txt"
    path.write_bytes(with_names(NAMES).encode("gb18030"))

    call_command(
        "import_document",
        str(path),
        "--period-start",
        "2022-01-01",
        "--period-end",
        "2026-12-31",
        stdout=io.StringIO(),
    )

    assert Commitment.objects.filter(text__contains="嫦娥六号 Chang'e-6").exists()
    assert not Commitment.objects.filter(text__contains="Ã").exists()


def test_an_unreadable_encoding_fails_the_command_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_bytes("The Ministry will fund the ÖÐ institute.\n".encode("cp1252"))

    with pytest.raises(CommandError, match=r"^cannot read .*plan\.txt: not UTF-8, and it could be"):
        call_command("extract_commitments", str(path), stdout=io.StringIO())
    output = io.StringIO()
    call_command("extract_commitments", str(path), "--encoding", "cp1252", "--format", "text", stdout=output)
    assert "ÖÐ institute" in output.getvalue()


# --- The same document as text, as a web page and as a PDF ---------------------------------------


def outline(doc: ExtractedDocument) -> tuple[list[str], list[tuple[str, ...]]]:
    """What must not depend on the format: the commitments' words and the sections' headings."""
    return [" ".join(c.text.split()) for c in doc.commitments], [s.path for s in doc.sections]


_HEADING = re.compile(r"^(?:Preamble|Conclusion|[IVX]+\.\s|\d+\.\s|\(\d+\)\s)")


def as_web_page(text: str) -> str:
    """The document as a publisher's web page: site navigation, a banner, scripts and a footer around
    the text, which sits in <main> as headings, paragraphs and lists."""
    body: list[str] = []
    for block in (block.strip() for block in text.split("\n\n")):
        if not block:
            continue
        lines = block.splitlines()
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines)
            body.append(f"<ul>{items}</ul>")
        elif len(lines) == 1 and _HEADING.match(block):
            level = "h2" if re.match(r"^(?:[IVX]+\.|Preamble|Conclusion)", block) else "h3"
            body.append(f"<{level}>{html.escape(block)}</{level}>")
        else:
            body.append("<p>" + "<br>\n".join(html.escape(line) for line in lines) + "</p>")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>White paper</title>"
        "<script>var tracker = 1;</script><style>p { margin: 0 }</style></head><body>"
        "<header><a href='/'>State Council</a>"
        "<nav><a href='/en'>English</a> <a href='/zh'>中文</a></nav></header>"
        f"<main>{''.join(body)}</main>"
        "<footer>Copyright 2022 <a href='/contact'>Contact us</a></footer>"
        "<script>document.write('ads');</script></body></html>"
    )


def test_a_web_page_yields_its_main_text_without_the_sites_furniture() -> None:
    page = as_web_page("Plan\n\nThe Ministry will act.\n\n- Build dams\n")

    text = document_text(page.encode("utf-8"), name="plan.html")

    assert text == "White paper\n\nPlan\n\nThe Ministry will act.\n\n- Build dams\n"


def test_a_web_page_of_the_seed_gives_the_commitments_and_sections_of_its_text() -> None:
    text = SEED.read_text(encoding="utf-8")

    from_page = extract(document_text(as_web_page(text).encode("utf-8"), name="paper.html"))

    assert outline(from_page) == outline(extract(text))


def as_portal_page(text: str) -> str:
    """The document as an older government portal prints it: no <main> and no <article>, the text in a
    <div> beside a sidebar of headlines (themselves promises: "China will …") and under a menu and a
    breadcrumb, then share buttons and a copyright footer."""
    body = "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.splitlines()) + "</p>"
        for block in paragraphs(text)
    )
    return (
        "<html><head><title>Full Text</title></head><body>"
        "<div class='header'><a href='/'><img src='logo.png'>english.gov.cn</a>"
        "<ul class='nav'><li><a href='/'>HOME</a></li><li><a href='/news'>NEWS</a></li></ul></div>"
        "<div class='crumb'><a href='/'>Home</a> &gt; <a href='/wp'>White Papers</a></div>"
        "<div class='container'><div class='left'><div class='article'>"
        "<div class='info'>Updated: Jan 28, 2022 11:22 Xinhua</div>"
        f"<div class='pages_content'>{body}</div>"
        "<div class='share'><a href='#'>Facebook</a> <a href='#'>Twitter</a></div></div></div>"
        "<div class='right'><h3>Latest News</h3><ul>"
        "<li><a href='/a'>China will launch new satellites next year</a></li>"
        "<li><a href='/b'>Premier will visit Europe to sign trade deals</a></li></ul></div></div>"
        "<div class='footer'><p>Copyright© www.gov.cn | <a href='/about'>About us</a> | "
        "<a href='/contact'>Contact us</a></p><p>Registration Number: 05070218</p></div>"
        "</body></html>"
    )


def test_a_portal_page_of_the_seed_gives_the_commitments_and_sections_of_its_text() -> None:
    text = SEED.read_text(encoding="utf-8")

    page_text = document_text(as_portal_page(text).encode("utf-8"), name="paper.html")

    assert "China will launch new satellites" not in page_text
    for furniture in ("HOME", "White Papers", "Latest News", "Facebook", "Copyright", "Registration"):
        assert furniture not in page_text
    assert outline(extract(page_text)) == outline(extract(text))


def test_a_table_that_lays_out_a_page_is_read_as_the_page_and_a_table_of_data_as_rows() -> None:
    page = (
        "<html><body><table><tr><td><a href='/'>Home</a> | <a href='/en'>English</a></td></tr>"
        "<tr><td><h2>I. Measures</h2><p>The Ministry will build ten plants by 2030.</p>"
        "<p>Water prices will be reformed.</p><p>Some context.</p>"
        "<table><tr><th>Action</th><th>Deadline</th><th>Lead</th></tr>"
        "<tr><td><p>Publish the plan</p></td><td>June 2027</td><td>Ministry</td></tr></table></td>"
        "<td><p><a href='/x'>Minister will cut tariffs</a></p></td></tr></table></body></html>"
    )

    text = document_text(page.encode("utf-8"), name="plan.html")

    assert text == (
        "I. Measures\n\nThe Ministry will build ten plants by 2030.\n\nWater prices will be reformed.\n\n"
        "Some context.\n\nAction | Deadline | Lead\n\nPublish the plan | June 2027 | Ministry\n"
    )


def test_paragraphs_left_open_as_html_4_allows_are_read_one_by_one_and_comments_are_not_text() -> None:
    left_open = (f"<p>The Ministry will build dam {n}. <!-- draft -->" for n in range(2000))
    page = "<html><body>" + "".join(left_open)

    text = document_text(page.encode("utf-8"), name="old.html")

    assert text.split("\n\n")[:2] == ["The Ministry will build dam 0.", "The Ministry will build dam 1."]
    assert len(extract(text).commitments) == 2000
    assert "draft" not in text


def test_a_table_of_actions_whose_cells_hold_paragraphs_stays_a_table() -> None:
    cell = "<td><p>Publish the inventory.</p><p>Agencies report on it.</p><p>OMB reviews it.</p></td>"
    rows = "".join(f"<tr><td>Action {n}</td>{cell}<td>June 2027</td></tr>" for n in range(1, 5))
    page = f"<html><body><main><table><tr><th>Action</th><th>What</th><th>When</th></tr>{rows}</table></main>"

    text = document_text(page.encode("utf-8"), name="actions.html")

    assert text.splitlines()[2] == (
        "Action 1 | Publish the inventory. Agencies report on it. OMB reviews it. | June 2027"
    )


def test_the_pages_title_leads_unless_its_first_block_says_it() -> None:
    def text_of(body: str) -> str:
        return document_text(f"<html><head><title>Plan</title></head><body>{body}".encode(), name="x.html")

    assert text_of("<p>Planners will meet.</p>") == "Plan\n\nPlanners will meet.\n"
    assert text_of("<h1>Plan</h1><p>We will act.</p>") == "Plan\n\nWe will act.\n"


def test_a_heading_that_is_the_pages_title_without_the_sites_name_is_the_title() -> None:
    page = (
        "<html><head><title>National Data Strategy - GOV.UK</title></head><body><main>"
        "<h1>National Data Strategy</h1><p>We will act.</p></main></body></html>"
    )
    text = document_text(page.encode(), name="nds.html")
    assert text == "National Data Strategy\n\nWe will act.\n"
    assert extract(text).title == "National Data Strategy"


def test_a_page_without_text_is_refused_for_that() -> None:
    with pytest.raises(DocumentError, match=r"^cannot read blank\.html: the page has no text$"):
        document_text(
            b"<html><body><nav><a href='/'>Home</a></nav><script>x()</script></body></html>",
            name="blank.html",
        )


def test_a_page_nested_thousands_deep_is_refused_in_one_line() -> None:
    page = "<html><body>" + "<div>" * 20_000 + "<p>The Ministry will act.</p>" + "</div>" * 20_000

    with pytest.raises(DocumentError, match=r"^cannot read deep\.html: its elements nest \d+ deep"):
        document_text(page.encode("utf-8"), name="deep.html")


def latin(text: str) -> str:
    """The text in the characters a PDF's standard fonts have (the PDF below is made with those)."""
    plain = text.translate(str.maketrans("’‘“”–—", "''\"\"--"))
    return plain.encode("latin-1", "replace").decode("latin-1")


def as_pdf(text: str) -> bytes:
    """The document typeset as a PDF: A4, justified paragraphs wrapped to the page, a running header
    with the title and a page number in the footer on every page."""
    fpdf = pytest.importorskip("fpdf", reason="needs fpdf2 (pip install -e '.[dev]')")

    class Paper(fpdf.FPDF):  # type: ignore[name-defined]  # importorskip gives a plain module
        def header(self) -> None:
            self.set_font("Helvetica", "I", 8)
            self.cell(0, 8, "China's Space Program: A 2021 Perspective", align="C")
            self.ln(10)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Paper(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for block in paragraphs(text):
        pdf.multi_cell(0, 5.5, block)
        pdf.ln(3)
    return bytes(pdf.output())


def paragraphs(text: str) -> Iterator[str]:
    yield from (block.strip() for block in text.split("\n\n") if block.strip())


@pytest.mark.slow
def test_a_pdf_of_the_seed_gives_the_commitments_and_sections_of_its_text() -> None:
    text = "\n\n".join(paragraphs(latin(SEED.read_text(encoding="utf-8")))) + "\n"

    from_pdf = extract(document_text(as_pdf(text), name="paper.pdf"))

    commitments, sections = outline(extract(text))
    assert outline(from_pdf) == (commitments, sections)
    assert len(commitments) == 101


def test_a_pdf_without_text_is_refused_in_one_line() -> None:
    fpdf = pytest.importorskip("fpdf", reason="needs fpdf2 (pip install -e '.[dev]')")
    pdf = fpdf.FPDF()
    pdf.add_page()
    with pytest.raises(DocumentError, match=r"no text layer \(a scan\?\)"):
        document_text(bytes(pdf.output()), name="scan.pdf")


# --- PDF layouts: columns, column breaks and boxed sidebars ---------------------------------------


def as_page(place: Callable[[Any], None]) -> bytes:
    """One A4 page typeset by `place(pdf)` with fpdf2 (11 pt Helvetica, no automatic page breaks)."""
    fpdf = pytest.importorskip("fpdf", reason="needs fpdf2 (pip install -e '.[dev]')")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    place(pdf)
    return bytes(pdf.output())


def column(pdf: Any, x: float, y: float, texts: list[str], width: float = 85) -> None:
    """Paragraphs set ragged right in a column `width` mm wide from (`x`, `y`), a gap between them."""
    pdf.set_xy(x, y)
    for text in texts:
        pdf.set_x(x)
        pdf.multi_cell(width, 5.5, text, new_x="LEFT", new_y="NEXT")
        pdf.set_y(pdf.get_y() + 4)


def paragraphs_of(data: bytes) -> list[str]:
    return [" ".join(block.split()) for block in paragraphs(document_text(data, name="paper.pdf"))]


BRIDGES = [
    "The Ministry will build twelve new bridges over the river before the end of the decade, starting "
    "with the two busiest crossings.",
    "Each bridge will carry a cycle lane and a footpath on both sides, and every design will be open to "
    "public comment for six weeks.",
    "The Ministry will publish the cost of every bridge online as soon as the contract for it is signed.",
]
TREES = [
    "The Agency will plant a million trees along the new roads, choosing native species that need little "
    "water once established.",
    "Local councils will decide where the trees go, and the Agency will pay for their care during the "
    "first three summers.",
    "The Agency will report each spring on how many of the trees have survived the winter.",
]


def test_a_two_column_page_reads_the_left_column_then_the_right() -> None:
    # The paragraphs of the two columns start at the same heights: read across, they interleave.
    def place(pdf: Any) -> None:
        column(pdf, 15, 20, BRIDGES)
        column(pdf, 110, 20, TREES)

    data = as_page(place)

    assert paragraphs_of(data) == BRIDGES + TREES


def test_a_sentence_from_the_foot_of_the_left_column_to_the_head_of_the_right_is_one_paragraph() -> None:
    left = [
        *BRIDGES[:2],
        "The Ministry will publish the cost of every bridge online, together with the name of the",
    ]
    right = ["firm that builds it, as soon as the contract for it is signed.", *TREES]

    def place(pdf: Any) -> None:
        column(pdf, 15, 20, left)
        column(pdf, 110, 20, right)

    data = as_page(place)

    whole = (
        "The Ministry will publish the cost of every bridge online, together with the name of the firm "
        "that builds it, as soon as the contract for it is signed."
    )
    assert paragraphs_of(data) == [*BRIDGES[:2], whole, *TREES]
    assert whole in [" ".join(c.text.split()) for c in extract(document_text(data, name="p.pdf")).commitments]


def test_a_boxed_sidebar_in_the_middle_of_a_sentence_does_not_split_it() -> None:
    def place(pdf: Any) -> None:
        column(
            pdf,
            15,
            20,
            [
                "The Agency will open four new offices in the north of the country over the next two "
                "years, and the first of them will"
            ],
        )
        top = pdf.get_y()
        pdf.rect(25, top, 160, 24)  # the sidebar's frame, text of the same size inside
        column(
            pdf, 30, top + 4, ["Did you know? The Agency already answers two million letters a year."], 150
        )
        column(pdf, 15, top + 30, ["open in Leeds next spring, with room for three hundred staff.", TREES[2]])

    assert paragraphs_of(as_page(place)) == [
        "The Agency will open four new offices in the north of the country over the next two years, and the "
        "first of them will open in Leeds next spring, with room for three hundred staff.",
        "Did you know? The Agency already answers two million letters a year.",
        TREES[2],
    ]


def word_document(body: str) -> bytes:
    """A minimal .docx: the parts a Word document's text lives in."""
    import io
    import zipfile

    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def paragraph(text: str, style: str = "", listed: bool = False) -> str:
    properties = f'<w:pStyle w:val="{style}"/>' if style else ""
    if listed:
        properties += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'
    return f'<w:p><w:pPr>{properties}</w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def test_a_word_document_gives_its_headings_paragraphs_list_items_and_table_rows() -> None:
    body = (
        paragraph("National Water Plan", "Title")
        + paragraph("1 Drinking water", "Heading1")
        + paragraph("The Ministry will connect every village to safe water by 2030. We will:")
        + paragraph("publish a map of supplies", listed=True)
        + paragraph("fund 40 treatment plants", "ListBullet")  # a list by its style, as Word's own
        + "<w:tbl><w:tr><w:tc>"
        + paragraph("Milestone")
        + "</w:tc><w:tc>"
        + paragraph("Lead")
        + "</w:tc><w:tc>"
        + paragraph("Deadline")
        + "</w:tc></w:tr><w:tr><w:tc>"
        + paragraph("Open the laboratory")
        + "</w:tc><w:tc>"
        + paragraph("Ministry of Water")
        + "</w:tc><w:tc>"
        + paragraph("June 2027")
        + "</w:tc></w:tr></w:tbl>"
        + "<w:p><w:r><w:t>The Govern</w:t></w:r><w:r><w:softHyphen/><w:t>ment will report.</w:t></w:r></w:p>"
    )
    text = document_text(word_document(body), name="plan.docx")

    assert text.splitlines()[:3] == ["National Water Plan", "", "1 Drinking water"]
    doc = extract(text)
    assert doc.title == "National Water Plan"
    assert [section.number for section in doc.sections] == ["1"]
    assert [c.text for c in doc.commitments] == [
        "The Ministry will connect every village to safe water by 2030.",
        "publish a map of supplies",
        "fund 40 treatment plants",
        "Open the laboratory | Ministry of Water | June 2027",
        "The Government will report.",
    ]


def test_other_office_files_and_broken_ones_are_refused_in_one_line() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(
        DocumentError, match=r"^cannot read plan\.xlsx: an office file that is not a Word document"
    ):
        document_text(buffer.getvalue(), name="plan.xlsx")
    with pytest.raises(DocumentError, match=r"^cannot read plan\.docx: not a readable Word document"):
        document_text(b"PK\x03\x04 broken", name="plan.docx")
