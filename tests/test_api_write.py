"""Writing through the API: the permission matrix, If-Match (428/412), reviews, evidence, curation."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from commitments import services
from commitments.choices import Status
from commitments.models import Commitment, Evidence, Review
from tests.api_helpers import client_for, link_sectors, user_in
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment() -> Commitment:
    commitment = CommitmentFactory.create(reference="CSP2021-II.4-03")
    link_sectors(commitment, "deep-space-exploration")
    return commitment


@pytest.fixture
def clients() -> dict[str, APIClient]:
    return {
        "anonymous": client_for(None),
        "nobody": client_for(UserFactory.create(username="nobody")),
        "analyst": client_for(user_in("analyst", username="ana")),
        "lead": client_for(user_in("lead", username="lee")),
    }


def etag(client: APIClient, commitment: Commitment) -> str:
    return client.get(f"/api/v1/commitments/{commitment.reference}/")["ETag"]


def review_body(**extra: Any) -> dict[str, Any]:
    return {"status": "in_progress", "rationale": "Launch campaign started.", **extra}


WRITES = {
    "review": lambda c, commitment, tag: c.post(
        f"/api/v1/commitments/{commitment.reference}/reviews/",
        review_body(),
        format="json",
        HTTP_IF_MATCH=tag,
    ),
    "patch-commitment": lambda c, commitment, tag: c.patch(
        f"/api/v1/commitments/{commitment.reference}/", {"priority": "high"}, format="json", HTTP_IF_MATCH=tag
    ),
    "add-evidence": lambda c, commitment, tag: c.post(
        "/api/v1/evidence/",
        {"commitment": commitment.reference, "url": "https://example.org/a", "title": "A", "kind": "dataset"},
        format="json",
    ),
    "patch-evidence": lambda c, commitment, tag: c.patch(
        f"/api/v1/evidence/{Evidence.objects.get(commitment=commitment).pk}/",
        {"title": "Corrected"},
        format="json",
    ),
}

# role → write → expected status
MATRIX = {
    "anonymous": {"review": 401, "patch-commitment": 401, "add-evidence": 401, "patch-evidence": 401},
    "nobody": {"review": 403, "patch-commitment": 403, "add-evidence": 403, "patch-evidence": 403},
    "analyst": {"review": 201, "patch-commitment": 403, "add-evidence": 201, "patch-evidence": 200},
    "lead": {"review": 201, "patch-commitment": 200, "add-evidence": 201, "patch-evidence": 200},
}


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("write", list(WRITES))
def test_permission_matrix(
    clients: dict[str, APIClient], commitment: Commitment, role: str, write: str
) -> None:
    EvidenceFactory.create(commitment=commitment)
    client = clients[role]
    before = (Review.objects.count(), Evidence.objects.count(), Commitment.objects.get().priority)

    response = WRITES[write](client, commitment, etag(client, commitment))

    assert response.status_code == MATRIX[role][write], response.content
    after = (Review.objects.count(), Evidence.objects.count(), Commitment.objects.get().priority)
    if response.status_code >= 400:
        assert after == before


def test_read_only_token_cannot_write(commitment: Commitment) -> None:
    client = client_for(user_in("lead", username="lee"), write=False)
    response = WRITES["review"](client, commitment, etag(client, commitment))
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert Review.objects.count() == 0


def test_review_without_if_match_is_428_and_writes_nothing(
    clients: dict[str, APIClient], commitment: Commitment
) -> None:
    response = clients["analyst"].post(
        f"/api/v1/commitments/{commitment.reference}/reviews/", review_body(), format="json"
    )
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert Review.objects.count() == 0


@pytest.mark.parametrize("header", ["*", "", '"something-else"'])
def test_if_match_must_name_the_current_version(
    clients: dict[str, APIClient], commitment: Commitment, header: str
) -> None:
    response = clients["analyst"].post(
        f"/api/v1/commitments/{commitment.reference}/reviews/",
        review_body(),
        format="json",
        HTTP_IF_MATCH=header,
    )
    assert response.status_code in {412, 428}
    assert Review.objects.count() == 0


def test_stale_if_match_is_412_with_the_current_version_and_where_to_read_it(
    clients: dict[str, APIClient], commitment: Commitment
) -> None:
    client = clients["analyst"]
    seen = etag(client, commitment)
    services.record_review(
        commitment=commitment.pk,
        reviewer=UserFactory.create(username="colleague"),
        status="stalled",
        rationale="x",
    )

    response = client.post(
        f"/api/v1/commitments/{commitment.reference}/reviews/",
        review_body(),
        format="json",
        HTTP_IF_MATCH=seen,
    )

    assert response.status_code == 412
    body = response.json()
    current_etag = f'"commitment-{commitment.pk}-v2"'
    assert response["ETag"] == current_etag
    # Small whatever the history holds (docs/api.md): the version, not the representation.
    assert body["detail"].startswith("The commitment changed since you read it")
    current = body["current"]
    assert set(current) == {"id", "reference", "url", "version", "etag", "status", "updated_at", "updated_by"}
    assert (current["status"], current["version"], current["etag"]) == ("stalled", 2, current_etag)
    assert current["updated_by"] == "colleague"
    assert current["url"] == f"http://testserver/api/v1/commitments/{commitment.reference}/"
    assert client.get(current["url"])["ETag"] == current_etag
    assert Review.objects.count() == 1
    # The same write with the fresh ETag goes through.
    retry = client.post(
        f"/api/v1/commitments/{commitment.reference}/reviews/",
        review_body(),
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert retry.status_code == 201


def test_version_is_rechecked_under_the_lock(
    clients: dict[str, APIClient], commitment: Commitment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that slips in between the If-Match check and the locked write is caught by the service."""
    client = clients["lead"]
    seen = etag(client, commitment)
    original = services.update_commitment

    def racing(**kwargs: Any) -> Commitment:
        services.assign_owner(
            commitments=[commitment.pk], owner=UserFactory.create(is_staff=True), actor=None
        )
        return original(**kwargs)

    monkeypatch.setattr(services, "update_commitment", racing)
    response = client.patch(
        f"/api/v1/commitments/{commitment.reference}/",
        {"priority": "high"},
        format="json",
        HTTP_IF_MATCH=seen,
    )

    assert response.status_code == 412
    assert Commitment.objects.get().priority == "normal"
    assert response.json()["current"]["version"] == Commitment.objects.get().version == 2


def test_review_round_trip_returns_the_new_etag(
    clients: dict[str, APIClient], commitment: Commitment
) -> None:
    client = clients["analyst"]
    evidence = EvidenceFactory.create(commitment=commitment)
    seen = etag(client, commitment)

    response = client.post(
        f"/api/v1/commitments/{commitment.reference}/reviews/",
        review_body(status="achieved", rationale="Landed.", evidence=[evidence.pk]),
        format="json",
        HTTP_IF_MATCH=seen,
    )

    assert response.status_code == 201
    assert response.json()["status_before"] == "unassessed"
    assert response.json()["evidence"] == [evidence.pk]
    assert response["ETag"] == etag(client, commitment) != seen
    assert Commitment.objects.get().status == Status.ACHIEVED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "achieved", "rationale": "  "}, "rationale"),
        ({"status": "done", "rationale": "x"}, "status"),
        ({"status": "achieved", "rationale": "x", "evidence": [999999]}, "evidence"),
        ({"status": "achieved", "rationale": "x", "evidence": ["abc"]}, "evidence"),
        ({}, "status"),
    ],
)
def test_bad_review_is_a_400_with_field_messages(
    clients: dict[str, APIClient], commitment: Commitment, body: dict[str, Any], field: str
) -> None:
    client = clients["analyst"]
    response = client.post(
        f"/api/v1/commitments/{commitment.reference}/reviews/",
        body,
        format="json",
        HTTP_IF_MATCH=etag(client, commitment),
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Review.objects.count() == 0


def test_reviews_cannot_be_changed_or_deleted(clients: dict[str, APIClient], commitment: Commitment) -> None:
    review = services.record_review(
        commitment=commitment, reviewer=UserFactory.create(), status="stalled", rationale="x"
    )
    client = clients["lead"]
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/reviews/{review.pk}/", {"rationale": "rewritten"}, format="json"
        )
        assert response.status_code == 405
    assert Review.objects.get().rationale == "x"


def test_lead_patches_owner_sectors_and_target_date(
    clients: dict[str, APIClient], commitment: Commitment
) -> None:
    UserFactory.create(username="owner1", is_staff=True)
    client = clients["lead"]
    response = client.patch(
        f"/api/v1/commitments/{commitment.reference}/",
        {
            "owner": "owner1",
            "target_date": "2025-06-30",
            "primary_sector": "international-cooperation",
            "secondary_sectors": ["deep-space-exploration"],
        },
        format="json",
        HTTP_IF_MATCH=etag(client, commitment),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["owner"] == "owner1"
    assert body["target_date"] == "2025-06-30"
    assert [(s["slug"], s["primary"]) for s in body["sectors"]] == [
        ("international-cooperation", True),
        ("deep-space-exploration", False),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"status": "achieved"},
        {"version": 99},
        {"reference": "HIJACK"},
        {"text": "Rewritten promise"},
        {"last_reviewed_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_patch_ignores_fields_that_are_not_curation(
    clients: dict[str, APIClient], commitment: Commitment, body: dict[str, Any]
) -> None:
    client = clients["lead"]
    client.patch(
        f"/api/v1/commitments/{commitment.reference}/",
        body,
        format="json",
        HTTP_IF_MATCH=etag(client, commitment),
    )
    stored = Commitment.objects.get()
    assert (stored.status, stored.reference, stored.last_reviewed_at) == (
        "unassessed",
        "CSP2021-II.4-03",
        None,
    )
    assert stored.text == commitment.text


def test_put_on_a_commitment_is_not_allowed(clients: dict[str, APIClient], commitment: Commitment) -> None:
    response = clients["lead"].put(f"/api/v1/commitments/{commitment.reference}/", {}, format="json")
    assert response.status_code == 405


@pytest.mark.parametrize("who", ["anonymous", "lead"])
def test_put_on_evidence_is_not_allowed_whoever_asks(
    clients: dict[str, APIClient], commitment: Commitment, who: str
) -> None:
    evidence = EvidenceFactory.create(commitment=commitment)

    response = clients[who].put(f"/api/v1/evidence/{evidence.pk}/", {}, format="json")

    assert response.status_code == 405  # not a 401 or 403 that suggests other credentials would do


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>1</script>",
        "ftp://x.org",
        "not a url",
    ],
)
def test_evidence_url_must_be_http(clients: dict[str, APIClient], commitment: Commitment, url: str) -> None:
    response = clients["analyst"].post(
        "/api/v1/evidence/", {"commitment": commitment.reference, "url": url, "title": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()
    assert not Evidence.objects.exists()


def test_adding_evidence_moves_the_commitment_version(
    clients: dict[str, APIClient], commitment: Commitment
) -> None:
    client = clients["analyst"]
    seen = etag(client, commitment)
    response = client.post(
        "/api/v1/evidence/",
        {"commitment": commitment.reference, "url": "https://example.org/b", "title": "B"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["added_by"] == "ana"
    assert etag(client, commitment) != seen


def test_evidence_cannot_move_to_another_commitment(
    clients: dict[str, APIClient], commitment: Commitment
) -> None:
    evidence = EvidenceFactory.create(commitment=commitment)
    other = CommitmentFactory.create(reference="OTHER-1")
    response = clients["lead"].patch(
        f"/api/v1/evidence/{evidence.pk}/", {"commitment": other.reference}, format="json"
    )
    assert response.status_code == 400
    assert Evidence.objects.get().commitment == commitment


@pytest.mark.parametrize("fields", [{"is_staff": False}, {"is_staff": True, "is_active": False}])
def test_only_an_active_staff_account_can_own_a_commitment(
    commitment: Commitment, fields: dict[str, bool]
) -> None:
    visitor = UserFactory.create(username="visitor", **fields)
    client = client_for(user_in("lead", username="lee"))
    url = f"/api/v1/commitments/{commitment.reference}/"
    response = client.patch(url, {"owner": "visitor"}, format="json", HTTP_IF_MATCH=client.get(url)["ETag"])
    assert response.status_code == 400
    assert "owner" in response.json()
    with pytest.raises(ValidationError, match="staff"):
        services.assign_owner(commitments=[commitment.pk], owner=visitor, actor=None)
    assert Commitment.objects.get(pk=commitment.pk).owner_id is None
