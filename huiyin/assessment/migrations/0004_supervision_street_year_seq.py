# Supervision orders numbered per street and year: the sequence is unique within
# (street, year), not the year; every order has its street (filled in 0003).

import django.db.models.deletion
from django.db import migrations, models
from django.utils.translation import gettext


def refuse_orders_without_street(apps, schema_editor):
    """Name the orders whose street 0003 could not tell, rather than fail on NOT NULL."""
    SupervisionOrder = apps.get_model("assessment", "SupervisionOrder")
    left = list(
        SupervisionOrder.objects.filter(street__isnull=True).values_list("number", flat=True)[:20]
    )
    if left:
        message = gettext(
            "The street of these supervision orders cannot be told from their community or"
            " unit: %(numbers)s. Give each a community or unit, then upgrade again."
        )
        raise RuntimeError(message % {"numbers": ", ".join(left)})


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0003_supervision_street"),
    ]

    operations = [
        migrations.RunPython(refuse_orders_without_street, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="supervisionorder",
            name="street",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.street",
                verbose_name="street",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="supervisionorder",
            name="supervision_year_seq",
        ),
        migrations.AddConstraint(
            model_name="supervisionorder",
            constraint=models.UniqueConstraint(
                fields=("street", "year", "seq"), name="supervision_street_year_seq"
            ),
        ),
    ]
