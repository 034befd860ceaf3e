"""Each petition's latest handling outcome and latest rating on its own row, kept by triggers
(huiyin/petitions/latest.py).

Existing petitions get their values here in one UPDATE, under a lock that makes writers wait:
on PostgreSQL at ten million petitions it took 3 min 40 s (docs/city.md), and the table
needs a VACUUM afterwards (autovacuum does it; by hand it took 15 s there).
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from huiyin.petitions import latest

    latest.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from huiyin.petitions import latest

    latest.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_search_street_term_on_postgresql"),
        ("petitions", "0014_goals_receptions_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="latest_handling",
            field=models.CharField(
                choices=[
                    ("met", "Met in time"),
                    ("late", "Late"),
                    ("cancelled", "Cancelled"),
                    ("lapsed", "Window closed unused"),
                ],
                editable=False,
                max_length=20,
                null=True,
                verbose_name="latest handling outcome",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="latest_rating",
            field=models.CharField(
                choices=[
                    ("satisfied", "Satisfied"),
                    ("basically_satisfied", "Basically satisfied"),
                    ("dissatisfied", "Dissatisfied"),
                ],
                editable=False,
                max_length=30,
                null=True,
                verbose_name="latest rating",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
