"""The benchmark harness (benchmarks/harness.py): its arithmetic and table without services, and a
`--quick` run end to end on PostgreSQL, so that it cannot rot. Times are never asserted: only that every
path was measured and every floor returned what its endpoint did."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import floors, harness
from benchmarks.harness import (
    PATH_NAMES,
    QUICK_DATABASE_NAME,
    Row,
    database_url_named,
    parse,
    percentile,
    ratio,
    table_lines,
)

ROOT = Path(__file__).resolve().parent.parent


def test_percentiles_interpolate_between_ranks_as_numpy_does() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 5.0
    assert percentile(values, 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_the_ratio_divides_by_the_floor_plus_the_empty_endpoint() -> None:
    assert ratio(30.0, 10.0, 5.0) == 2.0
    assert ratio(15.0, 10.0) == 1.5
    assert ratio(1.0, 0.0) is None


def test_the_table_has_a_row_per_path_with_its_figures_and_flags() -> None:
    measured = Row("detail", "detail `X-1`", "≤ 2×", ratio=1.234, met=True, same=True, notes="a | b")
    measured.timed([0.010, 0.012, 0.011])
    failed = Row("report-progress", "progress", "≤ 1.5×", floor_ms=250.0, ratio=2.0, met=False, same=False)
    failed.timed([0.5])
    header, rule, first, second = table_lines([measured, failed])
    assert header.startswith("| path | median | p95 | floor | ratio | target | met | same result |")
    assert rule.count("---") == 9
    assert first == "| detail `X-1` | 11.0 ms | 11.9 ms | — | 1.23× | ≤ 2× | yes | yes | a \\| b |"
    assert second == "| progress | 500 ms | 500 ms | 250 ms | 2.00× | ≤ 1.5× | **no** | **no** |  |"


def test_options_default_to_the_issue_and_quick_never_touches_the_full_dataset() -> None:
    full = parse([])
    assert (full.commitments, full.reps, full.mixed_seconds) == (100_000, 20, 30)
    assert full.database_url.endswith("/tracker_bench")
    quick = parse(["--quick"])
    assert (quick.commitments, quick.reps) == (2_000, 5)
    assert quick.database_url.endswith("/" + QUICK_DATABASE_NAME)
    assert database_url_named("postgres://u:p@h:5432/a", "b") == "postgres://u:p@h:5432/b"


def test_only_takes_path_names_and_groups_and_refuses_the_rest(capsys: pytest.CaptureFixture[str]) -> None:
    options = parse(["--only", "list", "detail,reminders"])
    assert options.wants("list-cursor")
    assert options.wants("detail")
    assert not options.wants("report-progress")
    with pytest.raises(SystemExit):
        parse(["--only", "nothing"])
    assert "unknown path(s) nothing" in capsys.readouterr().err


def test_grouped_floor_rows_add_up_to_the_overall_row() -> None:
    zeros = (0,) * (len(floors.STATUSES) - 1)
    rows = [("space", 3, 2, *zeros, 1), (None, 1, 1, *zeros, 0)]
    grouped = floors._grouped(rows)
    assert grouped["space"] == (3, (2, *zeros), 1)
    assert grouped["all"] == (4, (3, *zeros), 1)


class _Answers(harness.Bench):
    """A Bench without a server or a database: each request answers the next of `bodies`, each floor
    the next of `floor_results`."""

    def __init__(self, bodies: list[bytes], floor_results: list[bytes]) -> None:
        self.options = dataclasses.replace(parse(["--only", "detail"]), reps=1, warmup=0)
        self.rows: list[Row] = []
        self.bodies, self.floor_results = iter(bodies), iter(floor_results)
        self.connection = None  # type: ignore[assignment]

    def get(self, path: str, headers: dict[str, str] | None = None) -> harness.Response:
        return harness.Response(200, next(self.bodies), 0.001)

    def floor(self, connection: object) -> bytes:
        return next(self.floor_results)

    def add(self, row: Row) -> None:
        self.rows.append(row)


@pytest.mark.parametrize(
    ("bodies", "floor_results", "same", "asked_again"),
    [
        ([b"stale"], [b"stale"], True, None),
        # A review fell due between the request and its floor: asked again, they agree.
        ([b"fresh", b"stale"], [b"stale", b"stale"], True, 1),
        # A real difference repeats.
        ([b"fresh", b"fresh"], [b"stale", b"stale"], False, None),
    ],
)
def test_a_difference_counts_only_if_it_repeats_when_asked_again(
    bodies: list[bytes], floor_results: list[bytes], same: bool, asked_again: int | None
) -> None:
    bench = _Answers(bodies, floor_results)

    row = bench.endpoint(
        "detail", "detail", "/x", floor=bench.floor, key=lambda body: body, target=2.0, with_empty=False
    )

    assert row is not None
    assert row.same is same
    assert row.extra.get("asked_again") == asked_again


@pytest.mark.slow
@pytest.mark.postgres
def test_a_quick_run_measures_every_path_with_the_same_result_as_its_floor(tmp_path: Path) -> None:
    # Its own database beside the test run's, on the same server (DATABASE_URL names it).
    url = database_url_named(os.environ["DATABASE_URL"], "tracker_bench_test")
    output = tmp_path / "benchmarks.md"
    command = [
        sys.executable,
        "-m",
        "benchmarks.harness",
        "--quick",
        "--database-url",
        url,
        "--output",
        str(output),
    ]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    report = json.loads(output.with_suffix(".json").read_text())
    assert [row["name"] for row in report["rows"]] == list(PATH_NAMES)
    assert all(row["same"] for row in report["rows"]), [r["name"] for r in report["rows"] if not r["same"]]
    assert report["dataset"]["commitments"] == 2_000

    table = [line for line in output.read_text().splitlines() if line.startswith("| ")][1:]
    assert len(table) == len(PATH_NAMES)
    assert all(line.split(" | ")[7] == "yes" for line in table), table


def test_a_run_rewrites_the_table_and_keeps_the_hand_written_notes(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"
    old = f"# Old table\n\n{harness.NOTES_MARKER}\n\n## What each fix changed\n"
    output.write_text(old, encoding="utf-8")

    kept = harness.kept_notes(output)

    assert kept.startswith("\n\n" + harness.NOTES_MARKER)
    assert "What each fix changed" in kept
    assert "Old table" not in kept
    assert harness.kept_notes(tmp_path / "missing.md") == ""
