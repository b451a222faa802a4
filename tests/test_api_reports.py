"""Progress reports and the timeline, checked against a review history built by hand."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date
from rest_framework.test import APIClient

from commitments import reports
from commitments.choices import Status
from commitments.models import Commitment, Document
from tests.api_helpers import at, catalogue, review_at

pytestmark = pytest.mark.django_db

PROGRESS = "/api/v1/reports/progress/"


@pytest.fixture
def history() -> dict[str, Commitment]:
    """All five commitments exist from 2023-12-01. Then:
    moon:   2024-01-10 in_progress → 2024-06-30 achieved
    mars:   2024-02-15 not_started → 2025-03-01 stalled
    beidou: 2024-06-30 (late evening) partially_achieved
    coop, water: never reviewed.
    """
    items = catalogue()
    Commitment.objects.update(created_at=at("2023-12-01"))
    review_at(at("2024-01-10"), items["moon"], Status.IN_PROGRESS)
    review_at(at("2024-06-30", hour=9), items["moon"], Status.ACHIEVED)
    review_at(at("2024-02-15"), items["mars"], Status.NOT_STARTED)
    review_at(at("2025-03-01"), items["mars"], Status.STALLED)
    review_at(at("2024-06-30", hour=23), items["beidou"], Status.PARTIALLY_ACHIEVED)
    return items


def progress(query: str) -> dict[str, Any]:
    response = APIClient().get(PROGRESS + query)
    assert response.status_code == 200, response.content
    return response.json()


def by_group(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["group"]: row for row in report["rows"]}


def test_progress_by_status_now(history: dict[str, Commitment]) -> None:
    report = progress("?group_by=status")
    counts = {group: row["total"] for group, row in by_group(report).items()}
    assert counts == {"achieved": 1, "stalled": 1, "partially_achieved": 1, "unassessed": 2}
    overall = report["overall"]
    assert overall["total"] == 5
    assert overall["assessed_share"] == 0.6
    assert overall["completion"] == 0.3  # (1 + ½) / 5


def test_as_of_replays_the_review_history_to_the_end_of_that_day(history: dict[str, Commitment]) -> None:
    on_30_june = progress("?group_by=status&as_of=2024-06-30")["overall"]["counts"]
    assert on_30_june == {
        "unassessed": 2,
        "not_started": 1,
        "in_progress": 0,
        "stalled": 0,
        "partially_achieved": 1,  # reviewed at 23:00: still that day
        "achieved": 1,
        "not_achieved": 0,
    }
    on_29_june = progress("?group_by=status&as_of=2024-06-29")["overall"]["counts"]
    assert (on_29_june["in_progress"], on_29_june["achieved"], on_29_june["partially_achieved"]) == (1, 0, 0)
    # Promises count from their document's publication (2022-01-28), not from their import.
    assert progress("?as_of=2022-01-27")["overall"]["total"] == 0
    assert progress("?as_of=2022-01-28")["overall"]["counts"]["unassessed"] == 5


def test_as_of_counts_staleness_as_it_was_that_day(history: dict[str, Commitment]) -> None:
    # On 2024-03-20: beidou, coop and water unassessed since 2023-12-01 (> 30 days): stale; moon in
    # progress since 2024-01-10 (70 days < 90): fresh; mars not started since 2024-02-15: fresh.
    assert progress("?group_by=status&as_of=2024-03-20")["overall"]["stale"] == 3
    # On 2024-05-20: moon reviewed 131 days before (> 90) is stale as well, and mars (95 days) too.
    assert progress("?group_by=status&as_of=2024-05-20")["overall"]["stale"] == 5
    # Today beidou is partially achieved (180 days) since mid-2024 and mars stalled since 2025-03: stale.
    assert progress("?group_by=status")["overall"]["stale"] == 4


def test_progress_by_sector_counts_primary_sectors_and_completion(history: dict[str, Commitment]) -> None:
    rows = by_group(progress("?group_by=sector&document=csp2021"))
    assert set(rows) == {"deep-space-exploration", "satellite-navigation", "international-cooperation"}
    deep = rows["deep-space-exploration"]
    assert (deep["label"], deep["total"], deep["completion"], deep["assessed_share"]) == (
        "Deep space exploration",
        2,
        0.5,
        1.0,
    )
    assert rows["satellite-navigation"]["completion"] == 0.5


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("section", {"csp2021:II.4": 2, "csp2021:II.2": 1, "csp2021:II": 1, None: 1}),
        ("owner", {"ana": 1, None: 4}),
        ("document", {"csp2021": 4, "plan2030": 1}),
    ],
)
def test_progress_groupings(history: dict[str, Commitment], group_by: str, expected: dict[Any, int]) -> None:
    rows = by_group(progress(f"?group_by={group_by}"))
    assert {group: row["total"] for group, row in rows.items()} == expected


def test_progress_csv_is_spreadsheet_safe(history: dict[str, Commitment]) -> None:
    Commitment.objects.filter(pk=history["water"].pk).update(owner=None)
    response = APIClient().get(PROGRESS + "?group_by=document&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][:3] == ["group", "label", "total"]
    assert rows[-1][:3] == ["all", "All commitments", "5"]


def test_bad_report_parameters_are_400_and_unknown_document_404() -> None:
    response = APIClient().get(PROGRESS + "?group_by=planet&as_of=yesterday")
    assert response.status_code == 400
    assert set(response.json()) == {"group_by", "as_of"}
    assert APIClient().get(PROGRESS + "?document=nope").status_code == 404


def test_reports_answer_304_until_something_changes(history: dict[str, Commitment]) -> None:
    client = APIClient()
    first = client.get(PROGRESS + "?group_by=sector")
    assert client.get(PROGRESS + "?group_by=sector", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(PROGRESS + "?group_by=status", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    review_at(at("2025-06-01"), history["coop"], Status.IN_PROGRESS)
    assert client.get(PROGRESS + "?group_by=sector", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_a_report_is_last_modified_when_its_commitments_or_their_documents_last_changed(
    history: dict[str, Commitment],
) -> None:
    client = APIClient()
    first = client.get(PROGRESS + "?group_by=sector")
    latest = max(Commitment.objects.aggregate(m=Max("updated_at"))["m"], history["moon"].document.updated_at)
    assert first["Last-Modified"] == http_date(latest.timestamp())

    document = history["moon"].document
    Document.objects.filter(pk=document.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    second = client.get(PROGRESS + "?group_by=sector", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200  # a re-import that changed only the document's text
    assert second["Last-Modified"] != first["Last-Modified"]


def test_a_report_over_a_selection_that_matches_nothing_is_empty_and_cacheable() -> None:
    Commitment.objects.all().delete()
    client = APIClient()
    first = client.get(PROGRESS + "?group_by=status")
    assert first.status_code == 200
    assert first.json()["overall"]["total"] == 0
    assert client.get(PROGRESS + "?group_by=status", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


@pytest.mark.parametrize("group_by", ["sector", "section", "status", "owner", "document"])
def test_report_query_count_is_fixed(history: dict[str, Commitment], group_by: str) -> None:
    with CaptureQueriesContext(connection) as small:
        progress(f"?group_by={group_by}&as_of=2024-12-31")
    catalogue_more = [review_at(at("2024-07-01"), c, Status.STALLED) for c in Commitment.objects.all()]
    assert catalogue_more
    with CaptureQueriesContext(connection) as large:
        progress(f"?group_by={group_by}&as_of=2024-12-31")
    assert len(small) == len(large) == 2  # fingerprint, then the groups (the overall row is their sum)


def test_timeline_counts_each_status_at_the_end_of_each_quarter(history: dict[str, Commitment]) -> None:
    response = APIClient().get("/api/v1/reports/timeline/?interval=quarter")
    assert response.status_code == 200
    points = {p["period_end"]: p for p in response.json()["points"]}
    assert points["2023-12-31"]["counts"]["unassessed"] == 5
    q1 = points["2024-03-31"]["counts"]
    assert (q1["unassessed"], q1["in_progress"], q1["not_started"]) == (3, 1, 1)
    q2 = points["2024-06-30"]["counts"]
    assert (q2["achieved"], q2["partially_achieved"], q2["not_started"], q2["unassessed"]) == (1, 1, 1, 2)
    q1_2025 = points["2025-03-31"]["counts"]
    assert (q1_2025["stalled"], q1_2025["not_started"]) == (1, 0)
    assert all(p["total"] == 5 for p in response.json()["points"])
    last = response.json()["points"][-1]
    assert datetime.date.fromisoformat(last["period_end"]) >= timezone.localdate()


def test_timeline_by_month_for_a_sector(history: dict[str, Commitment]) -> None:
    points = APIClient().get("/api/v1/reports/timeline/?sector=deep-space-exploration").json()["points"]
    january = next(p for p in points if p["period_start"] == "2024-01-01")
    assert january["counts"]["in_progress"] == 1
    assert january["total"] == 2


def test_a_report_is_computed_once_per_state_of_its_data(
    history: dict[str, Commitment], monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[str] = []
    compute = reports.progress

    def counted(*args: Any, **kwargs: Any) -> reports.ProgressReport:
        computed.append(kwargs["group_by"])
        return compute(*args, **kwargs)

    monkeypatch.setattr(reports, "progress", counted)
    before = progress("?group_by=status")
    assert progress("?group_by=status") == before
    assert computed == ["status"]  # the second answer was remembered

    review_at(timezone.now(), history["coop"], Status.ACHIEVED, rationale="Signed.")
    after = progress("?group_by=status")

    assert computed == ["status", "status"]  # the data changed: computed again
    assert after["overall"]["counts"]["achieved"] == before["overall"]["counts"]["achieved"] + 1
