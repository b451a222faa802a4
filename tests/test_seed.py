"""The 2021 white paper ships loaded, with a curated sector assignment for every commitment."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.importer import parser
from commitments.importer.seed import FIXTURES
from commitments.importer.sources import read_document
from commitments.models import Commitment, CommitmentSector, Document

pytestmark = pytest.mark.django_db

MANIFEST = json.loads((FIXTURES / "china-space-program-2021.json").read_text(encoding="utf-8"))


def test_sector_file_covers_exactly_the_extracted_commitments() -> None:
    text = read_document(FIXTURES / MANIFEST["text"])
    call_command("bootstrap", stdout=io.StringIO())
    references = set(Commitment.objects.values_list("reference", flat=True))
    assert len(references) == len(parser.extract(text).commitments) == 101
    assert set(MANIFEST["sectors"]) == references


def test_bootstrap_loads_the_seed_with_one_primary_sector_each_and_twice_changes_nothing() -> None:
    call_command("bootstrap", stdout=io.StringIO())

    document = Document.objects.get(slug="csp2021")
    assert document.commitments.count() == 101
    assert CommitmentSector.objects.filter(is_primary=True).count() == 101
    chang_e_7 = Commitment.objects.get(reference="CSP2021-II.4-03")
    assert chang_e_7.text.startswith("Launch the Chang'e-7 lunar probe")
    assert chang_e_7.section is not None
    assert chang_e_7.section.heading == "4. Deep Space Exploration"
    beidou = Commitment.objects.get(reference="CSP2021-VI.3.3-03")
    assert sorted(beidou.sector_links.values_list("sector__slug", "is_primary")) == [
        ("international-cooperation", True),
        ("satellite-navigation", False),
    ]

    with CaptureQueriesContext(connection) as queries:
        call_command("bootstrap", stdout=io.StringIO())
    writes = [q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
