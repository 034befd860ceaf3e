"""Seed the incident type tree: the four classes of 突发事件应对法 art. 2 with the types below
them, as categories of kind "incident"; administrators extend it in the admin."""

from django.db import migrations

INCIDENT_TYPES = [
    ("自然灾害", ["自然灾害"]),
    ("事故灾难", ["火警", "生产安全事故", "道路交通事故"]),
    ("公共卫生事件", ["公共卫生事件"]),
    (
        "社会安全事件",
        [
            "非正常死亡",
            "群体性事件",
            "非法聚集",
            "刑事案件",
            "治安案件",
            "重大政治事件",
            "暴力恐怖事件",
            "其他",
        ],
    ),
]


def seed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for order, (name, children) in enumerate(INCIDENT_TYPES, start=1):
        parent, _created = Category.objects.get_or_create(
            kind="incident", parent=None, name=name, defaults={"order": order * 10}
        )
        for child_order, child in enumerate(children, start=1):
            Category.objects.get_or_create(
                kind="incident", parent=parent, name=child, defaults={"order": child_order * 10}
            )


def unseed(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    names = [name for name, _children in INCIDENT_TYPES]
    children = [child for _name, kids in INCIDENT_TYPES for child in kids]
    Category.objects.filter(
        kind="incident", parent__name__in=names, name__in=children, cases__isnull=True
    ).delete()
    Category.objects.filter(
        kind="incident", parent=None, name__in=names, cases__isnull=True, children__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
