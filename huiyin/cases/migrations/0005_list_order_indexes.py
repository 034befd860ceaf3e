"""Indexes for the case lists' orders over the cases not withdrawn (bench/README.md: the
petition list at a million cases): page 1, any deep page and the count walk an index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_reminders_and_notifications"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("withdrawn", False)),
                fields=["kind", "due_on", "-received_at", "-id", "withdrawn"],
                name="case_list_due",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("withdrawn", False)),
                fields=["kind", "-received_at", "-id", "withdrawn"],
                name="case_list_received",
            ),
        ),
    ]
