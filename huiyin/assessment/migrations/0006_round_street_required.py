# Every assessment round has its street (filled in 0005).

import django.db.models.deletion
from django.db import migrations, models
from django.utils.translation import gettext


def refuse_rounds_without_street(apps, schema_editor):
    """Name the rounds 0005 could give no street (there is no street at all), rather than
    fail on NOT NULL."""
    Round = apps.get_model("assessment", "Round")
    left = list(Round.objects.filter(street__isnull=True).values_list("name", flat=True)[:20])
    if left:
        message = gettext(
            "These assessment rounds have no street to belong to: %(names)s. Create the"
            " street first, then upgrade again."
        )
        raise RuntimeError(message % {"names": ", ".join(left)})


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0005_round_street"),
    ]

    operations = [
        migrations.RunPython(refuse_rounds_without_street, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="round",
            name="street",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.street",
                verbose_name="street",
            ),
        ),
    ]
