from django.db import migrations

# reports.fingerprint() sums versions and takes the latest change per document on every report request
# (its ETag and cache key). A covering index lets PostgreSQL read those three columns without the
# commitments' wide rows (their texts): an index-only scan, a fraction of a sequential scan at 100k rows.
# PostgreSQL only (INCLUDE); elsewhere the aggregate scans the table as before.
CREATE = """
CREATE INDEX IF NOT EXISTS commitment_fingerprint_idx
    ON commitments_commitment (document_id) INCLUDE (version, updated_at);
"""
DROP = "DROP INDEX IF EXISTS commitment_fingerprint_idx;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0018_suggestion_permissions")]

    operations = [migrations.RunPython(create, drop)]
