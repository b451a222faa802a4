"""The filter form explains itself: a label and help text on every field, choices a person can pick from,
several values either comma-separated or repeated, date inputs; the browsable API and the public pages
draw the same form."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from rest_framework.test import APIClient

from commitments.choices import Status
from commitments.filters import CommitmentFilterSet, EvidenceFilterSet, ReviewFilterSet
from commitments.models import Commitment
from tests.api_helpers import at, catalogue, review_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"
PAGE_FIELDS = [
    "document",
    "sector",
    "section",
    "status",
    "owner",
    "priority",
    "stale",
    "overdue",
    "due_before",
    "due_after",
    "reviewed_before",
    "reviewed_after",
    "q",
    "ordering",
]


@pytest.fixture
def items() -> dict[str, Commitment]:
    items = catalogue()
    review_at(at("2024-01-10"), items["moon"], Status.IN_PROGRESS)
    review_at(at("2024-02-10"), items["beidou"], Status.STALLED)
    return items


def refs(query: str) -> set[str]:
    response = APIClient().get(LIST + query)
    assert response.status_code == 200, response.content
    return {item["reference"] for item in response.json()["results"]}


def form_html(query: str = "") -> str:
    filterset = CommitmentFilterSet(QueryDict(query), queryset=Commitment.objects.for_list())
    return str(filterset.form)


def test_the_pages_form_has_exactly_the_agreed_field_names() -> None:
    assert list(CommitmentFilterSet().form.fields) == PAGE_FIELDS


@pytest.mark.parametrize("filterset", [CommitmentFilterSet, ReviewFilterSet, EvidenceFilterSet])
def test_every_filter_has_a_human_label_and_help_text(filterset: type) -> None:
    for name, field in filterset().form.fields.items():
        assert field.label, name
        assert "[invalid name]" not in str(field.label), name
        assert field.help_text, name
        # Django's form templates draw help text unescaped: a < or & would be read as markup.
        assert not {"<", "&"} & set(str(field.help_text)), name


@pytest.mark.parametrize("query", ["?status=in_progress,stalled", "?status=in_progress&status=stalled"])
def test_status_takes_several_values_comma_separated_or_repeated(
    items: dict[str, Commitment], query: str
) -> None:
    assert refs(query) == {items["moon"].reference, items["beidou"].reference}


def test_one_unknown_status_among_known_ones_is_still_a_400(items: dict[str, Commitment]) -> None:
    response = APIClient().get(LIST + "?status=in_progress,stalled&status=done")

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_sector_takes_several_values_comma_separated_or_repeated(items: dict[str, Commitment]) -> None:
    wanted = {items["mars"].reference, items["water"].reference}

    assert refs("?sector=space-science,earth-observation") == wanted
    assert refs("?sector=space-science&sector=earth-observation") == wanted


def test_the_reviews_feed_takes_status_lists_in_both_forms(items: dict[str, Commitment]) -> None:
    review_at(at("2024-03-10"), items["mars"], Status.NOT_STARTED, UserFactory.create(username="rev"))

    def feed(query: str) -> set[str]:
        response = APIClient().get("/api/v1/reviews/" + query)
        assert response.status_code == 200, response.content
        return {review["commitment"] for review in response.json()["results"]}

    expected = {items["beidou"].reference, items["mars"].reference}
    assert feed("?status_after=stalled,not_started") == expected
    assert feed("?status_after=stalled&status_after=not_started") == expected
    assert feed("?status_before=unassessed&status_after=in_progress") == {items["moon"].reference}


def test_several_values_render_as_checkboxes_or_a_multiple_select(items: dict[str, Commitment]) -> None:
    html = form_html("status=stalled&status=achieved&sector=space-science,governance")

    statuses = re.findall(r'<input type="checkbox" name="status" value="(\w+)"[^>]*>', html)
    assert statuses == list(Status.values)
    assert re.search(r'<input type="checkbox" name="status" value="stalled"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="status" value="achieved"[^>]*checked', html)
    assert re.search(r'<select name="sector"[^>]* multiple>', html)
    assert re.findall(r'<option value="([-a-z]+)" selected>', html) == ["space-science", "governance"]


def test_sectors_are_indented_under_their_parent(items: dict[str, Commitment]) -> None:
    choices = list(CommitmentFilterSet().form.fields["sector"].choices)

    labels = dict(choices)
    assert labels["space-infrastructure"] == "Space infrastructure"
    assert labels["satellite-navigation"] == "\u2003Satellite navigation"
    slugs = [slug for slug, _label in choices]
    assert slugs.index("space-infrastructure") < slugs.index("satellite-navigation")


def test_document_and_owner_render_as_choices_and_dates_as_date_inputs(items: dict[str, Commitment]) -> None:
    html = form_html()

    assert re.search(r'<select name="document"[^>]*>\s*<option value="" selected>Any document</option>', html)
    assert re.search(r'<option value="csp2021">[^<]+</option>', html)
    owners = re.search(r'<select name="owner".*?</select>', html, re.DOTALL)
    assert owners is not None
    assert re.findall(r'<option value="([^"]*)"', owners.group()) == ["", "none", "ana"]
    for name in ("due_before", "due_after", "reviewed_before", "reviewed_after"):
        assert re.search(rf'<input type="date" name="{name}"', html), name


def test_an_empty_form_field_means_any_on_the_pages(items: dict[str, Commitment]) -> None:
    empty = "&".join(f"{name}=" for name in PAGE_FIELDS)
    filterset = CommitmentFilterSet(QueryDict(empty), queryset=Commitment.objects.for_list())

    assert filterset.is_valid(), filterset.form.errors
    assert filterset.qs.count() == 5


def test_the_api_still_refuses_an_empty_parameter(items: dict[str, Commitment]) -> None:
    response = APIClient().get(LIST + "?status=&document=")

    assert response.status_code == 400
    assert response.json() == {
        "document": ["Must not be empty: leave the parameter out."],
        "status": ["Must not be empty: leave the parameter out."],
    }


def test_the_browsable_api_draws_the_labelled_form(items: dict[str, Commitment]) -> None:
    html = APIClient().get(LIST, HTTP_ACCEPT="text/html").content.decode()

    assert "[invalid name]" not in html
    assert '<label for="id_status_0">Status:</label>' in html or ">Status:</label>" in html
    assert 'type="checkbox" name="status"' in html
    assert re.search(r'<select name="sector"[^>]* multiple>', html)
    assert "Any document" in html
