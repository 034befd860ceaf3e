# An assessment round belongs to a street: it scores and ranks that street's communities and
# units, and is seen only there. Filled here; required in 0006.

import django.db.models.deletion
from django.db import migrations, models


def fill_street(apps, schema_editor):
    """Each round's street: the street of the bodies it scored (the first street among them
    when a round reckoned several, as rounds did before they had a street), else the first
    street."""
    Round = apps.get_model("assessment", "Round")
    Score = apps.get_model("assessment", "Score")
    Street = apps.get_model("org", "Street")
    first = Street.objects.order_by("pk").values_list("pk", flat=True).first()
    for found in Round.objects.filter(street__isnull=True).only("pk"):
        scores = Score.objects.filter(round_id=found.pk)
        candidates = [
            *scores.filter(community__isnull=False).values_list("community__street_id", flat=True),
            *scores.filter(unit__isnull=False).values_list("unit__street_id", flat=True),
        ]
        street = min(candidates) if candidates else first
        if street is not None:
            Round.objects.filter(pk=found.pk).update(street_id=street)


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0004_supervision_street_year_seq"),
        ("org", "0006_street_unique_short_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="round",
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
