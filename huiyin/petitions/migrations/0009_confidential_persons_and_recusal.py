"""条例 art. 28, 30, 46: the staff member complained about, recusals (回避), and the kind of a
transfer (an accusation against a public official goes to the 纪检监察 body)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_one_notification_per_case_and_day"),
        ("org", "0002_staff_labels"),
        ("petitions", "0008_representatives_warning"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="complained_staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="complaints",
                to="org.staff",
                verbose_name="staff member complained about",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="transfer_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("ordinary", "Ordinary transfer"),
                    ("accusation", "Accusation against a public official, to the supervision body"),
                ],
                max_length=20,
                verbose_name="kind of transfer",
            ),
        ),
        migrations.CreateModel(
            name="PetitionRecusal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.TextField(verbose_name="reason")),
                (
                    "declared",
                    models.BooleanField(default=False, verbose_name="declared by the staff member"),
                ),
                (
                    "recorded_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="recorded at"
                    ),
                ),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recusals",
                        to="cases.case",
                        verbose_name="case",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="recorded by",
                    ),
                ),
                (
                    "staff",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="recusals",
                        to="org.staff",
                        verbose_name="staff member",
                    ),
                ),
            ],
            options={
                "verbose_name": "recusal",
                "verbose_name_plural": "recusals",
                "ordering": ["recorded_at", "id"],
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [
                    models.UniqueConstraint(fields=("staff", "case"), name="recusal_once_per_case")
                ],
            },
        ),
    ]
