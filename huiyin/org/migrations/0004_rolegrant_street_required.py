"""A role grant's street is required (filled in for existing grants by 0003; its own migration,
so PostgreSQL has no pending trigger events from those updates when the column changes)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0003_streets_in_one_database"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rolegrant",
            name="street",
            field=models.ForeignKey(
                blank=True,
                help_text="The street the role covers; filled in from the community, grid or unit.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="grants",
                to="org.street",
                verbose_name="street",
            ),
        ),
        migrations.AlterField(
            model_name="rolegrant",
            name="role",
            field=models.CharField(
                choices=[
                    ("petition_clerk", "Petition clerk"),
                    ("governance_staff", "Governance staff"),
                    ("community_worker", "Community worker"),
                    ("grid_worker", "Grid worker"),
                    ("mediator", "Mediator"),
                    ("department_handler", "Department handler"),
                    ("leader", "Leader"),
                    ("auditor", "Auditor"),
                    ("administrator", "Administrator"),
                    ("district", "District officer"),
                ],
                max_length=30,
                verbose_name="role",
            ),
        ),
    ]
