"""`python manage.py grant_app_role ROLE`: give the role the web processes and workers connect as
exactly the rights the app needs on this database, as the tables' owner (docs/reliability.md).

The app role reads and writes rows; it never owns a table. So it cannot TRUNCATE, ALTER a table,
disable a trigger or set session_replication_role, which are how a table's owner (or a superuser) could
rewrite history the triggers protect. On the record itself (reviews and their citations) it may only
read and add rows. Run it after every `migrate` (it is idempotent): a new table gets its rights then.
`--print` shows the SQL instead of running it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

# The append-only record: rows are added, never changed or removed (migrations 0003 and 0008).
APPEND_ONLY = {"commitments_review", "commitments_reviewcitation"}
# Read-only for the app: what migrate writes.
READ_ONLY = {"django_migrations"}
ROW_RIGHTS = ["SELECT", "INSERT", "UPDATE", "DELETE"]


def grants(role: str, tables: list[str]) -> list[sql.Composed]:
    who = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(connection.settings_dict["NAME"]), who
        ),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(who),
    ]
    for table in tables:
        rights = (
            ["SELECT"] if table in READ_ONLY else ["SELECT", "INSERT"] if table in APPEND_ONLY else ROW_RIGHTS
        )
        statements.append(
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                sql.SQL(", ").join(sql.SQL(right) for right in rights), sql.Identifier(table), who
            )
        )
    statements.append(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who))
    return statements


class Command(BaseCommand):
    help = (
        "Grant the app's database role exactly the rights it needs (run as the tables' owner, after migrate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "role", help="The role the app connects as, e.g. tracker_app (created by your DBA)."
        )
        parser.add_argument("--print", action="store_true", help="Show the SQL instead of running it.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("grant_app_role is for PostgreSQL; SQLite has no roles.")
        role = options["role"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            found = cursor.fetchone()
            if found is None:
                raise CommandError(
                    f"No role {role!r}: create it first, e.g. CREATE ROLE {role} LOGIN PASSWORD '…'"
                )
            if found[0]:
                raise CommandError(f"{role!r} is a superuser: the app role must be an ordinary one.")
            if role == connection.settings_dict["USER"]:
                raise CommandError(f"{role!r} is the role running this command (the owner): use another one.")
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
        statements = grants(role, tables)
        if options["print"]:
            with connection.cursor() as cursor:
                for statement in statements:
                    self.stdout.write(statement.as_string(cursor.connection) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        appended = ", ".join(sorted(APPEND_ONLY & set(tables)))
        self.stdout.write(
            f"{role}: rows of {len(tables)} tables (read and add only on {appended}); no TRUNCATE, ALTER or "
            "trigger control."
        )
