# A supervision order carries its street (the street of the community or unit it goes to), so
# that orders are numbered per street and year. Filled here; required in 0004.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_street(apps, schema_editor):
    """Each order's street: its community's street, else its unit's; the only street for an
    order with neither (none should have: an order goes to exactly one body)."""
    SupervisionOrder = apps.get_model("assessment", "SupervisionOrder")
    Community = apps.get_model("org", "Community")
    Unit = apps.get_model("org", "Unit")
    Street = apps.get_model("org", "Street")
    orders = SupervisionOrder.objects.filter(street__isnull=True)
    orders.filter(community__isnull=False).update(
        street_id=Subquery(
            Community.objects.filter(pk=OuterRef("community_id")).values("street_id")[:1]
        )
    )
    orders.filter(community__isnull=True, unit__isnull=False).update(
        street_id=Subquery(Unit.objects.filter(pk=OuterRef("unit_id")).values("street_id")[:1])
    )
    if orders.exists():
        streets = list(Street.objects.order_by("pk").values_list("pk", flat=True)[:2])
        if len(streets) == 1:
            orders.update(street_id=streets[0])


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0002_assurances"),
        ("org", "0005_street_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionorder",
            name="street",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.street",
                verbose_name="street",
            ),
        ),
        migrations.RunPython(fill_street, migrations.RunPython.noop),
    ]
