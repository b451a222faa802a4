"""A reminder's listed commitments as a list of ids on its own row, in the e-mail's order, instead of a
many-to-many table: recording them cost two foreign-key checks per item at every mark."""

from typing import Any

from django.db import migrations, models


def ids_from_the_table(apps: Any, schema_editor: Any) -> None:
    Reminder = apps.get_model("commitments", "Reminder")
    Through = Reminder.commitments.through
    listed: dict[int, list[int]] = {}
    # The table's own order is the order the items were recorded in, which was the e-mail's.
    pairs = Through.objects.order_by("reminder_id", "pk").values_list("reminder_id", "commitment_id")
    for reminder_id, commitment_id in pairs.iterator(chunk_size=5000):
        listed.setdefault(reminder_id, []).append(commitment_id)
    for reminder_id, ids in listed.items():
        Reminder.objects.filter(pk=reminder_id).update(listed_commitment_ids=ids)


def ids_into_the_table(apps: Any, schema_editor: Any) -> None:
    Reminder = apps.get_model("commitments", "Reminder")
    Commitment = apps.get_model("commitments", "Commitment")
    Through = Reminder.commitments.through
    existing = set(Commitment.objects.values_list("pk", flat=True))
    pairs = Reminder.objects.values_list("pk", "listed_commitment_ids")
    Through.objects.bulk_create(
        (
            Through(reminder_id=pk, commitment_id=commitment_id)
            for pk, ids in pairs.iterator(chunk_size=500)
            for commitment_id in dict.fromkeys(ids)
            if commitment_id in existing
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0021_reference_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="listed_commitment_ids",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="The ids of the commitments the e-mail listed, in its order (at most 100 per section).",
                verbose_name="listed commitments",
            ),
        ),
        migrations.RunPython(ids_from_the_table, ids_into_the_table, elidable=True),
        migrations.RemoveField(model_name="reminder", name="commitments"),
    ]
