from django.db import migrations

# Model.save()/delete() and the queryset already refuse; this closes raw SQL and shell paths
# too. TRUNCATE (used by test teardown) is not a row event and stays possible.
CREATE = """
CREATE OR REPLACE FUNCTION commitments_review_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'commitments_review is append-only: record a new review instead of changing one'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER commitments_review_append_only
    BEFORE UPDATE OR DELETE ON commitments_review
    FOR EACH ROW EXECUTE FUNCTION commitments_review_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS commitments_review_append_only ON commitments_review;
DROP FUNCTION IF EXISTS commitments_review_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0002_default_taxonomy_and_groups")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
