import django.contrib.postgres.search
from django.db import migrations

# The keyword search ranked every match by re-parsing its text (to_tsvector per row: 0.5 s for a common
# word at 100k commitments). On PostgreSQL a trigger now keeps the weighted vector in search_document,
# indexed, and the search reads it. The expression is 0009's, with the same frozen fold strings.
TYPOGRAPHIC = (
    "\u2018\u2019\u201a\u201b\u2032\u02bc\uff07"  # → '
    "\u201c\u201d\u201e\u201f\u2033\uff02"  # → "
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"  # → -
    "\u00a0\u202f"  # → space
)
PLAIN = "'" * 7 + '"' * 6 + "-" * 10 + " " * 2


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def folded(column):
    return f"translate({column}, {literal(TYPOGRAPHIC)}, {literal(PLAIN)})"


CREATE = f"""
CREATE FUNCTION commitments_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document :=
        setweight(to_tsvector('english'::regconfig, COALESCE(NEW.reference, '')), 'A')
        || setweight(to_tsvector('english'::regconfig,
            COALESCE({folded("NEW.text")}, '') || ' ' || COALESCE({folded("NEW.lead_in")}, '')), 'B');
    RETURN NEW;
END
$$;
CREATE TRIGGER commitments_search_document
    BEFORE INSERT OR UPDATE OF reference, text, lead_in, search_document ON commitments_commitment
    FOR EACH ROW EXECUTE FUNCTION commitments_search_document();
UPDATE commitments_commitment SET search_document = NULL;
CREATE INDEX commitment_search_document_idx ON commitments_commitment USING gin (search_document);
DROP INDEX IF EXISTS commitment_search_folded_idx;
"""
DROP = f"""
CREATE INDEX IF NOT EXISTS commitment_search_folded_idx ON commitments_commitment USING gin (
    (setweight(to_tsvector('english'::regconfig, COALESCE(reference, '')), 'A')
     || setweight(to_tsvector('english'::regconfig,
            COALESCE({folded("text")}, '') || ' ' || COALESCE({folded("lead_in")}, '')), 'B'))
);
DROP INDEX IF EXISTS commitment_search_document_idx;
DROP TRIGGER IF EXISTS commitments_search_document ON commitments_commitment;
DROP FUNCTION IF EXISTS commitments_search_document();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0011_list_indexes")]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create, drop),
    ]
