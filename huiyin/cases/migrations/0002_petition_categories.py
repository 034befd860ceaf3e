"""Seed the petition category tree (信访事项分类); administrators extend it in the admin."""

from django.db import migrations

PETITION_CATEGORIES = [
    "土地征收",
    "城建拆迁",
    "劳动社保",
    "涉法涉诉",
    "环境保护",
    "物业管理",
    "邻里纠纷",
    "教育医疗",
    "其他",
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for order, name in enumerate(PETITION_CATEGORIES, start=1):
        Category.objects.get_or_create(
            kind="petition", parent=None, name=name, defaults={"order": order * 10}
        )


def unseed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    Category.objects.filter(
        kind="petition", parent=None, name__in=PETITION_CATEGORIES, cases__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
