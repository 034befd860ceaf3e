"""Copy the statutory holidays and make-up working days of `chinese_calendar` into the table.

Every year the package holds is marked as entered (CalendarYear). Later years' notices are
entered by an administrator; the package is not consulted again once the table has rows.
"""

from importlib.metadata import PackageNotFoundError, version

from django.db import migrations


def copy_days(apps, schema_editor):
    from chinese_calendar import constants

    CalendarDay = apps.get_model("cases", "CalendarDay")
    CalendarYear = apps.get_model("cases", "CalendarYear")
    try:
        source = f"chinese_calendar {version('chinese-calendar')}"
    except PackageNotFoundError:
        source = "chinese_calendar"
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, kind="holiday", note=str(name)[:60])
        for day, name in sorted(constants.holidays.items())
        if day not in existing
    ] + [
        CalendarDay(date=day, kind="workday", note=str(name)[:60])
        for day, name in sorted(constants.workdays.items())
        if day not in existing
    ]
    CalendarDay.objects.bulk_create(rows, batch_size=500)
    known = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=year, source=source)
            for year in sorted({day.year for day in constants.holidays})
            if year not in known
        ]
    )


def remove_days(apps, schema_editor):
    apps.get_model("cases", "CalendarDay").objects.all().delete()
    apps.get_model("cases", "CalendarYear").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_petition_categories")]

    operations = [migrations.RunPython(copy_days, remove_days)]
