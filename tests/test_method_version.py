"""The assessment method carries a version (settings.TRACKER_METHOD_VERSION, docs/method.md): every review
records the version in force when it was written and keeps it, so a later change of method never silently
reinterprets old reviews; the API, the public page and the admin show it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from commitments import services
from commitments.choices import FINAL_STATUSES, Status
from commitments.models import Commitment, Review
from tests.api_helpers import at, client_for, review_at, user_in
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

FIRST = "2026.1"
NEXT = "2027.1"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def analyst() -> User:
    return user_in("analyst", username="ana")


@pytest.fixture
def reviewed_twice(analyst: User) -> tuple[Commitment, Review, Review]:
    """A commitment reviewed under the first method, then again after the method changed."""
    commitment = CommitmentFactory.create(reference="M-1")
    first = review_at(at("2025-03-01"), commitment, Status.IN_PROGRESS, analyst, rationale="Under way.")
    with override_settings(TRACKER_METHOD_VERSION=NEXT):
        second = review_at(at("2026-03-01"), commitment, Status.STALLED, analyst, rationale="Slipped.")
    return commitment, first, second


def test_the_first_method_is_2026_1() -> None:
    assert settings.TRACKER_METHOD_VERSION == FIRST


def test_a_review_records_the_version_in_force_and_an_earlier_one_keeps_its_own(
    reviewed_twice: tuple[Commitment, Review, Review],
) -> None:
    _commitment, first, second = reviewed_twice

    assert (first.method_version, second.method_version) == (FIRST, NEXT)
    # Read back from the database, after the method changed again: each keeps the one it was written under.
    with override_settings(TRACKER_METHOD_VERSION="2028.1"):
        stored = dict(Review.objects.values_list("pk", "method_version"))
    assert stored == {first.pk: FIRST, second.pk: NEXT}


def test_every_way_of_writing_a_review_stamps_the_version_read_at_write_time(analyst: User) -> None:
    commitment = CommitmentFactory.create(reference="M-2")
    with override_settings(TRACKER_METHOD_VERSION=NEXT):
        # The admin's bulk action (a confirmation of the status) ...
        client = Client()
        client.force_login(analyst)
        client.post(
            reverse("admin:commitments_commitment_changelist"),
            {"action": "mark_reviewed", "_selected_action": [commitment.pk], "apply": "1", "rationale": ""},
        )
        # ... and the API's review endpoint.
        api = client_for(analyst)
        tag = api.get("/api/v1/commitments/M-2/")["ETag"]
        response = api.post(
            "/api/v1/commitments/M-2/reviews/",
            {"status": Status.IN_PROGRESS, "rationale": "Started."},
            format="json",
            HTTP_IF_MATCH=tag,
        )
    assert response.status_code == 201, response.content
    assert response.json()["method_version"] == NEXT
    assert list(Review.objects.order_by("pk").values_list("method_version", flat=True)) == [NEXT, NEXT]
    # Back under the first method, the service stamps that one again.
    assert services.mark_reviewed(commitment=commitment, reviewer=analyst).method_version == FIRST


def test_the_api_shows_each_reviews_version_in_the_detail_the_history_and_the_feed(
    reviewed_twice: tuple[Commitment, Review, Review],
) -> None:
    client = APIClient()

    detail = client.get("/api/v1/commitments/M-1/").json()
    history = client.get("/api/v1/commitments/M-1/reviews/").json()["results"]
    feed = client.get("/api/v1/reviews/").json()["results"]
    one = client.get(f"/api/v1/reviews/{reviewed_twice[1].pk}/").json()

    assert [review["method_version"] for review in detail["reviews"]] == [FIRST, NEXT]  # oldest first
    assert [review["method_version"] for review in history] == [FIRST, NEXT]
    assert [review["method_version"] for review in feed] == [NEXT, FIRST]  # newest first
    assert one["method_version"] == FIRST


def test_the_schema_describes_the_method_version_as_read_only() -> None:
    schema = Client().get("/api/schema/", {"format": "json"}).json()

    field = schema["components"]["schemas"]["Review"]["properties"]["method_version"]
    assert field["readOnly"] is True
    assert "method" in field["description"]
    assert "method_version" in schema["info"]["description"]


def test_the_public_page_shows_the_method_of_each_review(
    reviewed_twice: tuple[Commitment, Review, Review],
) -> None:
    html = Client().get("/commitments/M-1/").content.decode()

    _commitment, first, second = reviewed_twice
    for review, version in ((first, FIRST), (second, NEXT)):
        entry = re.search(rf'<li id="review-{review.pk}">(.*?)</li>', html, re.S)
        assert entry is not None
        assert f">method {version}</small>" in entry.group(1)


def test_the_admin_shows_the_method_version_of_reviews(
    reviewed_twice: tuple[Commitment, Review, Review], analyst: User
) -> None:
    commitment, first, _second = reviewed_twice
    client = Client()
    client.force_login(analyst)

    ledger = client.get(reverse("admin:commitments_review_changelist")).content.decode()
    one = client.get(reverse("admin:commitments_review_change", args=[first.pk])).content.decode()
    page = client.get(reverse("admin:commitments_commitment_change", args=[commitment.pk])).content.decode()

    assert re.findall(r'<td class="field-method_version">([^<]*)</td>', ledger) == [NEXT, FIRST]
    assert re.search(rf'<div class="readonly">\s*{re.escape(FIRST)}\s*</div>', one)
    history = re.findall(r'<td class="field-method_version">\s*<p>([^<]*)</p>', page)
    assert history == [NEXT, FIRST]  # the change page's history, newest first


def test_the_api_root_says_which_method_is_in_force() -> None:
    method = APIClient().get("/api/v1/").json()["method"]

    assert method["version"] == FIRST
    assert method["statuses"] == Status.values
    assert set(method["final_statuses"]) == set(FINAL_STATUSES)
    assert method["review_interval_days"] == settings.COMMITMENT_REVIEW_INTERVAL_DAYS
    assert (ROOT / method["documentation"]).is_file()


def test_the_api_roots_method_follows_the_settings() -> None:
    intervals = {**settings.COMMITMENT_REVIEW_INTERVAL_DAYS, "in_progress": 60}
    with override_settings(TRACKER_METHOD_VERSION=NEXT, COMMITMENT_REVIEW_INTERVAL_DAYS=intervals):
        method = APIClient().get("/api/v1/").json()["method"]

    assert method["version"] == NEXT
    assert method["review_interval_days"]["in_progress"] == 60


def test_the_method_document_names_the_version_in_force_and_every_status() -> None:
    text = (ROOT / "docs" / "method.md").read_text()

    assert f"| {FIRST} |" in text  # the changelog's row
    assert all(f"`{status}`" in text for status in Status.values)
    assert "TRACKER_METHOD_VERSION" in text
