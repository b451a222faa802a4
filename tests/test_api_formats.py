"""`?format=` names a format the endpoint offers, or the answer is 406 listing those it does; CSV exists
only where the data is flat (the commitment list and the progress report)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from commitments.models import Commitment
from tests.api_helpers import catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def items() -> dict[str, Commitment]:
    return catalogue()


@pytest.mark.parametrize(
    ("url", "offered"),
    [
        ("/api/v1/commitments/", "json, api, csv"),
        ("/api/v1/reports/progress/", "json, api, csv"),
        ("/api/v1/commitments/CSP2021-II.4-02/", "json, api"),
        ("/api/v1/commitments/CSP2021-II.4-02/reviews/", "json, api"),
        ("/api/v1/reviews/", "json, api"),
        ("/api/v1/evidence/", "json, api"),
        ("/api/v1/documents/", "json, api"),
        ("/api/v1/sectors/", "json, api"),
        ("/api/v1/reports/timeline/", "json, api"),
    ],
)
@pytest.mark.parametrize("format_", ["xml", ""])
def test_an_unknown_or_empty_format_is_406_listing_the_formats_offered(
    items: dict[str, Commitment], url: str, offered: str, format_: str
) -> None:
    response = APIClient().get(url, {"format": format_})

    assert response.status_code == 406
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"Unknown format {format_!r}. This endpoint offers: {offered}."}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/commitments/CSP2021-II.4-02/",
        "/api/v1/commitments/CSP2021-II.4-02/reviews/",
        "/api/v1/reviews/",
        "/api/v1/evidence/",
        "/api/v1/documents/",
        "/api/v1/sectors/",
        "/api/v1/reports/timeline/",
    ],
)
def test_nested_data_has_no_csv(items: dict[str, Commitment], url: str) -> None:
    assert APIClient().get(url, {"format": "csv"}).status_code == 406
    assert APIClient().get(url, HTTP_ACCEPT="text/csv").status_code == 406


@pytest.mark.parametrize("url", ["/api/v1/commitments/", "/api/v1/reports/progress/"])
def test_flat_data_has_csv(items: dict[str, Commitment], url: str) -> None:
    response = APIClient().get(url, {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_an_unacceptable_accept_header_is_406_listing_the_media_types(items: dict[str, Commitment]) -> None:
    response = APIClient().get("/api/v1/sectors/", HTTP_ACCEPT="application/xml")

    assert response.status_code == 406
    assert response.json() == {
        "detail": "Cannot answer in application/xml. This endpoint offers: application/json, text/html."
    }


def test_an_error_on_a_csv_request_is_readable_csv(items: dict[str, Commitment]) -> None:
    response = APIClient().get("/api/v1/commitments/", {"format": "csv", "status": "done"})

    assert response.status_code == 400
    assert response.content.decode().splitlines() == [
        "field,message",
        "status,\"Unknown status 'done'. Statuses: unassessed, not_started, in_progress, stalled, "
        'partially_achieved, achieved, not_achieved."',
    ]


@pytest.mark.parametrize("method", ["put", "delete", "trace"])
def test_a_method_the_endpoint_does_not_offer_is_405_whatever_the_format(
    items: dict[str, Commitment], method: str
) -> None:
    response = APIClient().generic(method.upper(), "/api/v1/commitments/?format=csv")

    assert response.status_code == 405
