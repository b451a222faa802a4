from django.db import migrations

# The keyword search (CommitmentQuerySet.search) now folds typographic quotes, dashes and no-break spaces
# in the text and lead-in to their plain forms with translate(), so the GIN index of 0007 no longer
# matches the expression the ORM builds. This one indexes exactly the new expression; the two strings
# are the ones search() uses, frozen here as a migration must be.
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
CREATE INDEX IF NOT EXISTS commitment_search_folded_idx ON commitments_commitment USING gin (
    (setweight(to_tsvector('english'::regconfig, COALESCE(reference, '')), 'A')
     || setweight(to_tsvector('english'::regconfig,
            COALESCE({folded("text")}, '') || ' ' || COALESCE({folded("lead_in")}, '')), 'B'))
);
DROP INDEX IF EXISTS commitment_search_vector_idx;
"""
# Back to 0007's index, on the unfolded columns.
RESTORE = """
CREATE INDEX IF NOT EXISTS commitment_search_vector_idx ON commitments_commitment USING gin (
    (setweight(to_tsvector('english'::regconfig, COALESCE(reference, '')), 'A')
     || setweight(to_tsvector('english'::regconfig, COALESCE(text, '') || ' ' || COALESCE(lead_in, '')), 'B'))
);
DROP INDEX IF EXISTS commitment_search_folded_idx;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RESTORE)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0008_the_record_is_frozen")]

    operations = [migrations.RunPython(create, restore)]
