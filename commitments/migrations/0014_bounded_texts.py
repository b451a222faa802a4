"""Free text a person writes is bounded: a rationale, an evidence excerpt and a snooze reason hold at most
20,000 characters (models.MAX_TEXT_LENGTH). The fields say so to forms and the API (max_length, and a
validator for full_clean()); the database refuses longer text with a CHECK constraint on each.

Rows already longer than that would make the constraint fail on the first one PostgreSQL finds, with a
bare SQL error; the check before it names them all instead, and nothing is changed. Reviews and cited
evidence are the append-only record (migrations 0003 and 0008), so no migration shortens them silently.
"""

import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

LIMIT = 20_000  # models.MAX_TEXT_LENGTH when this migration was written
BOUNDED = (("review", "rationale"), ("evidence", "excerpt"), ("commitment", "snooze_reason"))


def refuse_longer_texts(apps, schema_editor):
    problems = []
    for model_name, field in BOUNDED:
        model = apps.get_model("commitments", model_name)
        longer = (
            model.objects.annotate(text_length=Length(field)).filter(text_length__gt=LIMIT).order_by("pk")
        )
        ids = list(longer.values_list("pk", flat=True)[:20])
        if ids:
            more = ", …" if len(ids) == 20 else ""
            problems.append(
                f"{model._meta.db_table}.{field} is longer than {LIMIT} characters in "
                f"{longer.count()} row(s) (id {', '.join(map(str, ids))}{more})"
            )
    if problems:
        raise RuntimeError(
            "Migration 0014 bounds free text to 20,000 characters, and some rows are longer: "
            + "; ".join(problems)
            + ". Nothing was changed. Shorten them (reviews and cited evidence are append-only: that takes a "
            "database administrator) and migrate again."
        )


def bounded_text(**kwargs):
    return models.TextField(
        blank=True,
        max_length=LIMIT,
        validators=[django.core.validators.MaxLengthValidator(LIMIT)],
        **kwargs,
    )


def length_constraint(model_name, field):
    return migrations.AddConstraint(
        model_name=model_name,
        constraint=models.CheckConstraint(
            condition=django.db.models.lookups.LessThanOrEqual(
                django.db.models.functions.text.Length(field), LIMIT
            ),
            name=f"commitments_{model_name}_{field}_length",
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("commitments", "0013_sort_indexes")]

    operations = [
        migrations.RunPython(refuse_longer_texts, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="commitment",
            name="snooze_reason",
            field=bounded_text(
                editable=False,
                help_text="e.g. Waiting for the mid-term review.",
                verbose_name="snooze reason",
            ),
        ),
        migrations.AlterField(
            model_name="evidence",
            name="excerpt",
            field=bounded_text(help_text="The passage that supports the assessment.", verbose_name="excerpt"),
        ),
        migrations.AlterField(
            model_name="review",
            name="rationale",
            field=bounded_text(help_text="Required when the status changes.", verbose_name="rationale"),
        ),
        length_constraint("commitment", "snooze_reason"),
        length_constraint("evidence", "excerpt"),
        length_constraint("review", "rationale"),
    ]
