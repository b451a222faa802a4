"""Twenty reviewers at once, through the API on PostgreSQL (issue 16): on one ETag exactly one review
lands and nineteen get 412; reviewers that retry on 412 all land, none lost, each exactly once; with the
throttle's Redis gone the same holds. After each race the whole table agrees: every commitment's status
is its latest review's (tests/test_status_follows_the_record.py, the database's own rule)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from commitments.models import Commitment, Review
from tests.api_helpers import client_for, user_in
from tests.factories import CommitmentFactory
from tests.test_status_follows_the_record import disagreeing

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REVIEWERS = 20
STATUSES = ["in_progress", "stalled", "partially_achieved", "not_started"]


def all_at_once(work: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in its own thread (its own database connection), released together."""
    start = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work[index]()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def reviewers() -> list[APIClient]:
    return [client_for(user_in("analyst", username=f"reviewer{n}")) for n in range(REVIEWERS)]


def url(commitment: Commitment) -> str:
    return f"/api/v1/commitments/{commitment.reference}/"


def test_on_one_etag_one_review_lands_and_nineteen_get_412() -> None:
    commitment = CommitmentFactory.create()
    clients = reviewers()
    etag = clients[0].get(url(commitment))["ETag"]

    def review(n: int) -> Callable[[], int]:
        return lambda: (
            clients[n]
            .post(
                url(commitment) + "reviews/",
                {"status": STATUSES[n % len(STATUSES)], "rationale": f"Reviewer {n}."},
                format="json",
                HTTP_IF_MATCH=etag,
            )
            .status_code
        )

    statuses = all_at_once([review(n) for n in range(REVIEWERS)])
    assert sorted(statuses) == [201] + [412] * (REVIEWERS - 1)
    assert Review.objects.filter(commitment=commitment).count() == 1
    assert Commitment.objects.get(pk=commitment.pk).version == 2
    assert disagreeing() == []


def retrying_review(client: APIClient, commitment: Commitment, n: int) -> int:
    """Review, and on 412 read the commitment again and retry: what a careful client does."""
    for attempt in range(200):
        etag = client.get(url(commitment))["ETag"]
        response = client.post(
            url(commitment) + "reviews/",
            {"status": STATUSES[n % len(STATUSES)], "rationale": f"Reviewer {n}, attempt {attempt}."},
            format="json",
            HTTP_IF_MATCH=etag,
        )
        if response.status_code == 201:
            return attempt
        assert response.status_code == 412, response.content
    raise AssertionError(f"reviewer {n} never landed")


@pytest.mark.parametrize("throttle_cache", ["locmem", "redis-down"])
def test_twenty_retrying_reviewers_all_land_once_each(throttle_cache: str, settings: Any) -> None:
    if throttle_cache == "redis-down":
        settings.CACHES = {
            **settings.CACHES,
            "throttle": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
                "OPTIONS": {"socket_connect_timeout": 0.2},
            },
        }
    commitment = CommitmentFactory.create()
    clients = reviewers()

    def reviewer(n: int) -> Callable[[], int]:
        return lambda: retrying_review(clients[n], commitment, n)

    all_at_once([reviewer(n) for n in range(REVIEWERS)])

    history = Review.objects.filter(commitment=commitment).order_by("reviewed_at", "pk")
    assert sorted(history.values_list("reviewer__username", flat=True)) == sorted(
        f"reviewer{n}" for n in range(REVIEWERS)
    )
    chain = list(history.values_list("status_before", "status_after"))
    assert all(before == previous[1] for previous, (before, _) in itertools.pairwise(chain))
    stored = Commitment.objects.get(pk=commitment.pk)
    assert stored.version == 1 + REVIEWERS
    assert stored.status == chain[-1][1]
    assert disagreeing() == []
