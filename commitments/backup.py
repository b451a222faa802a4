"""Backup and restore of the whole dataset as one JSON document (`manage.py export_dataset` and
`restore_dataset`, docs/operations.md).

The export holds every row the app keeps, primary keys included, so references hold: documents,
sections, sectors, commitments and their sectors, evidence, reviews and their citations, reminders
(each with the commitments it listed); the groups with their permissions; the users with their groups and
permissions. It never holds a password hash, an API token or a session.

It is read in one snapshot (REPEATABLE READ on PostgreSQL), so a review written meanwhile is either
there with its citations or not at all, and written row by row, one per line, as it is read.

A restore fills a freshly migrated database (the same `commitments` migrations, no data and no
users) in one transaction. Rows go in with plain INSERTs of the stored values: no save(), no
signals, no auto_now, so every timestamp, version and status is the exported one, and nothing is
ever UPDATEd (reviews, citations and cited evidence refuse that: migrations 0003 and 0008). The
search vector is left to its trigger (migration 0012). Users come back with unusable passwords.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from commitments.benchmark_data import FILLED_BY_THE_DATABASE
from commitments.models import (
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

FORMAT = "commitment-tracker-dataset"
FORMAT_VERSION = 1
APP = "commitments"
BATCH = 2000

# What a user is, without the password hash.
USER_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_superuser",
    "is_active",
    "date_joined",
    "last_login",
)
USER_COLUMNS = (*USER_FIELDS, "groups", "permissions")
GROUP_COLUMNS = ("name", "permissions")

Row = list[Any]


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


class RestoreRefusedError(Exception):
    """The file or the database is not fit for a restore; nothing was written."""


@dataclass(frozen=True)
class Table:
    """A model's table, every column but the ones the database fills itself."""

    name: str
    model: type[models.Model]
    parent: str | None = None  # a reference to the same table: parents are inserted before children

    @property
    def fields(self) -> list[models.Field[Any, Any]]:
        return [
            field for field in self.model._meta.concrete_fields if field.attname not in FILLED_BY_THE_DATABASE
        ]

    @property
    def columns(self) -> list[str]:
        return [field.attname for field in self.fields]


def tables() -> tuple[Table, ...]:
    """The app's tables in load order (referenced rows first). ApiToken is left out on purpose."""
    return (
        Table("documents", Document),
        Table("sections", Section, parent="parent_id"),
        Table("sectors", Sector, parent="parent_id"),
        Table("commitments", Commitment),
        Table("commitment_sectors", CommitmentSector),
        Table("evidence", Evidence),
        Table("evidence_links", EvidenceLink),
        Table("evidence_archives", EvidenceArchive),
        Table("evidence_suggestions", EvidenceSuggestion),
        Table("reviews", Review),
        Table("review_citations", ReviewCitation),
        Table("reminders", Reminder),
    )


def applied_migrations() -> list[str]:
    """The `commitments` migrations applied to this database, in name order."""
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(name for app, name in applied if app == APP)


# --- Export -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    exported_at: str
    migration: str
    counts: dict[str, int]


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not exported")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_encode)


def _permission_key(app_label: str, codename: str) -> str:
    return f"{app_label}.{codename}"


def _group_rows() -> Iterator[Row]:
    permissions: dict[int, list[str]] = {}
    through = Group.permissions.through.objects.values_list(
        "group_id", "permission__content_type__app_label", "permission__codename"
    )
    for group_id, app_label, codename in through:
        permissions.setdefault(group_id, []).append(_permission_key(app_label, codename))
    for pk, name in Group.objects.order_by("name").values_list("pk", "name"):
        yield [name, sorted(permissions.get(pk, []))]


def _user_rows() -> Iterator[Row]:
    groups: dict[int, list[str]] = {}
    for user_id, name in User.groups.through.objects.values_list("user_id", "group__name"):
        groups.setdefault(user_id, []).append(name)
    permissions: dict[int, list[str]] = {}
    through = User.user_permissions.through.objects.values_list(
        "user_id", "permission__content_type__app_label", "permission__codename"
    )
    for user_id, app_label, codename in through:
        permissions.setdefault(user_id, []).append(_permission_key(app_label, codename))
    users = User.objects.order_by("pk").values_list(*USER_FIELDS).iterator(chunk_size=BATCH)
    for values in users:
        pk = values[0]
        yield [*values, sorted(groups.get(pk, [])), sorted(permissions.get(pk, []))]


def _table_rows(table: Table) -> Iterator[Row]:
    rows = table.model._base_manager.order_by("pk").values_list(*table.columns)
    for values in rows.iterator(chunk_size=BATCH):
        yield list(values)


def export(out: Writer) -> ExportSummary:
    """Write the whole dataset to `out` as one JSON document, a row per line, as it is read."""
    outermost = not connection.in_atomic_block
    if outermost:
        # Open the connection (and run its health check) before the transaction: on PostgreSQL
        # SET TRANSACTION must be its first statement.
        connection.ensure_connection()
        with connection.cursor():
            pass
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        sources: list[tuple[str, Sequence[str], Iterable[Row]]] = [
            ("groups", GROUP_COLUMNS, _group_rows()),
            ("users", USER_COLUMNS, _user_rows()),
            *((table.name, table.columns, _table_rows(table)) for table in tables()),
        ]
        counts = {
            "groups": Group.objects.count(),
            "users": User.objects.count(),
            **{table.name: table.model._base_manager.count() for table in tables()},
        }
        migrations = applied_migrations()
        exported_at = _encode(timezone.now().replace(microsecond=0))
        out.write(
            "{\n"
            f'"format": {_dumps(FORMAT)},\n'
            f'"format_version": {FORMAT_VERSION},\n'
            f'"exported_at": {_dumps(exported_at)},\n'
            f'"migrations": {_dumps({APP: migrations})},\n'
            f'"counts": {_dumps(counts)},\n'
            '"tables": {\n'
        )
        for number, (name, columns, rows) in enumerate(sources):
            out.write(f'{_dumps(name)}: {{"fields": {_dumps(list(columns))}, "rows": [')
            written = 0
            chunk: list[str] = []
            for row in rows:
                chunk.append(("\n" if written == 0 else ",\n") + _dumps(row))
                written += 1
                if len(chunk) == BATCH:
                    out.write("".join(chunk))
                    chunk = []
            out.write("".join(chunk) + ("\n]}" if written else "]}"))
            out.write(",\n" if number < len(sources) - 1 else "\n")
            if written != counts[name]:
                raise RuntimeError(
                    f"{name} changed during the export ({counts[name]} counted, {written} read)"
                )
        out.write("}\n}\n")
    return ExportSummary(exported_at, migrations[-1] if migrations else "none", counts)


def export_to_path(path: Path) -> ExportSummary:
    """Export into `path`, readable by its owner only; the file appears whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            summary = export(stream)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


# --- Restore ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreSummary:
    exported_at: str
    counts: dict[str, int]
    replaced_sectors: int


def _table_in(document: Mapping[str, Any], name: str, columns: Sequence[str]) -> list[Row]:
    section = document["tables"][name]
    if list(section["fields"]) != list(columns):
        raise RestoreRefusedError(
            f"The file's {name} columns ({', '.join(section['fields'])}) are not this database's "
            f"({', '.join(columns)})."
        )
    rows = section["rows"]
    declared = document["counts"][name]
    if len(rows) != declared:
        raise RestoreRefusedError(
            f"The file is incomplete or edited: it declares {declared} {name} but holds {len(rows)}."
        )
    if not all(isinstance(row, list) and len(row) == len(columns) for row in rows):
        raise RestoreRefusedError(f"The file's {name} rows do not have one value per column.")
    return rows


def check(document: Any) -> dict[str, list[Row]]:
    """The file's rows by table, once the file is known to be a complete export of this schema."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreRefusedError(f'Not a dataset export (no "format": "{FORMAT}").')
    if document.get("format_version") != FORMAT_VERSION:
        raise RestoreRefusedError(
            f"The file is format version {document.get('format_version')}; this tracker reads version "
            f"{FORMAT_VERSION} only."
        )
    exported = document.get("migrations", {}).get(APP)
    here = applied_migrations()
    if exported != here:
        last = exported[-1] if exported else "none"
        raise RestoreRefusedError(
            f"The file was exported at {APP} migration {last}; this database is at "
            f"{here[-1] if here else 'none'}: restore into a database migrated exactly as far as the export."
        )
    try:
        return {
            "groups": _table_in(document, "groups", GROUP_COLUMNS),
            "users": _table_in(document, "users", USER_COLUMNS),
            **{table.name: _table_in(document, table.name, table.columns) for table in tables()},
        }
    except (KeyError, TypeError) as error:
        raise RestoreRefusedError(f"The file is not a complete dataset export (missing {error}).") from None


def _refuse_unless_empty() -> None:
    """Only sectors may be there already: a migrated database has the default taxonomy."""
    present = {table.name: table.model._base_manager.count() for table in tables() if table.name != "sectors"}
    present["users"] = User.objects.count()
    found = [f"{name.replace('_', ' ')}: {count}" for name, count in present.items() if count]
    if found:
        raise RestoreRefusedError(
            f"The database is not empty ({', '.join(found)}): restore only into a freshly migrated "
            "database without users."
        )


def _chunks(rows: Iterable[Row]) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(model: type[models.Model], fields: Sequence[models.Field[Any, Any]], rows: Iterable[Row]) -> None:
    """Plain INSERTs of the given values: no save(), no signals, no auto_now."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows):
            cursor.executemany(
                sql,
                [
                    [
                        field.get_db_prep_save(value, connection)
                        for field, value in zip(fields, row, strict=True)
                    ]
                    for row in chunk
                ],
            )


def _decoded(fields: Sequence[models.Field[Any, Any]], rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        yield [field.to_python(value) for field, value in zip(fields, row, strict=True)]


def _parents_first(rows: list[Row], pk_at: int, parent_at: int) -> list[Row]:
    parent_of = {row[pk_at]: row[parent_at] for row in rows}
    depth: dict[Any, int] = {}

    def depth_of(pk: Any) -> int:
        chain: list[Any] = []
        node = pk
        while node is not None and node not in depth:
            if node in chain:
                raise RestoreRefusedError(f"The file's tree of rows has a cycle through id {node}.")
            chain.append(node)
            node = parent_of.get(node)
        level = depth[node] if node is not None else -1
        for member in reversed(chain):
            level += 1
            depth[member] = level
        return depth[pk]

    return sorted(rows, key=lambda row: (depth_of(row[pk_at]), row[pk_at]))


def _permissions() -> dict[str, int]:
    rows = Permission.objects.values_list("content_type__app_label", "codename", "pk")
    return {_permission_key(app_label, codename): pk for app_label, codename, pk in rows}


def _looked_up(names: Iterable[str], known: Mapping[str, int], kind: str) -> list[int]:
    missing = sorted(set(names) - set(known))
    if missing:
        raise RestoreRefusedError(f"This database has no {kind} {', '.join(missing)}.")
    return [known[name] for name in names]


def _restore_groups(rows: list[Row]) -> None:
    """The file's groups, each with exactly its permissions (a migrated database has two already)."""
    permissions = _permissions()
    for name, held in rows:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_looked_up(held, permissions, "permission"))


def _restore_users(rows: list[Row]) -> None:
    by_name = {field.name: field for field in User._meta.concrete_fields}
    given = [by_name[name] for name in USER_FIELDS]
    fields = [*given, by_name["password"]]
    values: list[Row] = []
    for row in rows:
        user = User(
            **{
                field.attname: field.to_python(value)
                for field, value in zip(given, row[: len(given)], strict=True)
            }
        )
        user.set_unusable_password()
        values.append([getattr(user, field.attname) for field in fields])
    _insert(User, fields, values)
    groups = dict(Group.objects.values_list("name", "pk"))
    permissions = _permissions()
    memberships: list[Any] = []
    grants: list[Any] = []
    for row in rows:
        pk, group_names, held = row[0], row[-2], row[-1]
        memberships += [
            User.groups.through(user_id=pk, group_id=group_id)
            for group_id in _looked_up(group_names, groups, "group")
        ]
        grants += [
            User.user_permissions.through(user_id=pk, permission_id=permission_id)
            for permission_id in _looked_up(held, permissions, "permission")
        ]
    User.groups.through.objects.bulk_create(memberships, batch_size=BATCH)
    User.user_permissions.through.objects.bulk_create(grants, batch_size=BATCH)


def restore(document: Any) -> RestoreSummary:
    """Fill this (empty, migrated) database with an export, in one transaction, or refuse."""
    rows = check(document)
    try:
        with transaction.atomic():
            _refuse_unless_empty()
            # A migrated database holds the default taxonomy, referenced by nothing yet: the file's
            # taxonomy replaces it.
            replaced = Sector.objects.count()
            Sector.objects.filter(parent__isnull=False).update(parent=None)
            Sector.objects.all().delete()
            _restore_groups(rows["groups"])
            _restore_users(rows["users"])
            for table in tables():
                table_rows = rows[table.name]
                if table.parent is not None:
                    columns = table.columns
                    table_rows = _parents_first(table_rows, columns.index("id"), columns.index(table.parent))
                _insert(table.model, table.fields, _decoded(table.fields, table_rows))
            statements = connection.ops.sequence_reset_sql(
                no_style(), [User, *(table.model for table in tables())]
            )
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
    except (DatabaseError, ValidationError, TypeError, ValueError) as error:
        # A constraint, a foreign key or a value that is not of its column's type (an edited file).
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RestoreRefusedError(
            f"The database refused the file's rows; nothing was restored: {reason}"
        ) from error
    return RestoreSummary(
        exported_at=str(document.get("exported_at", "an unknown time")),
        counts={name: len(table_rows) for name, table_rows in rows.items()},
        replaced_sectors=replaced,
    )
