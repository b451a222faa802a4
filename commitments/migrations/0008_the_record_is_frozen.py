from django.db import migrations

from commitments.defaults import refresh_group_permissions

# The record cannot be rewritten by SQL either (services.py and the models refuse the ORM paths):
# - evidence a review cites keeps what the review saw (the columns of services.EVIDENCE_RECORD_FIELDS,
#   its commitment and its creation time) and cannot be deleted;
# - citations are append-only, like the reviews they belong to (0003);
# - an API token's user and digest never change: every request made with it acts as that user.
# TRUNCATE (used by test teardown) is not a row event and stays possible.
CREATE = """
CREATE OR REPLACE FUNCTION commitments_evidence_cited_is_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM commitments_reviewcitation WHERE evidence_id = OLD.id) THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'evidence % is cited by a review: it is part of the record and cannot be deleted', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF ROW(NEW.url, NEW.title, NEW.publisher, NEW.published_on, NEW.kind, NEW.signal, NEW.excerpt,
               NEW.commitment_id, NEW.created_at)
           IS DISTINCT FROM
           ROW(OLD.url, OLD.title, OLD.publisher, OLD.published_on, OLD.kind, OLD.signal, OLD.excerpt,
               OLD.commitment_id, OLD.created_at) THEN
            RAISE EXCEPTION 'evidence % is cited by a review: it is part of the record and cannot be changed', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER commitments_evidence_cited_is_frozen
    BEFORE UPDATE OR DELETE ON commitments_evidence
    FOR EACH ROW EXECUTE FUNCTION commitments_evidence_cited_is_frozen();

CREATE OR REPLACE FUNCTION commitments_reviewcitation_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'commitments_reviewcitation is append-only: a review''s citations never change'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER commitments_reviewcitation_append_only
    BEFORE UPDATE OR DELETE ON commitments_reviewcitation
    FOR EACH ROW EXECUTE FUNCTION commitments_reviewcitation_append_only();

CREATE OR REPLACE FUNCTION commitments_apitoken_user_is_fixed() RETURNS trigger AS $$
BEGIN
    IF NEW.user_id IS DISTINCT FROM OLD.user_id OR NEW.digest IS DISTINCT FROM OLD.digest THEN
        RAISE EXCEPTION 'an API token''s user and key never change: revoke it and create a new one'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER commitments_apitoken_user_is_fixed
    BEFORE UPDATE ON commitments_apitoken
    FOR EACH ROW EXECUTE FUNCTION commitments_apitoken_user_is_fixed();
"""
DROP = """
DROP TRIGGER IF EXISTS commitments_evidence_cited_is_frozen ON commitments_evidence;
DROP FUNCTION IF EXISTS commitments_evidence_cited_is_frozen();
DROP TRIGGER IF EXISTS commitments_reviewcitation_append_only ON commitments_reviewcitation;
DROP FUNCTION IF EXISTS commitments_reviewcitation_append_only();
DROP TRIGGER IF EXISTS commitments_apitoken_user_is_fixed ON commitments_apitoken;
DROP FUNCTION IF EXISTS commitments_apitoken_user_is_fixed();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # no parameters: the % in RAISE stays as it is


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def refresh_groups(apps, schema_editor):
    # Analysts now create their own API tokens (defaults.GROUP_PERMISSIONS).
    refresh_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0007_search_indexes")]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(refresh_groups, migrations.RunPython.noop),
    ]
