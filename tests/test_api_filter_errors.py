"""A filter value that names nothing is a 400 that says what the parameter accepts, never an empty 200
that reads as "no results"; the public pages' form (the same FilterSet) shows the same errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict
from rest_framework.test import APIClient

from commitments.filters import (
    SECTION_NOT_IN_DOCUMENT,
    UNKNOWN_COMMITMENT,
    UNKNOWN_DOCUMENT,
    UNKNOWN_OWNER,
    UNKNOWN_PRIORITY,
    UNKNOWN_REVIEWER,
    UNKNOWN_SECTION,
    UNKNOWN_STATUS,
    CommitmentFilterSet,
    EvidenceFilterSet,
    ReviewFilterSet,
)
from commitments.models import Commitment, Evidence, Review
from tests.api_helpers import catalogue

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


@pytest.fixture
def items() -> dict[str, Commitment]:
    return catalogue()


def errors(url: str) -> dict[str, list[str]]:
    response = APIClient().get(url)
    assert response.status_code == 400, response.content
    body: dict[str, list[str]] = response.json()
    return body


def test_an_unknown_document_is_a_400_listing_the_document_slugs(items: dict[str, Commitment]) -> None:
    body = errors(LIST + "?document=nope")

    assert body == {"document": [UNKNOWN_DOCUMENT.format(value="nope", known="csp2021, plan2030")]}
    assert body["document"] == ["Unknown document 'nope'. Documents: csp2021, plan2030."]


def test_an_unknown_sector_is_a_400_listing_the_sector_slugs(items: dict[str, Commitment]) -> None:
    body = errors(LIST + "?sector=space-science,nope")

    assert list(body) == ["sector"]
    [message] = body["sector"]
    assert message.startswith("Unknown sector 'nope'. Sectors: space-transportation, space-infrastructure, ")
    assert "satellite-navigation" in message
    assert message.endswith("(the tree: /api/v1/sectors/).")


def test_an_unknown_owner_is_a_400_saying_where_owners_are_listed(items: dict[str, Commitment]) -> None:
    body = errors(LIST + "?owner=nobody")

    assert body == {"owner": [UNKNOWN_OWNER.format(value="nobody")]}
    assert "/api/v1/reports/progress/?group_by=owner" in body["owner"][0]


def test_owner_none_still_means_unassigned_and_a_real_username_still_filters(
    items: dict[str, Commitment],
) -> None:
    client = APIClient()

    unassigned = client.get(LIST + "?owner=none").json()["results"]
    owned = client.get(LIST + "?owner=ana").json()["results"]

    assert {item["reference"] for item in unassigned} == {
        items[name].reference for name in ("mars", "beidou", "coop", "water")
    }
    assert [item["reference"] for item in owned] == [items["moon"].reference]


def test_an_unknown_section_is_a_400_saying_where_sections_are_listed(items: dict[str, Commitment]) -> None:
    body = errors(LIST + "?section=XX.9")

    assert body == {"section": [UNKNOWN_SECTION.format(value="XX.9")]}
    assert "/api/v1/documents/{slug}/" in body["section"][0]


def test_a_section_of_another_document_is_a_400_naming_the_documents_that_have_it(
    items: dict[str, Commitment],
) -> None:
    body = errors(LIST + "?document=plan2030&section=II.4")

    assert body == {
        "section": [SECTION_NOT_IN_DOCUMENT.format(document="plan2030", value="II.4", known="csp2021")]
    }
    assert body["section"] == [
        "plan2030 has no section 'II.4' (it is in csp2021); see /api/v1/documents/plan2030/."
    ]


def test_every_unknown_value_is_reported_at_once(items: dict[str, Commitment]) -> None:
    body = errors(LIST + "?document=nope&sector=nope&owner=nobody&section=XX.9&status=done&priority=top")

    assert set(body) == {"document", "sector", "owner", "section", "status", "priority"}
    assert body["status"] == [
        UNKNOWN_STATUS.format(
            value="done",
            known="unassessed, not_started, in_progress, stalled, partially_achieved, achieved, not_achieved",
        )
    ]
    assert body["priority"] == [UNKNOWN_PRIORITY.format(value="top", known="low, normal, high")]


def test_known_values_still_filter(items: dict[str, Commitment]) -> None:
    response = APIClient().get(LIST + "?document=csp2021&section=II.4&sector=deep-space-exploration")

    assert response.status_code == 200
    assert {item["reference"] for item in response.json()["results"]} == {
        items["moon"].reference,
        items["mars"].reference,
    }


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("?document=nope", "document", UNKNOWN_DOCUMENT.format(value="nope", known="csp2021, plan2030")),
        ("?reviewer=nobody", "reviewer", UNKNOWN_REVIEWER.format(value="nobody")),
        ("?commitment=NOPE-1", "commitment", UNKNOWN_COMMITMENT.format(value="NOPE-1")),
    ],
)
def test_the_reviews_feed_refuses_unknown_values(
    items: dict[str, Commitment], query: str, parameter: str, message: str
) -> None:
    assert errors("/api/v1/reviews/" + query) == {parameter: [message]}


def test_the_reviews_feed_refuses_an_unknown_sector(items: dict[str, Commitment]) -> None:
    body = errors("/api/v1/reviews/?sector=nope")

    assert list(body) == ["sector"]
    assert body["sector"][0].startswith("Unknown sector 'nope'. Sectors: ")


def test_the_evidence_list_refuses_an_unknown_commitment(items: dict[str, Commitment]) -> None:
    assert errors("/api/v1/evidence/?commitment=NOPE-1") == {
        "commitment": [UNKNOWN_COMMITMENT.format(value="NOPE-1")]
    }
    assert APIClient().get(f"/api/v1/evidence/?commitment={items['moon'].reference}").status_code == 200


def test_the_timeline_refuses_an_unknown_sector(items: dict[str, Commitment]) -> None:
    body = errors("/api/v1/reports/timeline/?sector=nope")

    assert list(body) == ["sector"]
    assert body["sector"][0].startswith("Unknown sector 'nope'. Sectors: space-transportation, ")
    assert APIClient().get("/api/v1/reports/timeline/?sector=space-science").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "?sector=100%25",
        "?document=50%25s",
        "?owner=%25d",
        "?section=%25(x)s",
        "?status=%25",
        "?q=a&priority=%25",
    ],
)
def test_a_percent_sign_in_an_unknown_value_is_quoted_not_interpreted(
    items: dict[str, Commitment], query: str
) -> None:
    for url in (LIST + query, LIST + query + "&format=csv"):
        response = APIClient().get(url)
        assert response.status_code == 400, url
    assert "%" in str(errors(LIST + query))


def test_the_pages_form_shows_the_same_errors_as_form_errors(items: dict[str, Commitment]) -> None:
    filterset = CommitmentFilterSet(
        QueryDict("document=nope&sector=nope&owner=nobody&section=XX.9"),
        queryset=Commitment.objects.for_list(),
    )

    assert not filterset.is_valid()
    assert set(filterset.form.errors) == {"document", "sector", "owner", "section"}
    assert filterset.form.errors["document"] == [
        UNKNOWN_DOCUMENT.format(value="nope", known="csp2021, plan2030")
    ]


def test_the_other_filtersets_validate_as_forms_too(items: dict[str, Commitment]) -> None:
    reviews = ReviewFilterSet(QueryDict("reviewer=nobody"), queryset=Review.objects.all())
    evidence = EvidenceFilterSet(QueryDict("commitment=NOPE-1"), queryset=Evidence.objects.all())

    assert set(reviews.form.errors) == {"reviewer"}
    assert set(evidence.form.errors) == {"commitment"}


@pytest.mark.parametrize(
    ("filterset", "model"),
    [(CommitmentFilterSet, Commitment), (EvidenceFilterSet, Evidence), (ReviewFilterSet, Review)],
)
def test_a_filter_set_given_no_values_leaves_the_list_as_it_is(filterset: type, model: type[Any]) -> None:
    # The API's filter backend skips the filter set when no parameter names a filter: this is why it may.
    listed = model.objects.order_by("pk")
    unfiltered = filterset(data=QueryDict("page_size=5&mode=cursor&format=json"), queryset=listed)

    assert unfiltered.is_valid()
    assert str(unfiltered.qs.query) == str(listed.query)


def test_a_list_with_only_paging_parameters_is_the_whole_list_in_its_order(
    items: dict[str, Commitment],
) -> None:
    everything = [c.reference for c in Commitment.objects.order_by("document_id", "start_offset", "id")]

    paged = APIClient().get(LIST, {"mode": "cursor", "page_size": "100"}).json()["results"]

    assert [row["reference"] for row in paged] == everything
