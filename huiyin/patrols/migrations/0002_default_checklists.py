"""The kinds of key place and the first version of each one's checklist."""

from django.db import migrations


def seed(apps, schema_editor):
    from huiyin.patrols.defaults import ensure_defaults

    ensure_defaults(
        apps.get_model("patrols", "PlaceKind"),
        apps.get_model("patrols", "Checklist"),
        apps.get_model("patrols", "ChecklistItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
