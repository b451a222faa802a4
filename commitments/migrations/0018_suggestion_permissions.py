from django.db import migrations

from commitments.defaults import refresh_group_permissions


def refresh_groups(apps, schema_editor):
    # Analysts and leads triage the evidence the public suggests (defaults.GROUP_PERMISSIONS): the
    # permissions of EvidenceSuggestion (migration 0017) are created first, then granted.
    refresh_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0017_evidence_links_suggestions_method")]

    operations = [migrations.RunPython(refresh_groups, migrations.RunPython.noop)]
