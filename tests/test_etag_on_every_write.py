"""The ETag (the commitment's version) moves whenever its representation changes, by whatever path —
admin form, admin actions, catalogue pages, API, re-import — and stays put when nothing changed."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from commitments.models import Commitment, Evidence, Section, Sector
from tests.admin_helpers import admin_client, change_url, current_form, evidence_row, new_evidence_row
from tests.api_helpers import client_for, link_sectors, user_in

pytestmark = pytest.mark.django_db

PLAN = """\
A Plan for Rivers: 2026-2030
The Water Office

I. Main Tasks

1. Flood Control

In the next five years, the country will strengthen flood control along the major rivers.

2. Drinking Water

The country will connect every village to safe piped water by 2030.
"""
PROMISE = "The country will connect every village to safe piped water by 2030."
IMPORT_ARGS = [
    "--period-start",
    "2026-01-01",
    "--period-end",
    "2030-12-31",
    "--slug",
    "rivers",
    "--prefix",
    "RIV",
]


@dataclass
class World:
    tmp_path: Path
    commitment: Commitment
    evidence: Evidence
    lead: User
    admin: Client
    api: APIClient

    def reimport(self, text: str, *extra: str) -> None:
        path = self.tmp_path / "plan.txt"
        path.write_text(text, encoding="utf-8")
        call_command("import_document", str(path), *IMPORT_ARGS, *extra, stdout=io.StringIO())

    def etag(self) -> str:
        response = APIClient().get(f"/api/v1/commitments/{self.commitment.reference}/")
        assert response.status_code == 200
        return str(response["ETag"])

    def post_form(self, change: Callable[[dict[str, Any]], Any]) -> None:
        form = current_form(self.admin, self.commitment)
        change(form)
        response = self.admin.post(change_url(self.commitment), form)
        assert response.status_code == 302, response.context["adminform"].form.errors

    def action(self, name: str, **fields: str) -> None:
        response = self.admin.post(
            reverse("admin:commitments_commitment_changelist"),
            {"action": name, ACTION_CHECKBOX_NAME: [self.commitment.pk], "apply": "1", **fields},
        )
        assert response.status_code == 302

    def patch_commitment(self, body: dict[str, Any]) -> None:
        self.api_write("patch", f"/api/v1/commitments/{self.commitment.reference}/", body, if_match=True)

    def api_write(self, method: str, url: str, body: Any = None, *, if_match: bool = False) -> None:
        headers = {"HTTP_IF_MATCH": self.etag()} if if_match else {}
        response = getattr(self.api, method)(url, body, format="json", **headers)
        assert response.status_code < 300, response.content


@pytest.fixture
def world(tmp_path: Path) -> World:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    call_command("import_document", str(path), *IMPORT_ARGS, stdout=io.StringIO())
    commitment = Commitment.objects.get(text=PROMISE)
    link_sectors(commitment, "space-applications")
    evidence = Evidence.objects.create(commitment=commitment, url="https://example.org/a", title="Pipes laid")
    lead = user_in("lead", username="lee")
    return World(tmp_path, commitment, evidence, lead, admin_client(lead), client_for(lead))


def _edit_row(world: World, form: dict[str, Any], **fields: str) -> None:
    row = evidence_row(form, world.evidence)
    form.update({f"{row}-{name}": value for name, value in fields.items()})


WRITES: dict[str, Callable[[World], None]] = {
    # The admin change form: one save, whatever it holds.
    "admin form: review": lambda w: w.post_form(
        lambda form: form.update(new_status="in_progress", rationale="Pipes are being laid.")
    ),
    "admin form: confirming review": lambda w: w.post_form(
        lambda form: form.update(rationale="Still right.")
    ),
    "admin form: priority": lambda w: w.post_form(lambda form: form.update(priority="high")),
    "admin form: owner": lambda w: w.post_form(lambda form: form.update(owner=str(w.lead.pk))),
    "admin form: target date": lambda w: w.post_form(lambda form: form.update(target_date="2029-06-30")),
    "admin form: sectors": lambda w: w.post_form(
        lambda form: form.update(secondary_sectors=[str(Sector.objects.get(slug="governance").pk)])
    ),
    "admin form: evidence added": lambda w: w.post_form(
        lambda form: new_evidence_row(form, url="https://example.org/b", title="Second source")
    ),
    "admin form: evidence corrected": lambda w: w.post_form(
        lambda form: _edit_row(w, form, title="Pipes laid.")
    ),
    "admin form: evidence deleted": lambda w: w.post_form(lambda form: _edit_row(w, form, DELETE="on")),
    # Admin actions on the changelist.
    "admin action: mark reviewed": lambda w: w.action("mark_reviewed", rationale=""),
    "admin action: assign to me": lambda w: w.action("assign_to_me"),
    "admin action: snooze": lambda w: w.action(
        "snooze", until="2099-01-01", reason="Waiting for the census."
    ),
    "admin action: unsnooze": lambda w: w.action("unsnooze"),  # snoozed first: see PREPARE
    # The catalogue: names a commitment shows.
    "admin: evidence page add": lambda w: _admin_page_post(
        w,
        reverse("admin:commitments_evidence_add"),
        {
            "commitment": str(w.commitment.pk),
            "url": "https://example.org/c",
            "title": "Third",
            "kind": "dataset",
            "signal": "progress",
        },
    ),
    "admin: evidence page change": lambda w: _admin_page_post(
        w,
        reverse("admin:commitments_evidence_change", args=[w.evidence.pk]),
        {"url": w.evidence.url, "title": "Renamed", "kind": "news_report", "signal": "setback"},
    ),
    "admin: evidence page delete": lambda w: _admin_page_post(
        w, reverse("admin:commitments_evidence_delete", args=[w.evidence.pk]), {"post": "yes"}
    ),
    "admin: document title": lambda w: _admin_page_post(
        w,
        reverse("admin:commitments_document_change", args=[w.commitment.document_id]),
        {
            "title": "A Plan for Rivers (revised edition)",
            "slug": "rivers",
            "reference_prefix": "RIV",
            "language": "en",
            "period_start": "2026-01-01",
            "period_end": "2030-12-31",
            "full_text": PLAN,
        },
    ),
    "admin: section heading": lambda w: _admin_page_post(
        w,
        reverse("admin:commitments_section_change", args=[w.commitment.section_id]),
        _section_form(w, heading="2. Drinking Water and Sanitation"),
    ),
    "admin: sector renamed": lambda w: _admin_page_post(
        w,
        reverse("admin:commitments_sector_change", args=[Sector.objects.get(slug="space-applications").pk]),
        {"name": "Applications of space", "slug": "space-applications", "position": "10"},
    ),
    # The API.
    "api: review": lambda w: w.api_write(
        "post",
        f"/api/v1/commitments/{w.commitment.reference}/reviews/",
        {"status": "stalled", "rationale": "Budget frozen."},
        if_match=True,
    ),
    "api: curation": lambda w: w.patch_commitment({"priority": "low"}),
    "api: sectors": lambda w: w.patch_commitment({"secondary_sectors": ["governance"]}),
    "api: evidence added": lambda w: w.api_write(
        "post",
        "/api/v1/evidence/",
        {"commitment": w.commitment.reference, "url": "https://example.org/d", "title": "Fourth"},
    ),
    "api: evidence corrected": lambda w: w.api_write(
        "patch", f"/api/v1/evidence/{w.evidence.pk}/", {"excerpt": "200 km of pipes."}
    ),
    "api: evidence deleted": lambda w: w.api_write("delete", f"/api/v1/evidence/{w.evidence.pk}/"),
    # Re-importing the document (the import_document command).
    "import: text revised": lambda w: w.reimport(PLAN.replace("safe piped water", "safe, piped water")),
    "import: moved in the text": lambda w: w.reimport(
        PLAN.replace("2. Drinking Water\n", "2. Drinking Water\n\nWater is life.\n")
    ),
    "import: section renamed": lambda w: w.reimport(
        PLAN.replace("2. Drinking Water", "2. Safe Drinking Water")
    ),
    "import: document retitled": lambda w: w.reimport(PLAN, "--title", "Rivers Plan 2026-2030"),
}


def _admin_page_post(world: World, url: str, data: dict[str, Any]) -> None:
    response = world.admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""


def _section_form(world: World, **changes: str) -> dict[str, str]:
    section = Section.objects.get(commitments=world.commitment)
    values = {
        "document": str(section.document_id),
        "parent": str(section.parent_id or ""),
        "key": section.key,
        "number": section.number,
        "title": section.title,
        "heading": section.heading,
        "level": str(section.level),
        "position": str(section.position),
        "start_offset": str(section.start_offset),
    }
    return {**values, **changes}


# What a write needs in place before the ETag is read.
PREPARE: dict[str, Callable[[World], None]] = {
    "admin action: unsnooze": lambda w: w.action("snooze", until="2099-01-01", reason="Waiting."),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_path_moves_the_etag(world: World, write: str) -> None:
    PREPARE.get(write, lambda w: None)(world)
    before = world.etag()

    WRITES[write](world)

    assert world.etag() != before


NO_OPS: dict[str, Callable[[World], None]] = {
    "admin form saved unchanged": lambda w: w.post_form(lambda form: None),
    "api patch with the current values": lambda w: w.patch_commitment(
        {"priority": "normal", "primary_sector": "space-applications"}
    ),
    "api evidence patch with the current values": lambda w: w.api_write(
        "patch", f"/api/v1/evidence/{w.evidence.pk}/", {"title": w.evidence.title}
    ),
    "the same file imported again": lambda w: w.reimport(PLAN),
    "admin: sector saved unchanged": lambda w: _admin_page_post(
        w,
        reverse("admin:commitments_sector_change", args=[Sector.objects.get(slug="space-applications").pk]),
        {
            "name": Sector.objects.get(slug="space-applications").name,
            "slug": "space-applications",
            "position": str(Sector.objects.get(slug="space-applications").position),
        },
    ),
}


@pytest.mark.parametrize("no_op", list(NO_OPS))
def test_a_save_that_changes_nothing_keeps_the_etag(world: World, no_op: str) -> None:
    before = world.etag()

    NO_OPS[no_op](world)

    assert world.etag() == before
    assert Commitment.objects.get(pk=world.commitment.pk).version == world.commitment.version
