"""Overdue apart from status (issue 17): past its target date and not in a final status, whatever the status
says. One definition (querysets.overdue_condition) behind the API field and filter, the CSV, the admin, the
public pages and the progress report, which also answers as of a past day."""

from __future__ import annotations

import csv
import datetime
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commitments import reports
from commitments.choices import Status
from commitments.display import OVERDUE_LABEL
from commitments.filters import NOT_A_BOOLEAN
from commitments.models import Commitment
from tests.api_helpers import at, link_sectors, review_at, user_in
from tests.factories import CommitmentFactory, DocumentFactory
from tests.page_helpers import assert_valid_html

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
TODAY = timezone.localdate()
PAST = TODAY - datetime.timedelta(days=10)
FUTURE = TODAY + datetime.timedelta(days=10)
OVERDUE_BADGE = (
    f'<span class="overdue" title="Past its target date and not in a final status">{OVERDUE_LABEL}</span>'
)


def promise(reference: str, target: datetime.date | None, status: str = Status.UNASSESSED) -> Commitment:
    commitment = CommitmentFactory.create(reference=reference, target_date=target)
    if status != Status.UNASSESSED:
        review_at(timezone.now() - datetime.timedelta(days=1), commitment, status, rationale="Assessed.")
    return Commitment.objects.get(pk=commitment.pk)


def overdue_refs(day: datetime.date | None = None) -> set[str]:
    return set(Commitment.objects.overdue(day).values_list("reference", flat=True))


def listed_flag(commitment: Commitment) -> bool:
    return bool(vars(Commitment.objects.for_list().get(pk=commitment.pk))["is_overdue"])


# --- The rule --------------------------------------------------------------------------------------


def test_a_commitment_past_its_target_and_in_progress_is_overdue() -> None:
    late = promise("LATE-1", PAST, Status.IN_PROGRESS)

    assert overdue_refs() == {"LATE-1"}
    assert late.overdue is True  # worked out from the row
    assert listed_flag(late) is True  # the annotation every list reads
    assert late.status == Status.IN_PROGRESS  # overdue does not touch the status


@pytest.mark.parametrize("status", [Status.ACHIEVED, Status.NOT_ACHIEVED])
def test_a_commitment_past_its_target_in_a_final_status_is_not_overdue(status: str) -> None:
    done = promise("DONE-1", PAST, status)

    assert overdue_refs() == set()
    assert done.overdue is False
    assert listed_flag(done) is False
    assert set(Commitment.objects.not_overdue().values_list("reference", flat=True)) == {"DONE-1"}


@pytest.mark.parametrize("status", [Status.UNASSESSED, Status.STALLED, Status.PARTIALLY_ACHIEVED])
def test_every_status_but_the_final_ones_can_be_overdue(status: str) -> None:
    promise("LATE-2", PAST, status)

    assert overdue_refs() == {"LATE-2"}


def test_a_commitment_without_a_target_date_is_never_overdue() -> None:
    open_ended = promise("OPEN-1", None, Status.STALLED)

    assert overdue_refs(TODAY + datetime.timedelta(days=10_000)) == set()
    assert open_ended.overdue is False
    assert listed_flag(open_ended) is False
    # "Not overdue" includes it: a missing date is not an unknown answer.
    assert set(Commitment.objects.not_overdue().values_list("reference", flat=True)) == {"OPEN-1"}


def test_a_commitment_due_today_is_not_overdue_until_tomorrow() -> None:
    due = promise("DUE-1", TODAY, Status.IN_PROGRESS)

    assert due.overdue is False
    assert overdue_refs() == set()
    assert overdue_refs(TODAY + datetime.timedelta(days=1)) == {"DUE-1"}


# --- The API ---------------------------------------------------------------------------------------


@pytest.fixture
def mixed() -> dict[str, Commitment]:
    return {
        "late": promise("MIX-LATE", PAST, Status.IN_PROGRESS),
        "done": promise("MIX-DONE", PAST, Status.ACHIEVED),
        "open": promise("MIX-OPEN", None),
        "ahead": promise("MIX-AHEAD", FUTURE, Status.NOT_STARTED),
    }


def api_refs(query: str) -> dict[str, bool]:
    response = APIClient().get(LIST + query)
    assert response.status_code == 200, response.content
    return {item["reference"]: item["overdue"] for item in response.json()["results"]}


def test_the_api_list_and_detail_say_whether_each_commitment_is_overdue(mixed: dict[str, Commitment]) -> None:
    assert api_refs("") == {"MIX-LATE": True, "MIX-DONE": False, "MIX-OPEN": False, "MIX-AHEAD": False}

    detail = APIClient().get(f"{LIST}MIX-LATE/").json()
    assert detail["overdue"] is True
    assert detail["status"] == Status.IN_PROGRESS


def test_the_overdue_filter_keeps_the_overdue_or_the_rest(mixed: dict[str, Commitment]) -> None:
    assert set(api_refs("?overdue=true")) == {"MIX-LATE"}
    assert set(api_refs("?overdue=false")) == {"MIX-DONE", "MIX-OPEN", "MIX-AHEAD"}
    assert set(api_refs("?overdue=true&status=achieved")) == set()


@pytest.mark.parametrize("value", ["yes", "1", "True", "overdue", "tru\u0435"])
def test_an_overdue_value_that_is_not_true_or_false_is_a_400(
    mixed: dict[str, Commitment], value: str
) -> None:
    response = APIClient().get(LIST, {"overdue": value})

    assert response.status_code == 400
    assert response.json()["overdue"] == [NOT_A_BOOLEAN.format(value=value)]


def test_an_empty_overdue_value_is_a_400(mixed: dict[str, Commitment]) -> None:
    assert APIClient().get(LIST + "?overdue=").status_code == 400


def test_the_schema_documents_the_overdue_field_and_filter() -> None:
    schema = Client().get("/api/schema/", {"format": "json"}).json()

    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/commitments/"]["get"]["parameters"]}
    assert parameters["overdue"]["schema"]["type"] == "boolean"
    assert "target date" in parameters["overdue"]["description"]
    field = schema["components"]["schemas"]["Commitment"]["properties"]["overdue"]
    assert field["type"] == "boolean"
    assert field["readOnly"] is True
    assert "target date" in field["description"]
    row = schema["components"]["schemas"]["ProgressRow"]["properties"]
    assert row["overdue"]["type"] == "integer"


def test_the_api_list_runs_the_same_queries_with_the_overdue_flag_for_few_and_many_rows() -> None:
    promise("Q-0", PAST, Status.IN_PROGRESS)
    with CaptureQueriesContext(connection) as few:
        assert APIClient().get(LIST).status_code == 200
    for n in range(1, 12):
        promise(f"Q-{n}", PAST if n % 2 else FUTURE, Status.IN_PROGRESS)
    with CaptureQueriesContext(connection) as many:
        body = APIClient().get(LIST).json()

    assert sum(item["overdue"] for item in body["results"]) == 7
    assert len(few) == len(many), "\n".join(q["sql"] for q in many.captured_queries)


def test_the_csv_export_has_an_overdue_column_that_agrees_with_the_json(mixed: dict[str, Commitment]) -> None:
    response = APIClient().get(LIST, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8"))))

    assert {row["reference"]: row["overdue"] == "yes" for row in rows} == api_refs("")
    only_late = APIClient().get(LIST, {"format": "csv", "overdue": "true"}).getvalue().decode()
    assert [row["reference"] for row in csv.DictReader(io.StringIO(only_late))] == ["MIX-LATE"]


# --- The admin -------------------------------------------------------------------------------------


@pytest.fixture
def analyst() -> User:
    return user_in("analyst", username="ana")


def changelist(client: Client, query: str = "") -> str:
    response = client.get(reverse("admin:commitments_commitment_changelist") + query)
    assert response.status_code == 200
    return str(response.content.decode())


def admin_rows(html: str) -> dict[str, str]:
    """Each listed commitment's reference and its status cell."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    found = {}
    for row in rows:
        reference = re.search(r'<th class="field-reference"><a [^>]*>([^<]+)</a>', row)
        status = re.search(r'<td class="field-status_badge">(.*?)</td>', row, re.S)
        if reference and status:
            found[reference.group(1)] = status.group(1)
    return found


def test_the_admin_lists_overdue_beside_the_status_and_filters_by_it(
    mixed: dict[str, Commitment], analyst: User
) -> None:
    client = Client()
    client.force_login(analyst)

    everything = admin_rows(changelist(client))
    assert set(everything) == {"MIX-LATE", "MIX-DONE", "MIX-OPEN", "MIX-AHEAD"}
    assert "Overdue" in everything["MIX-LATE"]
    assert "In progress" in everything["MIX-LATE"]  # beside the status, not instead of it
    assert all("Overdue" not in cell for ref, cell in everything.items() if ref != "MIX-LATE")

    assert set(admin_rows(changelist(client, "?overdue=yes"))) == {"MIX-LATE"}
    assert set(admin_rows(changelist(client, "?overdue=no"))) == {"MIX-DONE", "MIX-OPEN", "MIX-AHEAD"}
    assert "?overdue=yes" in changelist(client)  # the filter is offered in the sidebar


def test_the_admin_changelist_filtered_to_overdue_runs_the_same_queries_for_few_and_many(
    analyst: User,
) -> None:
    client = Client()
    client.force_login(analyst)
    promise("ADM-0", PAST, Status.IN_PROGRESS)
    with CaptureQueriesContext(connection) as few:
        changelist(client, "?overdue=yes")
    for n in range(1, 15):
        promise(f"ADM-{n}", PAST, Status.STALLED)
    with CaptureQueriesContext(connection) as many:
        html = changelist(client, "?overdue=yes")

    assert len(admin_rows(html)) == 15
    assert len(few) == len(many), "\n".join(q["sql"] for q in many.captured_queries)


# --- The public pages ------------------------------------------------------------------------------


def test_the_public_list_shows_an_overdue_badge_beside_the_status(mixed: dict[str, Commitment]) -> None:
    html = Client().get("/commitments/").content.decode()
    assert_valid_html(html)

    rows = dict(re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', html, re.S))
    assert OVERDUE_BADGE in rows["MIX-LATE"]
    assert "In progress</span> " + OVERDUE_BADGE in rows["MIX-LATE"]
    assert all(OVERDUE_BADGE not in row for ref, row in rows.items() if ref != "MIX-LATE")


def test_the_public_list_filters_by_overdue_like_the_api(mixed: dict[str, Commitment]) -> None:
    html = Client().get("/commitments/?overdue=true").content.decode()

    assert set(re.findall(r'<tr data-reference="([^"]+)"', html)) == {"MIX-LATE"}
    assert "overdue=true" in html  # carried into the CSV and API links


def test_the_commitment_page_shows_the_badge_only_when_overdue(mixed: dict[str, Commitment]) -> None:
    late = Client().get("/commitments/MIX-LATE/").content.decode()
    done = Client().get("/commitments/MIX-DONE/").content.decode()
    assert_valid_html(late)

    status = re.search(r"<dt>Status</dt><dd>(.*?)</dd>", late, re.S)
    assert status is not None
    assert OVERDUE_BADGE in status.group(1)
    assert OVERDUE_BADGE not in done


def test_the_document_and_sector_pages_mark_overdue_commitments() -> None:
    document = DocumentFactory.create(slug="plan")
    late = CommitmentFactory.create(document=document, reference="PLAN-1", target_date=PAST)
    link_sectors(late, "governance")

    text = Client().get(f"/documents/{document.slug}/").content.decode()
    sector = Client().get("/sectors/governance/").content.decode()
    assert_valid_html(text)
    assert_valid_html(sector)

    mark = re.search(r'<a id="c-PLAN-1" class="commitment-mark"[^>]*>(.*?)</a>', text, re.S)
    assert mark is not None
    assert OVERDUE_BADGE in mark.group(1)
    assert OVERDUE_BADGE in sector


def test_the_overview_counts_the_overdue_and_links_to_them(mixed: dict[str, Commitment]) -> None:
    html = Client().get("/").content.decode()

    figure = re.search(r'href="([^"]*overdue=true)"><span class="figure-value">(\d+)</span>', html)
    assert figure is not None
    assert figure.group(2) == "1"
    table = html.split('id="by-sector-table"')[1].split("</table>")[0]
    assert '<th scope="col">Overdue</th>' in table


# --- The progress report ---------------------------------------------------------------------------

TARGET = datetime.date(2024, 6, 30)


@pytest.fixture
def history() -> dict[str, Commitment]:
    """In deep space: one finished after its target (achieved 2025-01-10), one still going; in earth
    observation: one without a target date and one due later. All in progress from 2024-01-10."""
    items = {
        "finished": CommitmentFactory.create(reference="H-FIN", target_date=TARGET),
        "going": CommitmentFactory.create(reference="H-GO", target_date=TARGET),
        "open": CommitmentFactory.create(reference="H-OPEN", target_date=None),
        "later": CommitmentFactory.create(reference="H-LATER", target_date=datetime.date(2030, 1, 1)),
    }
    link_sectors(items["finished"], "deep-space-exploration")
    link_sectors(items["going"], "deep-space-exploration")
    link_sectors(items["open"], "earth-observation")
    link_sectors(items["later"], "earth-observation")
    for item in items.values():
        review_at(at("2024-01-10"), item, Status.IN_PROGRESS, rationale="Under way.")
    review_at(at("2025-01-10"), items["finished"], Status.ACHIEVED, rationale="Done, late.")
    return items


def by_sector(as_of: datetime.date | None = None) -> tuple[dict[str, int], int]:
    report = reports.progress(Commitment.objects.all(), group_by="sector", as_of=as_of)
    return {row["group"]: row["overdue"] for row in report.rows}, report.overall["overdue"]


@pytest.mark.usefixtures("history")
def test_the_report_counts_the_overdue_by_sector_and_overall() -> None:
    assert by_sector() == ({"deep-space-exploration": 1, "earth-observation": 0}, 1)
    assert reports.summary(Commitment.objects.all())["overdue"] == 1


@pytest.mark.usefixtures("history")
def test_as_of_a_past_day_overdue_follows_the_status_then() -> None:
    # After the target, before the late achievement: both deep-space commitments were overdue then.
    assert by_sector(datetime.date(2024, 12, 31)) == (
        {"deep-space-exploration": 2, "earth-observation": 0},
        2,
    )
    # On the target day itself, not yet.
    assert by_sector(TARGET) == ({"deep-space-exploration": 0, "earth-observation": 0}, 0)
    # After the achievement, only the one still going.
    assert by_sector(datetime.date(2025, 1, 10)) == ({"deep-space-exploration": 1, "earth-observation": 0}, 1)


@pytest.mark.usefixtures("history")
def test_the_report_with_overdue_is_still_one_query() -> None:
    for as_of in (None, datetime.date(2024, 12, 31)):
        with CaptureQueriesContext(connection) as queries:
            reports.progress(Commitment.objects.all(), group_by="sector", as_of=as_of)
        assert len(queries) == 1, "\n".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.usefixtures("history")
def test_the_progress_report_api_gives_overdue_in_json_and_csv() -> None:
    url = "/api/v1/reports/progress/"
    body: dict[str, Any] = APIClient().get(url, {"as_of": "2024-12-31"}).json()
    rows = {row["group"]: row["overdue"] for row in body["rows"]}
    assert (rows, body["overall"]["overdue"]) == ({"deep-space-exploration": 2, "earth-observation": 0}, 2)

    text = APIClient().get(url, {"format": "csv"}).getvalue().decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert {row["group"]: row["overdue"] for row in table} == {
        "deep-space-exploration": "1",
        "earth-observation": "0",
        "all": "1",
    }
