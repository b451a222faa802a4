from django.db import migrations

# The keyword search (CommitmentQuerySet.search) on PostgreSQL: a GIN index on exactly the
# weighted tsvector expression the ORM builds, and one on UPPER(reference) for the exact-reference
# branch of the same OR, so the planner can combine both instead of scanning the table.
CREATE = """
CREATE INDEX IF NOT EXISTS commitment_search_vector_idx ON commitments_commitment USING gin (
    (setweight(to_tsvector('english'::regconfig, COALESCE(reference, '')), 'A')
     || setweight(to_tsvector('english'::regconfig, COALESCE(text, '') || ' ' || COALESCE(lead_in, '')), 'B'))
);
CREATE INDEX IF NOT EXISTS commitment_reference_upper_idx ON commitments_commitment (UPPER(reference::text));
"""
DROP = """
DROP INDEX IF EXISTS commitment_search_vector_idx;
DROP INDEX IF EXISTS commitment_reference_upper_idx;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0006_refresh_group_permissions")]

    operations = [migrations.RunPython(create, drop)]
