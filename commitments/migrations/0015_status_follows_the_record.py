"""A commitment's status is its latest review's status_after ("unassessed" before any review), and the
database holds it so: `UPDATE commitments_commitment SET status = …`, `queryset.update(status=…)` or a
review inserted without moving its commitment is refused when its transaction commits. The checks are
deferred to the commit so that the review service may write the review and the commitment in either
order within one transaction (services.record_review), and a restore may load commitments before their
reviews (commitments/backup.py). "Latest" is the one order the app uses: reviewed_at, then id.

Existing rows that disagree would make every later write to them fail; the check before the triggers
names them instead, and nothing is changed.
"""

from django.db import migrations

DISAGREEING = """
SELECT c.id, c.status, COALESCE(latest.status_after, 'unassessed')
FROM commitments_commitment c
LEFT JOIN LATERAL (
    SELECT r.status_after FROM commitments_review r
    WHERE r.commitment_id = c.id ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1
) latest ON true
WHERE c.status IS DISTINCT FROM COALESCE(latest.status_after, 'unassessed')
LIMIT 20
"""

CREATE = """
CREATE OR REPLACE FUNCTION commitments_status_follows_the_record() RETURNS trigger AS $$
DECLARE
    target bigint;
    stored text;
    recorded text;
BEGIN
    IF TG_TABLE_NAME = 'commitments_review' THEN
        target := NEW.commitment_id;
    ELSE
        target := NEW.id;
    END IF;
    SELECT status INTO stored FROM commitments_commitment WHERE id = target;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT status_after INTO recorded FROM commitments_review
        WHERE commitment_id = target ORDER BY reviewed_at DESC, id DESC LIMIT 1;
    recorded := COALESCE(recorded, 'unassessed');
    IF stored IS DISTINCT FROM recorded THEN
        RAISE EXCEPTION 'commitment %: status "%" is not its latest review''s "%": a status changes only by recording a review', target, stored, recorded
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER commitments_commitment_status_follows_the_record
    AFTER INSERT OR UPDATE OF status ON commitments_commitment
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION commitments_status_follows_the_record();
CREATE CONSTRAINT TRIGGER commitments_review_moves_the_status
    AFTER INSERT ON commitments_review
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION commitments_status_follows_the_record();
"""
DROP = """
DROP TRIGGER IF EXISTS commitments_commitment_status_follows_the_record ON commitments_commitment;
DROP TRIGGER IF EXISTS commitments_review_moves_the_status ON commitments_review;
DROP FUNCTION IF EXISTS commitments_status_follows_the_record();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DISAGREEING)
        rows = cursor.fetchall()
    if rows:
        listed = "; ".join(
            f"commitment {pk}: {stored!r}, latest review {recorded!r}" for pk, stored, recorded in rows
        )
        raise RuntimeError(f"status disagrees with the review history, fix these first: {listed}")
    schema_editor.execute(CREATE, params=None)  # no parameters: the % in RAISE stays as it is


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0014_bounded_texts")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
