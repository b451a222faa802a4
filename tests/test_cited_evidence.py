"""Evidence a review cites is part of the record: frozen at every surface (service, API, admin, SQL);
citations are append-only. Uncited evidence stays editable and deletable."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from commitments import services
from commitments.exceptions import AppendOnlyError, CitedEvidenceIsFrozenError
from commitments.models import Commitment, Evidence, ReviewCitation
from tests.admin_helpers import admin_client, change_url, current_form, evidence_row
from tests.api_helpers import client_for, user_in
from tests.factories import CommitmentFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cited() -> Evidence:
    evidence = EvidenceFactory.create(title="Launch confirmed", url="https://news.example.org/launch")
    services.record_review(
        commitment=evidence.commitment,
        reviewer=UserFactory.create(username="reviewer"),
        status="achieved",
        rationale="Launched.",
        evidence=[evidence],
    )
    return evidence


def stored(evidence: Evidence) -> tuple[Any, ...]:
    return tuple(
        Evidence.objects.filter(pk=evidence.pk).values_list("url", "title", "excerpt", "commitment_id").get()
    )


# --- The service ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [{"title": "Launch postponed"}, {"url": "https://other.example.org/"}, {"excerpt": "New words."}],
)
def test_the_service_refuses_to_change_cited_evidence(cited: Evidence, change: dict[str, str]) -> None:
    before, version = stored(cited), Commitment.objects.get().version
    for name, value in change.items():
        setattr(cited, name, value)

    with pytest.raises(CitedEvidenceIsFrozenError, match="Launch confirmed"):
        services.save_evidence(evidence=cited, actor=UserFactory.create())

    assert stored(cited) == before
    assert Commitment.objects.get().version == version


def test_the_service_refuses_to_delete_cited_evidence(cited: Evidence) -> None:
    with pytest.raises(CitedEvidenceIsFrozenError):
        services.delete_evidence(evidence=cited, actor=UserFactory.create())
    assert Evidence.objects.filter(pk=cited.pk).exists()


def test_evidence_never_moves_to_another_commitment() -> None:
    evidence = EvidenceFactory.create()
    other = CommitmentFactory.create()
    evidence.commitment = other

    with pytest.raises(ValidationError) as refused:
        services.save_evidence(evidence=evidence, actor=UserFactory.create())

    assert refused.value.message_dict == {"commitment": [services.EVIDENCE_STAYS]}
    assert Evidence.objects.get().commitment_id != other.pk


def test_uncited_evidence_can_be_corrected_and_deleted() -> None:
    evidence = EvidenceFactory.create(title="Typo")
    evidence.title = "Fixed"
    services.save_evidence(evidence=evidence, actor=UserFactory.create())
    assert Evidence.objects.get().title == "Fixed"

    services.delete_evidence(evidence=evidence, actor=UserFactory.create())
    assert not Evidence.objects.exists()


def test_a_correction_is_new_evidence_cited_by_a_new_review(cited: Evidence) -> None:
    correction = services.save_evidence(
        evidence=Evidence(
            commitment=cited.commitment, url="https://news.example.org/fix", title="Correction"
        ),
        actor=UserFactory.create(),
    )
    review = services.record_review(
        commitment=cited.commitment,
        reviewer=UserFactory.create(),
        status="partially_achieved",
        rationale="The launch carried half the payload.",
        evidence=[correction],
    )
    assert [item.title for item in review.evidence.all()] == ["Correction"]
    assert stored(cited)[1] == "Launch confirmed"


def test_citations_are_append_only(cited: Evidence) -> None:
    citation = ReviewCitation.objects.get()
    with pytest.raises(AppendOnlyError):
        citation.save()
    with pytest.raises(AppendOnlyError):
        citation.delete()
    with pytest.raises(AppendOnlyError):
        ReviewCitation.objects.update(evidence=cited)
    with pytest.raises(AppendOnlyError):
        ReviewCitation.objects.all().delete()
    assert ReviewCitation.objects.count() == 1


# --- The API -------------------------------------------------------------------------------


@pytest.fixture
def lead_api() -> Any:
    return client_for(user_in("lead", username="lee"))


def test_the_api_says_which_evidence_is_cited(cited: Evidence) -> None:
    uncited = EvidenceFactory.create(commitment=cited.commitment)
    listed = client_for(None).get(f"/api/v1/evidence/?commitment={cited.commitment.reference}").json()
    detail = client_for(None).get(f"/api/v1/commitments/{cited.commitment.reference}/").json()

    assert {item["id"]: item["cited"] for item in listed["results"]} == {cited.pk: True, uncited.pk: False}
    assert {item["id"]: item["cited"] for item in detail["evidence"]} == {cited.pk: True, uncited.pk: False}


def test_api_patch_of_cited_evidence_is_a_409_that_says_why(cited: Evidence, lead_api: Any) -> None:
    response = lead_api.patch(f"/api/v1/evidence/{cited.pk}/", {"title": "Rewritten"}, format="json")

    assert response.status_code == 409
    assert "cited by a review" in response.json()["detail"]
    assert stored(cited)[1] == "Launch confirmed"


def test_api_delete_of_cited_evidence_is_a_409(cited: Evidence, lead_api: Any) -> None:
    response = lead_api.delete(f"/api/v1/evidence/{cited.pk}/")

    assert response.status_code == 409
    assert Evidence.objects.filter(pk=cited.pk).exists()


def test_api_deletes_uncited_evidence(lead_api: Any) -> None:
    evidence = EvidenceFactory.create()
    assert lead_api.delete(f"/api/v1/evidence/{evidence.pk}/").status_code == 204
    assert not Evidence.objects.exists()


def test_an_analyst_may_not_delete_evidence_over_the_api() -> None:
    evidence = EvidenceFactory.create()
    response = client_for(user_in("analyst", username="ana")).delete(f"/api/v1/evidence/{evidence.pk}/")
    assert response.status_code == 403
    assert Evidence.objects.exists()


def test_api_refuses_to_move_evidence_to_another_commitment(lead_api: Any) -> None:
    evidence = EvidenceFactory.create()
    other = CommitmentFactory.create(reference="OTHER-1")
    response = lead_api.patch(
        f"/api/v1/evidence/{evidence.pk}/", {"commitment": other.reference}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"commitment": [services.EVIDENCE_STAYS]}


# --- The admin -----------------------------------------------------------------------------


def test_the_inline_shows_cited_evidence_read_only_with_the_reason(cited: Evidence) -> None:
    client = admin_client(user_in("lead", username="lee"))
    page = client.get(change_url(cited.commitment)).content.decode()
    form = current_form(client, cited.commitment)
    row = evidence_row(form, cited)

    assert "Cited by a review: part of the record" in page
    # Disabled inputs are not submitted by a browser: the form data has none of them.
    assert f"{row}-title" not in form
    assert f"{row}-DELETE" not in form


def test_a_forged_inline_edit_or_delete_of_cited_evidence_changes_nothing(cited: Evidence) -> None:
    client = admin_client(user_in("lead", username="lee"))
    form = current_form(client, cited.commitment)
    row = evidence_row(form, cited)
    form.update({f"{row}-title": "Forged", f"{row}-url": "https://evil.example.org/", f"{row}-DELETE": "on"})

    client.post(change_url(cited.commitment), form)

    assert stored(cited)[:2] == ("https://news.example.org/launch", "Launch confirmed")


def test_the_evidence_page_of_cited_evidence_is_read_only_and_cannot_delete(cited: Evidence) -> None:
    client = admin_client(user_in("lead", username="lee"))
    url = reverse("admin:commitments_evidence_change", args=[cited.pk])

    page = client.get(url).content.decode()
    client.post(
        url, {"url": "https://evil.example.org/", "title": "Forged", "kind": "dataset", "signal": "setback"}
    )
    delete = client.post(reverse("admin:commitments_evidence_delete", args=[cited.pk]), {"post": "yes"})

    assert 'name="title"' not in page
    assert "Cited by a review" in page
    assert delete.status_code == 403
    assert stored(cited)[:2] == ("https://news.example.org/launch", "Launch confirmed")


def test_uncited_evidence_cannot_move_on_its_admin_page() -> None:
    evidence = EvidenceFactory.create()
    other = CommitmentFactory.create()
    client = admin_client(user_in("lead", username="lee"))

    client.post(
        reverse("admin:commitments_evidence_change", args=[evidence.pk]),
        {
            "commitment": str(other.pk),
            "url": evidence.url,
            "title": "x",
            "kind": "dataset",
            "signal": "progress",
        },
    )

    evidence.refresh_from_db()
    assert (evidence.commitment_id, evidence.title) != (other.pk, "x")
    assert evidence.commitment_id != other.pk


# --- SQL, as the app connects ------------------------------------------------------------


def refused_sql(sql: str, *params: Any) -> bool:
    """Run `sql` on the app's own connection; True if the database refused it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.mark.postgres
def test_sql_cannot_change_or_delete_cited_evidence(cited: Evidence) -> None:
    other = CommitmentFactory.create()
    assert refused_sql("UPDATE commitments_evidence SET title = 'Forged' WHERE id = %s", cited.pk)
    assert refused_sql(
        "UPDATE commitments_evidence SET url = 'https://evil.example.org/' WHERE id = %s", cited.pk
    )
    assert refused_sql("UPDATE commitments_evidence SET commitment_id = %s WHERE id = %s", other.pk, cited.pk)
    assert refused_sql("DELETE FROM commitments_evidence WHERE id = %s", cited.pk)
    assert stored(cited)[:2] == ("https://news.example.org/launch", "Launch confirmed")


@pytest.mark.postgres
def test_sql_can_still_correct_uncited_evidence() -> None:
    evidence = EvidenceFactory.create()
    assert not refused_sql("UPDATE commitments_evidence SET title = 'Fixed' WHERE id = %s", evidence.pk)


@pytest.mark.postgres
def test_sql_cannot_change_or_delete_a_citation(cited: Evidence) -> None:
    other = EvidenceFactory.create(commitment=cited.commitment)
    assert refused_sql("UPDATE commitments_reviewcitation SET evidence_id = %s", other.pk)
    assert refused_sql("DELETE FROM commitments_reviewcitation")
    assert list(ReviewCitation.objects.values_list("evidence_id", flat=True)) == [cited.pk]
