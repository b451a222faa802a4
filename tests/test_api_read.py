"""Reading the API: filters, item shape, detail, conditional GETs, CSV, pagination, query counts."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.serializers import ModelSerializer, Serializer
from rest_framework.test import APIClient, APIRequestFactory

from commitments import services
from commitments.api.serializers import (
    CommitmentDetailSerializer,
    CommitmentSerializer,
    EvidenceSerializer,
    ReviewSerializer,
    detail_item,
    list_item,
    list_values,
    row_links,
)
from commitments.choices import Status
from commitments.models import Commitment, Evidence, Review, Section
from commitments.querysets import review_intervals
from tests.api_helpers import at, catalogue, link_sectors, review_at
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


@pytest.fixture
def items() -> dict[str, Commitment]:
    return catalogue()


def refs(client: APIClient, query: str) -> set[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200, response.content
    return {item["reference"] for item in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?document=plan2030", {"water"}),
        ("?sector=deep-space-exploration", {"moon", "mars"}),
        ("?sector=space-science", {"mars"}),  # a secondary sector matches
        ("?sector=satellite-navigation", {"beidou", "coop"}),  # primary or secondary
        ("?sector=space-infrastructure", {"beidou", "coop", "water"}),  # a parent matches its children
        ("?sector=space-science,earth-observation", {"mars", "water"}),
        ("?section=II.4", {"moon", "mars"}),
        ("?section=II", {"moon", "mars", "beidou", "coop"}),  # with subsections
        ("?document=csp2021&section=II.2", {"beidou"}),
        ("?status=in_progress,stalled", {"moon", "beidou"}),
        ("?status=achieved", set()),
        ("?owner=ana", {"moon"}),
        ("?owner=none", {"mars", "beidou", "coop", "water"}),
        ("?priority=high", {"mars"}),
        ("?due_before=2025-01-01", {"moon"}),
        ("?due_after=2026-12-31", {"mars", "beidou", "coop", "water"}),
        ("?reviewed_after=2024-03-01", {"beidou"}),
        ("?reviewed_before=2024-02-01", {"moon"}),
        ("?stale=true", {"moon"}),
        ("?stale=false", {"mars", "beidou", "coop", "water"}),
        ("?q=BeiDou", {"beidou", "coop"}),
        ("?q=lunar probe", {"moon"}),
        ("?q=CSP2021-II.4-06", {"mars"}),
    ],
)
def test_each_filter_narrows_the_list(items: dict[str, Commitment], query: str, expected: set[str]) -> None:
    review_at(at("2024-01-10"), items["moon"], Status.IN_PROGRESS)
    review_at(timezone.now() - datetime.timedelta(days=1), items["beidou"], Status.STALLED)
    Commitment.objects.filter(pk=items["moon"].pk).update(
        status=Status.IN_PROGRESS
    )  # reviewed long ago: stale

    assert refs(APIClient(), query) == {items[name].reference for name in expected}


def test_invalid_filter_values_get_a_400_naming_the_field(items: dict[str, Commitment]) -> None:
    response = APIClient().get(LIST + "?status=done&due_before=soon")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "due_before"}


def test_ordering_and_relevance(items: dict[str, Commitment]) -> None:
    response = APIClient().get(LIST + "?ordering=-reference")
    references = [item["reference"] for item in response.json()["results"]]
    assert references == sorted(references, reverse=True)


def test_list_item_carries_everything_a_researcher_needs(items: dict[str, Commitment]) -> None:
    EvidenceFactory.create(commitment=items["mars"])
    EvidenceFactory.create(commitment=items["mars"])
    review_at(
        at("2025-05-01"),
        items["mars"],
        Status.NOT_STARTED,
        UserFactory.create(username="rev"),
        "No launch yet.",
    )

    item = APIClient().get(LIST + "?q=Mars").json()["results"][0]

    assert item["reference"] == "CSP2021-II.4-06"
    assert item["url"].endswith("/api/v1/commitments/CSP2021-II.4-06/")
    assert item["document"] == "csp2021"
    assert item["section"] == "II.4"
    assert item["section_path"] == ["II. Tech", "4. Deep Space"]
    assert item["sectors"] == [
        {"slug": "deep-space-exploration", "name": "Deep space exploration", "primary": True},
        {"slug": "space-science", "name": "Space science", "primary": False},
    ]
    assert (item["status"], item["status_label"]) == ("not_started", "Not started")
    assert item["evidence_count"] == 2
    assert item["latest_review"]["status_after"] == "not_started"
    assert item["latest_review"]["reviewer"] == "rev"
    assert item["latest_review"]["rationale"] == "No launch yet."
    assert APIClient().get(item["latest_review"]["url"]).json()["rationale"] == "No launch yet."
    assert item["is_stale"] is True  # not started, last reviewed more than 90 days ago


def test_detail_by_reference_or_id_has_evidence_and_history_oldest_first(
    items: dict[str, Commitment],
) -> None:
    commitment = items["moon"]
    evidence = EvidenceFactory.create(commitment=commitment, title="Chang'e-6 lands")
    review_at(at("2024-05-03"), commitment, Status.IN_PROGRESS, rationale="Launched.")
    services.record_review(
        commitment=commitment.pk,
        reviewer=UserFactory.create(),
        status=Status.ACHIEVED,
        rationale="Samples returned.",
        evidence=[evidence.pk],
    )

    by_reference = APIClient().get(f"{LIST}{commitment.reference}/")
    by_id = APIClient().get(f"{LIST}{commitment.pk}/")

    assert by_reference.status_code == by_id.status_code == 200
    body = by_reference.json()
    assert body == by_id.json()
    assert [e["title"] for e in body["evidence"]] == ["Chang'e-6 lands"]
    assert [(r["status_before"], r["status_after"]) for r in body["reviews"]] == [
        ("unassessed", "in_progress"),
        ("in_progress", "achieved"),
    ]
    assert body["reviews"][1]["evidence"] == [evidence.pk]
    assert by_reference["ETag"] == f'"commitment-{commitment.pk}-v3"'


def test_unknown_or_absurd_lookups_are_404(items: dict[str, Commitment]) -> None:
    client = APIClient()
    assert client.get(f"{LIST}NOPE-1/").status_code == 404
    assert client.get(f"{LIST}99999999999999999999999/").status_code == 404
    assert client.get(f"{LIST}0/").status_code == 404


def test_detail_answers_304_to_a_current_etag_and_200_after_a_change(items: dict[str, Commitment]) -> None:
    client = APIClient()
    url = f"{LIST}{items['moon'].reference}/"
    first = client.get(url)

    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304

    EvidenceFactory.create(commitment=items["moon"])  # created directly: no version bump, same ETag
    services.mark_reviewed(commitment=items["moon"].pk, reviewer=UserFactory.create())
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_csv_streams_the_whole_filtered_set_with_formula_cells_neutralised(
    items: dict[str, Commitment],
) -> None:
    CommitmentFactory.create(
        document=items["moon"].document, reference="=cmd|' /C calc'!A0", text="@SUM(A1:A2)"
    )
    for n in range(60):
        CommitmentFactory.create(document=items["water"].document, reference=f"PLAN-9-{n:02d}")

    response = APIClient().get(LIST + "?format=csv&page_size=5")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0][0] == "reference"
    assert len(rows) == 1 + 66  # not paginated
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'=cmd|' /C calc'!A0" in cells
    assert "'@SUM(A1:A2)" in cells

    filtered = APIClient().get(LIST + "?format=csv&document=csp2021")
    assert len(list(csv.reader(io.StringIO(filtered.getvalue().decode())))) == 1 + 5


def test_page_size_is_capped_and_links_page_through(items: dict[str, Commitment], settings: Any) -> None:
    settings.TRACKER_API_MAX_PAGE_SIZE = 3
    first = APIClient().get(LIST + "?page_size=1000000000").json()
    assert len(first["results"]) == 3
    assert first["count"] == 5
    second = APIClient().get(first["next"]).json()
    assert len(second["results"]) == 2
    assert second["next"] is None


def test_cursor_mode_pages_through_everything_without_counting(items: dict[str, Commitment]) -> None:
    seen: list[str] = []
    url: str | None = LIST + "?mode=cursor&page_size=2&ordering=-reference"
    pages = 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = APIClient().get(url).json()
        assert "count" not in body
        assert not any("COUNT(" in q["sql"].upper() and "evidence" not in q["sql"] for q in queries)
        seen += [item["reference"] for item in body["results"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(c.reference for c in items.values())
    assert len(seen) == len(set(seen))


def test_bad_cursor_is_a_client_error(items: dict[str, Commitment]) -> None:
    assert APIClient().get(LIST + "?cursor=garbage").status_code == 404
    assert APIClient().get(LIST + "?cursor=%00garbage").status_code == 400  # a control character


def make_rich(n: int) -> None:
    reviewer = UserFactory.create(username="busy")
    for _ in range(n):
        commitment = CommitmentFactory.create(owner=reviewer, primary_sector="space-science")
        EvidenceFactory.create(commitment=commitment)
        services.record_review(
            commitment=commitment, reviewer=reviewer, status=Status.STALLED, rationale="Late."
        )


def count_queries(url: str) -> int:
    client = APIClient()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    if hasattr(response, "streaming_content"):
        response.getvalue()
    return len(queries)


@pytest.mark.parametrize(
    ("url", "pinned"),
    [
        # count, page ids, their rows, sectors, latest reviews, sections (on PostgreSQL the rows, sectors,
        # latest reviews and sections are one statement: three fewer on every commitment list, see
        # LIST_ROWS_SAVED)
        (LIST + "?page_size=100", 6),
        # + the sectors, read once to check the slugs and once for the tree below them
        (LIST + "?page_size=100&sector=space-science&status=stalled&q=five&stale=false", 8),
        # + one check each: the documents, the owner's account, the section key
        (LIST + "?page_size=100&document=csp2021&owner=ana&section=II.4", 9),
        ("/api/v1/reviews/?page_size=100&reviewer=busy&status_after=stalled,in_progress", 4),
        ("/api/v1/evidence/?page_size=100&commitment=CSP2021-II.4-02", 3),
        (LIST + "?mode=cursor&page_size=100", 5),
        ("/api/v1/reviews/?page_size=100", 3),  # count, page, cited evidence
        ("/api/v1/evidence/?page_size=100", 2),
        ("/api/v1/documents/", 2),
        ("/api/v1/sectors/", 2),
    ],
)
def test_list_endpoints_run_a_constant_number_of_queries(url: str, pinned: int) -> None:
    # The document, section, owner and commitment the filters name, with evidence to list.
    EvidenceFactory.create(commitment=catalogue()["moon"])
    make_rich(3)
    if url.startswith(LIST) and connection.vendor == "postgresql":
        pinned -= LIST_ROWS_SAVED
    small = count_queries(url)
    make_rich(30)
    large = count_queries(url)
    assert small == large == pinned


# CommitmentQuerySet.list_rows reads a page, its sections too, in one statement on PostgreSQL, not four.
LIST_ROWS_SAVED = 3


def test_rows_are_built_exactly_as_the_declared_fields_describe(
    items: dict[str, Commitment], settings: Any
) -> None:
    # List rows and details are built by hand for speed; the declared fields are the published schema.
    # Both must give the same JSON for every kind of row: reviewed or not, owned or not, with sectors,
    # sections, evidence and a reference that needs quoting in a URL.
    make_rich(2)
    CommitmentFactory.create(reference="DOC-I-(a) 1", target_date=None)
    longer = Commitment.objects.filter(reviews__isnull=False).first()
    assert longer is not None
    EvidenceFactory.create(commitment=longer, published_on=None)
    services.mark_reviewed(commitment=longer.pk, reviewer=UserFactory.create())
    # The latest rationale longer than a list shows, in letters of two bytes: cut at the same character.
    services.record_review(
        commitment=longer.pk,
        reviewer=UserFactory.create(),
        status=Status.IN_PROGRESS,
        rationale="Début " * 80,
    )
    request = Request(APIRequestFactory().get(LIST))
    # A detail embeds the latest of each: here 1 of 2 reviews and of 2 pieces of evidence for `longer`.
    settings.TRACKER_DETAIL_EMBED_LIMIT = 1
    commitments = list(Commitment.objects.for_api_detail())
    paths = Section.objects.paths()
    context = {"request": request, "section_paths": paths}
    assert any(c.latest_review for c in commitments)
    assert any(not c.latest_review for c in commitments)
    assert any(c.review_count > len(c.recent_reviews) == 1 for c in commitments)  # type: ignore[attr-defined]
    for serializer_class in (CommitmentSerializer, CommitmentDetailSerializer):
        for commitment in commitments:
            serializer = serializer_class(commitment, context=context)
            by_hand = serializer.to_representation(commitment)
            by_fields = Serializer.to_representation(serializer, commitment)
            assert by_hand == by_fields
            assert list(by_hand) == list(by_fields)  # the same key order too

    # A list page reads the same rows as values (CommitmentQuerySet.list_rows), in the order asked.
    ids = [c.pk for c in reversed(commitments)]
    rows = Commitment.objects.all().list_rows([*ids, 2**40])  # an id that vanished meanwhile is left out
    assert [row["id"] for row in rows] == ids
    for row, commitment in zip(rows, reversed(commitments), strict=True):
        by_fields = Serializer.to_representation(
            CommitmentSerializer(commitment, context=context), commitment
        )
        from_values = list_item(row, row_links(context))
        assert from_values == by_fields
        assert list(from_values) == list(by_fields)

    # A detail takes the latest review from its recent reviews: the same as a list reads on its own.
    for commitment in Commitment.objects.for_api_detail():
        assert commitment.recent_reviews is not None
        detail_item = list_item(list_values(commitment, paths), row_links(context))
        (listed,) = Commitment.objects.all().list_rows([commitment.pk])
        assert detail_item == list_item(listed, row_links(context))


def test_evidence_and_reviews_are_built_exactly_as_their_declared_fields_describe(
    items: dict[str, Commitment],
) -> None:
    make_rich(2)
    cited = Evidence.objects.first()
    assert cited is not None
    review = services.record_review(
        commitment=cited.commitment,
        reviewer=UserFactory.create(),
        status=Status.ACHIEVED,
        rationale="Done.",
        evidence=[cited],
    )
    EvidenceFactory.create(commitment=cited.commitment, published_on=None, added_by=None)
    request = Request(APIRequestFactory().get(LIST))
    evidence = list(Evidence.objects.for_list())
    reviews = list(Review.objects.for_list())
    assert review in reviews
    serializers: list[ModelSerializer[Any]] = [
        *(EvidenceSerializer(item, context={"request": request}) for item in evidence),
        *(ReviewSerializer(item, context={"request": request}) for item in reviews),
    ]
    for serializer in serializers:
        row = serializer.instance
        by_hand = serializer.to_representation(row)
        by_fields = ModelSerializer.to_representation(serializer, row)
        assert by_hand == by_fields
        assert list(by_hand) == list(by_fields)


def test_detail_query_count_does_not_grow_with_history() -> None:
    make_rich(1)
    commitment = Commitment.objects.get()
    url = f"{LIST}{commitment.reference}/"
    small = count_queries(url)
    for _ in range(20):
        services.mark_reviewed(commitment=commitment.pk, reviewer=UserFactory.create())
        EvidenceFactory.create(commitment=commitment)
    # One hand-written statement on PostgreSQL (CommitmentQuerySet.detail_row); elsewhere the commitment,
    # its sectors, its document's sections, evidence, reviews and their citations.
    assert count_queries(url) == small == (1 if connection.vendor == "postgresql" else 6)


def test_reviews_feed_filters(items: dict[str, Commitment]) -> None:
    review_at(at("2024-01-10"), items["moon"], Status.IN_PROGRESS, UserFactory.create(username="a1"))
    review_at(at("2024-03-10"), items["moon"], Status.IN_PROGRESS, UserFactory.create(username="a2"))
    review_at(at("2024-04-10"), items["beidou"], Status.STALLED, UserFactory.create(username="a1"))
    client = APIClient()

    def feed(query: str) -> list[tuple[str, str]]:
        body = client.get("/api/v1/reviews/" + query).json()
        return [(r["commitment"], r["reviewer"]) for r in body["results"]]

    assert feed("") == [("CSP2021-II.2-05", "a1"), ("CSP2021-II.4-02", "a2"), ("CSP2021-II.4-02", "a1")]
    assert feed("?status_changed=true") == [("CSP2021-II.2-05", "a1"), ("CSP2021-II.4-02", "a1")]
    assert feed("?status_changed=false") == [("CSP2021-II.4-02", "a2")]
    assert feed("?reviewer=a1&since=2024-02-01") == [("CSP2021-II.2-05", "a1")]
    assert feed("?until=2024-01-31") == [("CSP2021-II.4-02", "a1")]
    assert feed("?sector=space-infrastructure") == [("CSP2021-II.2-05", "a1")]
    assert feed("?status_after=stalled") == [("CSP2021-II.2-05", "a1")]


def test_documents_and_sector_tree(items: dict[str, Commitment]) -> None:
    client = APIClient()
    documents = client.get("/api/v1/documents/").json()["results"]
    assert {d["slug"]: d["commitment_count"] for d in documents} == {"csp2021": 4, "plan2030": 1}

    detail = client.get("/api/v1/documents/csp2021/").json()
    assert detail["sections"] == [
        {
            "key": "II",
            "heading": "II. Tech",
            "level": 1,
            "commitment_count": 1,
            "children": [
                {
                    "key": "II.4",
                    "heading": "4. Deep Space",
                    "level": 2,
                    "commitment_count": 2,
                    "children": [],
                },
                {"key": "II.2", "heading": "2. Infra", "level": 2, "commitment_count": 1, "children": []},
            ],
        }
    ]

    sectors = {s["slug"]: s for s in client.get("/api/v1/sectors/").json()}
    assert sectors["space-infrastructure"]["children"] == [
        "earth-observation",
        "satellite-communications",
        "satellite-navigation",
    ]
    assert sectors["satellite-navigation"]["parent"] == "space-infrastructure"


def test_reading_can_require_login(items: dict[str, Commitment], settings: Any) -> None:
    settings.TRACKER_API_REQUIRE_LOGIN = True
    assert APIClient().get(LIST).status_code == 401
    client = APIClient()
    client.force_authenticate(UserFactory.create())
    assert client.get(LIST).status_code == 200


def test_nul_bytes_in_filters_do_not_break_anything(items: dict[str, Commitment]) -> None:
    client = APIClient()
    for query in ("?q=moon%00", "?owner=%00", "?document=%00", "?section=%00", "?sector=%00"):
        assert client.get(LIST + query).status_code in {200, 400}
    for query in ("?reviewer=%00", "?commitment=a%00", "?document=%00"):
        assert client.get("/api/v1/reviews/" + query).status_code == 400
    assert client.get("/api/v1/evidence/?commitment=%00").status_code == 400


def test_secondary_sector_link_helper_is_consistent(items: dict[str, Commitment]) -> None:
    extra = CommitmentFactory.create(document=items["moon"].document, reference="X-1")
    link_sectors(extra, "governance", "space-science")
    assert "X-1" in refs(APIClient(), "?sector=space-science")


def test_list_rows_flag_stale_and_overdue_exactly_as_the_database_conditions(settings: Any) -> None:
    # list_rows() works the flags out from each row's columns (querysets.is_stale, is_overdue); the
    # filters, reports and reminders ask the database (stale_condition, overdue_condition). Around
    # every status's cutoff, reviewed or never reviewed, with and without a target date, they agree.
    settings.COMMITMENT_REVIEW_INTERVAL_DAYS = {**settings.COMMITMENT_REVIEW_INTERVAL_DAYS, "stalled": None}
    moment = timezone.now()
    today = timezone.localdate(moment)
    targets = [None, today - datetime.timedelta(days=1), today, today + datetime.timedelta(days=1)]
    intervals = review_intervals()
    made = []
    for n, status in enumerate(Status.values):
        interval = intervals.get(status) or datetime.timedelta(days=30)
        for offset in (-1, 1):
            edge = moment - interval + datetime.timedelta(seconds=offset)
            reviewed = CommitmentFactory.create(target_date=targets[(n + offset) % 4])
            if status != Status.UNASSESSED:
                review_at(edge, reviewed, status)
            made.append(reviewed)
            never = CommitmentFactory.create(target_date=targets[(n - offset) % 4])
            Commitment.objects.filter(pk=never.pk).update(created_at=edge)
            made.append(never)
    ids = [c.pk for c in made]
    rows = Commitment.objects.all().list_rows(ids, at=moment)
    annotated = Commitment.objects.filter(pk__in=ids).with_staleness(moment).with_overdue(today)
    flagged = annotated.values_list("pk", "is_stale", "is_overdue")  # type: ignore[misc]  # annotations
    by_database = {pk: (stale, overdue) for pk, stale, overdue in flagged}
    flags = {row["id"]: (row["is_stale"], row["is_overdue"]) for row in rows}
    assert flags == by_database
    assert {stale for stale, _ in flags.values()} == {True, False}
    assert {overdue for _, overdue in flags.values()} == {True, False}


def test_a_page_read_in_one_statement_equals_the_orms_three() -> None:
    # On PostgreSQL list_rows() reads a page with one hand-written statement; page_rows_by_orm() is what
    # it stands for (and what other databases run). Reviewed twice or never, owned or not, with one
    # sector or three, evidence or none, a long rationale: the same values.
    reviewer = UserFactory.create(username="busy")
    plain = CommitmentFactory.create(owner=None)
    rich = CommitmentFactory.create(owner=reviewer)
    link_sectors(rich, "space-science", "deep-space-exploration", "launch-and-ttc")
    EvidenceFactory.create(commitment=rich)
    EvidenceFactory.create(commitment=rich)
    review_at(at("2024-01-10"), rich, Status.IN_PROGRESS, reviewer, rationale="Under way.")
    review_at(at("2024-01-10"), rich, Status.STALLED, reviewer, rationale="Étape " * 100)  # same moment
    ids = [rich.pk, plain.pk]
    by_orm = Commitment.objects.all().page_rows_by_orm(ids)
    moment = timezone.now()
    rows = {row["id"]: row for row in Commitment.objects.all().list_rows(ids, at=moment)}
    for pk in ids:
        expected = {**by_orm[pk]}
        expected.pop("created_at")
        got = {key: value for key, value in rows[pk].items() if key in expected}
        assert got == expected
    assert rows[rich.pk]["latest_review"]["status_after"] == Status.STALLED  # the later of two at one time
    assert rows[rich.pk]["sectors"][0][0] == "space-science"
    assert rows[plain.pk]["latest_review"] is None


def _rich_history() -> Commitment:
    """A commitment with more evidence and reviews than a detail embeds: evidence undated, without who
    added it, cited by a review, its link checked (ok, then redirected); reviews that cite two pieces,
    one or none, by several reviewers, two at the same moment; a section two levels deep; three sectors."""
    from commitments.models import EvidenceLink

    owner = UserFactory.create(username="lead")
    commitment = CommitmentFactory.create(owner=owner, target_date=datetime.date(2020, 1, 1))
    link_sectors(commitment, "space-science", "deep-space-exploration", "launch-and-ttc")
    first = EvidenceFactory.create(commitment=commitment, published_on=None, added_by=None)
    second = EvidenceFactory.create(commitment=commitment, published_on=datetime.date(2024, 2, 1))
    third = EvidenceFactory.create(commitment=commitment, published_on=datetime.date(2023, 2, 1))
    EvidenceLink.objects.create(evidence=second, status="redirected", final_url="https://example.org/moved")
    EvidenceLink.objects.create(evidence=third, status="ok", checked_at=at("2024-03-01"))
    review_at(at("2024-01-10"), commitment, Status.IN_PROGRESS, owner, rationale="Under way.")
    review_at(at("2024-01-10"), commitment, Status.STALLED, owner, rationale="Étape " * 100)  # same moment
    services.record_review(
        commitment=commitment.pk,
        reviewer=UserFactory.create(),
        status=Status.IN_PROGRESS,
        rationale="Moving again.",
        evidence=[first.pk, second.pk],
    )
    services.record_review(
        commitment=commitment.pk, reviewer=owner, status=Status.IN_PROGRESS, rationale="", evidence=[third.pk]
    )
    return commitment


@pytest.mark.parametrize("embedded", [2, 25])
def test_a_detail_read_as_values_is_what_its_declared_fields_give(settings: Any, embedded: int) -> None:
    # The API reads a detail as values (CommitmentQuerySet.detail_row); the declared fields of
    # CommitmentDetailSerializer, over the instance for_api_detail() reads, are the contract.
    settings.TRACKER_DETAIL_EMBED_LIMIT = embedded
    rich = _rich_history()
    plain = CommitmentFactory.create(owner=None, section=None)
    request = Request(APIRequestFactory().get(LIST))
    context = {"request": request, "section_paths": Section.objects.paths()}
    for commitment in Commitment.objects.for_api_detail().filter(pk__in=[rich.pk, plain.pk]):
        serializer = CommitmentDetailSerializer(commitment, context=context)
        by_fields = Serializer.to_representation(serializer, commitment)
        for lookup in (commitment.reference, str(commitment.pk)):
            row = Commitment.objects.all().detail_row(lookup)
            assert row is not None
            from_values = detail_item(row, {"request": request})
            assert from_values == by_fields
            assert list(from_values) == list(by_fields)  # the same key order too
    shown = detail_item(Commitment.objects.all().detail_row(rich.reference) or {}, {"request": request})
    assert len(shown["reviews"]) == min(embedded, 4)
    assert shown["review_count"] == 4
    assert len(shown["evidence"]) == min(embedded, 3)
    assert shown["evidence_count"] == 3
    assert Commitment.objects.all().detail_row("NOPE-1") is None


@pytest.mark.postgres
def test_a_detail_read_in_one_statement_equals_the_orms_six(settings: Any) -> None:
    # On PostgreSQL detail_row() reads a detail with one hand-written statement (its section path walked
    # up in SQL, its evidence and reviews as JSON); detail_row_by_orm() is what it stands for.
    settings.TRACKER_DETAIL_EMBED_LIMIT = 3
    rich = _rich_history()
    plain = CommitmentFactory.create(owner=None, section=None)
    moment = timezone.now()
    for commitment in (rich, plain):
        by_orm = Commitment.objects.all().detail_row_by_orm(commitment.reference)
        assert by_orm is not None
        by_orm.pop("created_at")  # detail_row() turns it into the stale flag
        row = Commitment.objects.all().detail_row(commitment.reference, at=moment)
        assert row is not None
        assert {key: value for key, value in row.items() if key in by_orm} == by_orm
    assert Commitment.objects.all().detail_row_by_orm("NOPE-1") is None


def test_a_detail_prefers_the_commitment_whose_reference_is_the_lookup() -> None:
    # A reference of digits alone would also read as an id: the reference names it first.
    named = CommitmentFactory.create()
    other = CommitmentFactory.create(reference=str(named.pk))
    body = APIClient().get(f"{LIST}{named.pk}/").json()
    assert body["id"] == other.pk
