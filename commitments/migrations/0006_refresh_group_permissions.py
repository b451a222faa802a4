from django.contrib.auth.management import create_permissions
from django.db import migrations

from commitments.defaults import install_groups


def refresh(apps, schema_editor):
    # The groups gain the permissions of models added since 0002 (API tokens).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    install_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [("commitments", "0005_api_tokens")]

    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
