"""A blind index of the petitioner's name, so that the list can find a returning petitioner's
matters by the exact name (as it already does by ID or phone). Existing rows get theirs here."""

from django.db import migrations

import huiyin.privacy.fields

BATCH = 500


def index_names(apps, schema_editor):
    Petitioner = apps.get_model("petitions", "Petitioner")
    rows = Petitioner.objects.using(schema_editor.connection.alias)
    field = Petitioner._meta.get_field("name")
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk").only("pk", "name")[:BATCH])
        if not batch:
            return
        for person in batch:
            rows.filter(pk=person.pk).update(name_hash=field.index_value(person.name))
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0003_is_repeat"),
    ]

    operations = [
        migrations.AlterField(
            model_name="petitioner",
            name="name",
            field=huiyin.privacy.fields.EncryptedTextField(
                index_field="name_hash", index_purpose="name", verbose_name="name"
            ),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="name_hash",
            field=huiyin.privacy.fields.BlindIndexField(),
        ),
        migrations.RunPython(index_names, migrations.RunPython.noop),
    ]
