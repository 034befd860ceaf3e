"""重复信访 as an explicit mark: set for every petition linked to an earlier one, and from now on
also for a ledger's 重复信访 = 是 whose earlier petition is not in Huiyin."""

from django.db import migrations, models


def mark_linked_repeats(apps, schema_editor):
    Petition = apps.get_model("petitions", "Petition")
    Petition.objects.using(schema_editor.connection.alias).filter(repeat_of__isnull=False).update(
        is_repeat=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0002_track_attempt"),
    ]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="is_repeat",
            field=models.BooleanField(default=False, verbose_name="repeat petition"),
        ),
        migrations.RunPython(mark_linked_repeats, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="petition",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("repeat_of__isnull", True), ("is_repeat", True), _connector="OR"
                ),
                name="petition_repeat_link_is_repeat",
            ),
        ),
    ]
