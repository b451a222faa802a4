"""Shared helpers for API tests: clients by role, a small catalogue, and review history at set times."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.test import APIClient

from commitments import services
from commitments.models import ApiToken, Commitment, CommitmentSector, Review, Section, Sector
from tests.factories import CommitmentFactory, DocumentFactory, UserFactory


def user_in(*groups: str, username: str) -> User:
    user = UserFactory.create(username=username, is_staff=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def token_for(user: User, *, write: bool = True, **fields: Any) -> str:
    token = ApiToken(user=user, name="tests", write_enabled=write, **fields)
    key = token.issue_key()
    token.save()
    return key


def client_for(user: User | None, *, write: bool = True) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user, write=write)}")
    return client


def link_sectors(commitment: Commitment, primary: str, *secondary: str) -> None:
    CommitmentSector.objects.create(
        commitment=commitment, sector=Sector.objects.get(slug=primary), is_primary=True
    )
    for slug in secondary:
        CommitmentSector.objects.create(commitment=commitment, sector=Sector.objects.get(slug=slug))


def catalogue() -> dict[str, Commitment]:
    """Two documents, a section tree and five commitments with distinct sectors, owners and dates."""
    doc = DocumentFactory.create(slug="csp2021", reference_prefix="CSP2021")
    other = DocumentFactory.create(slug="plan2030", reference_prefix="PLAN")
    top = Section.objects.create(
        document=doc,
        key="II",
        number="II",
        title="Tech",
        heading="II. Tech",
        level=1,
        position=0,
        start_offset=0,
    )
    deep = Section.objects.create(
        document=doc,
        key="II.4",
        number="4",
        title="Deep",
        heading="4. Deep Space",
        level=2,
        position=1,
        start_offset=0,
        parent=top,
    )
    nav = Section.objects.create(
        document=doc,
        key="II.2",
        number="2",
        title="Infra",
        heading="2. Infra",
        level=2,
        position=2,
        start_offset=0,
        parent=top,
    )
    analyst = User.objects.filter(username="ana").first() or user_in("analyst", username="ana")
    items = {
        "moon": CommitmentFactory.create(
            document=doc,
            section=deep,
            reference="CSP2021-II.4-02",
            text="Launch the Chang'e-6 lunar probe",
            owner=analyst,
            target_date=datetime.date(2024, 6, 30),
        ),
        "mars": CommitmentFactory.create(
            document=doc,
            section=deep,
            reference="CSP2021-II.4-06",
            text="Complete research on Mars sampling",
            target_date=datetime.date(2026, 12, 31),
            priority="high",
        ),
        "beidou": CommitmentFactory.create(
            document=doc,
            section=nav,
            reference="CSP2021-II.2-05",
            text="Improve BeiDou services worldwide",
        ),
        "coop": CommitmentFactory.create(
            document=doc,
            section=top,
            reference="CSP2021-II-01",
            text="Cooperate on BeiDou with Arab states",
        ),
        "water": CommitmentFactory.create(
            document=other, reference="PLAN-1-01", text="Build water satellites"
        ),
    }
    link_sectors(items["moon"], "deep-space-exploration")
    link_sectors(items["mars"], "deep-space-exploration", "space-science")
    link_sectors(items["beidou"], "satellite-navigation")
    link_sectors(items["coop"], "international-cooperation", "satellite-navigation")
    link_sectors(items["water"], "earth-observation")
    return items


def review_at(
    moment: datetime.datetime,
    commitment: Commitment,
    status: str,
    reviewer: User | None = None,
    rationale: str = "ok",
) -> Review:
    """Record a review through the service as if it happened at `moment`."""
    with mock.patch("commitments.services.timezone.now", return_value=moment):
        return services.record_review(
            commitment=commitment.pk,
            reviewer=reviewer or UserFactory.create(username="historian"),
            status=status,
            rationale=rationale,
        )


def at(day: str, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(day).replace(hour=hour))
