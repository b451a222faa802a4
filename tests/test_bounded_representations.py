"""Bounded representations (issue 16): a commitment's API detail and admin page show its latest reviews and
evidence (TRACKER_DETAIL_EMBED_LIMIT, 20) with how many there are and a link to all of them, whatever the
length of its history; a 412 carries the current version, not the representation; free text is at most
MAX_TEXT_LENGTH characters at every door (service, API, admin forms, database)."""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_init
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commitments import services
from commitments.api.serializers import CommitmentVersionSerializer
from commitments.choices import Status
from commitments.models import MAX_TEXT_LENGTH, Commitment, Evidence, Review
from commitments.querysets import embed_limit
from tests.admin_helpers import admin_client, change_url, current_form
from tests.api_helpers import client_for, review_at, user_in
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 20  # settings.TRACKER_DETAIL_EMBED_LIMIT's default
START = datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)
STATUSES = (Status.IN_PROGRESS, Status.STALLED)


def add_reviews(commitment: Commitment, count: int, first: int = 0) -> None:
    """`count` reviews through the service (they are append-only), a day apart, each saying its number."""
    reviewer = UserFactory.create(username="historian")
    for number in range(first, first + count):
        review_at(
            START + datetime.timedelta(days=number),
            commitment,
            STATUSES[number % 2],
            reviewer,
            rationale=f"review {number}",
        )


def add_evidence(commitment: Commitment, count: int, first: int = 0) -> None:
    """`count` pieces of evidence, published a day apart, titled by their number."""
    for number in range(first, first + count):
        EvidenceFactory.create(
            commitment=commitment,
            title=f"evidence {number}",
            published_on=START.date() + datetime.timedelta(days=number),
        )


@pytest.fixture
def long_history() -> Commitment:
    commitment = CommitmentFactory.create(reference="CSP2021-II.4-03")
    add_reviews(commitment, 60)
    add_evidence(commitment, 25)
    return commitment


def detail(commitment: Commitment) -> dict[str, Any]:
    response = APIClient().get(f"/api/v1/commitments/{commitment.reference}/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def every_page(url: str) -> tuple[int, list[dict[str, Any]]]:
    """The count of a paged list, and all its rows, following `next` to the end."""
    client, rows, count = APIClient(), [], None
    next_url: str | None = url
    while next_url:
        page = client.get(next_url)
        assert page.status_code == 200, page.content
        body = page.json()
        count = body["count"] if count is None else count
        rows += body["results"]
        next_url = body["next"]
    assert count is not None
    return count, rows


def test_the_limit_is_the_setting() -> None:
    assert embed_limit() == LIMIT


# --- The API detail --------------------------------------------------------------------------------------


def test_the_detail_embeds_the_latest_reviews_oldest_first_with_their_count_and_a_link_to_all(
    long_history: Commitment,
) -> None:
    body = detail(long_history)

    assert [review["rationale"] for review in body["reviews"]] == [f"review {n}" for n in range(40, 60)]
    assert body["review_count"] == 60
    assert body["reviews_url"] == "http://testserver/api/v1/reviews/?commitment=CSP2021-II.4-03"
    count, everything = every_page(body["reviews_url"] + "&page_size=25")
    assert count == len(everything) == 60
    assert [review["rationale"] for review in everything] == [f"review {n}" for n in reversed(range(60))]
    assert {review["id"] for review in everything} == set(
        Review.objects.filter(commitment=long_history).values_list("pk", flat=True)
    )
    assert {review["id"] for review in body["reviews"]} < {review["id"] for review in everything}


def test_the_detail_embeds_the_latest_evidence_with_its_count_and_a_link_to_all(
    long_history: Commitment,
) -> None:
    body = detail(long_history)

    # Newest publication first, as the detail always listed it: the 20 latest of 25.
    assert [item["title"] for item in body["evidence"]] == [f"evidence {n}" for n in reversed(range(5, 25))]
    assert body["evidence_count"] == 25
    assert body["evidence_url"] == "http://testserver/api/v1/evidence/?commitment=CSP2021-II.4-03"
    count, everything = every_page(body["evidence_url"] + "&page_size=10")
    assert count == len(everything) == 25
    assert {item["title"] for item in everything} == {f"evidence {n}" for n in range(25)}


def test_a_short_history_is_embedded_whole_and_the_links_are_there_all_the_same() -> None:
    commitment = CommitmentFactory.create(reference="DOC-I-(a) 1")  # a reference that needs quoting
    add_reviews(commitment, 2)
    add_evidence(commitment, 1)

    body = detail(commitment)

    assert [review["rationale"] for review in body["reviews"]] == ["review 0", "review 1"]
    assert (body["review_count"], body["evidence_count"], len(body["evidence"])) == (2, 1, 1)
    assert body["reviews_url"] == "http://testserver/api/v1/reviews/?commitment=DOC-I-%28a%29+1"
    assert every_page(body["reviews_url"])[0] == 2
    assert every_page(body["evidence_url"])[0] == 1


def test_the_limit_follows_the_setting(long_history: Commitment, settings: Any) -> None:
    settings.TRACKER_DETAIL_EMBED_LIMIT = 5

    body = detail(long_history)

    assert [review["rationale"] for review in body["reviews"]] == [f"review {n}" for n in range(55, 60)]
    assert len(body["evidence"]) == 5
    assert (body["review_count"], body["evidence_count"]) == (60, 25)


@pytest.fixture
def instances() -> Iterator[dict[type, int]]:
    """How many rows of each model Django builds while the test runs (rows loaded from the database)."""
    built: dict[type, int] = {}

    def count(sender: type, **kwargs: Any) -> None:
        built[sender] = built.get(sender, 0) + 1

    post_init.connect(count)
    yield built
    post_init.disconnect(count)


def test_the_detail_builds_no_model_instance_for_its_history(
    long_history: Commitment, instances: dict[type, int]
) -> None:
    body = detail(long_history)

    # Read as values (CommitmentQuerySet.detail_row), each list cut by a LIMIT in its query: the 20
    # embedded reviews and pieces of evidence, never the 60 and 25 behind them as instances.
    assert (len(body["reviews"]), len(body["evidence"])) == (LIMIT, LIMIT)
    assert (instances.get(Commitment, 0), instances.get(Review, 0), instances.get(Evidence, 0)) == (0, 0, 0)


def api_detail_queries(commitment: Commitment) -> int:
    with CaptureQueriesContext(connection) as queries:
        detail(commitment)
    return len(queries)


def test_the_detail_costs_the_same_queries_for_30_and_60_reviews() -> None:
    commitment = CommitmentFactory.create()
    add_reviews(commitment, 30)
    add_evidence(commitment, 30)
    with_30 = api_detail_queries(commitment)
    add_reviews(commitment, 30, first=30)
    add_evidence(commitment, 30, first=30)
    # One statement on PostgreSQL; elsewhere the row (with both counts), sectors, sections, evidence,
    # reviews (the first is the latest), their citations.
    assert with_30 == api_detail_queries(commitment) == (1 if connection.vendor == "postgresql" else 6)


def test_a_412_body_is_small_however_long_the_history(
    long_history: Commitment, instances: dict[type, int]
) -> None:
    client = client_for(user_in("analyst", username="ana"))
    url = f"/api/v1/commitments/{long_history.reference}/reviews/"
    stale = f'"commitment-{long_history.pk}-v1"'  # 60 reviews ago
    instances.clear()

    response = client.post(url, {"status": "achieved", "rationale": "x"}, format="json", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert response["ETag"] == f'"commitment-{long_history.pk}-v61"'
    current = response.json()["current"]
    assert list(current) == list(CommitmentVersionSerializer().fields)
    assert (current["version"], current["etag"], current["updated_by"]) == (61, response["ETag"], "historian")
    assert len(response.content) < 1000
    assert (instances.get(Review, 0), instances.get(Evidence, 0)) == (0, 0)  # no history read to say so
    assert Review.objects.filter(commitment=long_history).count() == 60


# --- The admin change page -------------------------------------------------------------------------------


@pytest.fixture
def analyst_client(analyst: Any) -> Client:
    return admin_client(analyst)


def test_the_admin_page_shows_the_latest_reviews_and_evidence_and_links_to_all(
    analyst_client: Client, long_history: Commitment
) -> None:
    response = analyst_client.get(change_url(long_history))
    page = response.content.decode()

    shown_reviews = [form.instance.rationale for form in response.context["inline_admin_formsets"][1].formset]
    assert shown_reviews == [f"review {n}" for n in reversed(range(40, 60))]
    assert int(current_form(analyst_client, long_history)["reviews-INITIAL_FORMS"]) == LIMIT
    assert int(current_form(analyst_client, long_history)["evidence-INITIAL_FORMS"]) == LIMIT
    assert "review 39" not in page
    assert "review 40" in page
    reviews_link = f"/admin/commitments/review/?commitment__id__exact={long_history.pk}"
    evidence_link = f"/admin/commitments/evidence/?commitment__id__exact={long_history.pk}"
    assert f'<a href="{reviews_link}">All 60 reviews →</a>' in page
    assert f'<a href="{evidence_link}">All 25 pieces of evidence →</a>' in page
    assert "The latest 20 of 60 reviews are shown here." in page
    # The evidence a review can cite is the evidence the page shows, not every piece on record.
    assert page.count('name="cited_evidence"') == LIMIT

    reviews = analyst_client.get(reviews_link)
    assert reviews.status_code == 200
    assert reviews.context["cl"].result_count == 60
    evidence = analyst_client.get(evidence_link)
    assert evidence.status_code == 200
    assert evidence.context["cl"].result_count == 25


def test_a_short_history_has_no_link(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()
    add_reviews(commitment, 3)

    page = analyst_client.get(change_url(commitment)).content.decode()

    assert "review 0" in page
    assert "review 2" in page
    assert "more-rows" not in page


def admin_page_queries(client: Client, commitment: Commitment) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(change_url(commitment))
    assert response.status_code == 200
    return len(queries)


def test_the_admin_page_costs_the_same_queries_for_30_and_60_reviews(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()
    add_reviews(commitment, 30)
    add_evidence(commitment, 30)
    with_30 = admin_page_queries(analyst_client, commitment)
    add_reviews(commitment, 30, first=30)
    add_evidence(commitment, 30, first=30)
    assert admin_page_queries(analyst_client, commitment) == with_30


def test_a_save_on_a_long_history_reads_only_the_shown_rows(
    analyst_client: Client, long_history: Commitment, instances: dict[type, int]
) -> None:
    data = current_form(analyst_client, long_history)
    data.update({"new_status": Status.ACHIEVED, "rationale": "Done at last."})
    instances.clear()

    response = analyst_client.post(change_url(long_history), data)

    assert response.status_code == 302
    assert Commitment.objects.get().status == Status.ACHIEVED
    assert Review.objects.filter(commitment=long_history).count() == 61
    assert instances.get(Review, 0) <= LIMIT + 1  # the shown rows read back, and the one recorded


# --- Length limits ----------------------------------------------------------------------------------------

TOO_LONG = "x" * (MAX_TEXT_LENGTH + 1)


def test_the_limit_is_20000_characters() -> None:
    assert MAX_TEXT_LENGTH == 20_000


def test_the_api_refuses_an_over_long_rationale_naming_the_field_and_the_limit() -> None:
    commitment = CommitmentFactory.create()
    client = client_for(user_in("analyst", username="ana"))
    url = f"/api/v1/commitments/{commitment.reference}/reviews/"
    tag = client.get(f"/api/v1/commitments/{commitment.reference}/")["ETag"]

    refused = client.post(
        url, {"status": "achieved", "rationale": TOO_LONG}, format="json", HTTP_IF_MATCH=tag
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["rationale"]
    assert "20000 characters" in refused.json()["rationale"][0]
    assert Review.objects.count() == 0
    longest = "x" * MAX_TEXT_LENGTH
    accepted = client.post(
        url, {"status": "achieved", "rationale": longest}, format="json", HTTP_IF_MATCH=tag
    )
    assert accepted.status_code == 201
    assert Review.objects.get().rationale == longest


def test_the_api_refuses_an_over_long_excerpt() -> None:
    commitment = CommitmentFactory.create()
    client = client_for(user_in("analyst", username="ana"))
    body = {
        "commitment": commitment.reference,
        "url": "https://example.org/a",
        "title": "A",
        "excerpt": TOO_LONG,
    }

    response = client.post("/api/v1/evidence/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["excerpt"]
    assert "20000 characters" in response.json()["excerpt"][0]
    assert not Evidence.objects.exists()


def test_the_services_refuse_over_long_text_on_the_field() -> None:
    commitment = CommitmentFactory.create()
    someone = UserFactory.create()

    with pytest.raises(ValidationError) as review:
        services.record_review(
            commitment=commitment.pk, reviewer=someone, status="achieved", rationale=TOO_LONG
        )
    assert review.value.message_dict == {
        "rationale": ["At most 20,000 characters: this text has 20,001. Shorten it, or quote the essential "
                      "and link the rest as evidence."]
    }  # fmt: skip
    with pytest.raises(ValidationError) as excerpt:
        services.save_evidence(
            evidence=Evidence(
                commitment=commitment, url="https://example.org/a", title="A", excerpt=TOO_LONG
            ),
            actor=someone,
        )
    assert list(excerpt.value.message_dict) == ["excerpt"]
    with pytest.raises(ValidationError) as snooze:
        services.snooze_commitment(
            commitment=commitment.pk, until=datetime.date(2999, 1, 1), reason=TOO_LONG, actor=someone
        )
    assert "20,000 characters" in snooze.value.message_dict["reason"][0]
    assert (Review.objects.count(), Evidence.objects.count(), Commitment.objects.get().version) == (0, 0, 1)
    # Surrounding blanks are not part of a rationale: they do not count.
    services.record_review(
        commitment=commitment.pk, reviewer=someone, status="achieved", rationale=f" {'x' * MAX_TEXT_LENGTH}\n"
    )


def test_the_admin_form_refuses_an_over_long_rationale(analyst_client: Client) -> None:
    commitment = CommitmentFactory.create()
    data = current_form(analyst_client, commitment)
    data.update({"new_status": Status.ACHIEVED, "rationale": TOO_LONG})

    response = analyst_client.post(change_url(commitment), data)

    assert response.status_code == 200
    assert "20000 characters" in response.context["adminform"].form.errors["rationale"][0]
    assert 'maxlength="20000"' in analyst_client.get(change_url(commitment)).content.decode()
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    ("constraint", "write"),
    [
        (
            "commitments_review_rationale_length",
            lambda c, u: Review.objects.create(
                commitment=c,
                reviewer=u,
                status_before="unassessed",
                status_after="unassessed",
                rationale=TOO_LONG,
            ),
        ),
        (
            "commitments_evidence_excerpt_length",
            lambda c, u: Evidence.objects.create(
                commitment=c, url="https://example.org/a", title="A", excerpt=TOO_LONG
            ),
        ),
        (
            "commitments_commitment_snooze_reason_length",
            lambda c, u: Commitment.objects.filter(pk=c.pk).update(
                snoozed_until=datetime.date(2999, 1, 1), snooze_reason=TOO_LONG
            ),
        ),
    ],
    ids=["rationale", "excerpt", "snooze-reason"],
)
def test_the_database_refuses_over_long_text_written_past_the_services(constraint: str, write: Any) -> None:
    # Model.save() and update() do not validate: the CHECK constraint (SQLite and PostgreSQL) refuses it.
    commitment, user = CommitmentFactory.create(), UserFactory.create()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        write(commitment, user)


@pytest.mark.postgres
def test_postgresql_counts_characters_not_bytes_and_refuses_a_direct_insert() -> None:
    commitment, user = CommitmentFactory.create(), UserFactory.create()
    insert = (
        "INSERT INTO commitments_review (commitment_id, reviewer_id, reviewed_at, status_before, "
        "status_after, rationale, method_version) VALUES (%s, %s, now(), 'unassessed', 'unassessed', %s, '1')"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [commitment.pk, user.pk, "界" * MAX_TEXT_LENGTH])  # 60,000 bytes in UTF-8
        with pytest.raises(IntegrityError, match="commitments_review_rationale_length"), transaction.atomic():
            cursor.execute(insert, [commitment.pk, user.pk, "界" * (MAX_TEXT_LENGTH + 1)])
    assert Review.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.usefixtures("as_owner")  # migrations run as the owner
def test_the_migration_names_rows_already_too_long_rather_than_failing_on_the_first() -> None:
    migration = importlib.import_module("commitments.migrations.0014_bounded_texts")
    evidence = EvidenceFactory.create()
    migration.refuse_longer_texts(apps, None)  # nothing too long: nothing to say

    with transaction.atomic():
        with connection.cursor() as cursor:  # as a database from before migration 0014 could hold
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute(
                "ALTER TABLE commitments_evidence DROP CONSTRAINT commitments_evidence_excerpt_length"
            )
            cursor.execute(
                "UPDATE commitments_evidence SET excerpt = %s WHERE id = %s", [TOO_LONG, evidence.pk]
            )
        with pytest.raises(RuntimeError) as refusal:
            migration.refuse_longer_texts(apps, None)
        transaction.set_rollback(True)

    assert (
        f"commitments_evidence.excerpt is longer than 20000 characters in 1 row(s) (id {evidence.pk})"
        in str(refusal.value)
    )
    assert Evidence.objects.get().excerpt == ""  # rolled back, constraint and all


# --- The public page ----------------------------------------------------------------------------------


def public_page(commitment: Commitment, query: str = "") -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(f"/commitments/{commitment.reference}/{query}")
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_public_page_shows_a_page_of_history_and_links_to_the_older_ones() -> None:
    commitment = CommitmentFactory.create()
    add_reviews(commitment, 60)
    add_evidence(commitment, 55)
    html, _ = public_page(commitment)
    assert html.count('<li id="review-') == 50
    assert html.count('<li id="evidence-') == 50
    assert "1–50 of 60, newest first" in html
    assert "?history=2#history-heading" in html
    assert "?evidence=2#evidence-heading" in html
    older, _ = public_page(commitment, "?history=2")
    assert older.count('<li id="review-') == 10
    newest = Review.objects.filter(commitment=commitment).order_by("-reviewed_at", "-pk").first()
    assert newest is not None
    assert f'id="review-{newest.pk}"' in html
    assert f'id="review-{newest.pk}"' not in older


def test_the_public_page_costs_the_same_queries_for_30_and_60_reviews() -> None:
    short, long = CommitmentFactory.create(), CommitmentFactory.create()
    add_reviews(short, 30)
    add_reviews(long, 60)
    assert public_page(short)[1] == public_page(long)[1]
