"""A policy document as plain text, whatever it arrived as: text in any common encoding, a saved web
page or a PDF. The text returned is what gets stored and what every offset points into.

- Text: UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as
  such. Anything else is identified from what its bytes look like when decoded: GB18030/GBK and Big5
  must decode into Chinese characters and nothing else, Windows-1252 into Western letters and
  typographic punctuation. When more than one fits, or none does, the file is refused with one line
  naming the likely encodings; `encoding=` (the commands' `--encoding`) settles it. Never mojibake.
- HTML: the main text of the page (`<main>`, the article or the body), without navigation, scripts,
  styles, forms or the page's own header and footer; headings, paragraphs and table rows on lines of
  their own, list items as "- " lines.
- PDF: the text layer in reading order (columns read one after the other), pages separated by form
  feeds, so the extractor drops running headers, footers and page numbers and repairs hyphenation.
"""

from __future__ import annotations

import codecs
import io
import itertools
import os
import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

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
    if data.startswith(b"%PDF-"):
        text = pdf_to_text(data, name=name)
    elif Path(name).suffix.lower() in HTML_SUFFIXES or _HTML_START.match(data[:2048]):
        text = html_to_text(decode_text(data, name=name, encoding=encoding, markup=True))
    else:
        text = decode_text(data, name=name, encoding=encoding)
    if not text.strip():
        reason = "the file is empty" if not data else "the file contains only whitespace"
        raise DocumentError(f"cannot read {name}: {reason}")
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


def html_to_text(html: str) -> str:
    """The main text of a web page, one block per line with a blank line between blocks."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.find_all(_DROPPED):
        element.decompose()
    root = soup.find("main") or soup.find(True, attrs={"role": "main"})
    if not isinstance(root, Tag):
        articles = soup.find_all("article")
        root = max(articles, key=lambda article: len(article.get_text()), default=None)
    if not isinstance(root, Tag):
        root = soup.body or soup
        # The page's own banner and footer (not those of a section within it).
        for chrome in root.find_all(["header", "footer"], recursive=False):
            chrome.decompose()
    blocks = list(_blocks(root))
    title = _SPACES.sub(" ", soup.title.get_text(" ")).strip() if soup.title else ""
    if title and (not blocks or title not in blocks[0]):
        blocks.insert(0, title)
    return "\n\n".join(blocks) + "\n"


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
            inline.append(str(child) if isinstance(child, NavigableString) else "")
            continue
        if child.name == "br":
            inline.append(_LINE_BREAK)
        elif child.name in {"ul", "ol"}:
            yield from flush()
            yield from _list_items(child)
        elif child.name == "tr":
            yield from flush()
            cells = [_SPACES.sub(" ", cell.get_text(" ")).strip() for cell in child.find_all(["td", "th"])]
            if any(cells):
                yield " | ".join(cells)
        elif child.name in _BLOCKS or child.name == "li":
            yield from flush()
            yield from _blocks(child)
        else:
            inline.append(child.get_text(""))
    yield from flush()


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


def pdf_to_text(data: bytes, *, name: str) -> str:
    """The text layer of a PDF: text blocks in reading order, a blank line between blocks, a form feed
    between pages (the extractor then drops page furniture and repairs line-end hyphenation)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTTextContainer
    from pdfminer.pdfparser import PDFSyntaxError

    pages: list[str] = []
    try:
        # char_margin 4 (pdfminer's default is 2): the wide gaps of justified text stay inside a
        # line instead of splitting it into blocks; a column gutter is wider still.
        for page in extract_pages(io.BytesIO(data), laparams=LAParams(char_margin=4.0)):
            boxes = [
                _Box(
                    element.x0,
                    element.y0,
                    element.y1,
                    (element.y1 - element.y0) / max(1, len(lines)),
                    "\n".join(_SPACES_IN_LINE.sub(" ", line).strip() for line in lines).strip("\n"),
                )
                for element in page
                if isinstance(element, LTTextContainer)
                for lines in [element.get_text().splitlines()]
            ]
            blocks = _paragraphs([box for box in boxes if box.text.strip()])
            pages.append("\n\n".join(blocks))
    except PDFSyntaxError as err:
        raise DocumentError(f"cannot read {name}: not a readable PDF ({err})") from None
    except Exception as err:  # pdfminer raises many types for damaged or encrypted files
        raise DocumentError(f"cannot read {name}: cannot read this PDF ({type(err).__name__})") from None
    text = "\n\f\n".join(pages)
    if not text.strip():
        raise DocumentError(f"cannot read {name}: the PDF has no text layer (a scan?): run OCR first")
    return text + "\n"


_SPACES_IN_LINE = re.compile(r"[ \t\u00a0]{2,}")


@dataclass(frozen=True)
class _Box:
    """A block of text pdfminer found: its left edge, bottom and top, the height of one of its lines."""

    x0: float
    y0: float
    y1: float
    line_height: float
    text: str


def _paragraphs(boxes: list[_Box]) -> list[str]:
    """The page's blocks, with the lines of one paragraph joined again when the PDF spaced them further
    apart than pdfminer groups (each line its own block, "line / blank / line"). On such a page, the most
    common gap between lines of the same size, one under the other, is its line spacing; blocks that far
    apart are one paragraph, and a wider gap (a paragraph break, a heading) or another size still
    separates."""

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
    blocks: list[str] = []
    for index, box in enumerate(boxes):
        gap = follows(boxes[index - 1], box) if index else None
        joined = spacing is not None and gap is not None and abs(gap - spacing) <= max(1.5, 0.15 * spacing)
        if joined and blocks:
            blocks[-1] += "\n" + box.text
        else:
            blocks.append(box.text)
    return blocks
