"""The CSV a researcher downloads (API `?format=csv`, admin "Export selected as CSV") explains itself:
status label beside the code, the latest rationale in full, the evidence count, the public page, ISO 8601
times to the second, an optional byte-order mark for Excel; streamed, one query for all rows, and no cell
a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from commitments import exports
from commitments.choices import Status
from commitments.models import Commitment
from tests.api_helpers import at, catalogue, review_at, user_in
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
HEADER = [
    "reference",
    "document",
    "section",
    "text",
    "primary sector",
    "status",
    "status label",
    "owner",
    "priority",
    "target date",
    "last reviewed",
    "stale",
    "overdue",
    "evidence count",
    "latest rationale",
    "public page",
]
LONG_RATIONALE = " ".join(
    ["The Chang\u2019e-6 probe returned 1,935 g of far-side samples."] * 12
)  # 755 chars


@pytest.fixture
def items() -> dict[str, Commitment]:
    items = catalogue()
    EvidenceFactory.create(commitment=items["moon"])
    EvidenceFactory.create(commitment=items["moon"])
    review_at(at("2024-01-10"), items["moon"], Status.IN_PROGRESS, rationale="Launch planned.")
    review_at(
        at("2024-05-03").replace(minute=4, second=5, microsecond=123456),
        items["moon"],
        Status.ACHIEVED,
        rationale=LONG_RATIONALE,
    )
    return items


def read_csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))  # with or without a BOM


def by_reference(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_each_row_carries_the_label_the_latest_rationale_the_evidence_count_and_the_page(
    items: dict[str, Commitment],
) -> None:
    response = APIClient().get(LIST, {"format": "csv"})

    assert isinstance(response, StreamingHttpResponse)
    rows = read_csv(response)
    assert rows[0] == HEADER
    moon = by_reference(rows)["CSP2021-II.4-02"]
    assert moon["status"] == "achieved"
    assert moon["status label"] == "Achieved"
    assert moon["latest rationale"] == LONG_RATIONALE  # whole, not the list's 280-character preview
    assert moon["evidence count"] == "2"
    assert moon["last reviewed"] == "2024-05-03T12:04:05+00:00"  # ISO 8601, to the second
    assert moon["public page"] == "http://testserver/commitments/CSP2021-II.4-02/"
    water = by_reference(rows)["PLAN-1-01"]
    assert (water["status label"], water["latest rationale"], water["evidence count"]) == (
        "Unassessed",
        "",
        "0",
    )
    assert water["last reviewed"] == ""


def test_no_byte_order_mark_unless_asked_for_one(items: dict[str, Commitment]) -> None:
    plain = APIClient().get(LIST, {"format": "csv"}).getvalue()
    for_excel = APIClient().get(LIST, {"format": "csv", "bom": "1"}).getvalue()

    assert plain.startswith(b"reference,")
    assert for_excel.startswith(b"\xef\xbb\xbfreference,")
    assert for_excel[3:] == plain


def test_the_progress_report_csv_takes_a_byte_order_mark_too(items: dict[str, Commitment]) -> None:
    response = APIClient().get("/api/v1/reports/progress/", {"format": "csv", "bom": "1"})

    assert response.getvalue().startswith(b"\xef\xbb\xbfgroup,")


@pytest.mark.parametrize("value", ["yes", "2", "true"])
def test_a_bad_bom_value_is_a_400(items: dict[str, Commitment], value: str) -> None:
    response = APIClient().get(LIST, {"format": "csv", "bom": value})

    assert response.status_code == 400
    assert "bom" in response.content.decode()


def test_cells_a_spreadsheet_would_run_are_neutralised_in_the_new_columns(
    items: dict[str, Commitment],
) -> None:
    review_at(at("2024-06-01"), items["water"], Status.STALLED, rationale='=HYPERLINK("http://x","y")')

    water = by_reference(read_csv(APIClient().get(LIST, {"format": "csv"})))["PLAN-1-01"]

    assert water["latest rationale"] == '\'=HYPERLINK("http://x","y")'


def count_export_queries(url: str, client: Any, **post: Any) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, post) if post else client.get(url)
        rows = read_csv(response)
    return len(queries), len(rows) - 1


def test_the_export_runs_the_same_queries_for_five_rows_and_for_thirty_five(
    items: dict[str, Commitment],
) -> None:
    few = count_export_queries(LIST + "?format=csv", APIClient())
    for _ in range(30):
        commitment = CommitmentFactory.create()
        EvidenceFactory.create(commitment=commitment)
        review_at(at("2024-02-01"), commitment, Status.STALLED, rationale="Late.")
    many = count_export_queries(LIST + "?format=csv", APIClient())

    assert (few[1], many[1]) == (5, 35)
    assert few[0] == many[0]


def test_the_python_export_reads_the_ids_then_a_few_queries_per_chunk(
    items: dict[str, Commitment], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(30):
        CommitmentFactory.create()
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 10)

    with CaptureQueriesContext(connection) as queries:
        rows = list(exports.commitment_rows(Commitment.objects.all(), site="https://x.org"))

    assert len(rows) == 35
    # The ids, then per chunk its columns, sectors, evidence counts and rationales, plus the names of
    # documents, sections, owners and sectors the first time each shows up.
    assert len(queries) <= 1 + 4 * (4 + 4)


def test_a_chunked_export_keeps_the_order_asked_for(
    items: dict[str, Commitment], monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in range(1, 13):
        CommitmentFactory.create(target_date=datetime.date(2030, 1, day))
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 5)
    whole = Commitment.objects.order_by("-target_date", "-pk").values_list("reference", flat=True)

    rows = read_csv(APIClient().get(LIST, {"format": "csv", "ordering": "-target_date"}))

    assert [row[0] for row in rows[1:]] == list(whole)


def test_the_admin_export_has_the_same_columns_and_one_query_for_the_rows(
    items: dict[str, Commitment],
) -> None:
    client = Client()
    client.force_login(user_in("analyst", username="exporter"))
    changelist = reverse("admin:commitments_commitment_changelist")
    selected = [commitment.pk for commitment in items.values()]

    few_queries, few_rows = count_export_queries(
        changelist, client, action="export_csv", _selected_action=selected
    )
    for _ in range(30):
        selected.append(CommitmentFactory.create().pk)
        review_at(at("2024-02-01"), Commitment.objects.get(pk=selected[-1]), Status.STALLED)
    many_queries, many_rows = count_export_queries(
        changelist, client, action="export_csv", _selected_action=selected
    )
    body = client.post(changelist, {"action": "export_csv", "_selected_action": selected}).getvalue()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    assert (few_rows, many_rows) == (5, 35)
    assert few_queries == many_queries
    assert body.startswith("\ufeff".encode())  # for the spreadsheet it is opened in
    assert rows[0] == HEADER
    assert by_reference(rows)["CSP2021-II.4-02"]["latest rationale"] == LONG_RATIONALE


def test_export_times_are_in_the_site_time_zone_with_their_offset(
    items: dict[str, Commitment], settings: Any
) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"

    moon = by_reference(read_csv(APIClient().get(LIST, {"format": "csv"})))["CSP2021-II.4-02"]

    assert moon["last reviewed"] == "2024-05-03T20:04:05+08:00"
    assert datetime.datetime.fromisoformat(moon["last reviewed"]) == datetime.datetime(
        2024, 5, 3, 12, 4, 5, tzinfo=datetime.UTC
    )


def test_the_header_is_the_exported_constant() -> None:
    assert list(exports.COMMITMENT_COLUMNS) == HEADER


def test_a_reference_no_page_can_have_leaves_the_link_empty_and_the_download_whole(
    items: dict[str, Commitment],
) -> None:
    CommitmentFactory.create(document=items["moon"].document, reference="BAD/1")

    rows = by_reference(read_csv(APIClient().get(LIST, {"format": "csv"})))

    assert rows["BAD/1"]["public page"] == ""
    assert len(rows) == 6


@pytest.mark.postgres
@pytest.mark.parametrize("time_zone", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_postgres_copy_writes_exactly_the_bytes_python_writes(
    items: dict[str, Commitment], settings: Any, time_zone: str
) -> None:
    # The export is COPY on PostgreSQL and Python elsewhere: cells a spreadsheet would run, quotes,
    # commas and line breaks, empty and missing values, non-ASCII, references that need quoting in a
    # URL or cannot be one, and times in a site time zone with a half-hour offset.
    settings.TIME_ZONE = time_zone
    owner = UserFactory.create(username="@owner")
    odd = CommitmentFactory.create(
        reference="CSP2021-(a) é 1", text='=SUM(A1), "quoted"\nsecond line', owner=owner, target_date=None
    )
    review_at(
        at("2024-03-01").replace(minute=30, second=59, microsecond=999999),
        odd,
        Status.STALLED,
        rationale="\tTabbed, then -minus\r\nand a new line",
    )
    CommitmentFactory.create(reference="CSP2021/1", text="+plus", lead_in="-lead")
    CommitmentFactory.create(reference="PLAN-1-99", text="")
    selected = Commitment.objects.order_by("-target_date", "pk")
    site = "https://tracker.example.org"

    by_python = "".join(exports.csv_lines(HEADER, exports.commitment_rows(selected, site=site))).encode()
    by_copy = b"".join(exports.copied_commitment_csv(selected, site=site))

    assert by_copy == by_python
    text = by_copy.decode()
    assert "https://tracker.example.org/commitments/CSP2021-(a)%20%C3%A9%201/" in text
    assert "'=SUM(A1)" in text
    assert ":30:59+" in text or ":30:59-" in text  # the review time, in the site's zone with its offset


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "lunar station"},  # by relevance
        {"ordering": "-last_reviewed_at"},
        {"ordering": "target_date", "document": "csp2021", "status": "unassessed"},
    ],
)
def test_the_csv_lists_the_rows_in_the_order_and_selection_of_the_list(
    items: dict[str, Commitment], query: dict[str, str]
) -> None:
    # On PostgreSQL COPY numbers the ids as the filtered, ordered queryset gives them (in one statement);
    # elsewhere Python reads them in that order. Either way the file is the list, row for row.
    CommitmentFactory.create(
        document=items["moon"].document, text="A lunar research station, then a lunar base."
    )
    client = APIClient()
    listed = [row["reference"] for row in client.get(LIST, {**query, "page_size": "100"}).json()["results"]]

    rows = read_csv(client.get(LIST, {**query, "format": "csv"}))

    assert [row[0] for row in rows[1:]] == listed
    assert listed
