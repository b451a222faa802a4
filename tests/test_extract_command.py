"""The extract_commitments command: JSON on stdout, one readable error line on bad input."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SOURCE = Path(__file__).resolve().parent.parent / "fixtures" / "china-space-program-2021.txt"


def run(*args: str) -> str:
    out = StringIO()
    call_command("extract_commitments", *args, stdout=out)
    return out.getvalue()


def test_prints_the_commitments_of_the_real_document_as_json() -> None:
    rows = json.loads(run(str(SOURCE), "--format", "json"))
    assert len(rows) > 90
    assert set(rows[0]) == {"text", "section", "lead_in", "start", "end", "rule"}
    chang_e_7 = next(row for row in rows if row["text"].startswith("Launch the Chang'e-7"))
    assert chang_e_7["section"][:2] == [
        "II. Development of Space Technology and Systems",
        "4. Deep Space Exploration",
    ]
    assert chang_e_7["rule"] == "list-item"
    text = SOURCE.read_text(encoding="utf-8")
    assert text[chang_e_7["start"] : chang_e_7["end"]] == chang_e_7["text"]


def test_json_is_the_default_format() -> None:
    assert json.loads(run(str(SOURCE))) == json.loads(run(str(SOURCE), "--format", "json"))


def test_text_format_prints_one_line_per_commitment() -> None:
    lines = run(str(SOURCE), "--format", "text").splitlines()
    assert len(lines) == len(json.loads(run(str(SOURCE))))
    assert any("[list-item]" in line and "Chang'e-6" in line for line in lines)


def test_missing_file_exits_with_one_readable_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^cannot read .*missing\.txt: no such file$"):
        run(str(tmp_path / "missing.txt"))


def test_empty_file_exits_with_one_readable_line(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match=r"^cannot read .*empty\.txt: the file is empty$"):
        run(str(path))


def test_a_damaged_pdf_exits_with_one_readable_line(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.7\n\x00\x01\x02\xff\xfe binary")
    with pytest.raises(
        CommandError, match=r"^cannot read .*scan\.pdf: (not a readable PDF|cannot read this PDF)"
    ) as excinfo:
        run(str(path))
    assert "\n" not in str(excinfo.value)
