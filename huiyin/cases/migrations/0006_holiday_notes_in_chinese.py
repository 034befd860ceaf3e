"""The holiday table's notes in Chinese (国庆节, not "National Day"), as an office reads them.

0003 copied the package's English holiday names; this renames them where a row still carries
one. Notes an administrator wrote are left as they are.
"""

from django.db import migrations


def to_chinese(apps, schema_editor):
    from chinese_calendar import constants

    CalendarDay = apps.get_model("cases", "CalendarDay")
    for holiday in constants.Holiday:
        CalendarDay.objects.filter(note=holiday.value).update(note=holiday.chinese[:60])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_list_order_indexes"),
    ]

    operations = [migrations.RunPython(to_chinese, migrations.RunPython.noop)]
