"""import_document: transactional, idempotent, revision-aware; bad input writes nothing."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import services
from commitments.choices import Status
from commitments.models import Commitment, Document, Evidence, Review, Section
from tests.documents import RIVERS, RIVERS_REVISED
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ORIGINAL = RIVERS
REVISED = RIVERS_REVISED

ARGS = ["--period-start", "2026-01-01", "--period-end", "2030-12-31", "--slug", "rivers", "--prefix", "RIV"]


def write(tmp_path: Path, text: str, name: str = "plan.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("import_document", str(path), *ARGS, *extra, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Commitment.objects.order_by("reference").values_list(
            "pk", "reference", "text", "status", "version", "start_offset", "section__key"
        )
    )


def test_import_creates_document_sections_and_commitments_with_stable_references(tmp_path: Path) -> None:
    output = run_import(write(tmp_path, ORIGINAL), "--title", "A Plan for Rivers")

    document = Document.objects.get(slug="rivers")
    assert document.title == "A Plan for Rivers"
    assert document.full_text == ORIGINAL
    assert len(document.content_hash) == 64
    assert list(Commitment.objects.order_by("start_offset").values_list("reference", flat=True)) == [
        "RIV-II.1-01",
        "RIV-II.1-02",
        "RIV-II.1-03",
        "RIV-II.1-04",
        "RIV-II.2-01",
        "RIV-II.2-02",
    ]
    chang = Commitment.objects.get(reference="RIV-II.1-02")
    assert chang.text == "Build 30 new flood barriers on the Long River"
    assert chang.lead_in.endswith("It will:")
    assert ORIGINAL[chang.start_offset : chang.end_offset].startswith("Build 30 new flood barriers")
    assert chang.target_date == datetime.date(2030, 12, 31)
    parent = Section.objects.get(document=document, key="II.1").parent
    assert parent is not None
    assert parent.key == "II"
    assert "6 were added" in output


def test_importing_the_same_file_twice_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGINAL)
    run_import(path)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        output = run_import(path)

    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert snapshot() == before
    assert "6 unchanged" in output


def test_revised_text_keeps_unchanged_commitments_and_their_history(tmp_path: Path) -> None:
    run_import(write(tmp_path, ORIGINAL))
    kept = Commitment.objects.get(reference="RIV-II.2-01")
    Evidence.objects.create(commitment=kept, url="https://water.example.org/report", title="Village report")
    services.record_review(
        commitment=kept, reviewer=UserFactory.create(), status=Status.IN_PROGRESS, rationale="Half."
    )

    output = run_import(write(tmp_path, REVISED))

    kept.refresh_from_db()
    assert (kept.reference, kept.status, kept.evidence.count(), kept.reviews.count()) == (
        "RIV-II.2-01",
        Status.IN_PROGRESS,
        1,
        1,
    )
    assert kept.start_offset == REVISED.index("The country will connect")
    edited = Commitment.objects.get(reference="RIV-II.1-03")
    assert edited.text == "Upgrade the early-warning stations in every river basin"
    added = Commitment.objects.get(text__startswith="Map every flood plain")
    assert added.reference == "RIV-II.1-05"  # next free number: existing references never shift
    vanished = Commitment.objects.get(reference="RIV-II.2-02")  # reported, not deleted
    assert vanished.text == "It will publish water quality data every month."
    assert "Vanished: RIV-II.2-02" in output
    assert "Revised: RIV-II.1-03" in output
    assert "Added: RIV-II.1-05" in output
    assert Document.objects.get().full_text == REVISED


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path) -> None:
    output = run_import(write(tmp_path, ORIGINAL), "--dry-run")

    assert "6 would be added" in output
    assert "dry run" in output
    assert not Document.objects.exists()
    assert not Commitment.objects.exists()
    assert not Section.objects.exists()


def test_dry_run_of_a_revision_writes_nothing(tmp_path: Path) -> None:
    run_import(write(tmp_path, ORIGINAL))
    before = snapshot()

    output = run_import(write(tmp_path, REVISED), "--dry-run")

    assert "1 would be added, 1 revised" in output
    assert snapshot() == before
    assert Document.objects.get().full_text == ORIGINAL


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        (b"Shopping list\n\nEggs, milk and bread.\n", "no commitments found"),
    ],
    ids=["missing", "empty", "binary", "not-a-document"],
)
def test_bad_input_exits_with_one_readable_line_and_writes_nothing(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError, match=message) as raised:
        run_import(path, "--title", "Anything")

    assert "\n" not in str(raised.value)
    assert not Document.objects.exists()


def test_bad_dates_and_periods_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGINAL)
    with pytest.raises(CommandError, match="is not a date"):
        call_command(
            "import_document", str(path), "--period-start", "2026-13-01", "--period-end", "2030-12-31"
        )
    with pytest.raises(CommandError, match=r"ends .* before it starts"):
        call_command(
            "import_document", str(path), "--period-start", "2030-01-01", "--period-end", "2026-12-31"
        )
    assert not Document.objects.exists()


def test_a_failure_midway_rolls_back_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from commitments.importer import loader

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_save_commitments", explode)
    with pytest.raises(RuntimeError):
        run_import(write(tmp_path, ORIGINAL))

    assert not Document.objects.exists()
    assert not Section.objects.exists()


def test_sector_assignments_apply_to_new_commitments_only(tmp_path: Path) -> None:
    sectors = tmp_path / "sectors.json"
    sectors.write_text(
        '{"RIV-II.1-02": {"primary": "governance", "secondary": ["international-cooperation"]}}',
        encoding="utf-8",
    )
    run_import(write(tmp_path, ORIGINAL), "--sectors", str(sectors))
    commitment = Commitment.objects.get(reference="RIV-II.1-02")
    assert sorted(commitment.sector_links.values_list("sector__slug", "is_primary")) == [
        ("governance", True),
        ("international-cooperation", False),
    ]

    services.update_commitment(
        commitment=commitment, actor=None, expected_version=None, primary_sector=None, secondary_sectors=[]
    )
    run_import(write(tmp_path, ORIGINAL), "--sectors", str(sectors))
    assert commitment.sector_links.count() == 0  # a lead's curation is not overwritten by re-import


def test_unknown_sector_in_assignments_is_refused(tmp_path: Path) -> None:
    sectors = tmp_path / "sectors.json"
    sectors.write_text('{"RIV-II.1-02": {"primary": "astrology"}}', encoding="utf-8")
    with pytest.raises(CommandError, match="unknown sector slug"):
        run_import(write(tmp_path, ORIGINAL), "--sectors", str(sectors))
    assert not Document.objects.exists()


@pytest.mark.postgres
def test_import_and_reimport_on_postgresql(tmp_path: Path) -> None:
    run_import(write(tmp_path, ORIGINAL))
    before = snapshot()
    run_import(write(tmp_path, ORIGINAL))
    assert snapshot() == before
    run_import(write(tmp_path, REVISED))
    assert Commitment.objects.count() == 7
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["import_document", "x.txt", "--period-start", "2022-13-01", "--period-end", "2026-12-31"],
        ["send_reminders", "--date", "tomorrow"],
    ],
)
def test_a_bad_date_on_the_command_line_is_an_error_line_not_a_traceback(argv: list[str]) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "is not a date: use YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr


NUMBERED_IN_FULL = """\
A Plan for Water: 2026-2030

1 Introduction

The Ministry will publish the plan every year.

2 Water supply

2.1 Drinking water

The Ministry will connect every village to safe water by 2030.

2.2 Waste water

The Ministry will build 40 treatment plants.

2.2.1 Rural areas

The Ministry will build 12 of them in rural districts.
"""


def test_sections_numbered_in_full_keep_their_printed_numbers(tmp_path: Path) -> None:
    run_import(write(tmp_path, NUMBERED_IN_FULL))

    keys = set(Section.objects.values_list("key", flat=True))
    assert keys == {"1", "2", "2.1", "2.2", "2.2.1"}
    assert set(Commitment.objects.values_list("reference", flat=True)) == {
        "RIV-1-01",
        "RIV-2.1-01",
        "RIV-2.2-01",
        "RIV-2.2.1-01",
    }


def test_a_table_of_contents_does_not_take_the_sections_numbers(tmp_path: Path) -> None:
    contents = "Contents\n\nForeword\n\n1. Introduction\n\n2. Water supply\n\n2.1 Drinking water\n\n"
    text = NUMBERED_IN_FULL.replace("1 Introduction", f"{contents}Foreword\n\nWe care.\n\n1 Introduction")

    run_import(write(tmp_path, text))

    keys = set(Section.objects.values_list("key", flat=True))
    assert keys == {"FOREWORD", "1", "2", "2.1", "2.2", "2.2.1"}
    assert "RIV-2.1-01" in set(Commitment.objects.values_list("reference", flat=True))


def test_a_heading_printed_again_is_one_section_keyed_once(tmp_path: Path) -> None:
    text = (
        "A Plan for Water\n\nChapter 1 Economy\n\nText.\n\n"
        "A THRIVING ECONOMY\n\nThe Ministry will build dams.\n\n"
        "A THRIVING ECONOMY\n\nThe Ministry will cut tariffs.\n\n"
        "Promote the Development of Medicine\n\nThe Ministry will open a clinic.\n"
    )

    run_import(write(tmp_path, text))

    sections = list(Section.objects.order_by("position").values_list("key", "start_offset"))
    assert sections == [
        ("1", text.index("Chapter 1")),
        ("1.A-THRIVING-ECONOMY", text.index("A THRIVING")),
        ("1.PROMOTE-THE-DEVELOPMENT", text.index("Promote")),
    ]
    assert sorted(Commitment.objects.values_list("reference", flat=True)) == [
        "RIV-1.A-THRIVING-ECONOMY-01",
        "RIV-1.A-THRIVING-ECONOMY-02",
        "RIV-1.PROMOTE-THE-DEVELOPMENT-01",
    ]


@pytest.mark.parametrize(
    ("title", "prefix"),
    [
        ("China's Space Program: A 2021 Perspective", "CSP2021"),
        ("A Plan for Water: 2026-2030", "PW2026"),
        ("Federal Data Strategy — 2020 Action Plan", "FDS2020"),
        ("Open Data White Paper: Unleashing the Potential", "ODWP"),
    ],
)
def test_the_default_reference_prefix_is_the_titles_initials_and_year(
    tmp_path: Path, title: str, prefix: str
) -> None:
    args = ["--period-start", "2026-01-01", "--period-end", "2030-12-31", "--title", title]
    call_command("import_document", str(write(tmp_path, NUMBERED_IN_FULL)), *args, stdout=io.StringIO())

    assert Document.objects.get().reference_prefix == prefix


@pytest.mark.parametrize("prefix", ["CSP/2021", "CSP 2021", "-CSP", "CSP--2021", "A" * 21, "ÄB"])
def test_a_bad_reference_prefix_is_refused_in_one_line(tmp_path: Path, prefix: str) -> None:
    args = [
        "--period-start",
        "2026-01-01",
        "--period-end",
        "2030-12-31",
        "--slug",
        "water",
        f"--prefix={prefix}",  # one argument, so "-CSP" is a value, not an option
    ]
    with pytest.raises(
        CommandError, match=r"^reference prefix .* is not usable: a prefix is capital letters"
    ):
        call_command("import_document", str(write(tmp_path, NUMBERED_IN_FULL)), *args, stdout=io.StringIO())
    assert not Document.objects.exists()


def test_a_lowercase_prefix_is_read_in_capitals(tmp_path: Path) -> None:
    args = ["--period-start", "2026-01-01", "--period-end", "2030-12-31", "--prefix", "water-2026"]
    call_command("import_document", str(write(tmp_path, NUMBERED_IN_FULL)), *args, stdout=io.StringIO())

    assert Document.objects.get().reference_prefix == "WATER-2026"


def test_the_database_refuses_a_prefix_that_would_break_references() -> None:
    from django.db import IntegrityError, transaction

    from tests.factories import DocumentFactory

    with pytest.raises(IntegrityError), transaction.atomic():
        DocumentFactory.create(reference_prefix="CSP/2021")


def test_a_revision_numbers_new_commitments_with_the_documents_own_prefix(tmp_path: Path) -> None:
    run_import(write(tmp_path, NUMBERED_IN_FULL), "--prefix", "RIV")
    revised = NUMBERED_IN_FULL + "\nThe Ministry will train 300 water engineers.\n"
    run_import(write(tmp_path, revised), "--prefix", "OTHER")

    references = Commitment.objects.values_list("reference", flat=True)
    assert {reference.split("-")[0] for reference in references} == {"RIV"}
    assert Document.objects.get().reference_prefix == "RIV"


ORDER_WITH_RUN_IN_HEADINGS = """\
Executive Order on Water Safety

By the authority vested in me, it is hereby ordered as follows:

Section 1. Purpose. Safe water is a public good. This order sets out how agencies will secure it.

Sec. 2. Testing Water Supplies.

2.1. Drinking Water. (a) Within 90 days of this order, the Administrator shall publish a standard.

(b) The heads of agencies shall report their test results to the Administrator.

Sec. 3. General Provisions. (a) Nothing in this order shall be construed to impair any authority.

(b) This order shall be implemented consistent with applicable law and subject to appropriations.
"""


def test_an_order_s_run_in_section_headings_are_sections_and_its_general_provisions_promise_nothing(
    tmp_path: Path,
) -> None:
    run_import(write(tmp_path, ORDER_WITH_RUN_IN_HEADINGS), "--prefix", "EOW")

    assert set(Section.objects.values_list("key", flat=True)) == {"1", "2", "2.1", "3"}
    assert set(Section.objects.values_list("title", flat=True)) >= {"Purpose", "Testing Water Supplies"}
    assert sorted(Commitment.objects.values_list("reference", "text")) == [
        (
            "EOW-2.1-01",
            "Within 90 days of this order, the Administrator shall publish a standard.",
        ),
        ("EOW-2.1-02", "The heads of agencies shall report their test results to the Administrator."),
    ]


def test_sections_numbered_with_a_letter_and_decimals_keep_their_printed_numbers(tmp_path: Path) -> None:
    text = (
        "A Plan for Work\n\nA. Economy\n\nA.1 Jobs\n\nThe Ministry will create 10,000 jobs.\n\n"
        "A.2 Skills\n\nA.2.1 Apprenticeships\n\nThe Ministry will fund 500 apprenticeships.\n\n"
        "B. Society\n\nB.1 Health\n\nThe Ministry will open 3 clinics.\n"
    )
    run_import(write(tmp_path, text))

    assert set(Section.objects.values_list("key", flat=True)) == {"A", "A.1", "A.2", "A.2.1", "B", "B.1"}
    references = set(Commitment.objects.values_list("reference", flat=True))
    assert references == {"RIV-A.1-01", "RIV-A.2.1-01", "RIV-B.1-01"}
