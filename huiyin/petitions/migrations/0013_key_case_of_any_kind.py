"""A key case hangs on the case, whatever its kind (包案 for petitions and disputes alike).

The petition's primary key is its case's, so the stored ids stay as they are: the column is
renamed and its foreign key now points at the case.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_clock_owner_and_suspension"),
        ("petitions", "0012_complained_partial_indexes"),
    ]

    operations = [
        migrations.RenameField(model_name="keycase", old_name="petition", new_name="case"),
        migrations.AlterField(
            model_name="keycase",
            name="case",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="key_case",
                to="cases.case",
                verbose_name="case",
            ),
        ),
    ]
