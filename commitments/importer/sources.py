"""A policy document as plain text, whatever it arrived as: text in any common encoding, a saved web
page or a PDF. The text returned is what gets stored and what every offset points into.

- Text: UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as
  such. Anything else is identified from what its bytes look like when decoded: GB18030/GBK and Big5
  must decode into Chinese characters and nothing else, Windows-1252 into Western letters and
  typographic punctuation. When more than one fits, or none does, the file is refused with one line
  naming the likely encodings; `encoding=` (the commands' `--encoding`) settles it. Never mojibake.
- HTML: the main text of the page (`<main>`, the article or the body), without navigation, scripts,
  styles, forms or the page's own header and footer, nor the blocks its class names or its links show
  to be furniture (menus, share bars, headline sidebars); headings, paragraphs and table rows
  on lines of their own, list items as "- " lines, a table that lays out the page read cell by cell.
- Word (.docx): the body's paragraphs in order, headings and paragraphs on lines of their own, list
  paragraphs as "- " lines, table rows as "cell | cell"; other office files are refused in one line.
- PDF: the text layer in reading order (each page's columns one after the other, boxed sidebars whole),
  a paragraph cut by a column or page break or a sidebar whole again and its wrapped lines joined, pages
  separated by form feeds; page numbers and running headers and footers recognised by their place and
  repetition are dropped, the extractor drops the rest and repairs hyphenation (docs/importing.md).
"""

from __future__ import annotations

import codecs
import dataclasses
import io
import itertools
import os
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, NavigableString, Tag

from commitments.importer.text import ends_open, ends_terminal, is_page_number

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.IGNORECASE | re.DOTALL
)

# The legacy encodings a file of this genre arrives in, by how they are recognised.
CHINESE_ENCODINGS = ("gb18030", "big5")
WESTERN_ENCODING = "cp1252"
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Western text: a non-ASCII character is a letter inside a word (café) or typographic punctuation.
_WESTERN_PUNCTUATION = set(
    "\u2018\u2019\u201a\u201c\u201d\u201e\u2013\u2014\u2026\u2022\u00b7"  # ‘ ’ ‚ “ ” „ – — … • ·
    "\u20ac\u00a3\u00a9\u00ae\u00b0\u00a0\u00bd\u00bc\u00be\u00a7\u00b6\u2122"  # € £ © ® ° nbsp ½ ¼ ¾ § ¶ ™
)


_INSIDE_WORD_RE = re.compile("[\u00ad\u200b\u2060]")


class DocumentError(ValueError):
    """Readable one-line reason a file cannot be used."""


def read_document(path: str | os.PathLike[str], *, encoding: str | None = None) -> str:
    """The text of the document at `path` (plain text, HTML or PDF), or DocumentError."""
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"cannot read {name}: no such file") from None
    except IsADirectoryError:
        raise DocumentError(f"cannot read {name}: is a directory, not a file") from None
    except PermissionError:
        raise DocumentError(f"cannot read {name}: permission denied") from None
    except OSError as err:
        raise DocumentError(f"cannot read {name}: {err.strerror or err}") from None
    return document_text(data, name=name, encoding=encoding)


def document_text(data: bytes, *, name: str, encoding: str | None = None) -> str:
    """The text of a document given as bytes (an upload, a file): see the module docstring."""
    page = False
    if data.startswith(b"%PDF-"):
        text = pdf_to_text(data, name=name)
    elif data.startswith(b"PK\x03\x04"):
        text = docx_to_text(data, name=name)
    elif Path(name).suffix.lower() in HTML_SUFFIXES or _HTML_START.match(data[:2048]):
        page = True
        text = html_to_text(decode_text(data, name=name, encoding=encoding, markup=True), name=name)
    else:
        text = decode_text(data, name=name, encoding=encoding)
    if not text.strip():
        if not data:
            reason = "the file is empty"
        elif page and data.strip():
            reason = "the page has no text"
        else:
            reason = "the file contains only whitespace"
        raise DocumentError(f"cannot read {name}: {reason}")
    # Soft hyphens and zero-width spaces (web pages and word processors put them inside words) would
    # split words in the stored text and in searches: "Govern&shy;ment" is "Government".
    text = _INSIDE_WORD_RE.sub("", text)
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(8, len(text) // 200):
        raise DocumentError(f"cannot read {name}: binary file (control characters), expected plain text")
    return text


# --- Text encodings -------------------------------------------------------------------------------


def decode_text(data: bytes, *, name: str, encoding: str | None = None, markup: bool = False) -> str:
    """Decode `data`, naming the encoding or detecting it; a byte-order mark is removed."""
    if encoding is not None:
        return _decode_as(data, encoding, name)
    if data.startswith(codecs.BOM_UTF8):
        return _decode_as(data[len(codecs.BOM_UTF8) :], "utf-8", name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(data, "utf-16", name)
    if b"\x00" in data:
        raise DocumentError(
            f"cannot read {name}: binary file (contains NUL bytes), expected text; "
            "UTF-16 needs a byte-order mark, or pass --encoding"
        )
    if markup:
        declared = _declared_charset(data)
        if declared:
            return _decode_as(data, declared, name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    fitting = [candidate for candidate in (*CHINESE_ENCODINGS, WESTERN_ENCODING) if _fits(data, candidate)]
    if len(fitting) > 1 and WESTERN_ENCODING not in fitting:
        fitting = _least_garbled(data, fitting)
    if len(fitting) == 1:
        return data.decode(fitting[0])
    likely = fitting or _decodable(data)
    if likely:
        names = " or ".join(_LABELS[candidate] for candidate in likely)
        raise DocumentError(
            f"cannot read {name}: not UTF-8, and it could be {names}: save it as UTF-8 or pass --encoding"
        )
    raise DocumentError(
        f"cannot read {name}: not UTF-8 nor a known encoding: save it as UTF-8 or pass --encoding"
    )


_LABELS = {"gb18030": "GB18030/GBK", "big5": "Big5", "cp1252": "Windows-1252"}


def _decode_as(data: bytes, encoding: str, name: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DocumentError(f"cannot read {name}: unknown encoding {encoding!r}") from None
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        byte = f"0x{data[err.start]:02x}"
        raise DocumentError(
            f"cannot read {name}: not {encoding} (invalid byte {byte} at offset {err.start})"
        ) from None


def _decodable(data: bytes) -> list[str]:
    found = []
    for candidate in (*CHINESE_ENCODINGS, WESTERN_ENCODING):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        found.append(candidate)
    return found


def _fits(data: bytes, encoding: str) -> bool:
    """Whether `data` decoded as `encoding` reads as text in that encoding's script."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return False
    runs = _NON_ASCII_RUN.findall(text)
    if not runs:
        return True
    characters = "".join(runs)
    if encoding in CHINESE_ENCODINGS:
        # Chinese characters, and none of what a wrong guess between GB18030 and Big5 (or a
        # Western file read as Chinese) shows: kana, Hangul, private-use characters.
        return any(_is_ideograph(ch) for ch in characters) and not any(_is_foreign(ch) for ch in characters)
    # Western: accented letters stand alone in words, or two together ("Müßig"), and typographic
    # punctuation anywhere; Chinese bytes read as Windows-1252 show as runs with symbols in them
    # ("ÖÐ¹ú", "¤Ñ®"), which real text almost never has.
    odd = [run for run in runs if not set(run) <= _WESTERN_PUNCTUATION and _garbled_run(run)]
    return len(odd) <= len(runs) // 50


def _garbled_run(run: str) -> bool:
    letters = [ch for ch in run if ch not in _WESTERN_PUNCTUATION]
    symbols = [ch for ch in letters if not ch.isalpha()]
    return len(letters) > 2 or (len(letters) > 1 and bool(symbols))


def _least_garbled(data: bytes, candidates: list[str]) -> list[str]:
    """Of two Chinese encodings that both decode, the one whose reading is clearly less garbled (a
    wrong one yields rare characters in odd company); both if neither is clearly better."""
    from charset_normalizer.md import mess_ratio

    scored = sorted((mess_ratio(data.decode(candidate), 1.0), candidate) for candidate in candidates)
    best, runner_up = scored[0], scored[1]
    return [best[1]] if runner_up[0] - best[0] >= 0.02 else [candidate for _, candidate in scored]


def _is_ideograph(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF


def _is_foreign(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0xE000 <= code <= 0xF8FF  # private use
        or ch == "\ufffd"
    )


def _declared_charset(data: bytes) -> str | None:
    found = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", data[:4096], re.I)
    if not found:
        return None
    declared = found.group(1).decode("ascii").lower()
    try:
        codecs.lookup(declared)
    except LookupError:
        return None
    # Browsers read "iso-8859-1" and "gb2312" as their supersets, and so does this.
    return {"iso-8859-1": "cp1252", "latin-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}.get(
        declared, declared
    )


# --- HTML -----------------------------------------------------------------------------------------

_DROPPED = [
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "iframe",
    "form",
    "button",
    "select",
    "nav",
    "aside",
    "menu",
    "dialog",
]
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SECTION_HEADINGS = ["h2", "h3", "h4", "h5", "h6"]
_PROSE_BLOCKS = ["p", "div", "ul", "ol", "blockquote"]
_LAYOUT_MOST_PROSE_BLOCKS = 3
_LAYOUT_MOST_ROWS = 3
_BLOCKS = _HEADINGS | {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "address",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "caption",
    "hr",
    "center",
    "details",
    "summary",
    "fieldset",
    "legend",
}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_LINE_BREAK = "\x00"  # stands for <br> until the markup's own whitespace is collapsed


# Class and id words of a page's furniture: menus, breadcrumbs, share buttons, sidebars of related or
# latest links, cookie banners, as whole words of the attribute ("nav-main", "share_bar", "crumbs").
_FURNITURE_RE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|menubar|breadcrumbs?|crumbs?|sidebar|share|sharing|social|"
    r"cookies?|consent|related|recommended|popular|latest|most-?viewed|comments?|subscribe|newsletter|"
    r"login|skip|toolbar|pagination|pager|widgets?|promo|advert|adverts|ads|tags|masthead|search|footer|"
    r"foot|copyright|bottom)"
    r"(?=$|[\s_\d-])",
    re.IGNORECASE,
)
# The page's banner, unless it holds a heading of the text ("<div class='section-header'><h2>…").
_BANNER_RE = re.compile(r"(?:^|[\s_-])(?:header|head|top|topbar)(?=$|[\s_\d-])", re.IGNORECASE)
# Blocks that are furniture when they are mostly links: a menu, a list of headlines, a row of buttons.
_LINK_BLOCKS = {"ul", "ol", "div", "p", "section", "table", "dl", "td", "span"}
_LINK_DENSITY = 0.6
# A furniture block is a small part of the page: never the element that holds its text.
_FURNITURE_SHARE = 0.25
# What may sit beside the element holding the text, and still be left out with the page around it.
_CONTAINERS = {"div", "section", "article", "table", "tbody", "tr", "td", "center", "font"}
_BESIDE_SHARE = 0.1
_BESIDE_MOST = 1500


# How deep a page's elements may nest. Real pages stay within a few dozen levels; a page nested
# thousands deep is refused in one line rather than read in time that grows with the square of it.
MAX_HTML_DEPTH = 400


def html_to_text(html: str, *, name: str = "the page") -> str:
    """The main text of a web page, one block per line with a blank line between blocks."""
    soup = BeautifulSoup(html, "lxml")
    depth = _nesting_depth(soup)
    if depth > MAX_HTML_DEPTH:
        raise DocumentError(f"cannot read {name}: its elements nest {depth} deep (at most {MAX_HTML_DEPTH})")
    for element in soup.find_all(_DROPPED):
        element.decompose()
    root = soup.find("main") or soup.find(True, attrs={"role": "main"})
    if not isinstance(root, Tag):
        articles = soup.find_all("article")
        root = max(articles, key=lambda article: len(article.get_text()), default=None)
    if isinstance(root, Tag):
        _drop_furniture(root)
    else:
        root = soup.body or soup
        # The page's own banner and footer (not those of a section within it).
        for chrome in root.find_all(["header", "footer"], recursive=False):
            chrome.decompose()
        _drop_furniture(root)
        root = _text_holder(root)
    blocks = list(_blocks(root))
    title = _SPACES.sub(" ", soup.title.get_text(" ")).strip() if soup.title else ""
    # The page's <title> leads, unless its first block already says it ("T" is not in "The …") or is it
    # without the site's name ("National Data Strategy" under "National Data Strategy - GOV.UK").
    said = blocks and (
        re.search(rf"(?<!\w){re.escape(title)}(?!\w)", blocks[0])
        or (len(blocks[0]) >= 8 and re.search(rf"(?<!\w){re.escape(blocks[0])}(?!\w)", title))
    )
    if title and not said:
        blocks.insert(0, title)
    return "\n\n".join(blocks) + "\n"


def _nesting_depth(soup: BeautifulSoup) -> int:
    """How deep the page's elements nest, counted without recursion."""
    depths: dict[int, int] = {id(soup): 0}
    deepest = 0
    for element in soup.find_all(True):  # document order: a parent before its children
        depth = depths.get(id(element.parent), 0) + 1
        depths[id(element)] = depth
        deepest = max(deepest, depth)
    return deepest


def _text_sizes(root: Tag) -> dict[int, tuple[int, int]]:
    """For the root and every element in it (by id): its characters of text, and those inside links,
    whitespace aside. One pass from the leaves up, so that weighing every element costs no more
    than reading the page once."""
    sizes: dict[int, tuple[int, int]] = {}
    for element in reversed([root, *root.find_all(True)]):  # children before their parent
        text = links = 0
        for child in element.children:
            if isinstance(child, Tag):
                child_text, child_links = sizes.get(id(child), (0, 0))
                text += child_text
                links += child_links
            elif type(child) is NavigableString:  # not a comment or a doctype
                text += len(_SPACES.sub("", child))
        sizes[id(element)] = (text, text if element.name == "a" else links)
    return sizes


def _prose(sizes: dict[int, tuple[int, int]], element: Tag) -> int:
    """How much text an element holds outside links."""
    text, links = sizes.get(id(element), (0, 0))
    return text - links


def _drop_furniture(root: Tag) -> None:
    """Take a page's furniture out of it: elements whose class or id names furniture, and blocks that
    are mostly links (a site menu, a sidebar of headlines such as "China will launch …", share
    buttons), each only while it is a small part of the page's text."""
    sizes = _text_sizes(root)
    most = _FURNITURE_SHARE * _prose(sizes, root)
    for element in root.find_all(True):
        if element.decomposed:
            continue  # inside furniture already taken out
        names = " ".join([*element.get_attribute_list("class"), str(element.get("id") or "")])
        text, links = sizes.get(id(element), (0, 0))
        furniture = (
            _FURNITURE_RE.search(names)
            or (_BANNER_RE.search(names) and not element.find(_SECTION_HEADINGS))
            or (element.name in _LINK_BLOCKS and text > 0 and links >= _LINK_DENSITY * text)
        )
        if furniture and text - links <= most:
            element.decompose()


def _text_holder(root: Tag) -> Tag:
    """The element that holds the page's text, when the page does not mark it (no <main>, no
    <article>): going down from the body while one container holds nearly all the text, so that a
    dateline, a sidebar's headings or a copyright line beside it are left out with the page around it."""
    sizes = _text_sizes(root)
    current = root
    while True:
        children = [child for child in current.find_all(True, recursive=False) if child.name in _CONTAINERS]
        whole = _prose(sizes, current)
        if not children or whole == 0:
            return current
        best = max(children, key=lambda child: _prose(sizes, child))
        if whole - _prose(sizes, best) > min(_BESIDE_SHARE * whole, _BESIDE_MOST):
            return current
        current = best


def _blocks(node: Tag) -> Iterator[str]:
    """Lines of text, block by block, in document order."""
    inline: list[str] = []

    def flush() -> Iterator[str]:
        # Whitespace in the markup is one space; a <br> is a line break.
        lines = (_SPACES.sub(" ", line).strip() for line in "".join(inline).split(_LINE_BREAK))
        text = "\n".join(line for line in lines if line)
        inline.clear()
        if text:
            yield text

    for child in node.children:
        if not isinstance(child, Tag):
            # Text, not a comment, a doctype or a processing instruction (all strings to the parser).
            inline.append(str(child) if type(child) is NavigableString else "")
            continue
        if child.name == "br":
            inline.append(_LINE_BREAK)
        elif child.name in {"ul", "ol"}:
            yield from flush()
            yield from _list_items(child)
        elif child.name == "tr":
            yield from flush()
            cells = child.find_all(["td", "th"], recursive=False)
            if any(_lays_out_page(cell) for cell in cells):
                # A table that lays out the page (the text in one cell, a menu in the next), not
                # one of data: its cells are read as the page.
                for cell in cells:
                    yield from _blocks(cell)
                continue
            texts = [_SPACES.sub(" ", cell.get_text(" ")).strip() for cell in cells]
            if any(texts):
                yield " | ".join(texts)
        elif child.name in _BLOCKS or child.name == "li":
            yield from flush()
            yield from _blocks(child)
        else:
            inline.append(child.get_text(""))
    yield from flush()


def _lays_out_page(cell: Tag) -> bool:
    """A cell of a table that lays out the page rather than one of data: it holds headings or a table
    of its own, or, in a table of a few rows, several paragraphs (a data table's cell holds a value or
    a paragraph or two, and the table runs to many rows)."""
    if cell.find(_HEADINGS) or cell.find("table"):
        return True
    table = cell.find_parent("table")
    if table is not None and len(table.find_all("tr", limit=_LAYOUT_MOST_ROWS + 1)) > _LAYOUT_MOST_ROWS:
        return False
    return len(cell.find_all(_PROSE_BLOCKS, limit=_LAYOUT_MOST_PROSE_BLOCKS)) >= _LAYOUT_MOST_PROSE_BLOCKS


def _list_items(node: Tag) -> Iterator[str]:
    ordered = node.name == "ol"
    for number, item in enumerate(node.find_all("li", recursive=False), 1):
        nested = [child.extract() for child in item.find_all(["ul", "ol"], recursive=False)]
        text = _SPACES.sub(" ", item.get_text(" ")).strip()
        if text:
            yield (f"{number}. " if ordered else "- ") + text
        for child in nested:
            yield from _list_items(child)


# --- PDF ------------------------------------------------------------------------------------------


# --- Word documents ---------------------------------------------------------------------------------

_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The body of a Word document unpacked: larger than any policy document, smaller than a zip bomb.
MAX_DOCX_XML_BYTES = 60 * 1024 * 1024


def docx_to_text(data: bytes, *, name: str) -> str:
    """The text of a Word document (.docx): each paragraph on a line of its own, list paragraphs as
    "- " lines, table rows as "cell | cell". Numbers Word generates (list and heading numbering) are
    not in the file and so not in the text. Any other zip (.xlsx, .odt, …) is refused in one line."""
    import zipfile

    from lxml import etree

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                entry = archive.getinfo("word/document.xml")
            except KeyError:
                raise DocumentError(
                    f"cannot read {name}: an office file that is not a Word document; save it as a PDF, "
                    "a web page or plain text"
                ) from None
            if entry.file_size > MAX_DOCX_XML_BYTES:
                raise DocumentError(
                    f"cannot read {name}: its text unpacks to over {MAX_DOCX_XML_BYTES} bytes"
                )
            xml = archive.read(entry)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser=parser)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, OSError) as err:
        raise DocumentError(
            f"cannot read {name}: not a readable Word document ({type(err).__name__})"
        ) from None
    body = root.find(f"{_WORD}body")
    blocks: list[str] = []
    for element in _word_blocks(body):
        if element.tag == f"{_WORD}p":
            text = _word_paragraph(element)
            if text:
                listed = not _word_heading(element) and (
                    element.find(f"{_WORD}pPr/{_WORD}numPr") is not None
                    or _word_style(element).startswith(("list", "bullet"))  # numbered by its style
                )
                blocks.append(f"- {text}" if listed else text)
        elif element.tag == f"{_WORD}tbl":
            for row in element.iter(f"{_WORD}tr"):
                cells = [
                    " ".join(filter(None, (_word_paragraph(p) for p in cell.iter(f"{_WORD}p"))))
                    for cell in row.findall(f"{_WORD}tc")
                ]
                if any(cells):
                    blocks.append(" | ".join(cells) if len(cells) > 1 else cells[0])
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _word_blocks(parent: Any) -> Iterator[Any]:
    """The paragraphs and tables of the body in order, those inside content controls (w:sdt) too."""
    for element in parent if parent is not None else ():
        if element.tag == f"{_WORD}sdt":
            yield from _word_blocks(element.find(f"{_WORD}sdtContent"))
        else:
            yield element


def _word_style(paragraph: Any) -> str:
    """The paragraph's style id, lower case and without spaces ("heading1", "listbullet")."""
    style = paragraph.find(f"{_WORD}pPr/{_WORD}pStyle")
    value = style.get(f"{_WORD}val", "") if style is not None else ""
    return str(value).lower().replace(" ", "")


def _word_heading(paragraph: Any) -> bool:
    return _word_style(paragraph).startswith(("heading", "title"))


def _word_paragraph(paragraph: Any) -> str:
    """A paragraph's text: its runs' text, a tab or a line break as a space, a non-breaking hyphen as
    "-", a soft hyphen as nothing."""
    parts: list[str] = []
    for node in paragraph.iter(f"{_WORD}t", f"{_WORD}tab", f"{_WORD}br", f"{_WORD}noBreakHyphen"):
        if node.tag == f"{_WORD}t":
            parts.append(node.text or "")
        elif node.tag == f"{_WORD}noBreakHyphen":
            parts.append("-")
        else:
            parts.append(" ")
    return _SPACES.sub(" ", "".join(parts)).strip()


def pdf_to_text(data: bytes, *, name: str) -> str:
    """The text layer of a PDF in reading order, a blank line between paragraphs and a form feed between
    pages. Each page's columns are read one after the other, top to bottom (`_reading_order`); a boxed
    sidebar stays paragraphs of its own; a paragraph cut by a column break, a page break or a sidebar
    is whole again (`_join_runs`) and its wrapped lines are one (`_reflowed`). Running headers and
    footers found by place and repetition are dropped; the extractor drops any other page furniture
    and repairs line-end hyphenation."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[list[_Block]] = []
    try:
        # char_margin 4 (pdfminer's default is 2): the wide gaps of justified text stay inside a
        # line instead of splitting it into blocks; a column gutter is wider still.
        for page in extract_pages(io.BytesIO(data), laparams=LAParams(char_margin=4.0)):
            pages.append(_page_blocks(page))
    except PDFSyntaxError as err:
        raise DocumentError(f"cannot read {name}: not a readable PDF ({err})") from None
    except Exception as err:  # pdfminer raises many types for damaged or encrypted files
        raise DocumentError(f"cannot read {name}: cannot read this PDF ({type(err).__name__})") from None
    _drop_running_lines(pages)
    _join_runs(pages)
    text = "\n\f\n".join("\n\n".join(_reflowed(block) for block in blocks) for blocks in pages)
    if not text.strip():
        raise DocumentError(f"cannot read {name}: the PDF has no text layer (a scan?): run OCR first")
    return text + "\n"


_SPACES_IN_LINE = re.compile(r"[ \t\u00a0]{2,}")
# What opens a list item or a numbered paragraph: a line starting so is never the rest of a sentence.
_LIST_START = re.compile(
    r"[•▪●◦■□✓➢\-–—*]\s|\(?(?:\d{1,3}|[a-zA-Z]|[ivx]{1,4})[.)]\s|\d{1,2}(?:\.\d{1,3})+\s"
)


@dataclass(frozen=True)
class _Line:
    """One line of text on the page and its characters, each as (left, right, text); the spaces pdfminer
    inserted sit where the character before them ends."""

    y0: float
    y1: float
    chars: tuple[tuple[float, float, str], ...]
    size: float

    @property
    def x0(self) -> float:
        return min((left for left, _, ch in self.chars if ch.strip()), default=0.0)

    @property
    def x1(self) -> float:
        return max((right for _, right, ch in self.chars if ch.strip()), default=0.0)

    @property
    def text(self) -> str:
        return "".join(ch for _, _, ch in self.chars)


@dataclass(frozen=True)
class _Box:
    """A block of text pdfminer found: its left edge, bottom, top and right edge, the height of one of
    its lines, its text, the size of most of its characters and its lines."""

    x0: float
    y0: float
    y1: float
    line_height: float
    text: str
    x1: float = 0.0
    size: float = 0.0
    lines: tuple[_Line, ...] = ()
    measure: float = 0.0  # where the lines of its column end at the longest


@dataclass
class _Block:
    """A paragraph of a page as it will be written: its boxes, the boxed sidebar (frame) it ends in (-1:
    none), whether it is a running header or footer, and the page it ends on."""

    boxes: list[_Box]
    frame: int = -1
    margin: bool = False
    page: int = 0

    @property
    def first(self) -> _Box:
        return self.boxes[0]

    @property
    def last(self) -> _Box:
        return self.boxes[-1]

    @property
    def text(self) -> str:
        return "\n".join(box.text for box in self.boxes)

    def extend(self, other: _Block) -> None:
        self.boxes += other.boxes
        self.frame, self.page = other.frame, other.page


@dataclass
class _Unit:
    """What reading order moves as one piece: a box, or a framed sidebar with all the boxes in it."""

    x0: float
    y0: float
    x1: float
    y1: float
    boxes: list[_Box]
    frame: int = -1


def _page_blocks(page: Any) -> list[_Block]:
    """A page's paragraphs in reading order: running headers first and footers last, framed sidebars
    whole, and the rest column by column (`_reading_order`)."""
    from pdfminer.layout import LTRect, LTTextContainer

    boxes = [
        box
        for element in page
        if isinstance(element, LTTextContainer)
        for box in [_box_of(element)]
        if box.text.strip()
    ]
    boxes = _split_cells(boxes)
    if not boxes:
        return []
    size = statistics.median(box.size for box in boxes)
    gutter = max(6.0, 0.8 * size)
    # Framed sidebars: a drawn rectangle around some of the page's text (not all of it).
    rects = [
        (element.x0, element.y0, element.x1, element.y1)
        for element in page
        if isinstance(element, LTRect) and element.width >= 36 and element.height >= 24
    ]
    frames: list[tuple[float, float, float, float]] = []
    for rect in sorted(rects, key=lambda r: -(r[2] - r[0]) * (r[3] - r[1])):
        inside = [box for box in boxes if _within(box, rect)]
        if inside and len(inside) < len(boxes) and not any(_within_rect(rect, outer) for outer in frames):
            frames.append(rect)
    units: list[_Unit] = []
    framed: dict[int, list[_Box]] = {}
    for box in boxes:
        frame = next((index for index, rect in enumerate(frames) if _within(box, rect)), -1)
        if frame < 0:
            units.append(_Unit(box.x0, box.y0, box.x1, box.y1, [box]))
        else:
            framed.setdefault(frame, []).append(box)
    for frame, members in framed.items():
        x0, y0, x1, y1 = frames[frame]
        inner = [_Unit(box.x0, box.y0, box.x1, box.y1, [box]) for box in members]
        ordered = [box for unit in _reading_order(inner, gutter) for box in unit.boxes]
        units.append(_Unit(x0, y0, x1, y1, ordered, frame))
    rows = _rows(units)
    top = _margin_row(rows, page.y0, page.y1, first=True)
    bottom = _margin_row(rows, page.y0, page.y1, first=False) if len(rows) - top >= 2 else 0
    body = [unit for row in rows[top : len(rows) - bottom] for unit in row]
    placed: list[tuple[_Box, int, bool]] = [
        (box, -1, True)
        for row in rows[:top]
        for unit in sorted(row, key=lambda u: u.x0)
        for box in unit.boxes
    ]
    placed += [(box, unit.frame, False) for unit in _reading_order(body, gutter) for box in unit.boxes]
    placed += [
        (box, -1, True)
        for row in rows[len(rows) - bottom :]
        for unit in sorted(row, key=lambda u: u.x0)
        for box in unit.boxes
    ]
    placed = [(_with_measure(box, frame, placed), frame, margin) for box, frame, margin in placed]
    return _hanging_lines(_paragraphs(placed))


def _with_measure(box: _Box, frame: int, placed: list[tuple[_Box, int, bool]]) -> _Box:
    """`box` with the right edge of its column: the furthest any line of the same size reaches in the
    boxes that start about where it does, in the same frame."""
    measure = max(
        other.x1
        for other, other_frame, _ in placed
        if other_frame == frame
        and _same_size(box, other)
        and abs(other.x0 - box.x0) <= 3 * box.size
        and other.x0 < box.x1
        and box.x0 < other.x1
    )
    return dataclasses.replace(box, measure=max(measure, box.x1))


def _box_of(element: Any) -> _Box:
    from pdfminer.layout import LTChar, LTTextLine

    lines = element.get_text().splitlines()
    found: list[_Line] = []
    sizes: Counter[float] = Counter()
    for line in element:
        if not isinstance(line, LTTextLine):
            continue
        chars: list[tuple[float, float, str]] = []
        end = line.x0
        for item in line:
            if isinstance(item, LTChar):
                chars.append((item.x0, item.x1, item.get_text()))
                end = item.x1
                if item.get_text().strip():
                    sizes[round(item.size, 1)] += 1
            else:
                chars.append((end, end, item.get_text()))
        found.append(_Line(line.y0, line.y1, tuple(chars), 0.0))
    height = (element.y1 - element.y0) / max(1, len(lines))
    size = sizes.most_common(1)[0][0] if sizes else height
    return _Box(
        element.x0,
        element.y0,
        element.y1,
        height,
        "\n".join(_SPACES_IN_LINE.sub(" ", line).strip() for line in lines).strip("\n"),
        element.x1,
        size,
        tuple(_Line(line.y0, line.y1, line.chars, size) for line in found),
    )


def _within(box: _Box, rect: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = rect
    return box.x0 >= x0 - 2 and box.x1 <= x1 + 2 and box.y0 >= y0 - 2 and box.y1 <= y1 + 2


def _within_rect(inner: tuple[float, float, float, float], outer: tuple[float, float, float, float]) -> bool:
    return (
        inner[0] >= outer[0] - 2
        and inner[2] <= outer[2] + 2
        and inner[1] >= outer[1] - 2
        and inner[3] <= outer[3] + 2
    )


# --- Cells of a table row pdfminer read as one line ---


def _split_cells(boxes: list[_Box]) -> list[_Box]:
    """Boxes in which pdfminer ran the cells of a table row (or two columns) into one line, cut where the
    right-hand text starts: a wide gap in a line, at an x where other lines of the page start too, and
    no character of the box across it."""
    edges = [(line.x0, index) for index, box in enumerate(boxes) for line in box.lines]
    result: list[_Box] = []
    for index, box in enumerate(boxes):
        pending = [box]
        for _ in range(4):  # a row of up to five cells
            split: list[_Box] = []
            for part in pending:
                cut = _cell_edge(part, [x for x, owner in edges if owner != index])
                split.extend([part] if cut is None else _cut_box(part, cut))
            if len(split) == len(pending):
                break
            pending = split
        result.extend(pending)
    return result


def _cell_edge(box: _Box, edges: list[float]) -> float | None:
    if box.x1 - box.x0 < 4 * box.size:
        return None
    for line in box.lines:
        visible = [(left, right) for left, right, ch in line.chars if ch.strip()]
        for (_, end), (start, _) in itertools.pairwise(visible):
            # a cell's text, not a note's number or a list item's label before its hanging indent
            if start - end < 0.75 * box.size or end - visible[0][0] < 3 * box.size:
                continue
            if sum(1 for x in edges if abs(x - start) <= 2) < 2:
                continue
            if all(_cuts_cleanly(other, start) for other in box.lines):
                return start
    return None


def _cuts_cleanly(line: _Line, x: float) -> bool:
    """No character of `line` straddles `x`, and where there is text on both sides, a wide gap."""
    visible = [(left, right) for left, right, ch in line.chars if ch.strip()]
    if any(left < x - 0.5 and right > x + 0.5 for left, right in visible):
        return False
    before = [right for left, right in visible if left < x - 0.5]
    after = [left for left, right in visible if left >= x - 0.5]
    return not before or not after or x - max(before) >= 0.5 * line.size


def _cut_box(box: _Box, x: float) -> list[_Box]:
    """`box` as the boxes left and right of `x`, each side cut again where a line is missing."""
    sides: tuple[list[_Line], list[_Line]] = ([], [])
    for line in box.lines:
        cut = next(
            (i for i, (left, _, ch) in enumerate(line.chars) if ch.strip() and left >= x - 0.5),
            len(line.chars),
        )
        for side, chars in zip(sides, (line.chars[:cut], line.chars[cut:]), strict=True):
            if any(ch.strip() for _, _, ch in chars):
                side.append(_Line(line.y0, line.y1, tuple(chars), line.size))
    boxes: list[_Box] = []
    for side in sides:
        run: list[_Line] = []
        for line in side:
            if run and run[-1].y0 - line.y1 > 0.6 * box.size:
                boxes.append(_box_of_lines(run, box.size))
                run = []
            run.append(line)
        if run:
            boxes.append(_box_of_lines(run, box.size))
    return boxes


def _box_of_lines(lines: list[_Line], size: float) -> _Box:
    y0, y1 = min(line.y0 for line in lines), max(line.y1 for line in lines)
    text = "\n".join(_SPACES_IN_LINE.sub(" ", line.text.replace("\n", " ")).strip() for line in lines)
    return _Box(
        min(line.x0 for line in lines),
        y0,
        y1,
        (y1 - y0) / len(lines),
        text,
        max(line.x1 for line in lines),
        size,
        tuple(lines),
    )


# --- Reading order ---


def _reading_order(units: list[_Unit], gutter: float) -> list[_Unit]:
    """Recursive cuts: bands of the page one under the other (bands set in the same columns read as
    one), then within a band its columns left to right, each top to bottom."""
    if len(units) < 2:
        return units
    rows = _rows(units)
    if len(rows) > 1:
        merged = [rows[0]]
        for row in rows[1:]:
            together = merged[-1] + row
            count = len(_columns(together, gutter))
            if count >= 2 and count == max(len(_columns(merged[-1], gutter)), len(_columns(row, gutter))):
                merged[-1] = together
            else:
                merged.append(row)
        if len(merged) > 1:
            return [unit for row in merged for unit in _reading_order(row, gutter)]
    columns = _columns(units, gutter)
    if len(columns) > 1:
        return [unit for column in columns for unit in _reading_order(column, gutter)]
    return sorted(units, key=lambda unit: (-unit.y1, unit.x0))


def _rows(units: list[_Unit]) -> list[list[_Unit]]:
    """The units in bands from the top: a band ends where nothing overlaps it further down."""
    rows: list[list[_Unit]] = []
    bottom = 0.0
    for unit in sorted(units, key=lambda unit: -unit.y1):
        if rows and unit.y1 > bottom + 0.5:
            rows[-1].append(unit)
            bottom = min(bottom, unit.y0)
        else:
            rows.append([unit])
            bottom = unit.y0
    return rows


def _columns(units: list[_Unit], gutter: float) -> list[list[_Unit]]:
    """The units in columns from the left: a column ends at a gap at least `gutter` wide."""
    columns: list[list[_Unit]] = []
    right = 0.0
    for unit in sorted(units, key=lambda unit: unit.x0):
        if columns and unit.x0 < right + gutter:
            columns[-1].append(unit)
            right = max(right, unit.x1)
        else:
            columns.append([unit])
            right = unit.x1
    return columns


def _margin_row(rows: list[list[_Unit]], page_bottom: float, page_top: float, *, first: bool) -> int:
    """1 when the page's first (or last) band is a running header (footer): single lines near the edge,
    set apart from the text by at least a line."""
    if len(rows) < 2:
        return 0
    row, neighbour = (rows[0], rows[1]) if first else (rows[-1], rows[-2])
    if any(unit.frame >= 0 or "\n" in unit.boxes[0].text for unit in row):
        return 0
    size = max(unit.boxes[0].size for unit in row)
    edge = 0.12 * (page_top - page_bottom)
    if first:
        near_edge = min(unit.y0 for unit in row) >= page_top - edge
        apart = min(unit.y0 for unit in row) - max(unit.y1 for unit in neighbour) >= size
    else:
        near_edge = max(unit.y1 for unit in row) <= page_bottom + edge
        apart = min(unit.y0 for unit in neighbour) - max(unit.y1 for unit in row) >= size
    return int(near_edge and apart)


# --- Paragraphs ---


def _paragraphs(placed: list[tuple[_Box, int, bool]]) -> list[_Block]:
    """The page's boxes (each with its frame and whether it is a running header or footer) as
    paragraphs, with the lines of one paragraph joined again when the PDF spaced them further apart
    than pdfminer groups (each line its own block, "line / blank / line"). On such a page, the most
    common gap between lines of the same size, one under the other, is its line spacing; blocks that far
    apart are one paragraph, and a wider gap (a paragraph break, a heading) or another size still
    separates."""
    boxes = [box for box, _, _ in placed]

    def follows(above: _Box, below: _Box) -> float | None:
        """The gap between `above` and the `below` that continues it in the same column, else None."""
        same_size = 0.85 <= below.line_height / max(above.line_height, 0.1) <= 1.18
        aligned = abs(above.x0 - below.x0) <= 3 or 0 < above.x0 - below.x0 <= 40  # or a first-line indent
        gap = above.y0 - below.y1
        return gap if same_size and aligned and 0 <= gap <= 1.5 * above.line_height else None

    gaps = [gap for a, b in itertools.pairwise(boxes) if (gap := follows(a, b)) is not None]
    # Only where pdfminer left (nearly) every line a block of its own: where it grouped lines, a block
    # of one line is a paragraph of its own (a contents entry, an address line), however close.
    single = sum("\n" not in box.text for box in boxes)
    ungrouped = bool(boxes) and single >= 0.8 * len(boxes)
    spacing = statistics.median_low(gaps) if ungrouped and len(gaps) >= 3 else None
    blocks: list[_Block] = []
    for index, (box, frame, margin) in enumerate(placed):
        gap = follows(boxes[index - 1], box) if index else None
        joined = spacing is not None and gap is not None and abs(gap - spacing) <= max(1.5, 0.15 * spacing)
        if joined and blocks and (blocks[-1].frame, blocks[-1].margin) == (frame, margin):
            blocks[-1].boxes.append(box)
        else:
            blocks.append(_Block([box], frame, margin))
    return blocks


def _same_size(above: _Box, below: _Box) -> bool:
    return 0.85 <= below.size / max(above.size, 0.1) <= 1.18


def _hanging_lines(blocks: list[_Block]) -> list[_Block]:
    """Blocks joined to the block just above them when they are its next line: a hanging indent
    ("(5) Public data will be published using" / "open standards, …") or the rest of a cell that
    pdfminer ran into the next row."""
    result: list[_Block] = []
    for block in blocks:
        if result and _next_line(result[-1], block):
            result[-1].extend(block)
        else:
            result.append(block)
    return result


def _next_line(above: _Block, below: _Block) -> bool:
    if above.margin or below.margin or above.frame != below.frame:
        return False
    last, first = above.last, below.first
    gap = last.y0 - first.y1
    if not _same_size(last, first) or not -1 <= gap <= 0.5 * min(last.line_height, first.line_height):
        return False
    text, following = above.text.rstrip(), below.text.lstrip()
    if not text or not following or ends_terminal(text) or _LIST_START.match(following):
        return False
    indent = first.x0 - last.x0
    if abs(indent) <= 2:
        return True  # one column, a line apart: what pdfminer groups as one block
    return 0 < indent <= 4 * last.size and first.x0 < last.x1 and (following[0].islower() or ends_open(text))


def _drop_running_lines(pages: list[list[_Block]]) -> None:
    """Drop the running headers and footers: lines set apart at a page's top or bottom edge that are a
    page number, or that recur there on three pages or more (page numbers aside)."""
    keys = Counter(_running_key(block.text) for blocks in pages for block in blocks if block.margin)
    for blocks in pages:
        blocks[:] = [
            block
            for block in blocks
            if not block.margin
            or not (is_page_number(block.text.strip()) or keys[_running_key(block.text)] >= 3)
        ]


def _running_key(text: str) -> str:
    return " ".join(re.sub(r"\d+", " ", text.lower()).split())


def _join_runs(pages: list[list[_Block]]) -> None:
    """Join a paragraph that does not end a sentence to the paragraph that runs on from it, when that
    starts in lower case or the first visibly stops mid-sentence (a comma, "the", "of"): the next
    paragraph in reading order of the same size (at the head of the next column or page), passing over
    running headers and footers, framed sidebars and smaller print (notes) on the way, which then follow
    the whole paragraph."""
    for page_index, blocks in enumerate(pages):
        for block in blocks:
            block.page = page_index
    for page_index, blocks in enumerate(pages):
        index = 0
        while index < len(blocks):
            found = _run_on(pages, page_index, index)
            if found is None:
                index += 1
                continue
            blocks[index].extend(pages[found[0]].pop(found[1]))


def _run_on(pages: list[list[_Block]], page_index: int, index: int) -> tuple[int, int] | None:
    """Where the paragraph that `pages[page_index][index]` runs on into is, if it runs on."""
    block = pages[page_index][index]
    text = block.text.rstrip()
    if block.margin or not text or ends_terminal(text):
        return None
    skipped = 0
    page, at = (page_index, index + 1) if block.page == page_index else (block.page, 0)
    while page < len(pages) and page <= block.page + 1:
        candidates = pages[page]
        while at < len(candidates):
            other = candidates[at]
            if not other.margin:
                if block.frame >= 0:
                    in_flow = other.frame == block.frame if page == block.page else other.frame >= 0
                else:
                    in_flow = other.frame < 0
                ratio = other.first.size / max(block.last.size, 0.1)
                if in_flow and ratio > 1.18:
                    return None  # a heading: the paragraph ended
                if in_flow and ratio >= 0.85:
                    return (page, at) if _continues(text, other.text.lstrip()) else None
                skipped += 1
                if skipped > 6:
                    return None
            at += 1
        page, at = page + 1, 0
    return None


def _reflowed(block: _Block) -> str:
    """The paragraph's text, a line wherever the PDF wrapped it joined to the next with a space: the
    next line's first word would not have fitted at its end, or the sentence visibly goes on (the next
    line starts in lower case, or this one stops on a comma or "the"), or the next line is the
    paragraph run on into another column or page. A line break stays after a hyphen (the extractor
    decides whether it is a soft one), before a list item and where a line ends short of its column
    after a complete sentence or before a capital."""
    lines: list[str] = []
    previous: tuple[str, _Line | None, _Box] | None = None
    for box in block.boxes:
        texts = box.text.split("\n")
        geometry: list[_Line | None] = (
            list(box.lines) if len(box.lines) == len(texts) else [None] * len(texts)
        )
        for text, line in zip(texts, geometry, strict=True):
            if not text:
                continue  # a line of nothing but spaces
            if previous is not None and lines and _wrapped(*previous, text, line, box):
                lines[-1] += " " + text
            else:
                lines.append(text)
            previous = (text, line, box)
    return "\n".join(lines)


def _wrapped(
    text: str, line: _Line | None, box: _Box, following: str, next_line: _Line | None, next_box: _Box
) -> bool:
    if not text or not following or text.endswith(("-", "\u00ad", "\u2010")) or _LIST_START.match(following):
        return False
    if next_box is not box and not (
        next_box.y1 <= box.y0 + 1 and next_box.x0 < box.x1 and box.x0 < next_box.x1
    ):
        return True  # run on into the next column or page
    if not ends_terminal(text) and (following[0].islower() or ends_open(text)):
        return True  # the sentence goes on, however short the line (ragged lines are often balanced)
    if line is None or next_line is None:
        return False
    visible = [(left, right) for left, right, ch in next_line.chars if ch.strip()]
    word = next(
        (i for i, (_, _, ch) in enumerate(next_line.chars) if not ch.strip() and i), len(next_line.chars)
    )
    word_end = max((right for left, right, ch in next_line.chars[:word] if ch.strip()), default=next_line.x0)
    width = word_end - (visible[0][0] if visible else next_line.x0)
    return line.x1 + 0.25 * box.size + width > box.measure


def _continues(text: str, following: str) -> bool:
    if not following or _LIST_START.match(following):
        return False
    return following[0].islower() or ends_open(text)
