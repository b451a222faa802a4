# Snooze fields on Commitment (PRODUCT.md "Staleness and reminders") and the delivery record of a Reminder.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0003_review_append_only_trigger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="snooze_reason",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="e.g. Waiting for the mid-term review.",
                verbose_name="snooze reason",
            ),
        ),
        migrations.AddField(
            model_name="commitment",
            name="snoozed_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="commitment",
            name="snoozed_until",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="No reminders about it before this day, e.g. 2025-09-30. It still counts as stale.",
                null=True,
                verbose_name="snoozed until",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="attempts",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="1, or more when a claim abandoned by a dead worker was taken over.",
                verbose_name="attempts",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="cc",
            field=models.TextField(
                blank=True,
                help_text="Comma-separated addresses, e.g. lee@example.org.",
                verbose_name="copied to",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="item_count",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Stale commitments in the digest (the e-mail lists the first 100).",
                verbose_name="items",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="message_id",
            field=models.CharField(
                blank=True,
                help_text="Message-ID header, fixed at the first claim and reused on a retry, e.g. <172.1.2@tracker.example.org>.",
                max_length=200,
                verbose_name="message ID",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="subject",
            field=models.CharField(blank=True, max_length=200, verbose_name="subject"),
        ),
        migrations.AddConstraint(
            model_name="commitment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("snoozed_until__isnull", True),
                    models.Q(("snooze_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="commitments_commitment_snooze_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.CheckConstraint(
                condition=models.Q(("attempts__gte", 1)), name="commitments_reminder_attempts_positive"
            ),
        ),
    ]
