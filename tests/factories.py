"""factory_boy factories for the domain; defaults make a valid, unreviewed commitment."""

from __future__ import annotations

import datetime
import hashlib
from typing import cast

import factory
from django.contrib.auth.models import User

from commitments.models import (
    Commitment,
    CommitmentSector,
    Document,
    Evidence,
    EvidenceSuggestion,
    Review,
    Section,
    Sector,
)

COMMITMENT_TEXT = "In the next five years, the country will do a great many things."
DOCUMENT_TEXT = f"I. Heading\n\n{COMMITMENT_TEXT}\n"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class DocumentFactory(factory.django.DjangoModelFactory[Document]):
    class Meta:
        model = Document

    slug = factory.Sequence(lambda n: f"doc{n}")
    reference_prefix = factory.Sequence(lambda n: f"DOC{n}")
    title = factory.Sequence(lambda n: f"Policy document {n}")
    publisher = "The State Council Information Office"
    published_on = datetime.date(2022, 1, 28)
    period_start = datetime.date(2022, 1, 1)
    period_end = datetime.date(2026, 12, 31)
    full_text = DOCUMENT_TEXT
    content_hash = factory.LazyAttribute(lambda doc: hashlib.sha256(doc.full_text.encode()).hexdigest())


class SectionFactory(factory.django.DjangoModelFactory[Section]):
    class Meta:
        model = Section

    document = factory.SubFactory(DocumentFactory)
    key = factory.Sequence(lambda n: f"S{n}")
    number = "I"
    title = "Heading"
    heading = "I. Heading"
    level = 1
    position = factory.Sequence(lambda n: n)
    start_offset = 0


class CommitmentFactory(factory.django.DjangoModelFactory[Commitment]):
    class Meta:
        model = Commitment
        skip_postgeneration_save = True

    document = factory.SubFactory(DocumentFactory)
    section = None
    reference = factory.Sequence(lambda n: f"DOC-I-{n:03d}")
    text = COMMITMENT_TEXT
    start_offset = DOCUMENT_TEXT.index(COMMITMENT_TEXT)
    end_offset = DOCUMENT_TEXT.index(COMMITMENT_TEXT) + len(COMMITMENT_TEXT)
    target_date = factory.LazyAttribute(lambda c: c.document.period_end)

    @factory.post_generation
    def primary_sector(self, create: bool, slug: str | None, **kwargs: object) -> None:
        if create and slug:
            commitment = cast(Commitment, self)  # post-generation hooks receive the model instance
            CommitmentSector.objects.create(
                commitment=commitment, sector=Sector.objects.get(slug=slug), is_primary=True
            )


class EvidenceFactory(factory.django.DjangoModelFactory[Evidence]):
    class Meta:
        model = Evidence

    commitment = factory.SubFactory(CommitmentFactory)
    url = factory.Sequence(lambda n: f"https://news.example.org/story/{n}")
    title = factory.Sequence(lambda n: f"Report {n}")
    publisher = "Example News"
    published_on = datetime.date(2024, 6, 25)


class EvidenceSuggestionFactory(factory.django.DjangoModelFactory[EvidenceSuggestion]):
    """A visitor's pending suggestion (services.submit_suggestion files them from the public page)."""

    class Meta:
        model = EvidenceSuggestion

    commitment = factory.SubFactory(CommitmentFactory)
    url = factory.Sequence(lambda n: f"https://reader.example.net/item/{n}")
    note = "It reports the launch."
    email = "reader@example.net"


def reviewed_into(commitments: list[Commitment], status: str, at: datetime.datetime) -> None:
    """Give commitments written with a `status` other than unassessed (bulk-made, or updated in place)
    the review that status comes from, at `at`: PostgreSQL refuses a status its history does not
    explain (migration 0015), when the test's transaction checks its constraints."""
    if status == "unassessed":
        return
    reviewer = UserFactory.create(username="historian")
    Review.objects.bulk_create(
        Review(
            commitment=commitment,
            reviewer=reviewer,
            reviewed_at=at,
            status_before="unassessed",
            status_after=status,
            rationale="Reviewed before the test.",
        )
        for commitment in commitments
    )
