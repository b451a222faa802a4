"""Backup and restore (issue 16): `export_dataset` writes the whole dataset as one JSON document and
`restore_dataset` puts it back into an empty database so that it exports the same again; no password
hash, API token or session ever leaves."""

from __future__ import annotations

import datetime
import io
import json
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from commitments import backup, benchmark_data, services
from commitments.choices import LinkStatus, ReminderState, Status
from commitments.defaults import install_default_sectors, install_groups
from commitments.models import (
    ApiToken,
    Commitment,
    CommitmentSector,
    Document,
    Evidence,
    EvidenceArchive,
    EvidenceLink,
    EvidenceSuggestion,
    Reminder,
    Review,
    ReviewCitation,
    Section,
    Sector,
)
from tests.api_helpers import at, catalogue, review_at, token_for
from tests.factories import CommitmentFactory, DocumentFactory, EvidenceFactory, UserFactory

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
OLD_PASSWORD = "correct horse battery staple"  # UserFactory's

# A restore resets the id sequences: the owner's work, as in production (docs/reliability.md).
pytestmark = pytest.mark.usefixtures("as_owner")


def _rich_dataset() -> dict[str, Commitment]:
    """A row in every table the export covers, with timestamps in the past and text beyond ASCII."""
    # One generated document: a section tree, 40 commitments, five years of reviews, evidence,
    # citations, snoozes, 500 analysts in the analyst group.
    benchmark_data.generate(40, seed=5, now=NOW)
    items = catalogue()  # two more documents, five commitments, the analyst "ana"
    ana = User.objects.get(username="ana")
    DocumentFactory.create(
        slug="zh2021",
        reference_prefix="ZH2021",
        title="2021中国的航天",
        full_text="一、发展宗旨\n\n“中国航天”将继续——嫦娥六号。\n",
    )
    Document.objects.filter(slug__in=["csp2021", "plan2030", "zh2021"]).update(
        created_at=at("2022-02-01", 9), updated_at=at("2023-03-04", 10)
    )
    lunar = Sector.objects.create(
        slug="lunar-landers",
        name="Lunar landers",
        parent=Sector.objects.get(slug="deep-space-exploration"),
        position=20,
    )
    CommitmentSector.objects.create(commitment=items["moon"], sector=lunar)
    evidence = EvidenceFactory.create(
        commitment=items["moon"], added_by=ana, excerpt="Chang’e-6 landed — 嫦娥六号 returned samples."
    )
    Evidence.objects.filter(pk=evidence.pk).update(created_at=at("2024-06-25", 9))
    with mock.patch("commitments.services.timezone.now", return_value=at("2024-06-26")):
        services.record_review(
            commitment=items["moon"].pk,
            reviewer=ana,
            status=Status.ACHIEVED,
            rationale="Samples returned on 25 June 2024.",
            evidence=[evidence],
        )
    EvidenceLink.objects.create(
        evidence=evidence,
        status=LinkStatus.REDIRECTED,
        http_status=200,
        final_url="https://example.org/chang-e-6",
        redirects=[[301, "https://example.org/chang-e-6"]],
        content_type="text/html",
        checked_at=at("2024-07-01"),
        next_check_at=at("2024-07-08"),
        changed_since_cited=True,
    )
    EvidenceArchive.objects.create(
        evidence=evidence,
        fetched_at=at("2024-07-01"),
        url="https://example.org/chang-e-6",
        content_type="text/html",
        sha256="0" * 64,
        size=120,
        text="嫦娥六号 returned samples.",
    )
    EvidenceSuggestion.objects.create(
        commitment=items["mars"],
        url="https://example.org/tianwen-3",
        note="Tianwen-3 passed its design review.",
        email="reader@example.org",
        submitted_at=at("2025-02-01"),
    )
    review_at(at("2025-01-10"), items["mars"], Status.IN_PROGRESS, reviewer=ana, rationale="Funded.")
    services.snooze_commitment(
        commitment=items["beidou"].pk,
        until=timezone.localdate() + datetime.timedelta(days=30),
        reason="Waiting for the mid-term review.",
        actor=ana,
    )
    auditors = Group.objects.create(name="auditors")
    auditors.permissions.add(Permission.objects.get(codename="view_review"))
    ana.groups.add(auditors)
    ana.user_permissions.add(Permission.objects.get(codename="change_sector"))
    User.objects.filter(pk=ana.pk).update(last_login=at("2025-05-05", 8), first_name="Ana", last_name="Lí")
    UserFactory.create(username="root", is_staff=True, is_superuser=True)
    UserFactory.create(username="gone", is_active=False)
    Reminder.objects.create(
        recipient=ana,
        day=datetime.date(2025, 3, 31),
        state=ReminderState.SENT,
        claimed_at=at("2025-03-31", 7),
        sent_at=at("2025-03-31", 7),
        item_count=2,
        message_id="<1.2.3@tracker.example.org>",
        subject="2 stale commitments",
        cc="lee@example.org",
        listed_commitment_ids=[items["water"].pk, items["moon"].pk],
    )
    Reminder.objects.create(recipient=ana, day=datetime.date(2025, 4, 1), claimed_at=at("2025-04-01", 7))
    return items


def _export(path: Path) -> dict[str, Any]:
    call_command("export_dataset", str(path), stdout=io.StringIO())
    exported: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return exported


def _restore(path: Path) -> str:
    out = io.StringIO()
    call_command("restore_dataset", str(path), stdout=out)
    return out.getvalue()


def _as_freshly_migrated() -> None:
    """Empty every table (TRUNCATE on PostgreSQL: the append-only triggers are row triggers) and put
    back what `migrate` installs: the default sectors and the two groups."""
    call_command("flush", interactive=False, verbosity=0)
    install_default_sectors(Sector)
    install_groups(Group, Permission)


def _without_export_time(text: str) -> str:
    return re.sub(r'^"exported_at": .*$', '"exported_at": …', text, count=1, flags=re.MULTILINE)


def _edited(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    edited = path.with_name("edited.json")
    edited.write_text(json.dumps(document), encoding="utf-8")
    return edited


def _domain_counts() -> dict[str, int]:
    return {table.name: table.model._base_manager.count() for table in backup.tables()} | {
        "users": User.objects.count()
    }


def test_every_table_of_the_app_but_api_tokens_is_exported() -> None:
    # A model added to the app later must be added to backup.tables() too, or a restore loses it.
    stored = set(apps.get_app_config("commitments").get_models(include_auto_created=True))
    assert {table.model for table in backup.tables()} == stored - {ApiToken}


@pytest.mark.django_db(transaction=True)
def test_a_restored_database_exports_byte_for_byte_the_same(tmp_path: Path) -> None:
    _rich_dataset()
    before = tmp_path / "before.json"
    exported = _export(before)
    assert all(exported["counts"].values()), exported["counts"]  # every table has rows to carry
    _as_freshly_migrated()

    _restore(before)

    after = tmp_path / "after.json"
    again = _export(after)
    assert again["counts"] == exported["counts"]
    assert _without_export_time(after.read_text(encoding="utf-8")) == _without_export_time(
        before.read_text(encoding="utf-8")
    )


@pytest.mark.django_db(transaction=True)
def test_the_export_carries_the_format_time_migrations_and_counts(tmp_path: Path) -> None:
    _rich_dataset()
    exported = _export(tmp_path / "dataset.json")
    assert exported["format"] == "commitment-tracker-dataset"
    assert exported["format_version"] == 1
    assert datetime.datetime.fromisoformat(exported["exported_at"]).tzinfo is not None
    assert exported["migrations"]["commitments"][-1] == backup.applied_migrations()[-1]
    assert exported["counts"]["commitments"] == Commitment.objects.count() == 45
    assert exported["counts"]["reviews"] == Review.objects.count()
    assert exported["counts"]["review_citations"] == ReviewCitation.objects.count()
    assert exported["counts"]["users"] == User.objects.count() == 503
    for name, count in exported["counts"].items():
        assert len(exported["tables"][name]["rows"]) == count
    documents = exported["tables"]["documents"]
    full_text = documents["fields"].index("full_text")
    assert any("嫦娥六号" in row[full_text] for row in documents["rows"])
    assert "search_document" not in exported["tables"]["commitments"]["fields"]


@pytest.mark.django_db
def test_the_export_holds_no_password_hash_token_or_session(tmp_path: Path) -> None:
    ana = UserFactory.create(username="ana", is_staff=True)
    key = token_for(ana)
    token = ApiToken.objects.get(user=ana)
    client = Client()
    client.force_login(ana)
    session_key = client.session.session_key
    assert session_key
    assert Session.objects.filter(session_key=session_key).exists()
    CommitmentFactory.create(owner=ana)
    path = tmp_path / "dataset.json"

    exported = _export(path)

    text = path.read_text(encoding="utf-8")
    assert ana.password.startswith("md5$")
    for user in User.objects.all():
        assert user.password not in text
    assert "md5$" not in text
    assert '"password"' not in text
    for secret in (key, token.digest, token.hint, session_key):
        assert secret not in text
    assert "users" in exported["tables"]
    assert not any("token" in name or "session" in name for name in exported["tables"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # names and addresses: its owner's only


@pytest.mark.django_db(transaction=True)
def test_restored_users_cannot_sign_in_with_their_old_password(tmp_path: Path) -> None:
    ana = UserFactory.create(username="ana", is_staff=True)
    ana.groups.add(Group.objects.get(name="analyst"))
    assert authenticate(username="ana", password=OLD_PASSWORD) == ana
    path = tmp_path / "dataset.json"
    _export(path)
    _as_freshly_migrated()

    printed = _restore(path)

    restored = User.objects.get(username="ana")
    assert restored.pk == ana.pk
    assert not restored.has_usable_password()
    assert authenticate(username="ana", password=OLD_PASSWORD) is None
    assert not Client().login(username="ana", password=OLD_PASSWORD)
    assert list(restored.groups.values_list("name", flat=True)) == ["analyst"]
    assert "unusable passwords" in printed
    assert "changepassword" in printed


@pytest.mark.django_db(transaction=True)
def test_rows_added_after_a_restore_get_fresh_ids(tmp_path: Path) -> None:
    items = catalogue()
    review_at(at("2025-01-10"), items["moon"], Status.IN_PROGRESS, rationale="Under way.")
    EvidenceFactory.create(commitment=items["moon"])
    path = tmp_path / "dataset.json"
    _export(path)
    highest = {
        model: model._base_manager.order_by("-pk").values_list("pk", flat=True)[0]
        for model in (Document, Section, Commitment, Evidence, Review, User)
    }
    _as_freshly_migrated()
    _restore(path)

    # On PostgreSQL the flush restarted every sequence at 1: without the reset these would collide.
    commitment = CommitmentFactory.create()
    newcomer = UserFactory.create(username="newcomer")
    review = review_at(at("2025-02-01"), commitment, Status.NOT_STARTED, newcomer, rationale="Not yet.")
    evidence = EvidenceFactory.create(commitment=commitment)
    section = Section.objects.create(
        document=commitment.document,
        key="III",
        title="More",
        heading="III. More",
        level=1,
        position=9,
        start_offset=0,
    )
    assert commitment.pk > highest[Commitment]
    assert commitment.document.pk > highest[Document]
    assert section.pk > highest[Section]
    assert evidence.pk > highest[Evidence]
    assert review.pk > highest[Review]
    assert newcomer.pk > highest[User]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_restored_record_is_append_only_and_searchable(tmp_path: Path) -> None:
    items = catalogue()
    evidence = EvidenceFactory.create(commitment=items["moon"])
    services.record_review(
        commitment=items["moon"].pk,
        reviewer=UserFactory.create(username="historian"),
        status=Status.ACHIEVED,
        rationale="Samples returned.",
        evidence=[evidence],
    )
    path = tmp_path / "dataset.json"
    _export(path)
    _as_freshly_migrated()
    _restore(path)

    # The search vector was computed by its trigger on INSERT, not carried in the file.
    assert not Commitment.objects.filter(search_document__isnull=True).exists()
    assert list(Commitment.objects.search("lunar probe").values_list("pk", flat=True)) == [items["moon"].pk]
    # The triggers that keep the record are still on.
    for statement in (
        "UPDATE commitments_review SET rationale = 'rewritten'",
        "DELETE FROM commitments_reviewcitation",
        f"UPDATE commitments_evidence SET title = 'rewritten' WHERE id = {evidence.pk}",
    ):
        with pytest.raises(DatabaseError, match=r"cannot|append-only"), transaction.atomic():
            connection.cursor().execute(statement)


@pytest.mark.django_db
def test_restore_refuses_a_database_that_already_has_data(tmp_path: Path) -> None:
    CommitmentFactory.create(owner=UserFactory.create(username="ana"))
    path = tmp_path / "dataset.json"
    _export(path)
    before = _domain_counts()

    with pytest.raises(CommandError, match=r"not empty \(documents: 1, commitments: 1, users: 1\)"):
        _restore(path)

    assert _domain_counts() == before


@pytest.mark.django_db
def test_restore_refuses_a_database_with_users_only(tmp_path: Path) -> None:
    path = tmp_path / "dataset.json"
    _export(path)
    UserFactory.create(username="admin", is_superuser=True)

    with pytest.raises(CommandError, match=r"not empty \(users: 1\)"):
        _restore(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc.update(format_version=2), "format version 2; this tracker reads version 1"),
        (lambda doc: doc.update(format="something-else"), "Not a dataset export"),
        (lambda doc: doc["migrations"]["commitments"].pop(), "exported at commitments migration"),
        (lambda doc: doc["counts"].update(sectors=99), "declares 99 sectors but holds"),
        (lambda doc: doc["tables"].pop("reviews"), "not a complete dataset export"),
        (lambda doc: doc["tables"]["sectors"]["fields"].pop(), "sectors columns"),
    ],
    ids=["format-version", "format", "migration-state", "count", "missing-table", "columns"],
)
@pytest.mark.django_db
def test_restore_refuses_a_file_that_does_not_match_this_schema(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    path = tmp_path / "dataset.json"
    _export(path)
    sectors = list(Sector.objects.values_list("pk", "slug"))

    with pytest.raises(CommandError, match=re.escape(message)):
        _restore(_edited(path, change))

    assert list(Sector.objects.values_list("pk", "slug")) == sectors
    assert not User.objects.exists()


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "dataset.json"
    path.write_text('{"format": "commitment-tracker-dataset", "tables": {', encoding="utf-8")
    with pytest.raises(CommandError, match="not a dataset export"):
        _restore(path)
    with pytest.raises(CommandError, match="Cannot read"):
        _restore(tmp_path / "missing.json")


@pytest.mark.django_db(transaction=True)
def test_restore_is_all_or_nothing(tmp_path: Path) -> None:
    items = catalogue()
    review_at(at("2025-01-10"), items["moon"], Status.IN_PROGRESS, rationale="Under way.")
    path = tmp_path / "dataset.json"
    _export(path)
    _as_freshly_migrated()
    sectors = list(Sector.objects.values_list("pk", "slug"))

    def break_the_last_review(document: dict[str, Any]) -> None:
        reviews = document["tables"]["reviews"]
        reviews["rows"][-1][reviews["fields"].index("status_after")] = "abandoned"  # not on the scale

    with pytest.raises(CommandError, match="refused the file's rows; nothing was restored"):
        _restore(_edited(path, break_the_last_review))

    left = _domain_counts()
    assert left.pop("sectors") == len(sectors)
    assert not any(left.values()), left
    assert list(Sector.objects.values_list("pk", "slug")) == sectors


@pytest.mark.django_db
def test_export_to_standard_output_is_the_same_document(tmp_path: Path) -> None:
    CommitmentFactory.create()
    out, err = io.StringIO(), io.StringIO()

    call_command("export_dataset", "-", stdout=out, stderr=err)

    streamed = json.loads(out.getvalue())
    written = _export(tmp_path / "dataset.json")
    assert {key: value for key, value in streamed.items() if key != "exported_at"} == {
        key: value for key, value in written.items() if key != "exported_at"
    }
    assert "Exported to standard output" in err.getvalue()
    assert "Exported to" not in out.getvalue()
