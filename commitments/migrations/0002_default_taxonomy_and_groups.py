from django.contrib.auth.management import create_permissions
from django.db import migrations

from commitments.defaults import install_default_sectors, install_groups


def install(apps, schema_editor):
    # Permissions normally appear only after `migrate` finishes (post_migrate); the groups
    # need them now, so create them first.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    install_default_sectors(apps.get_model("commitments", "Sector"))
    install_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("commitments", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
