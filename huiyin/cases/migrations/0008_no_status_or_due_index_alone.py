"""Two indexes fewer on cases: status alone and due_on alone.

Every query of cases names the kind, so case_kind_status and the partial case_list_due serve
them; each insert and each transition kept these two up for nothing (the ledger import
measured it: bench/README.md).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_case_search'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_status',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_due_on',
        ),
    ]
