"""A clock can belong to another body (the body one level up answering a review or
re-examination, 条例 art. 35, 36: never in the street's due dates or overdue figures) and be
suspended (a re-examination hearing is not counted, art. 36)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_one_notification_per_case_and_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="clock",
            name="suspended_days",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="days not counted"),
        ),
        migrations.AddField(
            model_name="clock",
            name="suspended_on",
            field=models.DateField(blank=True, null=True, verbose_name="suspended since"),
        ),
        migrations.AlterField(
            model_name="clock",
            name="party",
            field=models.CharField(
                choices=[
                    ("office", "Office"),
                    ("petitioner", "Petitioner"),
                    ("other_body", "Another body"),
                ],
                default="office",
                max_length=20,
                verbose_name="party",
            ),
        ),
    ]
