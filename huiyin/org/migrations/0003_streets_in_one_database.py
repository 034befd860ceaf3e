"""Several streets in one database: every role grant names its street; a district role.

Existing grants get the street of their community, grid or unit, and a whole-street grant the
only street there is (before this change there could be only one).
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_streets(apps, schema_editor):
    RoleGrant = apps.get_model("org", "RoleGrant")
    Street = apps.get_model("org", "Street")
    streets = list(Street.objects.order_by("pk").values_list("pk", flat=True)[:2])
    for grant in RoleGrant.objects.select_related("community", "grid__community", "unit"):
        if grant.grid_id:
            street_id = grant.grid.community.street_id
        elif grant.community_id:
            street_id = grant.community.street_id
        elif grant.unit_id:
            street_id = grant.unit.street_id
        elif len(streets) == 1:
            street_id = streets[0]
        else:
            how_many = "no" if not streets else "several"
            raise RuntimeError(
                f"A whole-street role grant (id {grant.pk}) but {how_many} streets:"
                " create the street first."
            )
        RoleGrant.objects.filter(pk=grant.pk).update(street_id=street_id)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_staff_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="street",
            name="office_name",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Named on the masthead and signature of documents, e.g. 浓洄街道办事处;"
                    " empty: the street's name followed by 办事处."
                ),
                max_length=60,
                verbose_name="issuing office",
            ),
        ),
        migrations.AddField(
            model_name="rolegrant",
            name="street",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="grants",
                to="org.street",
                verbose_name="street",
            ),
        ),
        migrations.RunPython(fill_streets, migrations.RunPython.noop),
    ]
